"""The close wizard, Closed Periods, entry pages, CSV layouts and reopen, through HTTP."""

import csv
import io

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from closebooks.models import AccountingPeriod, JournalEntry, JournalLine
from closebooks.services import add_months, period_close, periods_ensure
from tests.closebooks.conftest import FEB, JAN, MAR
from tests.leases.factories import make_lease
from tests.permissions import AM, OP, A, R, Route, X, check_matrix, everyone


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def closed_jan(books):
    """January closed by the accountant; February and March open."""
    periods_ensure(company=books.company, through=MAR)
    jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    period_close(period=jan, actor=books.accountant.user)
    jan.refresh_from_db()
    books.jan = jan
    books.feb = AccountingPeriod.objects.get(company=books.company, start=FEB)
    return books


def test_every_close_books_view_answers_each_persona_as_expected(closed_jan):
    entry = JournalEntry.objects.filter(period=closed_jan.jan).first()
    accounting = everyone(403, **{AM: 200, R: 200, X: 200})
    readers = everyone(403, **{AM: 200, OP: 200, R: 200, X: 404})
    routes = [
        Route("close books", lambda p: reverse("close_books"), accounting),
        Route(
            "closed periods",
            lambda p: reverse("closed_periods"),
            everyone(403, **{AM: 200, OP: 200, R: 200, X: 200}),
        ),
        Route(
            "preview",
            lambda p: reverse("period_preview", args=[p.feb.pk]),
            everyone(403, **{AM: 200, R: 200, X: 404}),
        ),
        Route(
            "preview csv",
            lambda p: reverse("period_preview_csv", args=[p.feb.pk]),
            everyone(403, **{AM: 200, R: 200, X: 404}),
        ),
        Route("entries", lambda p: reverse("period_entries", args=[p.jan.pk]), readers),
        Route("entries csv", lambda p: reverse("period_entries_csv", args=[p.jan.pk]), readers),
        Route("entry", lambda p: reverse("journal_entry_detail", args=[entry.pk]), readers),
        Route(
            "close (GET)",
            lambda p: reverse("period_close", args=[p.feb.pk]),
            # The method is checked before the period is looked up.
            everyone(403, **{AM: 405, R: 405, X: 405}),
        ),
        Route(
            "close (POST)",
            lambda p: reverse("period_close", args=[p.feb.pk]),
            everyone(403, **{AM: 302, R: 302, X: 404}),
            method="post",
        ),
        Route(
            "reopen",
            lambda p: reverse("period_reopen", args=[p.feb.pk]),
            everyone(403, **{A: 200, X: 404}),
        ),
        Route(
            "reopen (POST)",
            lambda p: reverse("period_reopen", args=[p.feb.pk]),
            everyone(403, **{A: 302, X: 404}),
            method="post",
            data=lambda p: {"reason": "Rent step entered late"},
        ),
    ]
    assert check_matrix(closed_jan, routes) == []
    # The accountant closed February, the admin reopened it; nobody else changed anything.
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor__username"))
    assert actions == [
        ("period.close", "amy"),
        ("period.close", "amy"),
        ("period.reopen", "alice"),
    ]


def test_the_outsider_cannot_reach_our_periods_even_with_every_flag(closed_jan):
    client = client_for(closed_jan.outsider)
    entry = JournalEntry.objects.filter(period=closed_jan.jan).first()
    for url in (
        reverse("period_entries", args=[closed_jan.jan.pk]),
        reverse("journal_entry_detail", args=[entry.pk]),
        reverse("period_reopen", args=[closed_jan.jan.pk]),
    ):
        assert client.get(url).status_code == 404
    response = client.get(reverse("closed_periods"))
    assert list(response.context["rows"]) == []


def test_the_wizard_shows_the_next_period_and_draft_leases(books):
    make_lease(books.company, code="D-9", status="draft")
    client = client_for(books.accountant)

    response = client.get(reverse("close_books"))

    assert response.status_code == 200
    assert response.context["period"].start == JAN
    assert [item.code for item in response.context["readiness"]] == ["D-9"]
    assert "Next period to close: Jan 2026" in response.content.decode()


def test_the_wizard_names_the_periods_days_in_the_companys_date_format(books):
    books.company.date_format = "Y-m-d"
    books.company.save(update_fields=["date_format"])
    body = client_for(books.accountant).get(reverse("close_books")).content.decode()
    # Both ends in one format (it read "Jan 1–31 Jan 2026" before, whatever the company chose).
    assert "Fiscal year 2026, period 1 · 2026-01-01 – 2026-01-31." in body


def test_preview_then_close_and_lock(books):
    periods_ensure(company=books.company, through=MAR)
    jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    client = client_for(books.accountant)

    preview = client.get(reverse("period_preview", args=[jan.pk]))
    assert preview.status_code == 200
    assert preview.context["preview"].balanced
    assert len(preview.context["preview"].entries) == 3
    assert "Close &amp; Lock Jan 2026" in preview.content.decode()
    assert JournalEntry.objects.count() == 0  # a preview freezes nothing

    response = client.post(reverse("period_close", args=[jan.pk]))

    assert response.status_code == 302
    assert response.url == reverse("period_entries", args=[jan.pk])
    assert JournalEntry.objects.filter(period=jan, close_version=1).count() == 3


def test_closing_out_of_order_through_the_page_says_why_and_changes_nothing(books):
    periods_ensure(company=books.company, through=MAR)
    feb = AccountingPeriod.objects.get(company=books.company, start=FEB)
    client = client_for(books.accountant)

    response = client.post(reverse("period_close", args=[feb.pk]), follow=True)

    assert "Close Jan 2026 first" in response.content.decode()
    assert (JournalEntry.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_the_entries_csv_has_the_netsuite_import_layout(closed_jan):
    client = client_for(closed_jan.integrations_operator)

    rows = csv_rows(client.get(reverse("period_entries_csv", args=[closed_jan.jan.pk])))

    assert rows[0] == [
        "External ID",
        "Date",
        "Subsidiary",
        "Currency",
        "Memo",
        "Account",
        "Debit",
        "Credit",
        "Line Memo",
        "Department",
        "Class",
        "Location",
    ]
    assert len(rows) - 1 == JournalLine.objects.count()
    first = rows[1]
    assert first[0] == f"LA-{closed_jan.company.pk}-202601-D-L-1"
    assert first[1:4] == ["01/31/2026", "Acme US", "USD"]
    assert first[9] == "Operations"
    # One side only, two decimals; every entry's rows balance.
    for row in rows[1:]:
        assert (row[6] == "") != (row[7] == "")
    by_key: dict[str, int] = {}
    for row in rows[1:]:
        cents = round(float(row[6] or 0) * 100) - round(float(row[7] or 0) * 100)
        by_key[row[0]] = by_key.get(row[0], 0) + cents
    assert set(by_key.values()) == {0}
    assert len(by_key) == 3


def test_the_preview_csv_matches_what_the_close_freezes(books):
    periods_ensure(company=books.company, through=MAR)
    jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    client = client_for(books.accountant)
    preview_rows = csv_rows(client.get(reverse("period_preview_csv", args=[jan.pk])))

    period_close(period=jan, actor=books.accountant.user)
    jan.refresh_from_db()

    assert csv_rows(client.get(reverse("period_entries_csv", args=[jan.pk]))) == preview_rows


def test_the_entry_page_shows_its_lines(closed_jan):
    entry = JournalEntry.objects.filter(period=closed_jan.jan).first()
    response = client_for(closed_jan.reviewer).get(reverse("journal_entry_detail", args=[entry.pk]))
    assert list(response.context["lines"]) == list(entry.lines.order_by("line_no"))
    assert entry.external_key in response.content.decode()


def test_entry_pages_say_first_close_or_that_the_period_was_closed_again(closed_jan):
    from closebooks.services import period_reopen

    client = client_for(closed_jan.reviewer)
    jan = closed_jan.jan
    entries = reverse("period_entries", args=[jan.pk])
    entry = JournalEntry.objects.filter(period=jan).first()
    assert " · first close · " in client.get(entries).content.decode()
    assert " · first close</p>" in (
        client.get(reverse("journal_entry_detail", args=[entry.pk])).content.decode()
    )

    period_reopen(period=jan, actor=closed_jan.settings_admin.user, reason="Late invoice")
    period_close(period=jan, actor=closed_jan.accountant.user)
    page = client.get(entries).content.decode()
    assert " · close 2 (reopened and closed again) · " in page
    assert "· close 1 ·" not in page


def test_closed_periods_lists_newest_first_with_counts_and_integration_cell(closed_jan):
    period_close(period=closed_jan.feb, actor=closed_jan.reviewer.user)
    response = client_for(closed_jan.integrations_operator).get(reverse("closed_periods"))
    rows = list(response.context["rows"])
    assert [(r.label, r.entry_count, r.closed_by.username) for r in rows] == [
        ("Feb 2026", 3, "rita"),
        ("Jan 2026", 3, "amy"),
    ]
    expected = sum(e.total_debit for e in JournalEntry.objects.filter(period=closed_jan.jan))
    assert rows[1].total_debits == expected
    assert response.content.decode().count("Not synced") == 2


def test_reopen_needs_a_reason_and_says_when_the_entries_were_sent(closed_jan, monkeypatch):
    client = client_for(closed_jan.settings_admin)
    url = reverse("period_reopen", args=[closed_jan.jan.pk])

    assert "synced-notice" not in client.get(url).content.decode()
    monkeypatch.setattr("closebooks.views.period_was_synced", lambda period: True)
    notice = client.get(url).content.decode()
    assert "updates the same NetSuite entries (same external IDs)" in notice
    assert "removes the ones that left our books" in notice

    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors
    closed_jan.jan.refresh_from_db()
    assert closed_jan.jan.status == "closed"

    response = client.post(url, {"reason": "Late invoice"})
    assert response.status_code == 302
    closed_jan.jan.refresh_from_db()
    assert (closed_jan.jan.status, closed_jan.jan.reopen_reason) == ("open", "Late invoice")


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def close_months(company, actor, months: int) -> None:
    periods = periods_ensure(company=company, through=add_months(JAN, months - 1))
    for period in periods[:months]:
        if period.status == "open":
            period_close(period=period, actor=actor)


def test_closed_periods_page_runs_a_fixed_number_of_queries(books):
    client = client_for(books.accountant)
    close_months(books.company, books.accountant.user, 2)
    few = count_queries(client, reverse("closed_periods"))
    close_months(books.company, books.accountant.user, 20)

    many = count_queries(client, reverse("closed_periods"))

    assert AccountingPeriod.objects.filter(status="closed").count() == 20
    # Session, user, membership, periods, the count, totals by currency, every period's latest
    # sync run, the connection.
    assert (few, many) == (8, 8)


def test_the_entries_page_runs_a_fixed_number_of_queries(books):
    client = client_for(books.reviewer)
    periods_ensure(company=books.company, through=MAR)
    jan, feb = AccountingPeriod.objects.filter(company=books.company).order_by("start")[:2]
    period_close(period=jan, actor=books.accountant.user)
    for n in range(4, 21):
        make_lease(books.company, code=f"L-{n}", commencement=FEB)
    period_close(period=feb, actor=books.accountant.user)
    feb.refresh_from_db()
    assert JournalEntry.objects.filter(period=feb).count() == 20

    few = count_queries(client, reverse("period_entries", args=[jan.pk]))
    many = count_queries(client, reverse("period_entries", args=[feb.pk]))

    assert (few, many) == (9, 9)


def test_closed_periods_show_debits_per_currency_never_added_across_currencies(books):
    from leases.models import Subsidiary

    uk = Subsidiary.objects.create(company=books.company, name="Acme UK", currency="GBP")
    make_lease(books.company, code="UK-1", subsidiary=uk, amount="500.00")
    close_months(books.company, books.accountant.user, 1)
    page = client_for(books.accountant).get(reverse("closed_periods")).content.decode()
    period = AccountingPeriod.objects.get(company=books.company, status="closed")
    by_currency = dict(
        JournalEntry.objects.filter(period=period)
        .values_list("currency")
        .annotate(total=Sum("total_debit"))
    )
    assert set(by_currency) == {"USD", "GBP"}
    for currency, total in by_currency.items():
        assert f"{total:,.2f} {currency}" in page


def test_the_integration_cell_says_when_the_entries_were_sent_in_the_viewers_zone(closed_jan):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from integrations.models import SyncRun

    SyncRun.objects.create(
        company=closed_jan.company,
        period=closed_jan.jan,
        close_version=closed_jan.jan.close_version,
        status="completed",
        finished_at=datetime(2026, 2, 3, 15, 30, tzinfo=ZoneInfo("UTC")),
        entries_total=3,
        entries_sent=3,
    )
    operator = closed_jan.integrations_operator.user
    operator.time_zone = "Europe/Paris"
    operator.save(update_fields=["time_zone"])

    html = client_for(closed_jan.integrations_operator).get(reverse("closed_periods")).content

    assert "3 Feb 2026, 16:30 CET" in html.decode()
