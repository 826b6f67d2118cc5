"""Celery tasks of the close: an id in, one service call, safe to run twice."""

from celery import shared_task

from closebooks.services import close_run_execute

SOFT_TIME_LIMIT = 15 * 60
TIME_LIMIT = 16 * 60


@shared_task(
    name="closebooks.close_run",
    queue="celery",
    # A worker that dies mid-close rolls the close back with its transaction; the message goes
    # back to the queue and the next worker takes the same run up again.
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def close_run_task(run_id: int) -> None:
    """Close the period of one queued close run."""
    close_run_execute(run_id)
