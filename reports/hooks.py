"""How the tie-out joins other apps without them importing this one."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from closebooks.models import AccountingPeriod, PeriodStatus
from closebooks.readiness import Notice, register
from closebooks.signals import period_closed
from integrations.signals import sync_completed

# Imported when the app is ready (this module is imported from `ready()`), with the reports'
# services behind them (about 0.2-0.3 s): not inside the first close of a process, whose
# `period_closed` handler would otherwise pay it.
from reports.tasks import period_facts_task, tieout_after_sync_task


def _after_close(sender, period, **kwargs) -> None:
    """Once the close commits, keep the period's lease figures, so the first report over it
    reads them instead of measuring every lease (kept once per close version)."""
    period_id = period.pk
    transaction.on_commit(lambda: period_facts_task.delay([period_id]))


def _after_sync(sender, run, **kwargs) -> None:
    """Once the run's transaction commits, keep the synced period's lease figures for the
    reports (a synced period is closed) and queue its tie-out."""
    period_id = run.period_id
    transaction.on_commit(lambda: period_facts_task.delay([period_id]))
    if not settings.TIEOUT_AFTER_SYNC:
        return
    transaction.on_commit(lambda: tieout_after_sync_task.delay(period_id))


def tieout_readiness(period: AccountingPeriod) -> list[Notice]:
    """Before closing a period, the last closed one should tie out with NetSuite."""
    from reports.selectors import latest_tieout
    from reports.services import sent_entries

    previous = (
        AccountingPeriod.objects.filter(
            company_id=period.company_id, status=PeriodStatus.CLOSED, start__lt=period.start
        )
        .order_by("-start")
        .first()
    )
    if previous is None or not sent_entries(previous):
        return []  # nothing in NetSuite to compare with
    tieout = latest_tieout(previous)
    url = reverse("reports_tieout", args=[previous.pk])
    if tieout is None:
        return [Notice(f"Tie-out of {previous.label}", "not run yet: run it to check NetSuite's "
                       "general ledger still agrees with our entries.", url)]  # fmt: skip
    if tieout.status == "findings":
        count = tieout.findings.count()
        reason = f"{count} difference(s) with NetSuite; review them before closing."
        return [Notice(f"Tie-out of {previous.label}", reason, url)]
    if tieout.status == "failed":
        return [Notice(f"Tie-out of {previous.label}", f"could not finish: {tieout.message}", url)]
    return []


def connect() -> None:
    """Called once from the app config."""
    period_closed.connect(_after_close, dispatch_uid="reports.facts_after_close")
    sync_completed.connect(_after_sync, dispatch_uid="reports.tieout_after_sync")
    register(tieout_readiness)
