"""The menu follows permissions: each persona sees exactly its pages, and every link it is shown,
on any page it can reach, opens (no link answers 403).

Lives with the integration tests because the crawl needs a failed sync, which needs the simulator.
"""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from integrations.services.sync import period_sync_start, sync_run_process
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)
from tests.permissions import AM, AU, OP, A, M, R

# Pages other teams add; they join the expected menus once their URL exists.
OPTIONAL = {
    "Lease changes": "lease_changes_pending",
    "Reports": "reports_index",
    "Go-live": "golive_settings",
}

ACCOUNTING_MENU = [
    "Home",
    "Leases",
    "Lease changes",
    "Close Books",
    "Closed Periods",
    "Integration Log",
    "Reports",
    "Settings",
]
MENUS = {
    A: ["Home", "Settings"],
    AM: ACCOUNTING_MENU,
    OP: ["Home", "Closed Periods", "Integration Log"],
    R: ACCOUNTING_MENU,
    M: ["Home"],
    AU: ["Home", "Leases", "Lease changes", "Reports"],
}
LEASE_SETTINGS = ["Reference data", "GL defaults", "Chart of accounts", "Subsidiaries & segments"]
SETTINGS = {
    A: [
        "Company",
        "Teams",
        "Integrations",
        "Sync settings",
        "Go-live",
        "Reference data",
        "Audit log",
    ],
    AM: LEASE_SETTINGS,
    R: LEASE_SETTINGS,
}
HREF = re.compile(r'<a [^>]*href="([^"#]+)"')
NAV = re.compile(r'<nav class="mainnav".*?</nav>', re.S)
MAX_PAGES = 120


def _exists(url_name: str) -> bool:
    try:
        reverse(url_name)
    except NoReverseMatch:
        return False
    return True


def expected(labels: list[str]) -> list[str]:
    return [label for label in labels if label not in OPTIONAL or _exists(OPTIONAL[label])]


def menu_of(html: str) -> list[str]:
    nav = NAV.search(html)
    assert nav, "the page has no main menu"
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav.group(0))


@pytest.fixture
def failed_sync(personas, sandbox):
    """A closed Jan 2026 whose sync failed on a department NetSuite does not know."""
    company = personas.company
    set_up_netsuite_accounting(company)
    add_lease(company, "HQ-1")
    add_lease(company, "FAC-2", department="Facilities Management")
    connect(company, sandbox)
    period = close_first_period(company)
    run = period_sync_start(period=period, actor=personas.reviewer.user, enqueue=lambda pk: None)
    sync_run_process(run.pk)
    run.refresh_from_db()
    assert run.status == "failed"
    return run


def persona_of(personas, persona: str):
    """The persona's membership; the auditor is made on first use, outside Personas.all()."""
    return getattr(personas, persona)


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.mark.parametrize("persona", [A, AM, OP, R, M, AU])
def test_each_persona_sees_exactly_its_pages_in_the_menu(personas, persona):
    client = client_for(persona_of(personas, persona))
    assert menu_of(client.get(reverse("home")).content.decode()) == expected(MENUS[persona])
    settings_page = client.get(reverse("settings_index"))
    if persona in SETTINGS:
        links = re.findall(r'class="tile-name">([^<]+)<', settings_page.content.decode())
        assert [unescape(label) for label in links] == expected(SETTINGS[persona])
    else:
        assert settings_page.status_code == 403


def test_the_integrations_operator_reaches_sync_and_retry_from_the_menu(personas, failed_sync):
    client = client_for(personas.integrations_operator)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("closed_periods")}"' in NAV.search(home).group(0)
    closed = client.get(reverse("closed_periods")).content.decode()
    assert "Close wizard" not in closed  # a page it may not open
    errors = client.get(reverse("sync_run_errors", args=[failed_sync.pk])).content.decode()
    assert ">Retry</button>" in errors
    assert "Fix it" not in errors  # mappings belong to lease accounting (segregation of duties)


@pytest.mark.parametrize("persona", [A, AM, OP, R, M, AU])
def test_every_link_a_persona_is_shown_opens(personas, failed_sync, persona):
    """Follow every link from Home, breadth first, and require each page to open."""
    client = client_for(persona_of(personas, persona))
    seen, queue, refused = {reverse("home")}, deque([reverse("home")]), []
    seen_paths = {reverse("home")}
    while queue and len(seen) <= MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200:
            refused.append(f"{url}: {response.status_code}")
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            link = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(link)
            if parts.scheme == "mailto":
                continue  # an email to a company admin
            if parts.netloc or parts.path.startswith(("/admin/", "/accounts/")):
                continue  # NetSuite's own pages, Django's admin, sign-in pages
            # One visit per page: the same view with other filters asks the same permission.
            if parts.path not in seen_paths:
                seen_paths.add(parts.path)
                seen.add(link)
                queue.append(link)
    assert refused == []
    # Everyone but the member without permissions has more than Home to reach.
    assert len(seen) > 1 or persona == M
