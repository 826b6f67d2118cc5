"""State changes of the close: create periods, close and reopen them, guard closed figures."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Min
from django.utils import timezone

from audit.services import audit_record
from closebooks.changes import blocking_changes
from closebooks.copy_text import chunks, write_chunked
from closebooks.golive import golive_entries, is_golive_period
from closebooks.journal import ZERO, SplitError, build_entries, change_entries
from closebooks.models import (
    IN_FLIGHT,
    AccountingPeriod,
    CloseRun,
    CloseRunStatus,
    JournalEntry,
    JournalLine,
    PeriodStatus,
)
from closebooks.postings import close_postings_flat, no_cycle_collection
from closebooks.progress import Heartbeat, progress_record, stale_after, worker_lost
from closebooks.signals import period_closed
from closebooks.stream import LINE_COLUMNS, EntryStream, JournalRows, reserve_ids
from companies.models import Company, Membership, TransitionMethod
from leases.change_services import lease_changes_book
from leases.models import Lease, LeaseStatus
from leases.selectors import (
    company_go_live,
    golive_postings,
)

LINE_BATCH = 2000
# About half a second of closing on a development machine: smaller closes stay in the request.
INLINE_MAX_LEASES = 2000
logger = logging.getLogger(__name__)


def month_start(day: date) -> date:
    """The first day of the month containing `day`."""
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _label(start: date) -> str:
    return start.strftime("%b %Y")


@transaction.atomic
def periods_ensure(*, company, through: date | None = None) -> list[AccountingPeriod]:
    """Create the missing monthly periods up to `through` (default: this month); return them all."""
    through = month_start(through or timezone.localdate())
    first = AccountingPeriod.objects.filter(company=company).aggregate(first=Min("start"))["first"]
    go_live = company_go_live(company)
    if first is None and go_live is not None:
        first = go_live  # the calendar starts at go-live: nothing is closed or posted before it
    if first is None:
        # A company's calendar starts with its earliest active lease and never grows backwards.
        earliest = Lease.objects.filter(company=company, status=LeaseStatus.ACTIVE).aggregate(
            first=Min("commencement_date")
        )["first"]
        first = month_start(earliest) if earliest else through
    months = []
    current = first
    while current <= through:
        months.append(current)
        current = add_months(current, 1)
    AccountingPeriod.objects.bulk_create(
        [AccountingPeriod(company=company, start=start) for start in months],
        ignore_conflicts=True,  # created concurrently or earlier: the unique constraint decides
    )
    return list(AccountingPeriod.objects.filter(company=company).order_by("start"))


@transaction.atomic
def company_go_live_set(
    *, company, actor, go_live: date | None, transition_method: str = ""
) -> Company:
    """Set the go-live month and default transition method; refused once a period has closed."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    if transition_method not in ("", *TransitionMethod.values):
        raise ValidationError(f"Unknown transition method “{transition_method}”.")
    periods = AccountingPeriod.objects.filter(company=company)
    if periods.filter(status=PeriodStatus.CLOSED).exists():
        raise ValidationError(
            "A period is already closed, so the go-live date can no longer change: the posted "
            "figures depend on it. Reopen every closed period first."
        )
    start = month_start(go_live) if go_live else None
    earlier = periods.filter(start__lt=start) if start else periods.none()
    if earlier.filter(close_version__gt=0).exists():
        raise ValidationError(
            "A period before the go-live month was closed once and keeps its history; choose a "
            "go-live month after it."
        )
    before = {
        "go_live_date": str(company.go_live_date or ""),
        "transition_method": company.transition_method,
    }
    company.go_live_date = start
    company.transition_method = transition_method
    company.save(update_fields=["go_live_date", "transition_method"])
    # Never-closed months before go-live hold nothing and would only block the first close.
    earlier.delete()
    audit_record(
        company=company,
        actor=actor,
        action="company.go_live",
        subject=company,
        before=before,
        after={"go_live_date": str(start or ""), "transition_method": transition_method},
    )
    return company


def _first_open_before(period: AccountingPeriod) -> date | None:
    """The earliest month before `period` that is not closed (a missing month counts as open)."""
    starts = AccountingPeriod.objects.filter(company=period.company, start__lt=period.start)
    closed = set(starts.filter(status=PeriodStatus.CLOSED).values_list("start", flat=True))
    first = starts.aggregate(first=Min("start"))["first"]
    current = first
    while current is not None and current < period.start:
        if current not in closed:
            return current
        current = add_months(current, 1)
    return None


def _lock(period: AccountingPeriod) -> AccountingPeriod:
    """Re-read the period under a row lock (only its own row: the company stays unlocked)."""
    return AccountingPeriod.objects.select_for_update().get(pk=period.pk)


@transaction.atomic
# Cycle collection waits until the close is done: every full collection would walk all the lines
# and entries built so far, none of which is garbage before the end.
@no_cycle_collection()
def period_close(
    *,
    period: AccountingPeriod,
    actor,
    progress: Callable[..., None] | None = None,
    expected_entries: int | None = None,
) -> list[JournalEntry]:
    """Freeze the period's journal entries and lock it; refuse, changing nothing, if it can't.

    `progress(step, done, total)` is told when each step starts, and while the leases are
    computed how many are done (a close run shows it while it works)."""
    progress = progress or (lambda step, done=0, total=0: None)
    period = _lock(period)
    company = period.company
    if period.is_closed:
        raise ValidationError(f"{period.label} is already closed.")
    earlier = _first_open_before(period)
    if earlier is not None:
        raise ValidationError(
            f"Close {_label(earlier)} first: periods close in order and {_label(earlier)} is "
            "still open."
        )
    blocking = blocking_changes(company, period.start)
    if blocking:
        raise ValidationError(
            [
                f"Lease {c.lease.code}: change {c.reference} ({c.get_kind_display()}, effective "
                f"{c.effective_date.isoformat()}) waits for approval; approve or withdraw it "
                f"before closing {period.label}."
                for c in blocking
            ]
        )
    before = {"status": period.status, "close_version": period.close_version}
    progress("postings")
    close = _close_streamed if streams(company) else _close_sequential
    entries, debits, newly_booked = close(
        company=company, period=period, actor=actor, progress=progress, expected=expected_entries
    )
    # Changes included for the first time are booked in this period, for every later close.
    lease_changes_book(change_ids=newly_booked, period=period.start)
    audit_record(
        company=company,
        actor=actor,
        action="period.close",
        subject=period,
        before=before,
        after={
            "status": period.status,
            "close_version": period.close_version,
            "entries": len(entries),
            # Per currency: amounts in different currencies are never added together.
            "debits_by_currency": {c: str(total) for c, total in sorted(debits.items())},
        },
    )
    period_closed.send(sender=AccountingPeriod, period=period)
    return entries


def streams(company) -> bool:
    """Whether a close writes its entries while it computes (`closebooks.stream`): detail
    entries through COPY. A summary entry needs every lease first; SQLite has no COPY."""
    return copy_available() and company.journal_granularity != "summary"


def _refuse_problems(problems) -> None:
    if problems:
        raise ValidationError([f"{problem.lease_code}: {problem.message}" for problem in problems])


def _refuse_other_count(period: AccountingPeriod, count: int, expected: int | None) -> None:
    if expected is not None and expected != count:
        raise ValidationError(
            f"{period.label} changed since you looked: {count} journal entries instead of "
            f"{expected}. Check what will be frozen again."
        )


def _mark_closed(period: AccountingPeriod, actor) -> None:
    """The period's new state, in memory (the entries written carry its new close version)."""
    period.status = PeriodStatus.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = actor
    period.close_version += 1


def _save_closed(period: AccountingPeriod) -> None:
    period.save(update_fields=["status", "closed_at", "closed_by", "close_version"])


def _close_sequential(*, company, period, actor, progress, expected):
    """Compute every lease, build the entries, then write them: (entries, debits by currency,
    change ids booked now)."""
    postings = close_postings_flat(
        company, period.start, progress=lambda done, total: progress("postings", done, total)
    )
    _refuse_problems(postings.problems)
    golive = golive_postings(company) if is_golive_period(period) else None
    if golive is not None:
        _refuse_problems(golive.problems)
    progress("entries")
    try:
        drafts = build_entries(
            postings.lines,
            granularity=company.journal_granularity,
            company_id=company.pk,
            period=period.start,
            label=period.label,
        )
        if golive is not None:
            drafts = golive_entries(golive.lines, period=period) + drafts
    except SplitError as error:
        raise ValidationError(str(error)) from error
    _refuse_other_count(period, len(drafts), expected)
    _mark_closed(period, actor)
    _save_closed(period)
    entries = _write_entries(company=company, period=period, drafts=drafts, progress=progress)
    return entries, _debits_by_currency(drafts), postings.newly_booked


def _close_streamed(*, company, period, actor, progress, expected):
    """`_close_sequential`, each part of the leases' entries written while the next is
    computed (`closebooks.stream`); refused the same way, after the streamed rows were sent
    (the close's transaction rolls them back)."""
    # The go-live entries come first: computed before the month, their problems told after it.
    golive = golive_postings(company) if is_golive_period(period) else None
    golive_drafts, golive_split = [], None
    if golive is not None and not golive.problems:
        try:
            golive_drafts = golive_entries(golive.lines, period=period)
        except SplitError as error:
            golive_split = error
    _mark_closed(period, actor)
    with EntryStream(company=company, period=period, head_entries=len(golive_drafts)) as stream:
        postings = close_postings_flat(
            company,
            period.start,
            progress=lambda done, total: progress("postings", done, total),
            sink=stream,
        )
        _refuse_problems(postings.problems)
        if golive is not None:
            _refuse_problems(golive.problems)
        split = golive_split or stream.split_error
        if split is not None:
            raise ValidationError(str(split)) from split
        progress("entries")
        head = golive_drafts + change_entries(
            postings.lines, company_id=company.pk, period=period.start, label=period.label
        )
        _refuse_other_count(period, len(head) + stream.count, expected)
        progress("writing")
        entries = stream.finish(head)
    _save_closed(period)
    return entries, stream.debits, postings.newly_booked


def _entry(company, period: AccountingPeriod, draft) -> JournalEntry:
    return JournalEntry(
        company=company,
        period=period,
        close_version=period.close_version,
        external_key=draft.external_key,
        subsidiary=draft.subsidiary,
        currency=draft.currency,
        tran_date=draft.tran_date or period.end,
        memo=draft.memo,
        lease_id=draft.lease_id,
        lease_code=draft.lease_code,
        sequence=draft.sequence,
        kind=draft.kind,
        change_kind=draft.change_kind,
        line_count=len(draft.lines),
        total_debit=draft.total_debit,
        total_credit=draft.total_credit,
    )


def _line_values(draft) -> Iterator[tuple]:
    """A draft's lines as (line_no, account_number, …) in `LINE_COLUMNS` order after the entry."""
    for number, line in enumerate(draft.lines, start=1):
        yield (
            number,
            line.account_number,
            line.account_name,
            line.debit,
            line.credit,
            line.memo[:300],
            line.department,
            line.lease_class,
            line.location,
            line.lease_code,
        )


def copy_available() -> bool:
    """PostgreSQL through psycopg 3: entries and lines are written with COPY."""
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def _write_entries(
    *, company, period: AccountingPeriod, drafts, progress: Callable[..., None]
) -> list[JournalEntry]:
    """Write the entries and their lines: COPY on PostgreSQL, bulk_create elsewhere."""
    progress("writing")
    if copy_available():
        return _copy_entries(company, period, drafts)
    entries = [_entry(company, period, draft) for draft in drafts]
    JournalEntry.objects.bulk_create(entries, batch_size=LINE_BATCH)
    JournalLine.objects.bulk_create(
        (
            JournalLine(entry=entry, **dict(zip(LINE_COLUMNS[1:], values, strict=True)))
            for entry, draft in zip(entries, drafts, strict=True)
            for values in _line_values(draft)
        ),
        batch_size=LINE_BATCH,
    )
    return entries


def _copy_entries(company, period: AccountingPeriod, drafts) -> list[JournalEntry]:
    """COPY the entries (ids drawn from the table's sequence first), then their lines.

    The rows hold the values bulk_create would send (`_entry`, `_line_values`); a test compares
    both paths row for row. The entries come back as model instances, built from those rows."""
    rows_of = JournalRows(company, period)
    ids = reserve_ids(len(drafts))
    rows = rows_of.entry_rows(ids, drafts)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        # COPY text built here in large pieces (psycopg's write_row formats row by row), while
        # the server stores what was sent before: leaving a COPY block waits for the server.
        with raw.copy(rows_of.entry_copy) as copy:
            write_chunked(copy, rows_of.entry_text(rows))
            line_text = list(chunks(rows_of.line_text(ids, drafts)))
        with raw.copy(rows_of.line_copy) as copy:
            for piece in line_text:
                copy.write(piece)
            entries = rows_of.instances(rows)
    return entries


def _debits_by_currency(drafts) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for draft in drafts:
        totals[draft.currency] = totals.get(draft.currency, ZERO) + draft.total_debit
    return totals


@transaction.atomic
def period_reopen(*, period: AccountingPeriod, actor, reason: str) -> AccountingPeriod:
    """Reopen the most recent closed period (company admins only, with a written reason)."""
    period = _lock(period)
    is_admin = Membership.objects.filter(
        company=period.company, user=actor, is_company_admin=True
    ).exists()
    if not is_admin:
        raise ValidationError("Only a company admin may reopen a closed period.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Write why the period is reopened; the reason is kept in the log.")
    if not period.is_closed:
        raise ValidationError(f"{period.label} is not closed.")
    later = (
        AccountingPeriod.objects.filter(
            company=period.company, start__gt=period.start, status=PeriodStatus.CLOSED
        )
        .order_by("-start")
        .first()
    )
    if later is not None:
        raise ValidationError(
            f"Reopen {later.label} first: only the most recent closed period can be reopened."
        )
    before = {"status": period.status, "close_version": period.close_version}
    period.status = PeriodStatus.OPEN
    period.reopened_at = timezone.now()
    period.reopened_by = actor
    period.reopen_reason = reason
    period.save(update_fields=["status", "reopened_at", "reopened_by", "reopen_reason"])
    audit_record(
        company=period.company,
        actor=actor,
        action="period.reopen",
        subject=period,
        before=before,
        after={"status": period.status, "close_version": period.close_version},
        note=reason,
    )
    return period


def close_runs_in_background(period: AccountingPeriod) -> bool:
    """Whether Close & Lock of this period runs on a worker: more active leases than
    CLOSE_INLINE_MAX_LEASES (a smaller close finishes within the request)."""
    count = Lease.objects.filter(company_id=period.company_id, status=LeaseStatus.ACTIVE).count()
    return count > inline_max_leases()


def inline_max_leases() -> int:
    """CLOSE_INLINE_MAX_LEASES: up to this many active leases a close runs in the request."""
    return getattr(settings, "CLOSE_INLINE_MAX_LEASES", INLINE_MAX_LEASES)


# A close that kills its worker every time (memory, a crash in a library) stops being sent again.
MAX_RESUMES = 3


def _hard_limit() -> timedelta:
    """A task cannot outlive its hard time limit (plus a minute for the kill to land)."""
    from closebooks.tasks import TIME_LIMIT

    return timedelta(seconds=TIME_LIMIT + 60)


def _write_lock_tells() -> bool:
    """SQLite whose transactions begin IMMEDIATE (settings): a close holds the database's one
    write lock from its transaction's first statement to its commit, so that lock says whether
    a close is still writing. A database in memory is this process's alone: nothing to ask."""
    return (
        connection.vendor == "sqlite"
        and str(connection.settings_dict["OPTIONS"].get("transaction_mode")).upper() == "IMMEDIATE"
        and not connection.is_in_memory_db()
    )


def _sqlite_write_locked() -> bool:
    """Whether another connection holds the SQLite database's write lock, asked without waiting:
    a second connection tries to take it (BEGIN IMMEDIATE, no busy timeout) and lets go at once.
    Inside a transaction of ours the lock is ours (it began IMMEDIATE), so nobody else writes."""
    if connection.in_atomic_block:
        return False
    probe = sqlite3.connect(
        connection.settings_dict["NAME"], timeout=0, isolation_level=None, uri=True
    )
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        if error.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return True
        raise
    finally:
        probe.close()
    return False


def _period_locked(period_id: int) -> bool | None:
    """Whether someone holds the period's row lock (a close in its transaction holds it), read
    without waiting (skip_locked); None where the database has no row locks. Call it inside a
    transaction: a free period stays locked by the caller until it commits. On SQLite that
    transaction holds the database's write lock, so no close is writing: False."""
    if _write_lock_tells():
        return False
    if not connection.features.has_select_for_update_skip_locked:
        return None
    free = AccountingPeriod.objects.select_for_update(skip_locked=True).filter(pk=period_id)
    return not free.exists()


def close_run_recover(run: CloseRun, *, enqueue: Callable | None = None) -> bool:
    """Send a run whose worker stopped to another worker (or fail it after MAX_RESUMES);
    True when this call did. Safe to call from many places at once: the change is conditional
    on the run as read, so of two recoverers of the same run exactly one sends it again."""
    now = timezone.now()

    def lost(period_locked: bool | None) -> bool:
        return worker_lost(
            run, now=now, period_locked=period_locked, hard_limit=_hard_limit(), stale=stale_after()
        )

    locks_tell = connection.features.has_select_for_update_skip_locked or _write_lock_tells()
    # A free period is the likeliest answer for a lost worker: when even that says alive (a
    # fresh heartbeat, as on every poll of a live close), no lock is asked about.
    if not lost(False if locks_tell else None):
        return False
    # SQLite: someone holds the write lock, a close still writing (alive, whatever its
    # heartbeat); this call's own transaction would wait for it. The next poll asks again.
    if _write_lock_tells() and _sqlite_write_locked():
        return False
    return _close_run_send_again(run, now=now, lost=lost, enqueue=enqueue or _enqueue)


@transaction.atomic
def _close_run_send_again(
    run: CloseRun, *, now, lost: Callable[[bool | None], bool], enqueue: Callable
) -> bool:
    """The lost run back to queued (or failed), conditional on the run as read."""
    if not lost(_period_locked(run.period_id)):  # the lock taken is held until this commits
        return False
    # The run exactly as this recoverer saw it; a claim, a beat or another recoverer since
    # changes one of these and this update touches nothing.
    as_read = CloseRun.objects.filter(
        pk=run.pk,
        status=run.status,
        lease_token=run.lease_token,
        heartbeat_at=run.heartbeat_at,
        resume_count=run.resume_count,
    )
    if run.status == CloseRunStatus.QUEUED:
        # Never claimed: its message may be gone. Sent again, no worker was lost.
        if not as_read.update(heartbeat_at=now):
            return False
        logger.warning("close run %s: still queued, sent again", run.pk)
    elif run.resume_count >= MAX_RESUMES:
        label = run.period.label
        gave_up = as_read.update(
            status=CloseRunStatus.FAILED,
            finished_at=now,
            lease_token="",
            message=(
                f"The close of {label} stopped its worker {run.resume_count + 1} times before it "
                "finished, and nothing was frozen. Try again; if it happens again, tell support "
                f"(close run {run.pk})."
            ),
        )
        if gave_up:
            logger.error("close run %s: worker lost %s times, failed", run.pk, MAX_RESUMES + 1)
        return bool(gave_up)
    else:
        # The dead holder's lease goes with it; the next delivery claims the run afresh.
        if not as_read.update(
            status=CloseRunStatus.QUEUED,
            lease_token="",
            heartbeat_at=now,
            resumed_at=now,
            resume_count=F("resume_count") + 1,
        ):
            return False
        logger.warning("close run %s: its worker stopped; sent to another worker", run.pk)
        progress_record(run.pk, "queued")
    transaction.on_commit(lambda: enqueue(run.pk))
    return True


def close_runs_recover(*, enqueue: Callable | None = None) -> list[int]:
    """Every in-flight run whose worker stopped, sent to another worker; their ids."""
    recovered = []
    in_flight = CloseRun.objects.filter(status__in=IN_FLIGHT).select_related("period")
    for run in in_flight:
        if close_run_recover(run, enqueue=enqueue):
            recovered.append(run.pk)
    return recovered


def close_run_checked(run: CloseRun | None) -> CloseRun | None:
    """For the progress poll: the run as it is now, sent to another worker first if its own
    stopped (so a close whose worker died goes on while someone watches, beat or no beat)."""
    if run is None or not run.in_flight:
        return run
    if close_run_recover(run):
        run.refresh_from_db()
    return run


def _enqueue(run_id: int) -> None:
    from closebooks.tasks import close_run_task

    close_run_task.delay(run_id)


def period_close_request(
    *, period: AccountingPeriod, actor, expected_entries: int | None = None
) -> CloseRun:
    """Queue the close of a large period on a worker; one run in flight per period."""
    if _write_lock_tells() and _sqlite_write_locked():
        # SQLite: this request's own transaction would wait behind a close holding the write
        # lock (and fail after the busy timeout); a press on a period being closed gets its
        # sentence at once.
        in_flight = _in_flight(period)
        if in_flight is not None:
            raise _being_closed(period, in_flight)
    return _period_close_queue(period=period, actor=actor, expected_entries=expected_entries)


def _in_flight(period: AccountingPeriod) -> CloseRun | None:
    return (
        CloseRun.objects.filter(period_id=period.pk, status__in=IN_FLIGHT)
        .select_related("requested_by", "period")
        .first()
    )


def _being_closed(period: AccountingPeriod, in_flight: CloseRun | None) -> ValidationError:
    who = ""
    if in_flight is not None and in_flight.requested_by is not None:
        who = f" by {in_flight.requested_by}"
    return ValidationError(
        f"{period.label} is being closed already (started{who}); its progress is on "
        "this page. Nothing else needs to be pressed."
    )


@transaction.atomic
def _period_close_queue(
    *, period: AccountingPeriod, actor, expected_entries: int | None
) -> CloseRun:
    # A running close holds this row's lock for its whole transaction: skip_locked answers at
    # once instead of waiting behind it.
    locked = (
        AccountingPeriod.objects.select_for_update(skip_locked=True).filter(pk=period.pk).first()
    )
    in_flight = _in_flight(period)
    if in_flight is not None and locked is not None and close_run_recover(in_flight):
        # Its worker was gone: the press sent the same run to another worker.
        in_flight.refresh_from_db()
        return in_flight
    if locked is None or in_flight is not None:
        raise _being_closed(period, in_flight)
    period = locked
    if period.is_closed:
        raise ValidationError(f"{period.label} is already closed.")
    earlier = _first_open_before(period)
    if earlier is not None:
        raise ValidationError(
            f"Close {_label(earlier)} first: periods close in order and {_label(earlier)} is "
            "still open."
        )
    leases = Lease.objects.filter(company_id=period.company_id, status=LeaseStatus.ACTIVE)
    try:
        with transaction.atomic():
            run = CloseRun.objects.create(
                company_id=period.company_id,
                period=period,
                requested_by=actor,
                leases=leases.count(),
                expected_entries=expected_entries,
                heartbeat_at=timezone.now(),
            )
    except IntegrityError as error:  # a second request got there first
        raise ValidationError(
            f"{period.label} is being closed already; its progress is on this page."
        ) from error
    progress_record(run.pk, "queued")
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _claim(run_id: int) -> str | None:
    """Take a queued run (or one whose holder let it go) for this execution. Token or None.

    Only a recoverer declares a holder dead (`close_run_recover`, which frees the lease), so a
    duplicate delivery of a run being closed does nothing."""
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = CloseRun.objects.filter(pk=run_id, status__in=IN_FLIGHT, lease_token="").update(
        status=CloseRunStatus.RUNNING,
        lease_token=token,
        heartbeat_at=now,
        started_at=now,
        attempts=F("attempts") + 1,
    )
    return token if claimed else None


def _release(run_id: int, token: str) -> None:
    """Let the run go (a close that stopped on something nothing caught): the next delivery,
    or the recoverer once its heartbeat is silent, takes it up again."""
    CloseRun.objects.filter(pk=run_id, lease_token=token).update(lease_token="")


def close_run_execute(run_id: int) -> None:
    """Close the run's period (the worker's side); every outcome ends on the run as words."""
    token = _claim(run_id)
    if token is None:
        return  # gone, finished, or another execution holds it: a duplicate does nothing
    finished = False
    try:
        with Heartbeat(run_id, token):
            finished = _close_run_work(run_id, token)
    finally:
        if not finished:
            _release(run_id, token)


def _close_run_work(run_id: int, token: str) -> bool:
    if not _write_lock_tells():
        return _close_run_steps(run_id, token)
    # SQLite: no beat can be written while the close writes, so the close and the run's outcome
    # commit together and the database's write lock, held from here to that commit, is what
    # tells the recoverer this close is alive. A worker killed anywhere in it leaves the run
    # as claimed and nothing else.
    with transaction.atomic():
        if not CloseRun.objects.filter(pk=run_id, lease_token=token).exists():
            # Sent to another worker while this one waited for the lock: the other's to close.
            logger.warning("close run %s: taken over before its close began", run_id)
            return True
        return _close_run_steps(run_id, token)


def _close_run_steps(run_id: int, token: str) -> bool:
    run = CloseRun.objects.select_related("period__company", "requested_by").get(pk=run_id)
    period = run.period
    if _closed_by(run, period):
        # An earlier attempt committed the close and stopped before it could say so.
        return _close_run_finish(
            run, CloseRunStatus.SUCCEEDED, entries=_current_count(period), token=token
        )
    try:
        entries = period_close(
            period=period,
            actor=run.requested_by,
            progress=lambda step, done=0, total=0: progress_record(run_id, step, done, total),
            expected_entries=run.expected_entries,
        )
    except ValidationError as error:
        period.refresh_from_db()
        if _closed_by(run, period):
            # Another execution of this run closed it meanwhile: the close happened once.
            return _close_run_finish(
                run, CloseRunStatus.SUCCEEDED, entries=_current_count(period), token=token
            )
        return _close_run_finish(
            run, CloseRunStatus.FAILED, message="\n".join(error.messages), token=token
        )
    except Exception:
        # Nothing was frozen (the close is one transaction); the page needs words, the log
        # keeps the traceback.
        logger.exception("close run %s failed", run_id)
        return _close_run_finish(
            run,
            CloseRunStatus.FAILED,
            message=(
                f"The close of {period.label} stopped on an unexpected error and nothing was "
                f"frozen. Try again; if it happens again, tell support (close run {run_id})."
            ),
            token=token,
        )
    progress_record(run_id, "done")
    return _close_run_finish(run, CloseRunStatus.SUCCEEDED, entries=len(entries), token=token)


def _closed_by(run: CloseRun, period: AccountingPeriod) -> bool:
    """Whether the period was closed since the run was requested (by one of its attempts)."""
    return bool(period.is_closed and period.closed_at and period.closed_at >= run.created_at)


def _current_count(period: AccountingPeriod) -> int:
    return JournalEntry.objects.filter(period=period, close_version=period.close_version).count()


def _close_run_finish(
    run: CloseRun, status: str, *, entries=None, message: str = "", token: str
) -> bool:
    """End the run, only while this execution still holds it; True either way (it is over for
    this execution: a run taken over is the other execution's to finish)."""
    run.status = status
    run.finished_at = timezone.now()
    run.entries = entries
    run.message = message
    ours = CloseRun.objects.filter(pk=run.pk, lease_token=token).update(
        status=status,
        finished_at=run.finished_at,
        entries=entries,
        message=message,
        lease_token="",
    )
    if not ours:
        logger.warning("close run %s: taken over by another execution; not finished here", run.pk)
    return True
