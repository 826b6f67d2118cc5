"""Celery tasks: ids in, one service call, safe to run twice."""

from celery import shared_task
from django.conf import settings

from integrations.services.sync import (
    SyncInterrupted,
    sync_run_give_up,
    sync_run_process,
    sync_run_wait_for_retry,
    sync_runs_recover,
)

MAX_INTERRUPTIONS = 8


@shared_task(
    bind=True,
    name="integrations.sync_run",
    queue="celery",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_INTERRUPTIONS,
    soft_time_limit=60 * 60,
    time_limit=60 * 60 + 120,
)
def sync_run_task(self, run_id: int) -> None:
    """Send a sync run's pending entries; come back later while NetSuite is unreachable."""
    try:
        sync_run_process(run_id)
    except SyncInterrupted as error:
        if self.request.retries >= self.max_retries:
            sync_run_give_up(
                run_id,
                f"{error} NetSuite could not be reached after several tries. Entries already "
                "in NetSuite are kept; press Retry when NetSuite is available.",
            )
            return
        # Capped exponential backoff, 15 s (SYNC_RETRY_BASE_SECONDS) up to 10 minutes.
        countdown = min(600, settings.SYNC_RETRY_BASE_SECONDS * 2**self.request.retries)
        # Mark the wait, so the stale-run sweep does not resume the run while it sleeps.
        sync_run_wait_for_retry(run_id, countdown)
        raise self.retry(countdown=countdown) from error


@shared_task(name="integrations.recover_stale_syncs", queue="celery", soft_time_limit=120)
def recover_stale_syncs_task() -> None:
    """Resume (or fail) runs left In Progress by a worker that stopped."""
    sync_runs_recover()


@shared_task(
    name="integrations.refresh_reference_data",
    queue="celery",
    acks_late=True,
    soft_time_limit=15 * 60,
    time_limit=16 * 60,
)
def refresh_reference_data_task(refresh_id: int) -> None:
    """Read NetSuite's reference data for one Running refresh (see services.discovery)."""
    from integrations.services.discovery import reference_refresh_run

    reference_refresh_run(refresh_id)


@shared_task(name="integrations.refresh_all_reference_data", queue="celery", soft_time_limit=120)
def refresh_all_reference_data_task() -> None:
    """Daily: start a refresh for every company with an enabled connection."""
    from companies.models import Company
    from integrations.services.discovery import (
        RefreshNotPossible,
        companies_to_refresh,
        reference_refresh_start,
    )

    for company in Company.objects.filter(pk__in=companies_to_refresh()):
        try:
            reference_refresh_start(company=company, actor=None)
        except RefreshNotPossible:
            continue
