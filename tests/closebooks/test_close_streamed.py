"""A detail close on PostgreSQL writes its entries while it computes (`closebooks.stream`): the
same rows in the same order as a close that computes every lease first, and a close refused or
stopped after some rows were sent leaves nothing behind."""

import threading
import time
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEvent
from closebooks import postings, services, stream
from closebooks.models import AccountingPeriod, JournalEntry, JournalLine
from closebooks.services import period_close, period_reopen, periods_ensure
from leases.change_services import lease_change_approve, lease_change_create
from leases.models import AccountingDefaults, GLAccount, LeaseChange, LeasePayment
from tests.leases.factories import make_lease

from .conftest import FEB, JAN, MAR
from .test_close_fast import _mixed_portfolio, _rows
from .test_golive import GO_LIVE, portfolio  # noqa: F401 - a fixture used below

pytestmark = pytest.mark.skipif(
    not services.copy_available(), reason="streaming writes with COPY: PostgreSQL and psycopg 3"
)

RENT_UP = {"annual_rate": "0.06", "payments": [{"amount": "1200.00"}]}


class WorkerKilled(BaseException):
    """What the worker's death looks like from inside the close: nothing catches it."""


@pytest.fixture
def parts(monkeypatch):
    """Two leases a part, so a few leases make several COPY parts; each part written before the
    close goes on (a refusal then always comes after the parts before it were stored), and
    counted."""
    monkeypatch.setattr(postings, "PART_LEASES", 2)
    written = []
    write, send = stream._Writer.write, stream._Writer.send

    def counted(writer, cursor, job):
        try:
            write(writer, cursor, job)
        finally:
            written.append(job)

    def sent(writer, job):
        before = len(written)
        send(writer, job)
        for _ in range(1000):  # at most 10 s
            if len(written) > before or writer.error is not None:
                return  # written, or skipped after the writer's error
            time.sleep(0.01)
        raise AssertionError("the writer did not write the part")

    monkeypatch.setattr(stream._Writer, "write", counted)
    monkeypatch.setattr(stream._Writer, "send", sent)
    return written


def _period(books, start: date) -> AccountingPeriod:
    return AccountingPeriod.objects.get(company=books.company, start=start)


def _sequential(monkeypatch) -> None:
    monkeypatch.setattr(services, "streams", lambda company: False)


def _approve(books, code: str, effective: date) -> LeaseChange:
    change = lease_change_create(
        lease=books.company.leases.get(code=code),
        actor=books.accountant.user,
        kind="consideration",
        effective=effective,
        details=RENT_UP,
        reason="Rent review",
    )
    return lease_change_approve(change=change, actor=books.reviewer.user)


def _mixed(books) -> None:
    """`_mixed_portfolio`, every lease able to post."""
    _mixed_portfolio(books)
    books.company.leases.filter(code="B-1").delete()
    AccountingDefaults.objects.filter(company=books.company).update(
        non_lease_expense_account=GLAccount.objects.create(
            company=books.company, number="6450", name="Services expense"
        )
    )


def _nothing_left(period: AccountingPeriod, *, booked: list[LeaseChange] = ()) -> None:
    """Not a row of the close: no entry or line, the period open at its version, the changes
    not booked, no audit of a close."""
    period.refresh_from_db()
    assert not period.is_closed and period.closed_at is None
    assert not JournalEntry.objects.filter(period=period).exists()
    assert not JournalLine.objects.filter(entry__period=period).exists()
    assert not AuditEvent.objects.filter(action="period.close", subject_id=str(period.pk)).exists()
    for change in booked:
        change.refresh_from_db()
        assert change.booking_period is None
    assert not any(t.name == "close-entries-writer" for t in threading.enumerate())


def test_a_streamed_close_writes_what_a_sequential_close_writes_in_the_same_order(
    books, parts, monkeypatch
):
    _mixed(books)
    for period in periods_ensure(company=books.company, through=MAR)[:-1]:
        period_close(period=period, actor=books.accountant.user)  # S-1 starts in November
    # A change backdated into closed February (a catch-up) and one in March (its own entry).
    _approve(books, "L-2", date(2026, 2, 15))
    _approve(books, "F-1", date(2026, 3, 15))
    mar = _period(books, MAR)
    parts.clear()

    streamed = period_close(period=mar, actor=books.accountant.user)
    assert len(parts) >= 5  # the leases' parts, then the change entries
    period_reopen(period=mar, actor=books.settings_admin.user, reason="Compare the writers")
    _sequential(monkeypatch)
    sequential = period_close(period=mar, actor=books.accountant.user)

    assert _rows(mar, 1) == _rows(mar, 2)  # every value, entries in id order
    kinds = [e.kind for e in streamed]
    assert kinds == [e.kind for e in sequential]
    assert sorted(kinds[:2]) == ["catch_up", "change"] and set(kinds[2:]) == {"periodic"}
    assert [e.pk for e in streamed] == list(
        JournalEntry.objects.filter(period=mar, close_version=1).values_list("pk", flat=True)
    )
    audits = AuditEvent.objects.filter(action="period.close", subject_id=str(mar.pk))
    first, second = audits.order_by("pk")
    assert first.after["debits_by_currency"] == second.after["debits_by_currency"]
    assert first.after["entries"] == second.after["entries"] == len(streamed)


def test_the_go_live_entries_come_first_as_in_a_sequential_close(portfolio, parts, monkeypatch):  # noqa: F811
    company = portfolio.company
    periods_ensure(company=company, through=GO_LIVE)
    july = AccountingPeriod.objects.get(company=company, start=GO_LIVE)

    streamed = period_close(period=july, actor=portfolio.accountant.user)
    period_reopen(period=july, actor=portfolio.settings_admin.user, reason="Compare the writers")
    _sequential(monkeypatch)
    period_close(period=july, actor=portfolio.accountant.user)

    assert _rows(july, 1) == _rows(july, 2)
    assert [e.external_key[:3] for e in streamed] == ["LG-", "LG-", "LA-", "LA-"]


def _bad_lease_last(books) -> None:
    """Five more leases, and one whose term does not divide into its payment periods, last in
    code order: its problem is found after the first leases' rows were sent."""
    for n in range(5):
        make_lease(books.company, code=f"M-{n}", amount="880.00")
    bad = make_lease(books.company, code="Z-BAD", term_months=13)
    LeasePayment.objects.filter(lease=bad).update(frequency=3)


def test_a_lease_problem_found_after_rows_were_sent_leaves_nothing_behind(books, parts):
    periods_ensure(company=books.company, through=FEB)
    period_close(period=_period(books, JAN), actor=books.accountant.user)
    _bad_lease_last(books)
    change = _approve(books, "L-2", date(2026, 2, 15))
    feb = _period(books, FEB)
    parts.clear()

    with pytest.raises(ValidationError, match="Z-BAD: Lease terms") as refused:
        period_close(period=feb, actor=books.accountant.user)

    assert len(refused.value.messages) == 1
    assert len(parts) >= 2  # the refusal came after rows were written
    _nothing_left(feb, booked=[change])
    # The connection goes on: without the lease, the same period closes.
    books.company.leases.filter(code="Z-BAD").delete()
    entries = period_close(period=feb, actor=books.accountant.user)
    assert len(entries) == 8 + 1  # a periodic entry per lease, and the change's own
    change.refresh_from_db()
    assert change.booking_period == FEB


def test_a_count_other_than_the_one_confirmed_is_refused_after_streaming(books, parts):
    for n in range(5):
        make_lease(books.company, code=f"M-{n}", amount="880.00")
    jan = periods_ensure(company=books.company, through=JAN)[-1]

    with pytest.raises(ValidationError, match="8 journal entries instead of 7"):
        period_close(period=jan, actor=books.accountant.user, expected_entries=7)

    assert len(parts) == 4  # every lease's rows were written: the count is known at the end
    _nothing_left(jan)
    assert len(period_close(period=jan, actor=books.accountant.user, expected_entries=8)) == 8


def test_a_database_error_in_the_writer_is_raised_by_the_close_and_undoes_it(books, parts):
    for n in range(5):
        make_lease(books.company, code=f"M-{n}", amount="880.00")
    jan = periods_ensure(company=books.company, through=JAN)[-1]
    # A row already holding the key one lease's entry will take: the COPY of its part fails.
    held = JournalEntry.objects.create(
        company=books.company,
        period=jan,
        close_version=1,
        external_key=f"LA-{books.company.pk}-202601-D-M-3",
        subsidiary="x",
        currency="USD",
        tran_date=date(2026, 1, 31),
        line_count=0,
        total_debit=0,
        total_credit=0,
    )

    with pytest.raises(IntegrityError, match="external_key"):
        period_close(period=jan, actor=books.accountant.user)

    jan.refresh_from_db()
    assert not jan.is_closed and jan.close_version == 0
    assert list(JournalEntry.objects.filter(period=jan)) == [held]
    assert not JournalLine.objects.exists()
    assert not any(t.name == "close-entries-writer" for t in threading.enumerate())
    held.delete()
    assert len(period_close(period=jan, actor=books.accountant.user)) == 8


def test_a_close_stopped_while_rows_stream_stops_the_writer_and_leaves_nothing(
    books, parts, monkeypatch
):
    monkeypatch.setattr(postings, "PROGRESS_EVERY", 2)
    _bad_lease_last(books)
    books.company.leases.filter(code="Z-BAD").delete()
    jan = periods_ensure(company=books.company, through=JAN)[-1]

    def progress(step, done=0, total=0):
        if step == "postings" and done == 6:
            raise WorkerKilled

    with pytest.raises(WorkerKilled):
        period_close(period=jan, actor=books.accountant.user, progress=progress)

    assert 1 <= len(parts) <= 3
    _nothing_left(jan)
    assert len(period_close(period=jan, actor=books.accountant.user)) == 8


def test_the_journal_foreign_keys_are_checked_at_the_commit_again_after_a_streamed_close(
    books, parts
):
    jan = periods_ensure(company=books.company, through=JAN)[-1]
    period_close(period=jan, actor=books.accountant.user)
    line_table = JournalLine._meta.db_table

    with transaction.atomic(), connection.cursor() as cursor:
        # A line of no entry: accepted now (the check waits for the commit)...
        cursor.execute(
            f"INSERT INTO {line_table} (entry_id, line_no, account_number, account_name, debit, "
            "credit, memo, department, lease_class, location, lease_code) "
            "VALUES (-1, 1, '1', 'x', 1, 0, '', '', '', '', '')"
        )
        # ...and refused when checked.
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        transaction.set_rollback(True)


def test_change_entries_over_the_bound_take_ids_after_the_leases(books, parts, monkeypatch):
    periods_ensure(company=books.company, through=FEB)
    period_close(period=_period(books, JAN), actor=books.accountant.user)
    _approve(books, "L-2", date(2026, 2, 15))
    monkeypatch.setattr(postings, "_change_entries_at_most", lambda changed, start: 0)
    feb = _period(books, FEB)

    entries = period_close(period=feb, actor=books.accountant.user)

    assert [e.kind for e in entries] == ["periodic"] * 3 + ["change"]
    assert [e.pk for e in entries] == list(
        JournalEntry.objects.filter(period=feb).values_list("pk", flat=True)
    )
    assert JournalLine.objects.filter(entry=entries[-1]).count() == entries[-1].line_count > 0
