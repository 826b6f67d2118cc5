"""Ordering, locking, reopening and re-closing periods through the services."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from closebooks.models import AccountingPeriod, JournalEntry, JournalLine, PeriodStatus
from closebooks.selectors import current_entries
from closebooks.services import period_close, period_reopen, periods_ensure
from leases.models import AccountingDefaults
from tests.closebooks.conftest import FEB, JAN, MAR


def snapshot():
    """Row counts that a refused action must leave untouched."""
    return (
        JournalEntry.objects.count(),
        JournalLine.objects.count(),
        AuditEvent.objects.count(),
        list(AccountingPeriod.objects.values_list("start", "status", "close_version")),
    )


def period(company, start):
    return AccountingPeriod.objects.get(company=company, start=start)


def test_periods_are_created_from_the_earliest_active_lease_up_to_a_month(books):
    periods = periods_ensure(company=books.company, through=date(2026, 3, 15))
    assert [p.start for p in periods] == [JAN, FEB, MAR]
    assert [p.label for p in periods] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    assert periods_ensure(company=books.company, through=MAR) == periods
    assert periods[0].end == date(2026, 1, 31)


def test_fiscal_year_and_period_follow_the_company_start_month(books):
    books.company.fiscal_year_start_month = 4
    books.company.save()
    periods = periods_ensure(company=books.company, through=date(2026, 4, 1))
    assert [(p.fiscal_year, p.fiscal_period) for p in periods] == [
        (2026, 10),
        (2026, 11),
        (2026, 12),
        (2027, 1),
    ]


def test_closing_freezes_one_balanced_entry_per_lease_and_is_audited(books):
    periods_ensure(company=books.company, through=MAR)
    jan = period(books.company, JAN)

    entries = period_close(period=jan, actor=books.accountant.user)

    jan.refresh_from_db()
    assert jan.status == PeriodStatus.CLOSED
    assert jan.close_version == 1
    assert jan.closed_by == books.accountant.user
    assert jan.closed_at is not None
    assert [e.lease_code for e in entries] == ["L-1", "L-2", "L-3"]
    assert [e.external_key for e in entries] == [
        f"LA-{books.company.pk}-202601-D-L-{n}" for n in (1, 2, 3)
    ]
    for entry in current_entries(jan):
        assert entry.total_debit == entry.total_credit > 0
        assert entry.tran_date == date(2026, 1, 31)
        assert entry.line_count == entry.lines.count()
        assert "L-" in entry.memo
    event = AuditEvent.objects.get(action="period.close")
    assert event.actor == books.accountant.user
    assert event.after["entries"] == 3


def test_a_period_with_an_earlier_open_one_is_refused_naming_it_and_nothing_changes(books):
    periods_ensure(company=books.company, through=MAR)
    before = snapshot()

    with pytest.raises(ValidationError) as error:
        period_close(period=period(books.company, FEB), actor=books.accountant.user)

    assert error.value.messages == [
        "Close Jan 2026 first: periods close in order and Jan 2026 is still open."
    ]
    assert snapshot() == before


def test_an_already_closed_period_is_refused_and_nothing_changes(books):
    periods_ensure(company=books.company, through=MAR)
    period_close(period=period(books.company, JAN), actor=books.accountant.user)
    before = snapshot()

    with pytest.raises(ValidationError, match="Jan 2026 is already closed"):
        period_close(period=period(books.company, JAN), actor=books.accountant.user)

    assert snapshot() == before


def test_leases_with_problems_block_the_close_listing_each_and_nothing_changes(books):
    periods_ensure(company=books.company, through=MAR)
    AccountingDefaults.objects.filter(company=books.company).update(cash_clearing_account=None)
    before = snapshot()

    with pytest.raises(ValidationError) as error:
        period_close(period=period(books.company, JAN), actor=books.accountant.user)

    assert len(error.value.messages) == 3
    assert error.value.messages[0].startswith("L-1: No “Cash / AP clearing” account is mapped")
    assert snapshot() == before


def test_periods_close_in_order(books):
    periods_ensure(company=books.company, through=MAR)
    for start in (JAN, FEB, MAR):
        period_close(period=period(books.company, start), actor=books.accountant.user)
    assert (
        list(
            AccountingPeriod.objects.filter(company=books.company).values_list("status", flat=True)
        )
        == ["closed"] * 3
    )
    assert JournalEntry.objects.filter(company=books.company).count() == 9


def test_only_a_company_admin_may_reopen_and_nothing_changes_otherwise(books):
    periods_ensure(company=books.company, through=MAR)
    jan = period(books.company, JAN)
    period_close(period=jan, actor=books.accountant.user)
    before = snapshot()

    for actor in (books.accountant.user, books.reviewer.user, books.outsider.user):
        with pytest.raises(ValidationError, match="Only a company admin"):
            period_reopen(period=jan, actor=actor, reason="Wrong rent")
    with pytest.raises(ValidationError, match="Write why"):
        period_reopen(period=jan, actor=books.settings_admin.user, reason="   ")

    assert snapshot() == before


def test_only_the_most_recent_closed_period_can_be_reopened(books):
    periods_ensure(company=books.company, through=MAR)
    period_close(period=period(books.company, JAN), actor=books.accountant.user)
    period_close(period=period(books.company, FEB), actor=books.accountant.user)
    before = snapshot()

    with pytest.raises(ValidationError) as error:
        period_reopen(
            period=period(books.company, JAN), actor=books.settings_admin.user, reason="x"
        )

    assert error.value.messages == [
        "Reopen Feb 2026 first: only the most recent closed period can be reopened."
    ]
    assert snapshot() == before


def test_reopening_is_audited_with_the_reason(books):
    periods_ensure(company=books.company, through=MAR)
    jan = period(books.company, JAN)
    period_close(period=jan, actor=books.accountant.user)

    period_reopen(period=jan, actor=books.settings_admin.user, reason="Rent was wrong")

    jan.refresh_from_db()
    assert (jan.status, jan.reopened_by, jan.reopen_reason) == (
        "open",
        books.settings_admin.user,
        "Rent was wrong",
    )
    event = AuditEvent.objects.get(action="period.reopen")
    assert (event.note, event.before["status"], event.after["status"]) == (
        "Rent was wrong",
        "closed",
        "open",
    )


def entry_shape(entries):
    return [
        (
            e.external_key,
            e.total_debit,
            [(x.line_no, x.account_number, x.debit, x.credit) for x in e.lines.all()],
        )
        for e in entries
    ]


def test_re_closing_the_same_data_gives_the_same_entries_and_keys_as_a_new_version(books):
    periods_ensure(company=books.company, through=MAR)
    jan = period(books.company, JAN)
    first = entry_shape(period_close(period=jan, actor=books.accountant.user))
    period_reopen(period=jan, actor=books.settings_admin.user, reason="Check")

    period_close(period=jan, actor=books.accountant.user)

    jan.refresh_from_db()
    assert jan.close_version == 2
    assert entry_shape(current_entries(jan)) == first
    # History is kept: version 1 is still there, unchanged.
    assert entry_shape(JournalEntry.objects.filter(period=jan, close_version=1)) == first


def test_detail_and_summary_entries_have_equal_totals(books):
    periods_ensure(company=books.company, through=MAR)
    jan = period(books.company, JAN)
    detail = period_close(period=jan, actor=books.accountant.user)
    period_reopen(period=jan, actor=books.settings_admin.user, reason="Switch to summary")
    books.company.journal_granularity = "summary"
    books.company.save()

    summary = period_close(period=jan, actor=books.accountant.user)

    assert len(detail) == 3
    assert [e.external_key for e in summary] == [
        f"LA-{books.company.pk}-202601-SX-USD-Acme_US-" + summary[0].external_key[-10:]
    ]
    assert sum(e.total_debit for e in summary) == sum(e.total_debit for e in detail)
    assert sum(e.total_credit for e in summary) == sum(e.total_credit for e in detail)
    assert summary[0].lease is None
    assert summary[0].line_count < sum(e.line_count for e in detail)
