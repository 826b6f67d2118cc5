"""The journal sync: start a run, send its entries exactly once, record every attempt, retry.

Idempotency has two halves. On our side a run is claimed with conditional UPDATEs and the
database allows one run in flight per period. On NetSuite's side every entry is *upserted* by its
external ID (PUT …/journalentry/eid:<key>), so sending an entry twice — after a retry, a killed
worker or an answer lost after NetSuite saved it — updates the same NetSuite entry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from audit.services import audit_record
from closebooks.models import AccountingPeriod, JournalEntry
from closebooks.selectors import current_entries
from integrations.models import (
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
from integrations.services.preflight import PreflightResult, period_preflight
from integrations.services.references import (
    LOOKUPS,
    ReferenceResolver,
    UnresolvedReferenceError,
)
from integrations.signals import sync_completed

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)
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


def period_sync_start(*, period: AccountingPeriod, actor, enqueue: Callable = _enqueue) -> SyncRun:
    """Create an In Progress run for a closed period's entries and queue it after commit."""
    connection = _enabled_connection(period.company)
    if not period.is_closed:
        raise SyncNotPossible(
            f"{period.label} is not closed. Close it before sending it to NetSuite."
        )
    entries = list(current_entries(period))
    if not entries:
        raise SyncNotPossible(f"{period.label} has no journal entries to send.")
    # Check every line against our copy of NetSuite's reference data before anything is sent.
    preflight = period_preflight(period)
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
                entries_total=len(entries),
                heartbeat_at=timezone.now(),
            )
            SyncEntry.objects.bulk_create(
                SyncEntry(
                    run=run,
                    journal_entry=entry,
                    external_key=entry.external_key,
                    amount=entry.total_debit,
                )
                for entry in entries
            )
            audit_record(
                company=period.company,
                actor=actor,
                action="sync.start",
                subject=run,
                after={"period": period.label, "entries": len(entries)},
            )
    except IntegrityError:
        # The partial unique index refused a second run in flight for this period.
        running = SyncRun.objects.filter(period=period, status=SyncStatus.IN_PROGRESS).first()
        raise SyncNotPossible(
            f"{period.label} is already being sent to NetSuite; wait for it to finish.", running
        ) from None
    transaction.on_commit(lambda: enqueue(run.pk))
    return run


def sync_run_retry(*, run: SyncRun, actor, enqueue: Callable = _enqueue) -> SyncRun:
    """Send again only the entries not yet in NetSuite; the same run, audited."""
    _enabled_connection(run.company)
    try:
        with transaction.atomic():
            reopened = SyncRun.objects.filter(pk=run.pk, status=SyncStatus.FAILED).update(
                status=SyncStatus.IN_PROGRESS,
                finished_at=None,
                heartbeat_at=timezone.now(),
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
        return reverse("reference_mappings") + "?" + urlencode({"kind": kind, "our_value": value})
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


def _wanted(entries: list[JournalEntry]) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {kind: set() for kind in LOOKUPS}
    for entry in entries:
        wanted["subsidiary"].add(entry.subsidiary)
        wanted["currency"].add(entry.currency)
        for line in entry.lines.all():
            wanted["account"].add(line.account_number)
            wanted["department"].add(line.department)
            wanted["class"].add(line.lease_class)
            wanted["location"].add(line.location)
    return wanted


def _context(resolver: ReferenceResolver, entry: JournalEntry) -> dict:
    """Names by internal ID, so NetSuite's errors can name what the user knows."""
    context: dict = {
        "external_id": entry.external_key,
        "tran_date": entry.tran_date,
        "period": entry.tran_date.strftime("%b %Y"),
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
        netsuite_internal_id=result.internal_id,
        netsuite_url=client.journal_entry_url(result.internal_id),
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


def sync_run_process(run_id: int, *, client=None) -> SyncRun | None:
    """Send every pending entry of an In Progress run; safe to run twice (see module doc)."""
    claimed = SyncRun.objects.filter(pk=run_id, status=SyncStatus.IN_PROGRESS).update(
        heartbeat_at=timezone.now()
    )
    if not claimed:
        return None  # gone, or already finished by another execution
    run = SyncRun.objects.select_related("company", "period").get(pk=run_id)
    connection = NetSuiteConnection.objects.get(company=run.company)
    client = client or netsuite_client(connection)
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
    try:
        resolver.prefetch(_wanted([se.journal_entry for se in pending]))
    except (AuthenticationError, PermissionDeniedError) as error:
        _record_attempts(run, None, "suiteql", None, error)
        return _finish(run, message=f"{error.user_message()} {error.corrective_action()}")
    except NetSuiteError as error:
        _record_attempts(run, None, "suiteql", None, error)
        if error.retryable:
            raise SyncInterrupted(error.user_message()) from error
        return _finish(run, message=f"{error.user_message()} {error.corrective_action()}")

    ready: list[tuple[SyncEntry, JournalEntryData]] = []
    for sync_entry in pending:
        try:
            ready.append((sync_entry, _payload(sync_entry.journal_entry, resolver)))
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

    def send(item: tuple[SyncEntry, JournalEntryData]):
        sync_entry, payload = item
        try:
            return sync_entry, client.upsert_journal_entry(payload), None
        except NetSuiteError as error:
            return sync_entry, None, error

    # Threads only do HTTP; every database write happens here, in the calling thread.
    with ThreadPoolExecutor(max_workers=max(1, connection.concurrency_limit)) as pool:
        for sync_entry, result, error in pool.map(send, ready):
            _record_attempts(run, sync_entry, "upsert", result, error)
            if error is None:
                _mark_sent(sync_entry, result, client)
            elif isinstance(error, RecordValidationError):
                context = _context(resolver, sync_entry.journal_entry)
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

    if fatal is not None:
        return _finish(run, message=f"{fatal.user_message()} {fatal.corrective_action()}")
    if interrupted is not None:
        raise SyncInterrupted(interrupted.user_message())
    return _finish(run)


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
            run.message = (
                f"{run.entries_failed} of {run.entries_total} entries were not accepted. "
                "Review the errors, fix their causes and press Retry."
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
    """Resume runs whose worker stopped (no heartbeat), or fail them after too many resumes."""
    cutoff = timezone.now() - stale_after
    resumed = []
    for run in SyncRun.objects.filter(status=SyncStatus.IN_PROGRESS, heartbeat_at__lt=cutoff):
        if run.resume_count >= max_resumes:
            sync_run_give_up(
                run.pk,
                "The sync stopped responding several times. Entries already in NetSuite are "
                "kept; press Retry to send the rest.",
            )
            continue
        # Conditional on the stale heartbeat, so two recoverers never resume the same run twice.
        took = SyncRun.objects.filter(pk=run.pk, heartbeat_at=run.heartbeat_at).update(
            resume_count=run.resume_count + 1, heartbeat_at=timezone.now()
        )
        if took:
            enqueue(run.pk)
            resumed.append(run.pk)
    return resumed
