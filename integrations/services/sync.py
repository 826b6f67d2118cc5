"""The journal sync: start a run, send its entries exactly once, record every attempt, retry.

Idempotency has two halves. On our side a run is claimed with conditional UPDATEs and the
database allows one run in flight per period. On NetSuite's side every entry is *upserted* by its
external ID (PUT …/journalentry/eid:<key>), so sending an entry twice — after a retry, a killed
worker or an answer lost after NetSuite saved it — updates the same NetSuite entry.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from audit.services import audit_record
from closebooks.models import AccountingPeriod, JournalEntry
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
from integrations.netsuite.payload import JournalEntryData, JournalLineData, UpsertResult
from integrations.services.connection import netsuite_client
from integrations.services.diff import (
    build_plan,
    confirm_with_netsuite,
    key_prefix,
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

log = logging.getLogger(__name__)

# A live execution beats every HEARTBEAT_EVERY; one silent for STALE_AFTER is taken as dead.
HEARTBEAT_EVERY = timedelta(seconds=10)
STALE_AFTER = timedelta(seconds=60)
MAX_RESUMES = 3


class SyncNotPossible(Exception):
    """The sync cannot start; `user_message` says why and what to do."""

    def __init__(self, user_message: str, run: SyncRun | None = None) -> None:
        self.user_message = user_message
        self.run = run
        super().__init__(user_message)


class PreflightFailed(SyncNotPossible):
    """Pre-flight found references NetSuite would refuse; nothing was sent."""

    def __init__(self, period: AccountingPeriod, preflight: PreflightResult) -> None:
        self.preflight = preflight
        groups = preflight.groups()
        more = f" ({len(groups) - 1} other problem(s) too.)" if len(groups) > 1 else ""
        super().__init__(
            f"{period.label} was not sent: pre-flight found {len(preflight.problems)} line(s) "
            f"NetSuite would refuse. {groups[0].message} {groups[0].corrective_action}{more} "
            "Nothing was sent; fix the problems on Settings → Integrations → Reference data "
            "(or refresh from NetSuite), then press Sync again."
        )


class SyncInterrupted(Exception):
    """NetSuite could not be reached for some entries; the task tries again later."""


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
        raise PreflightFailed(period, preflight)
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


def _payload(entry: JournalEntry, resolver: ReferenceResolver) -> JournalEntryData:
    """Our frozen entry with every name resolved to a NetSuite internal ID."""
    lines = tuple(
        JournalLineData(
            account_id=resolver.resolve("account", line.account_number),
            debit=line.debit if line.debit else None,
            credit=line.credit if line.credit else None,
            memo=line.memo,
            department_id=resolver.resolve("department", line.department),
            class_id=resolver.resolve("class", line.lease_class),
            location_id=resolver.resolve("location", line.location),
        )
        for line in entry.lines.all()
    )
    return JournalEntryData(
        external_id=entry.external_key,
        subsidiary_id=resolver.resolve("subsidiary", entry.subsidiary),
        currency_id=resolver.resolve("currency", entry.currency),
        tran_date=entry.tran_date,
        memo=entry.memo,
        lines=lines,
    )


def _payload_for(sync_entry: SyncEntry, resolver: ReferenceResolver) -> JournalEntryData | None:
    """What to send for a ledger row: the entry itself, its reversal or adjustment, or nothing."""
    if sync_entry.action == EntryAction.DELETE:
        return None
    if sync_entry.action in (EntryAction.ADD, EntryAction.UPDATE):
        return _payload(sync_entry.journal_entry, resolver)
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
    return JournalEntryData(
        external_id=sync_entry.external_key,
        subsidiary_id=resolver.resolve("subsidiary", entry.subsidiary),
        currency_id=resolver.resolve("currency", entry.currency),
        tran_date=sync_entry.tran_date or entry.tran_date,
        memo=f"{kind} of {sync_entry.base_key}: {entry.memo}"[:300],
        lines=lines,
    )


def _wanted(entries: list[JournalEntry], ledger_lines: list[list[dict]] = ()) -> dict:
    wanted: dict[str, set[str]] = {kind: set() for kind in LOOKUPS}
    for entry in entries:
        wanted["subsidiary"].add(entry.subsidiary)
        wanted["currency"].add(entry.currency)
        for line in entry.lines.all():
            wanted["account"].add(line.account_number)
            wanted["department"].add(line.department)
            wanted["class"].add(line.lease_class)
            wanted["location"].add(line.location)
    for lines in ledger_lines:
        for line in lines:
            for kind in ("account", "department", "class", "location"):
                wanted[kind].add(line.get(kind, ""))
    return wanted


def _context(resolver: ReferenceResolver, sync_entry: SyncEntry) -> dict:
    """Names by internal ID, so NetSuite's errors can name what the user knows."""
    day = sync_entry.tran_date or sync_entry.journal_entry.tran_date
    context: dict = {
        "external_id": sync_entry.external_key,
        "tran_date": day,
        "period": sync_entry.netsuite_period or day.strftime("%b %Y"),
    }
    for kind, values in resolver.cache.items():
        context[kind] = {internal_id: name for name, internal_id in values.items() if internal_id}
    return context


def _record_attempts(
    run: SyncRun,
    sync_entry: SyncEntry | None,
    operation: str,
    result: UpsertResult | None,
    error: NetSuiteError | None,
) -> None:
    attempts = list(result.attempts) if result else []
    rows = [
        SyncAttempt(
            run=run,
            entry=sync_entry,
            operation=operation,
            duration_ms=a.duration_ms,
            http_status=a.status_code,
            netsuite_code=a.error_code or "",
            outcome="ok" if not a.error_class else "retried",
        )
        for a in attempts
    ]
    if error is not None:
        rows.append(
            SyncAttempt(
                run=run,
                entry=sync_entry,
                operation=operation,
                http_status=error.status_code,
                netsuite_code=error.code or "",
                outcome="failed",
                detail=str(error)[:1000],
            )
        )
    SyncAttempt.objects.bulk_create(rows)


def _mark_sent(sync_entry: SyncEntry, result: UpsertResult, client) -> None:
    now = timezone.now()
    SyncEntry.objects.filter(pk=sync_entry.pk).exclude(status=EntryStatus.SENT).update(
        status=EntryStatus.SENT,
        netsuite_internal_id=result.internal_id or "",
        # A deleted entry has no page left in NetSuite to link to.
        netsuite_url=client.journal_entry_url(result.internal_id) if result.internal_id else "",
        sent_at=now,
        attempt_count=sync_entry.attempt_count + 1,
    )
    SyncRun.objects.filter(pk=sync_entry.run_id).update(last_sent_at=now)


def _mark_failed(sync_entry: SyncEntry, *, code: str, message: str, action: str, fix_url: str):
    SyncEntry.objects.filter(pk=sync_entry.pk, status=EntryStatus.PENDING).update(
        status=EntryStatus.FAILED,
        error_code=code,
        error_message=message,
        corrective_action=action,
        fix_url=fix_url,
        attempt_count=sync_entry.attempt_count + 1,
    )


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


def _process(run_id: int, token: str, client) -> SyncRun:
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
    helpers = ThreadPoolExecutor(max_workers=1)
    try:
        if run.plan_confirmed_at is None:
            prefix = key_prefix(run.period)
            try:
                read = _waiting(helpers, lambda: read_netsuite(client, prefix), run.pk, token)
            except NetSuiteError as error:
                return _stop_on(run, error, "suiteql")
            _confirm_plan(run, connection, client, *read)
        pending = list(
            run.entries.filter(status=EntryStatus.PENDING)
            .select_related("journal_entry")
            .prefetch_related("journal_entry__lines")
            .order_by("external_key")
        )
        resolver = ReferenceResolver(
            client,
            mappings=reference_mappings(run.company),
            pinned=pinned_internal_ids(run.company),
        )
        wanted = _wanted([se.journal_entry for se in pending], [se.lines for se in pending])
        try:
            _waiting(helpers, lambda: resolver.prefetch(wanted), run.pk, token)
        except NetSuiteError as error:
            return _stop_on(run, error, "suiteql")
    finally:
        helpers.shutdown(wait=False)

    ready: list[tuple[SyncEntry, JournalEntryData | None]] = []
    for sync_entry in pending:
        try:
            ready.append((sync_entry, _payload_for(sync_entry, resolver)))
        except UnresolvedReferenceError as error:
            _mark_failed(
                sync_entry,
                code="UNRESOLVED_REFERENCE",
                message=error.user_message,
                action=error.corrective_action,
                fix_url=_fix_url(error.kind, sync_entry.journal_entry, error.value),
            )
    _refresh_counts(run.pk)

    interrupted: NetSuiteError | None = None
    fatal: NetSuiteError | None = None

    def send(item: tuple[SyncEntry, JournalEntryData | None]):
        sync_entry, payload = item
        try:
            if sync_entry.action == EntryAction.DELETE:
                return sync_entry, client.delete_journal_entry(sync_entry.external_key), None
            return sync_entry, client.upsert_journal_entry(payload), None
        except NetSuiteError as error:
            return sync_entry, None, error

    # Threads only do HTTP; every database write happens here, in the calling thread, which also
    # beats the heartbeat while an answer is slow to come.
    def record(sync_entry: SyncEntry, result, error) -> None:
        nonlocal fatal, interrupted
        operation = "delete" if sync_entry.action == EntryAction.DELETE else "upsert"
        _record_attempts(run, sync_entry, operation, result, error)
        if error is None:
            _mark_sent(sync_entry, result, client)
        elif isinstance(error, RecordValidationError):
            context = _context(resolver, sync_entry)
            _mark_failed(
                sync_entry,
                code=error.code or error.reason.upper(),
                message=error.user_message(context),
                action=error.corrective_action(context),
                fix_url=_fix_url(_field_kind(error), sync_entry.journal_entry),
            )
        elif isinstance(error, (AuthenticationError, PermissionDeniedError)):
            fatal = fatal or error
        else:
            interrupted = interrupted or error
        _refresh_counts(run.pk)

    with ThreadPoolExecutor(max_workers=max(1, connection.concurrency_limit)) as pool:
        pending = {pool.submit(send, item) for item in ready}
        while pending:
            try:
                # as_completed waits on all of them once; its timeout only wakes us to beat.
                for future in as_completed(pending, timeout=HEARTBEAT_EVERY.total_seconds()):
                    pending.discard(future)
                    record(*future.result())
            except FutureTimeout:
                _beat(run.pk, token)

    if fatal is not None:
        return _finish(run, message=f"{fatal.user_message()} {fatal.corrective_action()}")
    if interrupted is not None:
        raise SyncInterrupted(interrupted.user_message())
    return _finish(run)


def _stop_on(run: SyncRun, error: NetSuiteError, operation: str) -> SyncRun:
    """A read before sending failed: come back later, or fail the run with the reason."""
    _record_attempts(run, None, operation, None, error)
    if error.retryable:
        raise SyncInterrupted(error.user_message()) from error
    return _finish(run, message=f"{error.user_message()} {error.corrective_action()}")


def _confirm_plan(
    run: SyncRun, connection: NetSuiteConnection, client, calendar, in_netsuite: dict
) -> None:
    """With NetSuite read back, make the run's unsent rows exactly the confirmed plan."""
    confirmation = confirm_with_netsuite(run.period, calendar, in_netsuite)
    if (
        not confirmation.held
        and not in_netsuite
        and not calendar.is_closed(run.period.end)
        and not run.resend
    ):
        # A first sync into an open period: NetSuite holds nothing of it, so the plan made at
        # the press (add every entry) stands; no need to read every entry again.
        SyncRun.objects.filter(pk=run.pk).update(plan_confirmed_at=timezone.now())
        return
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().get(pk=run.pk)
        now = timezone.now()
        for row, internal_id in confirmation.proven_sent:
            SyncEntry.objects.filter(pk=row.pk).exclude(status=EntryStatus.SENT).update(
                status=EntryStatus.SENT,
                netsuite_internal_id=internal_id,
                netsuite_url=client.journal_entry_url(internal_id) if internal_id else "",
                sent_at=now,
                error_code="",
                error_message="",
            )
        plan = build_plan(
            period=run.period,
            held=confirmation.held,
            calendar=confirmation.calendar,
            removal_method=connection.removal_method,
            taken_keys=set(confirmation.in_netsuite),
        )
        unsent = {row.external_key: row for row in run.entries.exclude(status=EntryStatus.SENT)}
        wanted = {step.external_key: step for step in plan.steps}
        # Rows the confirmed plan no longer needs were never written: they go.
        SyncEntry.objects.filter(
            pk__in=[row.pk for key, row in unsent.items() if key not in wanted]
        ).delete()
        for key, step in wanted.items():
            row = unsent.get(key)
            if row is None:
                SyncEntry.objects.bulk_create(_rows(run, [step]))
                continue
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
        total = run.entries.count()
        message = ""
        if run.resend:
            message = (
                f"NetSuite was read again: {len(confirmation.missing)} entr"
                f"{'y was' if len(confirmation.missing) == 1 else 'ies were'} missing there"
                + (f" ({', '.join(confirmation.missing[:5])})" if confirmation.missing else "")
                + "; only what was missing is sent."
            )
        SyncRun.objects.filter(pk=run.pk).update(
            plan_confirmed_at=now, entries_total=total, message=message
        )
    _refresh_counts(run.pk)


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
