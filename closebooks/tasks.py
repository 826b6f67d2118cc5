"""Celery tasks of the close: an id in, one service call, safe to run twice."""

from celery import shared_task

from closebooks.services import close_run_execute, close_runs_recover

SOFT_TIME_LIMIT = 15 * 60
TIME_LIMIT = 16 * 60


@shared_task(
    name="closebooks.close_run",
    queue="celery",
    # A worker that dies mid-close rolls the close back with its transaction. Its run is sent to
    # another worker as soon as its heartbeat goes silent (recover_stale_closes, or the progress
    # page's poll), long before Redis would deliver this message again; that late delivery, and
    # any duplicate, finds the run claimed or finished and does nothing.
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def close_run_task(run_id: int) -> None:
    """Close the period of one queued close run."""
    close_run_execute(run_id)


@shared_task(name="closebooks.recover_stale_closes", queue="celery", soft_time_limit=120)
def recover_stale_closes_task() -> None:
    """Send close runs whose worker stopped to another worker (or fail them after too many)."""
    close_runs_recover()
