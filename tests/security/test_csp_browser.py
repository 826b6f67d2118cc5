"""Every page satisfies the Content-Security-Policy in Chromium: no inline script, no violation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, make_company, make_member
from tests.security.pages import pages_without_arguments

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_every_page_loads_with_no_policy_violation(live_server, transactional_db, browser_page):
    company = make_company()
    make_member(
        company,
        "alice",
        is_company_admin=True,
        can_access_lease_accounting=True,
        can_access_integrations=True,
        can_manage_integration_settings=True,
    )
    make_company("Globex Leasing")
    page = browser_page
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(f"{page.url}: {message.text}")
        if "Content Security Policy" in message.text or "Refused to" in message.text
        else None,
    )
    response = page.goto(live_server.url + reverse("login"))
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src-attr")[0]
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    visited = []
    for name in pages_without_arguments():
        url = live_server.url + reverse(name)
        # Same cookies as the page: skip POST-only actions (405) and anything but HTML.
        probe = page.request.get(url, max_redirects=0)
        assert probe.status < 500, (name, probe.status)
        if probe.status == 405 or "text/html" not in probe.headers.get("content-type", ""):
            continue
        response = page.goto(url)
        visited.append((name, response.status))
    page.goto(live_server.url + reverse("mfa_setup"))
    assert page.locator("img[alt^='QR code']").evaluate("img => img.naturalWidth") > 0

    assert len(visited) >= 10, visited
    assert violations == []
