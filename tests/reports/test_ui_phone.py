"""Every report reads on a phone (390 px) and on a laptop (1280 px) without sideways scrolling:
wide tables become one labelled card per row on a phone, and the roll-forward's eleven columns
fit a laptop."""

from __future__ import annotations

import re
import shutil
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from leases.models import AssetType
from reports.periods import fiscal_range
from reports.selectors import NOTHING_TO_WEIGH, disclosures
from tests.factories import make_personas
from tests.leases.factories import make_lease, set_up_accounting
from tests.reports.conftest import MAR, close_through

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
BASE = "/accounting/reports/"
PAGES = [
    "",
    "roll-forward/",
    "roll-forward/?group=lease",
    "disclosures/",
    "journal-register/",
    "trial-balance/",
    "books-vs-schedule/",
    "tie-out/",
]


def _books(personas) -> None:
    set_up_accounting(personas.company)
    make_lease(personas.company, code="L-1", name="Boston office, floors 3 to 5")
    make_lease(personas.company, code="L-2", amount="2500.00", term_months=60,
               asset_type=AssetType.EQUIPMENT)  # fmt: skip
    make_lease(personas.company, code="F-1", amount="730.15", classification="finance",
               discount_rate=Decimal("7.5"), commencement=date(2026, 2, 1))  # fmt: skip
    close_through(personas.company, MAR, personas.accountant.user)


@pytest.mark.parametrize(
    ("page", "table_class", "unlabelled"),
    [
        ("roll-forward/", "roll", 1),  # the group heads its card
        ("journal-register/", "register", 0),
        ("trial-balance/", "", 0),
    ],
)
def test_wide_report_tables_stack_with_every_figure_labelled(
    client, books, page, table_class, unlabelled
):
    client.force_login(books.accountant.user)
    html = client.get(BASE + page).content.decode()
    marker = f'class="grid stack{" " + table_class if table_class else ""}"'
    start = html.index(marker)
    table = html[start : html.index("</table>", start)]
    rows = re.findall(r'<tr(?: class="entry")?>(.*?)</tr>', table.split("<tbody>")[1], re.S)
    assert rows
    for row in rows:
        cells = re.findall(r"<td([^>]*)>", row)
        assert len([c for c in cells if "data-label=" not in c]) == unlabelled, row


def test_a_weighted_average_without_liabilities_says_why_it_is_a_dash(client, personas):
    """Only operating leases: the finance leases' weighted averages have nothing to weigh, so
    they show "—" with the reason beside it, not an unexplained dash."""
    set_up_accounting(personas.company)
    make_lease(personas.company, code="OP-1")
    (asc,) = disclosures(personas.company, fiscal_range(personas.company, 2026))
    figures = {f.key: f for f in asc.figures}
    assert figures["wa_rate_operating"].amount == Decimal("6.00")
    for key in ("wa_term_finance", "wa_rate_finance"):
        assert figures[key].amount is None
        assert figures[key].note == NOTHING_TO_WEIGH
    client.force_login(personas.accountant.user)
    html = client.get(BASE + "disclosures/?year=2026").content.decode()
    row = html[html.index("Weighted-average discount rate: finance leases") :]
    assert NOTHING_TO_WEIGH in row[: row.index("</tr>")]


@pytest.mark.browser
def test_no_report_scrolls_sideways_on_a_phone_or_a_laptop(
    transactional_db, live_server, monkeypatch
):
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs a loop here
    personas = make_personas()
    _books(personas)
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
            for viewport in (PHONE, LAPTOP):
                page.set_viewport_size(viewport)
                for path in PAGES:
                    page.goto(live_server.url + BASE + path)
                    where = f"{path or 'index'} at {viewport['width']} px"
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    assert wide <= viewport["width"], f"{where}: the page is {wide} px wide"
                    # A table too wide scrolls inside its own box: none may need to.
                    boxes = page.evaluate(
                        "[...document.querySelectorAll('table.grid, .table-scroll')]"
                        ".map(t => t.scrollWidth - t.clientWidth)"
                    )
                    assert all(extra <= 1 for extra in boxes), f"{where}: {boxes}"
        finally:
            connections.close_all()
            browser.close()
