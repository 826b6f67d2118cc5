"""On a phone (390 px) the close's remaining wide tables fit the screen: the preview's summary and
entries, a closed period's entries list and a journal entry's lines become one labelled card per
row instead of a table scrolled sideways (the summary's Debit and Credit were off screen)."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from closebooks.models import AccountingPeriod, JournalEntry
from closebooks.services import period_close, periods_ensure
from leases.models import Segment
from tests.factories import make_personas
from tests.leases.factories import make_lease, set_up_accounting

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Each stacked table, and how many of its cells head the card unlabelled (the entry's external ID).
HEADED = {"preview-summary": 0, "preview-entries": 1, "period-entries": 1, "entry-lines": 0}


def _table(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[html.rindex("<table", 0, start) : html.index("</table>", start)]


def _books(personas) -> tuple[AccountingPeriod, AccountingPeriod, JournalEntry]:
    """Leases with every segment under a long subsidiary name; Jan 2026 closed, Feb open."""
    company = personas.company
    subsidiary = set_up_accounting(company, subsidiary="Acme Property Holdings North America LLC")
    segments = {
        kind: Segment.objects.create(company=company, kind=kind, name=name)
        for kind, name in (
            ("department", "Corporate Real Estate"),
            ("class", "Headquarters offices"),
            ("location", "New York Midtown"),
        )
    }
    for n in range(2):
        make_lease(
            company,
            code=f"NYC-HQ-{n}",
            name=f"New York headquarters floor {n}",
            subsidiary=subsidiary,
            amount="125000.00",
            department=segments["department"],
            lease_class=segments["class"],
            location=segments["location"],
        )
    periods_ensure(company=company, through=date(2026, 2, 1))
    jan = AccountingPeriod.objects.get(company=company, start=date(2026, 1, 1))
    feb = AccountingPeriod.objects.get(company=company, start=date(2026, 2, 1))
    period_close(period=jan, actor=personas.accountant.user)
    entry = JournalEntry.objects.filter(period=jan).order_by("pk").first()
    return jan, feb, entry


def _pages(jan, feb, entry) -> dict[str, str]:
    """Each table's id and the page showing it."""
    return {
        "preview-summary": reverse("period_preview", args=[feb.pk]),
        "preview-entries": reverse("period_preview", args=[feb.pk]),
        "period-entries": reverse("period_entries", args=[jan.pk]),
        "entry-lines": reverse("journal_entry_detail", args=[entry.pk]),
    }


def test_the_tables_stack_with_every_value_labelled(personas):
    client = Client()
    client.force_login(personas.accountant.user)
    for table_id, url in _pages(*_books(personas)).items():
        table = _table(client.get(url).content.decode(), table_id)
        assert re.search(r'class="grid[^"]* stack', table), table_id
        rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
        assert rows, table_id
        for row in rows:
            cells = re.findall(r"<td([^>]*)>", row)
            labelled = [c for c in cells if "data-label=" in c]
            assert len(labelled) == len(cells) - HEADED[table_id], (table_id, row)


def test_the_entrys_total_is_labelled_too(personas):
    *_, entry = _books(personas)
    client = Client()
    client.force_login(personas.accountant.user)
    html = client.get(reverse("journal_entry_detail", args=[entry.pk])).content.decode()
    footer = _table(html, "entry-lines").split("<tfoot>")[1]
    assert 'data-label="Debit"' in footer and 'data-label="Credit"' in footer


@pytest.mark.browser
def test_nothing_scrolls_sideways_on_a_phone(transactional_db, live_server, monkeypatch):
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs a loop here
    personas = make_personas()
    pages = _pages(*_books(personas))
    client = Client()
    client.force_login(personas.accountant.user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
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
                for table_id, url in pages.items():
                    page.goto(live_server.url + url)
                    where = f"#{table_id} at {viewport['width']} px"
                    table = page.locator(f"#{table_id}")
                    # The table scrolls inside its own box when too wide: it must not need to.
                    overflow = table.evaluate("t => t.scrollWidth - t.clientWidth")
                    assert overflow == 0, f"{where}: the table is {overflow} px too wide"
                    page_overflow = page.evaluate(
                        "document.documentElement.scrollWidth"
                        " - document.documentElement.clientWidth"
                    )
                    assert page_overflow == 0, f"{where}: the page is {page_overflow} px too wide"
                    # Every figure is on screen: the last amount of the first row is not cut off.
                    amount = table.locator("tbody tr").first.locator("td.num:not(:empty)").last
                    box = amount.bounding_box()
                    assert box["x"] + box["width"] <= viewport["width"], where
                    if viewport is DESKTOP:
                        # Desktop is unchanged: a table with its header row, not cards.
                        assert table.locator("thead").is_visible(), where
                        assert table.evaluate("t => getComputedStyle(t).display") == "table"
        finally:
            connections.close_all()
            browser.close()
