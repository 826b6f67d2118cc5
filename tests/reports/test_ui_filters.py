"""Report filters show what the page shows: the range in use, readable sort names, and a default
range inside the books (from go-live or the first closed period to the last closed period)."""

import re
from datetime import date

import pytest

from closebooks.services import company_go_live_set
from tests.leases.factories import make_lease, set_up_accounting
from tests.reports.conftest import close_through

MAY = date(2026, 5, 1)
BASE = "/accounting/reports/"


def login(client, membership):
    client.force_login(membership.user)
    return client


def value_of(html: str, name: str) -> str:
    """The value an input of the page's filters holds ("" when it has none)."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no input named {name}"
    found = re.search(r'value="([^"]*)"', tag.group(0))
    return found.group(1) if found else ""


@pytest.mark.parametrize("page", ["roll-forward/", "journal-register/"])
def test_the_from_and_to_inputs_show_the_default_range_in_use(client, books, page):
    html = login(client, books.accountant).get(BASE + page).content.decode()
    assert "Jan 2026 – Mar 2026" in html
    assert (value_of(html, "start"), value_of(html, "end")) == ("2026-01", "2026-03")


def test_a_range_asked_for_is_the_range_the_inputs_show(client, books):
    html = login(client, books.accountant).get(BASE + "roll-forward/?start=2026-02").content
    html = html.decode()
    assert (value_of(html, "start"), value_of(html, "end")) == ("2026-02", "2026-03")
    assert "Feb 2026 – Mar 2026" in html


def test_a_from_after_the_default_end_moves_to_with_it_instead_of_an_error(client, books):
    response = login(client, books.accountant).get(BASE + "journal-register/?start=2026-06")
    assert response.status_code == 200
    html = response.content.decode()
    assert (value_of(html, "start"), value_of(html, "end")) == ("2026-06", "2026-06")


def test_the_trial_balance_and_disclosures_inputs_show_their_month_and_year(client, books):
    login(client, books.accountant)
    html = client.get(BASE + "trial-balance/").content.decode()
    assert value_of(html, "period") == "2026-03"
    assert "As of the end of Mar 2026" in html
    html = client.get(BASE + "disclosures/").content.decode()
    assert value_of(html, "year") == "2026"


def test_the_register_sort_offers_names_not_keys(client, books):
    html = login(client, books.accountant).get(BASE + "journal-register/").content.decode()
    select = html[html.index('name="sort"') : html.index("</select>")]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    assert options == [
        ("period", "Oldest period first"),
        ("-period", "Newest period first"),
        ("key", "External ID"),
        ("amount", "Smallest amount first"),
        ("-amount", "Largest amount first"),
    ]


@pytest.fixture
def went_live_in_march(personas):
    """A lease from 2025 brought in at go-live in March 2026; closed through May."""
    set_up_accounting(personas.company)
    make_lease(personas.company, code="OLD", commencement=date(2025, 1, 1), term_months=60)
    company_go_live_set(
        company=personas.company, actor=personas.settings_admin.user, go_live=date(2026, 3, 1)
    )
    personas.company.refresh_from_db()
    close_through(personas.company, MAY, personas.accountant.user)
    return personas


def test_the_default_range_starts_at_go_live_not_at_the_fiscal_year(client, went_live_in_march):
    html = login(client, went_live_in_march.accountant).get(BASE + "roll-forward/").content
    html = html.decode()
    assert (value_of(html, "start"), value_of(html, "end")) == ("2026-03", "2026-05")
    assert "Mar 2026 – May 2026" in html


def test_without_go_live_the_default_range_starts_at_the_first_closed_period(client, personas):
    set_up_accounting(personas.company)
    make_lease(personas.company, code="NEW", commencement=date(2026, 4, 1))
    close_through(personas.company, MAY, personas.accountant.user)
    html = login(client, personas.accountant).get(BASE + "journal-register/").content.decode()
    assert (value_of(html, "start"), value_of(html, "end")) == ("2026-04", "2026-05")


def test_months_before_go_live_are_explained_not_listed_as_not_closed(client, went_live_in_march):
    html = login(client, went_live_in_march.accountant).get(BASE + "disclosures/?year=2026")
    html = html.content.decode()
    assert "The books start at go-live: Jan 2026 – Feb 2026 are before it" in html
    unclosed = html[html.index("Not closed yet:") :]
    unclosed = unclosed[: unclosed.index("</p>")]
    assert "Jan 2026" not in unclosed and "Feb 2026" not in unclosed
    assert "Jun 2026" in unclosed and "Dec 2026" in unclosed
