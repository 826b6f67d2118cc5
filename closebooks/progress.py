"""How far a close run has got, kept in the cache (the close's own transaction shows nothing to
other connections until it commits). Without a shared cache the page shows the run's status
alone."""

from __future__ import annotations

from django.core.cache import cache

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
