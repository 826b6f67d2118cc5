"""Books vs schedule page: who sees it, what it says, its downloads, paging and query budget."""

import csv
from decimal import Decimal as D
from io import BytesIO, StringIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from closebooks.models import JournalLine
from leases.models import AssetType
from tests.leases.factories import make_lease, set_up_accounting
from tests.reports.conftest import APR, FEB, JAN, MAR, close_through

URL = "/accounting/reports/books-vs-schedule/"


def login(client, membership):
    client.force_login(membership.user)
    return client


def _shift_rou(company, code: str, amount: D, start=FEB) -> None:
    """Alter a frozen ROU line, as a divergence would leave the books."""
    line = JournalLine.objects.get(
        entry__company=company,
        entry__period__start=start,
        entry__lease_code=code,
        entry__kind="periodic",
        account_number="1410",
    )
    JournalLine.objects.filter(pk=line.pk).update(credit=line.credit + amount)


def test_only_lease_accounting_members_see_it(client, books):
    assert login(client, books.accountant).get(URL).status_code == 200
    client.logout()
    assert login(client, books.integrations_operator).get(URL).status_code == 403
    client.logout()
    assert login(client, books.read_only).get(URL).status_code == 403


def test_the_reports_index_lists_it(client, books):
    page = login(client, books.accountant).get(reverse("reports_index")).content.decode()
    assert f'href="{URL}"' in page and "Books vs schedule" in page


def test_agreeing_books_say_so(client, books):
    page = login(client, books.accountant).get(URL).content.decode()
    assert "The frozen entries agree with the schedules at the end of Mar 2026" in page
    assert 'id="drift-findings"' not in page


def test_a_difference_is_listed_with_amounts_and_what_to_do(client, books):
    _shift_rou(books.company, "L-2", D("7.25"))
    books.accountant.is_company_admin = True
    books.accountant.save(update_fields=["is_company_admin"])
    page = login(client, books.accountant).get(URL).content.decode()
    assert "1 balance of 1 lease differs from the schedule at the end of Mar 2026" in page
    assert "reopens the periods from the first month where the difference appears" in page
    assert "closes them again" in page
    assert reverse("closed_periods") in page  # an admin may reopen: the way there
    row = page.split('id="drift-findings"')[1].split("</table>")[0]
    assert "L-2" in row and "Right-of-use asset" in row and "(7.25)" in row
    assert "journal-register/?start=2026-01&amp;end=2026-03&amp;lease=L-2" in row


def test_an_earlier_closed_month_can_be_chosen_and_an_open_one_is_refused(client, books):
    _shift_rou(books.company, "L-2", D("7.25"), start=MAR)
    client = login(client, books.accountant)
    assert (
        "agree with the schedules at the end of Feb 2026"
        in client.get(URL + "?period=2026-02").content.decode()
    )
    refused = client.get(URL + "?period=2026-04")
    assert refused.status_code == 400
    assert "Apr 2026 is not closed" in refused.content.decode()
    bad = client.get(URL + "?period=March")
    assert bad.status_code == 400 and "Enter a month as YYYY-MM" in bad.content.decode()


def test_downloads_hold_every_difference(client, books):
    _shift_rou(books.company, "L-2", D("7.25"))
    _shift_rou(books.company, "L-1", D("0.01"))
    client = login(client, books.accountant)
    text = client.get(URL + "?format=csv").content.decode()
    rows = list(csv.reader(StringIO(text)))
    assert rows[0][:3] == ["Subsidiary", "Currency", "Lease"]
    assert {(r[2], r[5], r[9]) for r in rows[1:]} == {
        ("L-1", "Right-of-use asset", "-0.01"),
        ("L-2", "Right-of-use asset", "-7.25"),
    }
    response = client.get(URL + "?format=xlsx")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["Differences", "Catch-ups to post", "Not compared"]
    sheet = book["Differences"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = values.index(
        [
            "Subsidiary",
            "Currency",
            "Lease",
            "Lease name",
            "Leases",
            "Balance",
            "Accounts",
            "Frozen entries",
            "Schedule",
            "Difference",
        ]  # fmt: skip
    )
    found = [r for r in values[header + 1 :] if r[2] in ("L-1", "L-2")]
    assert sorted(r[9] for r in found) == [-7.25, -0.01]


def test_differences_are_paged_on_the_server(client, books, monkeypatch):
    from reports import views

    monkeypatch.setattr(views, "DRIFT_PER_PAGE", 1)
    _shift_rou(books.company, "L-2", D("7.25"))
    _shift_rou(books.company, "L-1", D("0.01"))
    client = login(client, books.accountant)
    first = client.get(URL).content.decode()
    second = client.get(URL + "?page=2").content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert ("L-1" in first.split('id="drift-findings"')[1]) != (
        "L-1" in second.split('id="drift-findings"')[1]
    )


def _portfolio(personas, count: int) -> None:
    set_up_accounting(personas.company)
    for n in range(count):
        make_lease(
            personas.company,
            code=f"L-{n}",
            commencement=(JAN, FEB)[n % 2],
            classification=("operating", "finance")[n % 2],
            asset_type=AssetType.EQUIPMENT,
        )
    close_through(personas.company, MAR, personas.accountant.user)


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("count", [12])
def test_the_page_reads_a_fixed_number_of_queries_however_many_leases(client, personas, count):
    _portfolio(personas, 2)
    client = login(client, personas.accountant)
    few = _queries(client)
    for n in range(2, count):
        make_lease(personas.company, code=f"L-{n}", commencement=MAR, asset_type="equipment")
    many = _queries(client)
    assert many == few <= 20


def _april(books):
    from closebooks.models import AccountingPeriod
    from closebooks.services import periods_ensure

    periods_ensure(company=books.company, through=APR)
    return AccountingPeriod.objects.get(company=books.company, start=APR)


def test_the_close_preview_warns_of_differences_and_the_close_still_goes_ahead(client, books):
    april = _april(books)
    client = login(client, books.accountant)
    clean = client.get(reverse("period_preview", args=[april.pk])).content.decode()
    assert 'id="drift-warning"' not in clean
    _shift_rou(books.company, "L-2", D("7.25"))
    _shift_rou(books.company, "L-1", D("1.00"))

    page = client.get(reverse("period_preview", args=[april.pk])).content.decode()

    warning = page.split('id="drift-warning"')[1].split("</div>")[0]
    assert (
        "2 leases&#x27; frozen balances differ from their schedules at the end of Mar 2026"
        in warning
    )
    assert f"{URL}?period=2026-03" in warning
    from closebooks.services import period_close

    period_close(period=april, actor=books.accountant.user)
    april.refresh_from_db()
    assert april.is_closed


def test_a_large_portfolio_s_preview_links_to_the_report_instead(client, books, monkeypatch):
    from reports import drift_hooks

    monkeypatch.setattr(drift_hooks, "PREVIEW_MAX_LEASES", 2)
    april = _april(books)
    page = login(client, books.accountant).get(reverse("period_preview", args=[april.pk]))
    warning = page.content.decode().split('id="drift-warning"')[1].split("</p>")[0]
    assert "Check the books against the schedules at the end of Mar 2026" in warning


def test_a_change_waiting_for_its_catch_up_is_listed_apart_not_as_a_difference(client, books):
    from leases.change_services import lease_change_approve, lease_change_create
    from leases.models import Lease

    change = lease_change_create(
        lease=Lease.objects.get(code="L-1"),
        actor=books.accountant.user,
        kind="consideration",
        effective=FEB,
        details={"annual_rate": "0.07", "payments": [{"amount": "1100.00"}]},
    )
    lease_change_approve(change=change, actor=books.reviewer.user)
    page = login(client, books.accountant).get(URL).content.decode()
    assert "The frozen entries agree with the schedules at the end of Mar 2026" in page
    pending = page.split('id="drift-pending"')[1].split("</section>")[0]
    assert "L-1" in pending and "CH1" in pending and "1 Feb 2026" in pending
