"""A real Celery worker killed (SIGKILL) in the middle of a large close: the progress page sends
the run to another worker as soon as its heartbeat is silent, long before Redis would deliver
the task again, and the period is closed once with exactly the entries of one close. The
heartbeat beats every second and is silent after 3 (production: 5 and 15, the settings
CLOSE_HEARTBEAT_SECONDS and CLOSE_STALE_AFTER_SECONDS), so the wait is seconds, not 15."""

import base64
import json

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEvent
from closebooks import selectors
from closebooks.models import CloseRun, JournalEntry
from closebooks.progress import progress_read
from closebooks.services import close_run_execute
from tests.e2e.conftest import (  # noqa: F401 (fixtures: a real worker on the test database)
    e2e_broker,
    e2e_db,
    personas,
    start_worker,
)
from tests.e2e.support import client_for, wait_for
from tests.e2e.test_close_worker import LEASES, portfolio

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not settings.REDIS_URL,
        reason="a Redis broker (REDIS_URL) and PostgreSQL's row locks (DATABASE_URL)",
    ),
]


def test_a_close_whose_worker_was_killed_is_taken_up_by_another_worker_and_closes_once(
    personas,  # noqa: F811 (the fixtures imported above)
    start_worker,  # noqa: F811
    settings,
    e2e_broker,  # noqa: F811
    monkeypatch,
):
    settings.CLOSE_INLINE_MAX_LEASES = 10
    # The same for the workers (their settings come from the environment) and this process's
    # recoverer, the progress poll.
    monkeypatch.setenv("CLOSE_HEARTBEAT_SECONDS", "1")
    monkeypatch.setenv("CLOSE_STALE_AFTER_SECONDS", "3")
    settings.CLOSE_HEARTBEAT_SECONDS = 1
    settings.CLOSE_STALE_AFTER_SECONDS = 3
    jan = portfolio(personas.company)
    one_close = sorted(entry.external_key for entry in selectors.period_preview(jan).entries)
    client = client_for(personas.accountant)
    status_url = reverse("period_closing_status", args=[jan.pk])
    first = start_worker(concurrency=1)

    client.post(reverse("period_close", args=[jan.pk]), {"expected_entries": len(one_close)})
    run = CloseRun.objects.get()
    wait_for(
        lambda: progress_read(run.pk).get("done", 0) >= 500,
        what="the first worker to compute 500 leases",
    )
    first.kill()

    run.refresh_from_db()
    jan.refresh_from_db()
    assert (run.status, run.attempts, run.resume_count) == ("running", 1, 0)
    assert not jan.is_closed and not JournalEntry.objects.exists()  # rolled back with it
    start_worker(concurrency=1)

    # The page the accountant keeps open polls its status; once the dead worker's heartbeat is
    # silent, a poll sends the run to the waiting worker.
    restarted = wait_for(
        lambda: "The close started again at" in (html := client.get(status_url).content.decode())
        and html,
        timeout=60,
        interval=1,
        what="the progress poll to send the run to another worker",
    )
    assert (
        "The worker closing Jan 2026 stopped before it finished; nothing was frozen." in restarted
    )
    wait_for(
        lambda: CloseRun.objects.get(pk=run.pk).status == "succeeded",
        timeout=180,
        what="the second worker to finish the close",
    )

    run.refresh_from_db()
    jan.refresh_from_db()
    assert (run.status, run.attempts, run.resume_count, run.entries) == (
        "succeeded",
        2,
        1,
        LEASES,
    )
    assert CloseRun.objects.count() == 1
    assert jan.is_closed and jan.close_version == 1
    frozen = JournalEntry.objects.filter(period=jan)
    assert sorted(frozen.values_list("external_key", flat=True)) == one_close
    assert set(frozen.values_list("close_version", flat=True)) == {1}
    assert AuditEvent.objects.filter(action="period.close").count() == 1
    # Redis still holds the killed worker's task, unacknowledged, until its visibility timeout:
    # the close did not wait for it. When it comes back it finds the run finished.
    broker = redis.Redis.from_url(e2e_broker)
    # (the second worker acknowledges its own delivery just after the run's last write)
    wait_for(lambda: broker.hlen("unacked") == 1, what="the second worker's acknowledgement")
    [(message, _exchange, _queue)] = [json.loads(v) for v in broker.hvals("unacked")]
    assert message["headers"]["task"] == "closebooks.close_run"
    assert json.loads(base64.b64decode(message["body"]))[0] == [run.pk]
    close_run_execute(run.pk)
    assert JournalEntry.objects.filter(period=jan).count() == LEASES
    page = client.get(reverse("period_closing", args=[jan.pk])).content.decode()
    assert f"Closed Jan 2026: {LEASES:,} journal entries frozen and locked" in page
    assert "Its worker stopped before it finished; the close started again at" in page
