"""Reads of the sync ledger."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from integrations.models import EntryStatus, NetSuiteConnection, SyncAttempt, SyncEntry, SyncRun


def attach_latest_runs(periods: Iterable) -> list:
    """Set `latest_run` on each period with one query, for the Closed Periods page."""
    periods = list(periods)
    latest: dict[int, SyncRun] = {}
    runs = SyncRun.objects.filter(period__in=[p.pk for p in periods]).order_by(
        "period_id", "-started_at", "-id"
    )
    for run in runs:
        latest.setdefault(run.period_id, run)
    for period in periods:
        period.latest_run = latest.get(period.pk)
    return periods


def attach_sync_plans(periods: Iterable) -> list:
    """Set `sync_plan` on each period closed again since its last sync (else None).

    From the ledger and our copy of NetSuite's periods: no NetSuite call on a page.
    """
    from integrations.services.diff import period_plan

    periods = list(periods)
    method = None
    for period in periods:
        run = getattr(period, "latest_run", None)
        period.sync_plan = None
        if run is None or run.close_version == period.close_version:
            continue
        if method is None:
            connection = NetSuiteConnection.objects.filter(company_id=period.company_id).first()
            method = connection.removal_method if connection else "delete"
        period.sync_plan = period_plan(period, removal_method=method)
    return periods


def connection_is_enabled(company) -> bool:
    """Whether Sync buttons should show for this company."""
    return NetSuiteConnection.objects.filter(company=company, enabled=True).exists()


def runs_for_company(company, *, period_id: str = "", status: str = "") -> QuerySet[SyncRun]:
    """The integration log: every run of the company, newest first, optionally filtered."""
    runs = SyncRun.objects.filter(company=company).select_related("period", "started_by")
    if period_id:
        # A hand-edited address (?period=abc, ?period=1e309) finds nothing rather than failing.
        valid = period_id.isascii() and period_id.isdigit() and len(period_id) < 19
        runs = runs.filter(period_id=int(period_id)) if valid else runs.none()
    if status:
        runs = runs.filter(status=status)
    return runs


def run_entries(run: SyncRun, *, failed_only: bool = False):
    """A run's entries with their journal entries, in key order."""
    entries = run.entries.select_related("journal_entry")
    if failed_only:
        entries = entries.filter(status=EntryStatus.FAILED)
    return entries.order_by("external_key")


def run_entries_search(run: SyncRun, *, q: str = "", status: str = ""):
    """A run's entries for its paged list, matching the search (key, memo, subsidiary), status."""
    entries = run.entries.select_related("journal_entry")
    if q:
        entries = entries.filter(
            Q(external_key__icontains=q)
            | Q(journal_entry__memo__icontains=q)
            | Q(journal_entry__subsidiary__icontains=q)
        )
    if status:
        entries = entries.filter(status=status)
    return entries


def run_attempts(run: SyncRun) -> QuerySet[SyncAttempt]:
    """Every HTTP attempt of a run with the entry it was for."""
    return run.attempts.select_related("entry")


def sync_status_by_entry(journal_entry_ids) -> dict[int, SyncEntry]:
    """The latest sync row of each journal entry (status, NetSuite internal ID), in one query."""
    latest: dict[int, SyncEntry] = {}
    rows = SyncEntry.objects.filter(journal_entry_id__in=list(journal_entry_ids)).order_by(
        "journal_entry_id", "-run__started_at", "-id"
    )
    for row in rows:
        latest.setdefault(row.journal_entry_id, row)
    return latest
