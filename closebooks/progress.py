"""How far a close run has got, kept in the cache (the close's own transaction shows nothing to
other connections until it commits), and whether its worker is still alive (the run's heartbeat).
Without a shared cache the page shows the run's status alone."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django import db
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from closebooks.models import CloseRun, CloseRunStatus

logger = logging.getLogger(__name__)

# Where each step starts on the bar; reading and computing the leases takes most of a close.
STEP_PERCENT = {"queued": 0, "postings": 5, "entries": 75, "writing": 85, "done": 100}
STEP_LABELS = {
    "queued": "Waiting for a worker",
    "postings": "Computing each lease's month",
    "entries": "Building the journal entries",
    "writing": "Writing the entries and their lines",
    "done": "Done",
}
TTL_SECONDS = 60 * 60


def _key(run_id: int) -> str:
    return f"closebooks:close-run:{run_id}"


def progress_record(run_id: int, step: str, done: int = 0, total: int = 0) -> None:
    """Remember the step (and, while computing, how many leases are done)."""
    percent = STEP_PERCENT[step]
    if step == "postings" and total:
        percent += (STEP_PERCENT["entries"] - percent) * done // total
    cache.set(
        _key(run_id),
        {"step": step, "percent": percent, "done": done, "total": total},
        TTL_SECONDS,
    )


def progress_read(run_id: int) -> dict:
    """The last recorded step of a run, or an empty dict."""
    return cache.get(_key(run_id)) or {}


# A live close beats its run's heartbeat every CLOSE_HEARTBEAT_SECONDS; one silent for
# CLOSE_STALE_AFTER_SECONDS whose period nobody holds has lost its worker (the same names as the
# sync's, see integrations/services/sync.py). A queued run is sent again after
# QUEUED_STALE_AFTER: its message may have gone with a worker that took it and died before
# claiming it.
QUEUED_STALE_AFTER = timedelta(minutes=5)


def heartbeat_every() -> timedelta:
    """CLOSE_HEARTBEAT_SECONDS: how often a live close beats (5 s in production)."""
    return timedelta(seconds=settings.CLOSE_HEARTBEAT_SECONDS)


def stale_after() -> timedelta:
    """CLOSE_STALE_AFTER_SECONDS: a heartbeat silent this long is a lost worker's (15 s)."""
    return timedelta(seconds=settings.CLOSE_STALE_AFTER_SECONDS)


def worker_lost(
    run: CloseRun,
    *,
    now: datetime,
    period_locked: bool | None,
    hard_limit: timedelta,
    stale: timedelta | None = None,
) -> bool:
    """Whether an in-flight run's worker is gone, so the run must be sent to another worker.

    `period_locked`: whether someone holds what a running close holds for its whole
    transaction: the period's row lock on PostgreSQL, the database's one write lock on SQLite
    (None where neither can be read). A locked period means the close is alive, whatever its
    heartbeat says; an unlocked one with a silent heartbeat means the worker died (between its
    claim and the lock, or its commit and the run's last write, the heartbeat is fresh). On
    SQLite no beat is written during the close (it would need that write lock), so the
    heartbeat is the claim's and covers only the moment before the close's transaction begins.
    With None only the task's hard time limit since the claim tells."""
    stale = stale if stale is not None else stale_after()
    if run.status == CloseRunStatus.QUEUED:
        last = run.heartbeat_at or run.created_at
        return last < now - QUEUED_STALE_AFTER
    if run.status != CloseRunStatus.RUNNING:
        return False
    claimed = run.started_at or run.created_at
    if claimed < now - hard_limit:
        return True  # no task outlives its hard time limit
    if period_locked is None or period_locked:
        return False
    return (run.heartbeat_at or claimed) < now - stale


class Heartbeat:
    """Beat a claimed run's `heartbeat_at` from a thread of its own while the close works.

    The close is one transaction on the task's connection, invisible to others until it
    commits; the thread writes on its own connection, so each beat is seen at once. Only the
    holder of `token` beats: a run taken over by another execution is left alone."""

    def __init__(self, run_id: int, token: str, every: timedelta | None = None) -> None:
        self.run_id = run_id
        self.token = token
        self.every = (every if every is not None else heartbeat_every()).total_seconds()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"close-run-{run_id}-heartbeat", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        if heartbeats_available():
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                self.beat()
        finally:
            db.connection.close()  # this thread's own connection

    def beat(self) -> bool:
        """One beat; False when the run is no longer ours (or the database did not answer)."""
        try:
            return bool(
                CloseRun.objects.filter(
                    pk=self.run_id, lease_token=self.token, status=CloseRunStatus.RUNNING
                ).update(heartbeat_at=timezone.now())
            )
        except db.DatabaseError:
            # The next beat tries again; a close whose beats all fail is still kept alive by
            # the period's row lock it holds (see worker_lost).
            logger.warning("close run %s: heartbeat not written", self.run_id, exc_info=True)
            return False


def heartbeats_available() -> bool:
    """A beat on a second connection while the close writes: PostgreSQL (row locks)."""
    return db.connection.features.has_select_for_update_skip_locked
