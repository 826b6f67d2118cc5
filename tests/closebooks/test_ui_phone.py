"""On a phone (390 px) the close preview's trial balance and the lease list fit the screen: one
labelled card per row instead of a table scrolled sideways (the lease's status was off screen)."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from closebooks.models import AccountingPeriod
from closebooks.services import periods_ensure
from tests.factories import make_personas
from tests.leases.factories import make_lease, set_up_accounting

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _table(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[html.rindex("<table", 0, start) : html.index("</table>", start)]


def _company(personas) -> AccountingPeriod:
    set_up_accounting(personas.company)
    for n, status in enumerate(("active", "draft")):
        make_lease(
            personas.company,
            code=f"NYC-HQ-{n}",
            name=f"New York headquarters floor {n}",
            landlord="Empire State Realty Trust",
            status=status,
        )
    periods_ensure(company=personas.company, through=date(2026, 2, 1))
    return AccountingPeriod.objects.get(company=personas.company, start=date(2026, 1, 1))


def test_the_tables_stack_with_every_value_labelled(personas):
    jan = _company(personas)
    client = Client()
    client.force_login(personas.accountant.user)
    pages = {
        "lease-list": reverse("lease_list"),
        "trial-balance": reverse("period_preview", args=[jan.pk]),
    }
    for table_id, url in pages.items():
        table = _table(client.get(url).content.decode(), table_id)
        assert re.search(r'class="grid[^"]* stack', table)
        rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
        assert rows
        for row in rows:
            cells = re.findall(r"<td([^>]*)>", row)
            labelled = [c for c in cells if "data-label=" in c]
            # The lease code heads its card; every other value says what it is.
            assert len(labelled) == len(cells) - (1 if table_id == "lease-list" else 0)


@pytest.mark.browser
def test_nothing_scrolls_sideways_on_a_phone(transactional_db, live_server, monkeypatch):
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs a loop here
    personas = make_personas()
    jan = _company(personas)
    client = Client()
    client.force_login(personas.accountant.user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    pages = {
        "#lease-list": reverse("lease_list"),
        "#trial-balance": reverse("period_preview", args=[jan.pk]),
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context()
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            page = context.new_page()
            for viewport in (PHONE, DESKTOP):
                page.set_viewport_size(viewport)
                for selector, url in pages.items():
                    page.goto(live_server.url + url)
                    table = page.locator(selector)
                    # The table scrolls inside its own box when too wide: it must not need to.
                    overflow = table.evaluate("t => t.scrollWidth - t.clientWidth")
                    assert overflow == 0, f"{selector} at {viewport['width']} px: {overflow} px"
                    status = page.locator(f"{selector} .badge").first
                    if selector == "#lease-list":
                        box = status.bounding_box()
                        assert box["x"] + box["width"] <= viewport["width"]
        finally:
            connections.close_all()
            browser.close()
