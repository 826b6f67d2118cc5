"""The journal sync: start a run, send its entries exactly once, record every attempt, retry.

Idempotency has two halves. On our side a run is claimed with conditional UPDATEs and the
database allows one run in flight per period. On NetSuite's side every entry is *upserted* by its
external ID (PUT …/journalentry/eid:<key>), so sending an entry twice — after a retry, a killed
worker or an answer lost after NetSuite saved it — updates the same NetSuite entry.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, FIRST_EXCEPTION, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import Count, F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from audit.services import audit_record
from closebooks.models import AccountingPeriod, JournalEntry, JournalLine
from integrations.models import (
    EntryAction,
    EntryStatus,
    NetSuiteConnection,
    ReferenceMapping,
    SyncAttempt,
    SyncEntry,
    SyncRun,
    SyncStatus,
)
from integrations.netsuite.errors import (
    AuthenticationError,
    NetSuiteError,
    PermissionDeniedError,
    RecordValidationError,
)
from integrations.netsuite.payload import (
    AttemptRecord,
    JournalEntryData,
    JournalLineData,
    UpsertResult,
)
from integrations.netsuite.soap import MAX_RECORDS_PER_LIST
from integrations.services.connection import netsuite_client
from integrations.services.diff import (
    build_plan,
    confirm_with_netsuite,
    entries_of,
    key_chunks,
    key_prefix,
    let_go,
    of_entry_keys,
    of_keys,
    period_keys,
    period_plan,
    read_netsuite,
)
from integrations.services.preflight import PreflightResult, period_preflight
from integrations.services.references import (
    LOOKUPS,
    ReferenceResolver,
    UnresolvedReferenceError,
)
from integrations.signals import sync_completed
from occupier.text_rules import NOT_XML

log = logging.getLogger(__name__)

# A live execution beats every HEARTBEAT_EVERY; one silent for STALE_AFTER is taken as dead.
HEARTBEAT_EVERY = timedelta(seconds=10)
STALE_AFTER = timedelta(seconds=60)
MAX_RESUMES = 3
# Ledger rows read from the database at a time, so a run's memory does not grow with its size.
LOAD_CHUNK = 200
# Rows refused before sending (names NetSuite does not know) are written this many at a time.
FLUSH_EVERY = 100
# Answers are written at most this long after they come in, together with those that came in
# meanwhile: REST answers arrive every few milliseconds, and a transaction for each would cost
# more than the answers. A killed worker sends again only what was in flight or this recent.
FLUSH_AFTER_S = 0.1
# What an add or an update sends: the entry itself (reversals and adjustments send their own lines).
SENT_AS_IS = (EntryAction.ADD, EntryAction.UPDATE)


class SyncNotPossible(Exception):
    """The sync cannot start; `user_message` says why and what to do."""

    def __init__(self, user_message: str, run: SyncRun | None = None) -> None:
        self.user_message = user_message
        self.run = run
        super().__init__(user_message)


# NetSuite's corrective actions end "then press Retry", the step after a failed run. Where no run
# failed, the sentence stays as NetSuite words it and only that step changes.
PRESS_RETRY = re.compile(r"\b([Pp])ress Retry\b")
SYNC_AGAIN = "press Sync again"
RETRY = "press Retry"


def with_next_step(action: str, step: str) -> str:
    """`action` with its "press Retry" replaced by `step`, capitalised where a sentence starts."""
    return PRESS_RETRY.sub(lambda m: step if m[1] == "p" else step[0].upper() + step[1:], action)


def next_step_after_refusal(period: AccountingPeriod) -> str:
    """What Closed Periods offers once the problem is fixed: Retry for this close's failed run,
    Sync for a period never sent (or sent as an earlier close)."""
    latest = (
        SyncRun.objects.filter(period=period, close_version=period.close_version)
        .order_by("-pk")
        .values_list("status", flat=True)
        .first()
    )
    return RETRY if latest == SyncStatus.FAILED else SYNC_AGAIN


class PreflightFailed(SyncNotPossible):
    """Pre-flight found references NetSuite would refuse; nothing was sent."""

    def __init__(
        self, period: AccountingPeriod, preflight: PreflightResult, next_step: str = SYNC_AGAIN
    ) -> None:
        self.preflight = preflight
        groups = preflight.groups()
        more = f" ({len(groups) - 1} other problem(s) too.)" if len(groups) > 1 else ""
        action = with_next_step(groups[0].corrective_action, next_step)
        super().__init__(
            f"{period.label} was not sent: pre-flight found {len(preflight.problems)} line(s) "
            f"NetSuite would refuse. {groups[0].message} {action}{more} "
            "Nothing was sent; fix the problems on Settings → Integrations → Reference data "
            f"(or refresh from NetSuite), then {next_step}."
        )


class SyncInterrupted(Exception):
    """NetSuite could not be reached for some entries; the task tries again later."""


def soap_batch_size() -> int:
    """Records per SOAP upsertList call: NETSUITE_SOAP_BATCH_SIZE, at most NetSuite's 200."""
    return max(1, min(settings.NETSUITE_SOAP_BATCH_SIZE, MAX_RECORDS_PER_LIST))


def _enqueue(run_id: int) -> None:
    from integrations.tasks import sync_run_task

    sync_run_task.delay(run_id)


def _enabled_connection(company) -> NetSuiteConnection:
    connection = NetSuiteConnection.objects.filter(company=company).first()
    if connection is None or not connection.enabled or not connection.has_credentials():
        raise SyncNotPossible(
            "NetSuite is not connected for this company. Ask someone with “Allow managing "
            "integration settings” to enter and verify the credentials on Settings → Integrations."
        )
    return connection


def supersede_old_runs(period: AccountingPeriod) -> int:
    """Mark runs of earlier closes of the period superseded; they keep their history."""
    return SyncRun.objects.filter(
        period=period, close_version__lt=period.close_version, superseded_at__isnull=True
    ).update(superseded_at=timezone.now())


def is_superseded(run: SyncRun) -> bool:
    return run.superseded_at is not None or run.close_version != run.period.close_version


def superseded_message(run: SyncRun) -> str:
    period = run.period
    return (
        f"This sync sent {period.label} as closed before (close {run.close_version}); the "
        f"period was reopened and closed again since (close {period.close_version}). Retrying "
        "it would send entries our books no longer hold. Press Sync on Closed Periods to send "
        "the current version: it updates, adds and removes exactly what changed."
    )


def period_sync_start(
    *, period: AccountingPeriod, actor, enqueue: Callable = _enqueue, resend: bool = False
) -> SyncRun:
    """Create an In Progress run for what a closed period changes in NetSuite; queue it.

    `resend` (admins: *Send again*) starts a run even when the ledger says NetSuite holds
    everything: the worker re-reads NetSuite first and sends only what is missing.
    """
    connection = _enabled_connection(period.company)
    if not period.is_closed:
        raise SyncNotPossible(
            f"{period.label} is not closed. Close it before sending it to NetSuite."
        )
    supersede_old_runs(period)
    plan = period_plan(period, removal_method=connection.removal_method)
    if not plan.steps and not resend:
        if not plan.unchanged:
            raise SyncNotPossible(f"{period.label} has no journal entries to send.")
        sent = SyncRun.objects.filter(
            period=period, close_version=period.close_version, status=SyncStatus.COMPLETED
        )
        if sent.exists():
            raise SyncNotPossible(
                f"Already in NetSuite; nothing to send. {period.label} has not changed since it "
                "was last sent."
            )
        # Closed again unchanged: an empty run confirms it against NetSuite and completes.
    # Check every line sent as it is against our copy of NetSuite's reference data first.
    preflight = period_preflight(period)
    to_send = {s.base_key for s in plan.steps if s.action in (EntryAction.ADD, EntryAction.UPDATE)}
    preflight.problems = [p for p in preflight.problems if p.external_key in to_send]
    if preflight.problems:
        raise PreflightFailed(period, preflight, next_step_after_refusal(period))
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                company=period.company,
                period=period,
                close_version=period.close_version,
                transport=connection.transport,
                started_by=actor,
                entries_total=len(plan.steps),
                heartbeat_at=timezone.now(),
                resend=resend,
            )
            SyncEntry.objects.bulk_create(_rows(run, plan.steps))
            audit_record(
                company=period.company,
                actor=actor,
                action="sync.resend" if resend else "sync.start",
                subject=run,
                after={
                    "period": period.label,
                    "close_version": period.close_version,
                    "update": plan.to_update,
                    "add": plan.to_add,
                    "remove": plan.to_remove,
                },
            )
    except IntegrityError:
        # The partial unique index refused a second run in flight for this period.
        running = SyncRun.objects.filter(period=period, status=SyncStatus.IN_PROGRESS).first()
        if running is None:
            raise
        raise SyncNotPossible(
            f"{period.label} is already being sent to NetSuite; wait for it to finish.", running
        ) from None
    transaction.on_commit(lambda: enqueue(run.pk))
    return run


def _rows(run: SyncRun, steps) -> list[SyncEntry]:
    return [
        SyncEntry(
            run=run,
            journal_entry=step.journal_entry,
            external_key=step.external_key,
            base_key=step.base_key,
            action=step.action,
            lines=step.lines,
            tran_date=step.tran_date,
            netsuite_period=step.netsuite_period,
            note=step.note[:300],
            amount=step.amount,
        )
        for step in steps
    ]


def sync_run_retry(*, run: SyncRun, actor, enqueue: Callable = _enqueue) -> SyncRun:
    """Send again only the entries not yet in NetSuite; the same run, audited."""
    _enabled_connection(run.company)
    if is_superseded(run):
        raise SyncNotPossible(superseded_message(run))
    try:
        with transaction.atomic():
            reopened = SyncRun.objects.filter(pk=run.pk, status=SyncStatus.FAILED).update(
                status=SyncStatus.IN_PROGRESS,
                finished_at=None,
                heartbeat_at=timezone.now(),
                lease_token="",
                wake_at=None,
                # NetSuite may have changed meanwhile: read it back again before sending.
                plan_confirmed_at=None,
                message="",
            )
            if not reopened:
                raise SyncNotPossible("Only a failed sync can be retried.")
            run.refresh_from_db()
            failed = run.entries.filter(status=EntryStatus.FAILED)
            retried = failed.count()
            failed.update(
                status=EntryStatus.PENDING,
                error_code="",
                error_message="",
                corrective_action="",
                fix_url="",
            )
            SyncRun.objects.filter(pk=run.pk).update(retry_count=run.retry_count + 1)
            _refresh_counts(run.pk)
            audit_record(
                company=run.company,
                actor=actor,
                action="sync.retry",
                subject=run,
                after={"entries_to_send": retried, "retry": run.retry_count + 1},
            )
    except IntegrityError:
        raise SyncNotPossible("Another sync of this period is in progress; wait for it.") from None
    transaction.on_commit(lambda: enqueue(run.pk))
    run.refresh_from_db()
    return run


def _refresh_counts(run_id: int) -> None:
    counts = SyncEntry.objects.filter(run_id=run_id).aggregate(
        sent=Count("pk", filter=Q(status=EntryStatus.SENT)),
        failed=Count("pk", filter=Q(status=EntryStatus.FAILED)),
    )
    SyncRun.objects.filter(pk=run_id).update(
        entries_sent=counts["sent"], entries_failed=counts["failed"], heartbeat_at=timezone.now()
    )


def reference_mappings(company) -> dict[tuple[str, str], str]:
    """The company's our-name → NetSuite-name mappings, for one run."""
    return {
        (m.kind, m.our_value): m.netsuite_value
        for m in ReferenceMapping.objects.filter(company=company)
    }


def pinned_internal_ids(company) -> dict[tuple[str, str], str]:
    """Mappings chosen from discovered NetSuite records: our value -> internal ID."""
    return {
        (kind, our_value): internal_id
        for kind, our_value, internal_id in ReferenceMapping.objects.filter(company=company)
        .exclude(netsuite_internal_id="")
        .values_list("kind", "our_value", "netsuite_internal_id")
    }


def _fix_url(kind: str, entry: JournalEntry, value: str = "") -> str:
    """Where in our product the user fixes a reference of this kind."""
    if not kind:
        return ""
    try:
        # The picker of NetSuite's own values, so a typo cannot be saved and fail again.
        return reverse("reference_data") + "?" + urlencode({"kind": kind, "our_value": value})
    except NoReverseMatch:
        return ""


# An entry's lines as the payload needs them, read as plain values (no model instances).
LINE_VALUES = (
    "entry_id",
    "account_number",
    "debit",
    "credit",
    "memo",
    "department",
    "lease_class",
    "location",
)


def _lines_of(entry_ids: list[int]) -> dict[int, list[dict]]:
    """The lines of these entries, in line order, by entry ID: one query."""
    lines: dict[int, list[dict]] = {entry_id: [] for entry_id in entry_ids}
    rows = JournalLine.objects.filter(entry_id__in=entry_ids).order_by("entry_id", "line_no")
    for line in rows.values(*LINE_VALUES):
        lines[line["entry_id"]].append(line)
    return lines


def _payload(entry: JournalEntry, resolver: ReferenceResolver, lines=None) -> JournalEntryData:
    """Our frozen entry with every name resolved to a NetSuite internal ID."""
    if lines is None:
        lines = entry.lines.values(*LINE_VALUES)
    lines = tuple(
        JournalLineData(
            account_id=resolver.resolve("account", line["account_number"]),
            debit=line["debit"] if line["debit"] else None,
            credit=line["credit"] if line["credit"] else None,
            memo=line["memo"],
            department_id=resolver.resolve("department", line["department"]),
            class_id=resolver.resolve("class", line["lease_class"]),
            location_id=resolver.resolve("location", line["location"]),
        )
        for line in lines
    )
    return JournalEntryData(
        external_id=entry.external_key,
        subsidiary_id=resolver.resolve("subsidiary", entry.subsidiary),
        currency_id=resolver.resolve("currency", entry.currency),
        tran_date=entry.tran_date,
        memo=entry.memo,
        lines=lines,
    )


def _payload_for(
    sync_entry: SyncEntry, resolver: ReferenceResolver, entry_lines=None
) -> JournalEntryData | None:
    """What to send for a ledger row: the entry itself, its reversal or adjustment, or nothing."""
    if sync_entry.action == EntryAction.DELETE:
        return None
    if sync_entry.action in SENT_AS_IS:
        return _payload(sync_entry.journal_entry, resolver, entry_lines)
    entry = sync_entry.journal_entry
    lines = tuple(
        JournalLineData(
            account_id=resolver.resolve("account", line["account"]),
            debit=Decimal(line["debit"]) if Decimal(line.get("debit") or 0) else None,
            credit=Decimal(line["credit"]) if Decimal(line.get("credit") or 0) else None,
            memo=line.get("memo", ""),
            department_id=resolver.resolve("department", line.get("department", "")),
            class_id=resolver.resolve("class", line.get("class", "")),
            location_id=resolver.resolve("location", line.get("location", "")),
        )
        for line in sync_entry.lines
    )
    kind = "Reversal" if sync_entry.action == EntryAction.REVERSE else "Adjustment"
    # The copied memo loses what no XML can carry: the entry it reverses or adjusts may have
    # reached NetSuite over REST before such characters were refused, and its reversal must
    # still go (reopening cannot change a memo NetSuite already holds).
    copied = NOT_XML.sub("", entry.memo)
    return JournalEntryData(
        external_id=sync_entry.external_key,
        subsidiary_id=resolver.resolve("subsidiary", entry.subsidiary),
        currency_id=resolver.resolve("currency", entry.currency),
        tran_date=sync_entry.tran_date or entry.tran_date,
        memo=f"{kind} of {sync_entry.base_key}: {copied}"[:300],
        lines=lines,
    )


def _wanted(run_id: int) -> dict[str, set[str]]:
    """Every name the run's unsent rows use, read as distinct values (not row by row)."""
    pending = SyncEntry.objects.filter(run_id=run_id, status=EntryStatus.PENDING)
    wanted: dict[str, set[str]] = {kind: set() for kind in LOOKUPS}
    headers = JournalEntry.objects.filter(
        pk__in=pending.exclude(action=EntryAction.DELETE).values("journal_entry_id")
    )
    for subsidiary, currency in headers.values_list("subsidiary", "currency").distinct():
        wanted["subsidiary"].add(subsidiary)
        wanted["currency"].add(currency)
    lines = JournalLine.objects.filter(
        entry_id__in=pending.filter(action__in=SENT_AS_IS).values("journal_entry_id")
    )
    columns = ("account_number", "department", "lease_class", "location")
    for account, department, lease_class, location in lines.values_list(*columns).distinct():
        wanted["account"].add(account)
        wanted["department"].add(department)
        wanted["class"].add(lease_class)
        wanted["location"].add(location)
    # Reversals and adjustments carry their own lines (in our names) on the ledger row.
    ledger_lines = pending.exclude(action__in=(*SENT_AS_IS, EntryAction.DELETE))
    for row_lines in ledger_lines.values_list("lines", flat=True).iterator(chunk_size=LOAD_CHUNK):
        for line in row_lines:
            for kind in ("account", "department", "class", "location"):
                wanted[kind].add(line.get(kind, ""))
    return wanted


def _context(
    resolver: ReferenceResolver, sync_entry: SyncEntry, accounting_period: AccountingPeriod
) -> dict:
    """Names by internal ID, so NetSuite's errors can name what the user knows.

    "period" is NetSuite's posting period (an adjustment may post in a later one);
    "accounting_period" is ours, the entry's own, the one to reopen to rebuild it.
    """
    day = sync_entry.tran_date or sync_entry.journal_entry.tran_date
    context: dict = {
        "external_id": sync_entry.external_key,
        "tran_date": day,
        "period": sync_entry.netsuite_period or day.strftime("%b %Y"),
        "accounting_period": accounting_period.label,
    }
    for kind, values in resolver.cache.items():
        context[kind] = {internal_id: name for name, internal_id in values.items() if internal_id}
    return context


@dataclass
class _Unit:
    """One NetSuite call: an upsert or a delete of one row, or an upsertList of a batch."""

    operation: str  # "upsert", "delete" or "upsertList"
    items: list[tuple[SyncEntry, JournalEntryData | None]]


@dataclass
class _Outcome:
    """What became of one row: NetSuite's result, or the error that stopped it."""

    sync_entry: SyncEntry
    operation: str
    result: UpsertResult | None = None
    error: Exception | None = None  # a NetSuiteError or an UnresolvedReferenceError


@dataclass
class _Answer:
    """A finished call: one outcome per row, and the call's own attempts when it was a batch."""

    unit: _Unit
    outcomes: list[_Outcome]
    batch_attempts: tuple[AttemptRecord, ...] = ()
    batch_error: NetSuiteError | None = None


def _send(client, unit: _Unit) -> _Answer:
    """HTTP only, in a pool thread: no database here."""
    if unit.operation == "upsertList":
        payloads = [payload for _, payload in unit.items]
        try:
            results = client.upsert_journal_entries(payloads)
        except NetSuiteError as error:
            # The whole call failed (login, concurrency or 5xx after the retries, a list
            # refused as a whole): every row of the batch shares the outcome.
            return _Answer(
                unit,
                [_Outcome(se, unit.operation, error=error) for se, _ in unit.items],
                tuple(getattr(error, "attempts", ())),
                error,
            )
        attempts = next((r.attempts for r in results if r.attempts), ())
        outcomes = [
            _Outcome(se, unit.operation, result=result, error=result.error)
            for (se, _), result in zip(unit.items, results, strict=True)
        ]
        return _Answer(unit, outcomes, attempts)
    ((sync_entry, payload),) = unit.items
    try:
        if unit.operation == "delete":
            result = client.delete_journal_entry(sync_entry.external_key)
        else:
            result = client.upsert_journal_entry(payload)
    except NetSuiteError as error:
        return _Answer(unit, [_Outcome(sync_entry, unit.operation, error=error)])
    return _Answer(unit, [_Outcome(sync_entry, unit.operation, result=result)])


def _units(
    run_id: int, resolver: ReferenceResolver, *, batch_size: int | None
) -> Iterator[_Unit | _Outcome]:
    """The run's unsent rows as calls to make, read LOAD_CHUNK rows at a time.

    With `batch_size` (SOAP) upserts travel in upsertList batches; otherwise one row a call.
    A row whose names NetSuite does not know comes out as a failed outcome, never sent.
    """
    after = ""
    batch: list[tuple[SyncEntry, JournalEntryData | None]] = []
    while True:
        chunk = list(
            SyncEntry.objects.filter(
                run_id=run_id, status=EntryStatus.PENDING, external_key__gt=after
            )
            .select_related("journal_entry")
            # A row's own lines are only sent for a reversal or an adjustment (read below).
            .defer("lines")
            .order_by("external_key")[:LOAD_CHUNK]
        )
        if not chunk:
            break
        after = chunk[-1].external_key
        lines = _lines_of([row.journal_entry_id for row in chunk if row.action in SENT_AS_IS])
        own = [row.pk for row in chunk if row.action not in (*SENT_AS_IS, EntryAction.DELETE)]
        own_lines = dict(SyncEntry.objects.filter(pk__in=own).values_list("pk", "lines"))
        for row in chunk:
            if row.pk in own_lines:
                row.lines = own_lines[row.pk]
        for sync_entry in chunk:
            if sync_entry.action == EntryAction.DELETE:
                yield _Unit("delete", [(sync_entry, None)])
                continue
            try:
                # Popped: the chunk's lines are let go as their payloads are built.
                entry_lines = lines.pop(sync_entry.journal_entry_id, None)
                payload = _payload_for(sync_entry, resolver, entry_lines)
            except UnresolvedReferenceError as error:
                yield _Outcome(sync_entry, "resolve", error=error)
                continue
            if batch_size is None:
                yield _Unit("upsert", [(sync_entry, payload)])
                continue
            batch.append((sync_entry, payload))
            if len(batch) >= batch_size:
                yield _Unit("upsertList", batch)
                batch = []
        del chunk, lines  # the next chunk replaces them rather than joining them
    if batch:
        yield _Unit("upsertList", batch)


def _attempt_rows(run: SyncRun, answer: _Answer) -> list[SyncAttempt]:
    """The answer's HTTP attempts as ledger rows: per call for a batch, per row otherwise."""
    rows: list[SyncAttempt] = []
    if answer.unit.operation == "upsertList":
        size = len(answer.unit.items)
        first, last = answer.unit.items[0][0], answer.unit.items[-1][0]
        about = f"{size} entries, {first.external_key} … {last.external_key}"
        attempts = answer.batch_attempts
        if answer.batch_error is not None:
            attempts = tuple(a for a in attempts if a.retry_delay_s is not None)
        rows += _attempts_of(run, None, "upsertList", attempts, about)
        if answer.batch_error is not None:
            rows.append(_failed_attempt(run, None, "upsertList", answer.batch_error))
            return rows
        for outcome in answer.outcomes:
            if isinstance(outcome.error, NetSuiteError):
                rows.append(_failed_attempt(run, outcome.sync_entry, "upsertList", outcome.error))
        return rows
    (outcome,) = answer.outcomes
    # A call that failed in the end is one "failed" row, with NetSuite's code and detail.
    attempts = outcome.result.attempts if outcome.result else ()
    rows += _attempts_of(run, outcome.sync_entry, outcome.operation, attempts, "")
    if isinstance(outcome.error, NetSuiteError):
        rows.append(_failed_attempt(run, outcome.sync_entry, outcome.operation, outcome.error))
    return rows


def _attempts_of(run, sync_entry, operation, attempts, detail) -> list[SyncAttempt]:
    return [
        SyncAttempt(
            run=run,
            entry=sync_entry,
            operation=operation,
            duration_ms=a.duration_ms,
            http_status=a.status_code,
            netsuite_code=a.error_code or "",
            outcome="ok" if not a.error_class else "retried",
            detail=detail,
        )
        for a in attempts
    ]


def _failed_attempt(run, sync_entry, operation, error: NetSuiteError) -> SyncAttempt:
    return SyncAttempt(
        run=run,
        entry=sync_entry,
        operation=operation,
        http_status=error.status_code,
        netsuite_code=error.code or "",
        outcome="failed",
        detail=str(error)[:1000],
    )


def _record_attempts(
    run: SyncRun,
    sync_entry: SyncEntry | None,
    operation: str,
    result: UpsertResult | None,
    error: NetSuiteError | None,
) -> None:
    attempts = list(result.attempts) if result else []
    rows = _attempts_of(run, sync_entry, operation, attempts, "")
    if error is not None:
        rows.append(_failed_attempt(run, sync_entry, operation, error))
    SyncAttempt.objects.bulk_create(rows)


# A batch's results in one statement: the rows' own values (status, NetSuite's internal ID and
# link, a failure's sentences) joined from a VALUES list. Django's bulk_update writes a CASE with
# a branch per row for each column, which costs the square of the batch (3 s for 800 rows);
# UPDATE … FROM costs a row each, and PostgreSQL and SQLite (3.33+) both have it.
_WRITE_RESULTS = """
WITH v (id, status, internal_id, url, code, message, action, fix_url) AS (VALUES {rows})
UPDATE {table} SET status = v.status, netsuite_internal_id = v.internal_id,
    netsuite_url = v.url, error_code = v.code, error_message = v.message,
    corrective_action = v.action, fix_url = v.fix_url,
    sent_at = CASE WHEN v.status = %s THEN %s ELSE {table}.sent_at END,
    attempt_count = {table}.attempt_count + 1
FROM v WHERE {table}.id = v.id
"""
ROWS_PER_UPDATE = 200  # 1,600 parameters a statement, well inside every backend's limit


def _write_results(rows: list[SyncEntry], now) -> None:
    """Write the rows' new status and results (as set on the objects) in one UPDATE."""
    params: list = []
    for row in rows:
        params += [
            row.pk,
            row.status,
            row.netsuite_internal_id,
            row.netsuite_url,
            row.error_code,
            row.error_message,
            row.corrective_action,
            row.fix_url,
        ]
    params += [EntryStatus.SENT.value, db_connection.ops.adapt_datetimefield_value(now)]
    sql = _WRITE_RESULTS.format(
        rows=", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows)),
        table=db_connection.ops.quote_name(SyncEntry._meta.db_table),
    )
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)


class _LeaseLost(Exception):
    """Another execution took the run over (ours was silent too long): stop, write nothing."""


class _Ledger:
    """Collects outcomes and writes them in one transaction per batch of results.

    Every write is conditional on the run's lease token and on the row still being unsent, and
    moves the run's counters by exactly the rows it changed, so the counters need no COUNT.
    """

    def __init__(self, run: SyncRun, token: str, client, resolver: ReferenceResolver) -> None:
        self.run = run
        self.token = token
        self.client = client
        self.resolver = resolver
        self.outcomes: list[_Outcome] = []
        self.attempts: list[SyncAttempt] = []
        self.fatal: NetSuiteError | None = None
        self.interrupted: NetSuiteError | None = None
        self.flushed_at = time.monotonic()

    def add(self, answer: _Answer | _Outcome) -> None:
        if isinstance(answer, _Outcome):
            self.outcomes.append(answer)
            return
        self.attempts += _attempt_rows(self.run, answer)
        for outcome in answer.outcomes:
            error = outcome.error
            if isinstance(error, (AuthenticationError, PermissionDeniedError)):
                self.fatal = self.fatal or error
            elif isinstance(error, NetSuiteError) and not isinstance(error, RecordValidationError):
                self.interrupted = self.interrupted or error
            else:
                self.outcomes.append(outcome)

    @property
    def stopped(self) -> bool:
        """NetSuite refused the login or could not be reached: send nothing more this time."""
        return self.fatal is not None or self.interrupted is not None

    def due(self) -> bool:
        """Enough rows refused before sending to write them now."""
        return len(self.outcomes) >= FLUSH_EVERY

    def seconds_to_write(self) -> float:
        """How long what was collected may wait to be written (0: now)."""
        if not (self.outcomes or self.attempts):
            return HEARTBEAT_EVERY.total_seconds()
        return max(0.0, FLUSH_AFTER_S - (time.monotonic() - self.flushed_at))

    def flush(self) -> None:
        """Write what was collected (also beats the heartbeat); _LeaseLost if not ours."""
        outcomes, attempts = self.outcomes, self.attempts
        self.outcomes, self.attempts = [], []
        self.flushed_at = time.monotonic()
        now = timezone.now()
        with transaction.atomic():
            unsent = set(
                SyncEntry.objects.select_for_update()
                .filter(pk__in=[o.sync_entry.pk for o in outcomes], status=EntryStatus.PENDING)
                .values_list("pk", flat=True)
            )
            rows, sent, failed = [], 0, 0
            for outcome in outcomes:
                row = outcome.sync_entry
                if row.pk not in unsent:
                    continue
                unsent.discard(row.pk)
                if outcome.error is None:
                    self._sent(row, outcome.result, now)
                    sent += 1
                else:
                    self._failed(row, outcome.error)
                    failed += 1
                rows.append(row)
            for start in range(0, len(rows), ROWS_PER_UPDATE):
                _write_results(rows[start : start + ROWS_PER_UPDATE], now)
            if attempts:
                SyncAttempt.objects.bulk_create(attempts)
            changes: dict = {"heartbeat_at": now}
            if sent:
                changes.update(entries_sent=F("entries_sent") + sent, last_sent_at=now)
            if failed:
                changes["entries_failed"] = F("entries_failed") + failed
            ours = SyncRun.objects.filter(pk=self.run.pk, lease_token=self.token)
            if not ours.update(**changes):
                raise _LeaseLost

    def _sent(self, row: SyncEntry, result: UpsertResult, now) -> None:
        internal_id = result.internal_id or ""
        row.status = EntryStatus.SENT
        row.netsuite_internal_id = internal_id
        # A deleted entry has no page left in NetSuite to link to.
        row.netsuite_url = self.client.journal_entry_url(internal_id) if internal_id else ""
        row.sent_at = now
        row.error_code = row.error_message = row.corrective_action = row.fix_url = ""
        row.attempt_count += 1

    def _failed(self, row: SyncEntry, error: Exception) -> None:
        row.status = EntryStatus.FAILED
        row.attempt_count += 1
        if isinstance(error, UnresolvedReferenceError):
            row.error_code = "UNRESOLVED_REFERENCE"
            row.error_message = error.user_message
            row.corrective_action = error.corrective_action
            row.fix_url = _fix_url(error.kind, row.journal_entry, error.value)
            return
        assert isinstance(error, RecordValidationError)
        entry = row.journal_entry
        # A run's entries are of its period, so no query; any other would be read here.
        own = self.run.period if entry.period_id == self.run.period_id else entry.period
        context = _context(self.resolver, row, own)
        row.error_code = error.code or error.reason.upper()
        row.error_message = error.user_message(context)
        row.corrective_action = error.corrective_action(context)
        row.fix_url = _fix_url(_field_kind(error), row.journal_entry)


def _claim(run_id: int) -> str | None:
    """Take the run for this execution: free, or its holder's heartbeat is stale. Token or None."""
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = (
        SyncRun.objects.filter(pk=run_id, status=SyncStatus.IN_PROGRESS)
        .filter(Q(lease_token="") | Q(heartbeat_at__lt=now - STALE_AFTER))
        .update(lease_token=token, heartbeat_at=now, wake_at=None)
    )
    return token if claimed else None


def _release(run_id: int, token: str, *, wake_at=None) -> None:
    SyncRun.objects.filter(pk=run_id, lease_token=token).update(lease_token="", wake_at=wake_at)


def sync_run_wait_for_retry(run_id: int, countdown: float) -> None:
    """The run sleeps until its own retry: the stale-run sweep must not resume it meanwhile."""
    SyncRun.objects.filter(pk=run_id, status=SyncStatus.IN_PROGRESS).update(
        wake_at=timezone.now() + timedelta(seconds=countdown), heartbeat_at=timezone.now()
    )


def _beat(run_id: int, token: str) -> None:
    SyncRun.objects.filter(pk=run_id, lease_token=token).update(heartbeat_at=timezone.now())


def _waiting(pool: ThreadPoolExecutor, fn, run_id: int, token: str):
    """Run `fn` in the pool; beat the heartbeat from this thread while it takes long."""
    future = pool.submit(fn)
    while True:
        try:
            return future.result(timeout=HEARTBEAT_EVERY.total_seconds())
        except FutureTimeout:
            _beat(run_id, token)


def sync_run_process(run_id: int, *, client=None) -> SyncRun | None:
    """Send every pending write of an In Progress run; safe to run twice (see module doc)."""
    token = _claim(run_id)
    if token is None:
        return None  # gone, finished, or another execution holds it and is alive
    try:
        return _process(run_id, token, client)
    finally:
        _release(run_id, token)


def _process(run_id: int, token: str, client) -> SyncRun | None:
    run = SyncRun.objects.select_related("company", "period").get(pk=run_id)
    if not run.period.is_closed or run.close_version != run.period.close_version:
        SyncRun.objects.filter(pk=run.pk).update(superseded_at=timezone.now())
        return _finish(
            run,
            message=f"{run.period.label} was reopened while it was being sent, so the rest "
            "was not sent. When it is closed again, press Sync: it sends what changed.",
        )
    connection = NetSuiteConnection.objects.get(company=run.company)
    client = client or netsuite_client(connection)
    limit = max(1, connection.concurrency_limit)
    resolver = ReferenceResolver(
        client,
        mappings=reference_mappings(run.company),
        pinned=pinned_internal_ids(run.company),
    )
    with ThreadPoolExecutor(max_workers=limit) as helpers:
        # NetSuite is read back and the names looked up at once, within the account's limit.
        confirm = run.plan_confirmed_at is None
        prefix = key_prefix(run.period) if confirm else None
        reads = {}
        if confirm:
            # Sent first: it needs nothing from our database, so it is on the wire while the
            # names to look up are read from it. The calendar and the entries in one request
            # (one slot): with the names' lookups the reads fit in one round of five slots.
            reads["netsuite"] = helpers.submit(read_netsuite, client, prefix)
        for kind, values in _wanted(run.pk).items():
            if any(values):
                reads[kind] = helpers.submit(resolver.prefetch, {kind: values})
        try:
            got = _waiting_all(reads, run.pk, token)
        except NetSuiteError as error:
            return _stop_on(run, error, "suiteql")
        if confirm and _confirm_plan(run, connection, client, *got["netsuite"]):
            # The plan changed: look up the names of rows it added (the rest are cached).
            try:
                _waiting(helpers, lambda: resolver.prefetch(_wanted(run.pk)), run.pk, token)
            except NetSuiteError as error:
                return _stop_on(run, error, "suiteql")

    batch_size = soap_batch_size() if client.transport == "soap" else None
    ledger = _Ledger(run, token, client, resolver)
    # Enough calls queued to keep every slot busy, and no more: memory stays that of a few
    # batches whatever the size of the run.
    window = limit + 1 if batch_size else 2 * limit
    units = _units(run.pk, resolver, batch_size=batch_size)
    in_flight: set = set()
    # One thread more than the limit: while every slot is busy, the next call is built and
    # signed, and waits for the first slot to come free (the limiter keeps the limit).
    pool = ThreadPoolExecutor(max_workers=limit + 1)
    try:
        # Threads only do HTTP; every database write happens here, in the calling thread, which
        # also beats the heartbeat while an answer is slow to come.
        while True:
            while not ledger.stopped and len(in_flight) < window and not ledger.due():
                unit = next(units, None)
                if unit is None:
                    break
                if isinstance(unit, _Outcome):
                    ledger.add(unit)  # refused before sending: nothing to send
                else:
                    in_flight.add(pool.submit(_send, client, unit))
            if ledger.due():
                ledger.flush()
                continue
            if not in_flight:
                break
            done, in_flight = wait(
                in_flight, timeout=ledger.seconds_to_write(), return_when=FIRST_COMPLETED
            )
            for future in done:
                ledger.add(future.result())
            if ledger.seconds_to_write() == 0:
                ledger.flush()  # also beats the heartbeat
            elif not done:
                _beat(run.pk, token)
        if ledger.outcomes or ledger.attempts:
            ledger.flush()
    except _LeaseLost:
        log.warning("sync run %s was taken over by another execution; stopping", run.pk)
        return None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

    if ledger.fatal is not None:
        fatal = ledger.fatal
        return _finish(run, message=f"{fatal.user_message()} {fatal.corrective_action()}")
    if ledger.interrupted is not None:
        raise SyncInterrupted(ledger.interrupted.user_message())
    return _finish(run)


def _waiting_all(futures: dict, run_id: int, token: str) -> dict:
    """Wait for calls already submitted; beat while they take long; the first error raises."""
    pending = set(futures.values())
    while pending:
        done, pending = wait(
            pending, timeout=HEARTBEAT_EVERY.total_seconds(), return_when=FIRST_EXCEPTION
        )
        if not done:
            _beat(run_id, token)
        for future in done:
            if future.exception() is not None:
                raise future.exception()
    return {name: future.result() for name, future in futures.items()}


def _stop_on(run: SyncRun, error: NetSuiteError, operation: str) -> SyncRun:
    """A read before sending failed: come back later, or fail the run with the reason."""
    _record_attempts(run, None, operation, None, error)
    if error.retryable:
        raise SyncInterrupted(error.user_message()) from error
    return _finish(run, message=f"{error.user_message()} {error.corrective_action()}")


def _confirm_plan(
    run: SyncRun, connection: NetSuiteConnection, client, calendar, in_netsuite: dict
) -> bool:
    """With NetSuite read back, make the run's unsent rows exactly the confirmed plan.

    True when the rows were planned again (they may name things not yet looked up).
    """
    if (
        not in_netsuite
        and not calendar.is_closed(run.period.end)
        and not run.resend
        and not SyncEntry.objects.filter(run__period=run.period, status=EntryStatus.SENT).exists()
    ):
        # A first sync into an open period: neither NetSuite nor the ledger holds anything of
        # it, so the plan made at the press (add every entry) stands, and is not read again.
        SyncRun.objects.filter(pk=run.pk).update(plan_confirmed_at=timezone.now())
        return False
    of_keys_in_netsuite = of_entry_keys(in_netsuite)
    missing: list[str] = []  # the first few, named in the message
    missing_count = 0
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().get(pk=run.pk)
        now = timezone.now()
        # A chunk of entry keys at a time: the ledger's rows, our entries and the run's unsent
        # rows of those keys are read, confirmed, planned and let go, so the memory is that of
        # a chunk, not of the period's whole ledger.
        for keys in key_chunks(period_keys(run.period, in_netsuite)):
            theirs = of_keys_in_netsuite(keys)
            gone = _confirm_chunk(run, connection, client, calendar, theirs, keys, now)
            missing_count += len(gone)
            missing += gone[: 5 - len(missing)]
        total = run.entries.count()
        message = ""
        if run.resend:
            message = (
                f"NetSuite was read again: {missing_count} entr"
                f"{'y was' if missing_count == 1 else 'ies were'} missing there"
                + (f" ({', '.join(missing)})" if missing else "")
                + "; only what was missing is sent."
            )
        SyncRun.objects.filter(pk=run.pk).update(
            plan_confirmed_at=now, entries_total=total, message=message
        )
    _refresh_counts(run.pk)
    return True


def _confirm_chunk(
    run: SyncRun,
    connection: NetSuiteConnection,
    client,
    calendar,
    in_netsuite: dict,
    keys: list[str],
    now,
) -> list[str]:
    """Confirm and plan these entry keys; the keys NetSuite lost (deleted there)."""
    confirmation = confirm_with_netsuite(run.period, calendar, in_netsuite, keys)
    for row, internal_id in confirmation.proven_sent:
        SyncEntry.objects.filter(pk=row.pk).exclude(status=EntryStatus.SENT).update(
            status=EntryStatus.SENT,
            netsuite_internal_id=internal_id,
            netsuite_url=client.journal_entry_url(internal_id) if internal_id else "",
            sent_at=now,
            error_code="",
            error_message="",
        )
    entries = entries_of(run.period, keys)
    plan = build_plan(
        period=run.period,
        held=confirmation.held,
        calendar=confirmation.calendar,
        removal_method=connection.removal_method,
        entries=entries,
        taken_keys=set(confirmation.in_netsuite),
    )
    let_go(entries)
    unsent_rows = of_keys(run.entries.exclude(status=EntryStatus.SENT), keys)
    unsent = {row.external_key: row for row in unsent_rows}
    wanted = {step.external_key: step for step in plan.steps}
    # Rows the confirmed plan no longer needs were never written: they go.
    SyncEntry.objects.filter(
        pk__in=[row.pk for key, row in unsent.items() if key not in wanted]
    ).delete()
    SyncEntry.objects.bulk_create(_rows(run, [s for k, s in wanted.items() if k not in unsent]))
    for key, step in wanted.items():
        row = unsent.get(key)
        if row is None:
            continue  # created above
        if (row.action, row.lines, row.journal_entry_id, row.tran_date) == (
            step.action,
            step.lines,
            step.journal_entry.pk,
            step.tran_date,
        ):
            continue  # planned the same at the press: nothing to rewrite
        SyncEntry.objects.filter(pk=row.pk).update(
            journal_entry=step.journal_entry,
            base_key=step.base_key,
            action=step.action,
            lines=step.lines,
            tran_date=step.tran_date,
            netsuite_period=step.netsuite_period,
            note=step.note[:300],
            amount=step.amount,
        )
    return confirmation.missing


def _field_kind(error: RecordValidationError) -> str:
    text = f"{error.field_path or ''} {error.detail}".lower()
    for kind in ("department", "class", "location", "account", "subsidiary"):
        if kind in text:
            return kind
    return ""


def _finish(run: SyncRun, *, message: str = "") -> SyncRun:
    """Completed when every entry is in NetSuite, else Failed; notify once per outcome."""
    from notifications.services import sync_outcome_notify

    _refresh_counts(run.pk)
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().get(pk=run.pk)
        if run.status != SyncStatus.IN_PROGRESS:
            return run
        all_sent = run.entries_sent == run.entries_total
        run.status = SyncStatus.COMPLETED if all_sent and not message else SyncStatus.FAILED
        run.finished_at = timezone.now()
        if message:
            run.message = message
        elif not all_sent:
            one = run.entries_failed == 1
            run.message = (
                f"{run.entries_failed} of {run.entries_total} entries "
                f"{'was' if one else 'were'} not accepted. Review the "
                f"{'error, fix its cause' if one else 'errors, fix their causes'} and press Retry."
            )
        run.save(update_fields=["status", "finished_at", "message"])
        audit_record(
            company=run.company,
            actor=None,
            action=f"sync.{run.status}",
            subject=run,
            after={"sent": run.entries_sent, "failed": run.entries_failed},
        )
        sync_outcome_notify(run=run)
        if run.status == SyncStatus.COMPLETED:
            sync_completed.send(sender=SyncRun, run=run)
    return run


def sync_run_give_up(run_id: int, message: str) -> SyncRun | None:
    """Fail a run that cannot make progress (NetSuite unreachable for too long)."""
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None:
        return None
    return _finish(run, message=message)


def sync_runs_recover(
    *,
    stale_after: timedelta = STALE_AFTER,
    max_resumes: int = MAX_RESUMES,
    enqueue: Callable = _enqueue,
) -> list[int]:
    """Resume runs whose worker stopped (no heartbeat), or fail them after too many resumes.

    A run that is only waiting for its own retry (`wake_at`) is left alone until well after it
    should have woken, so the retry and a resume never work on it at once.
    """
    now = timezone.now()
    cutoff = now - stale_after
    resumed = []
    stale = SyncRun.objects.filter(status=SyncStatus.IN_PROGRESS, heartbeat_at__lt=cutoff).filter(
        Q(wake_at__isnull=True) | Q(wake_at__lt=cutoff)
    )
    for run in stale:
        if run.resume_count >= max_resumes:
            sync_run_give_up(
                run.pk,
                "The sync stopped responding several times. Entries already in NetSuite are "
                "kept; press Retry to send the rest.",
            )
            continue
        # Conditional on the stale heartbeat, so two recoverers never resume the same run twice;
        # the dead holder's lease goes with it.
        took = SyncRun.objects.filter(pk=run.pk, heartbeat_at=run.heartbeat_at).update(
            resume_count=run.resume_count + 1, heartbeat_at=now, lease_token="", wake_at=None
        )
        if took:
            enqueue(run.pk)
            resumed.append(run.pk)
    return resumed
