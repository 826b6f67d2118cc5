"""Celery tasks: ids in, one service call, safe to run twice."""

from celery import shared_task

from reports.services import tieout_after_sync, tieout_run
from reports.snapshots import period_facts_keep


@shared_task(
    name="reports.tieout",
    queue="celery",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=30 * 60,
    time_limit=30 * 60 + 60,
)
def tieout_task(tieout_id: int) -> None:
    """Read a period back from NetSuite and record the differences."""
    tieout_run(tieout_id)


@shared_task(name="reports.tieout_after_sync", queue="celery", soft_time_limit=120)
def tieout_after_sync_task(period_id: int) -> None:
    """Start the tie-out a completed sync asks for."""
    tieout_after_sync(period_id=period_id)


@shared_task(
    name="reports.keep_period_facts",
    queue="celery",
    acks_late=True,
    soft_time_limit=10 * 60,
    time_limit=10 * 60 + 60,
)
def period_facts_task(period_ids: list[int]) -> None:
    """Keep closed periods' lease figures so the reports read them rather than rebuild them."""
    period_facts_keep(period_ids=period_ids)
