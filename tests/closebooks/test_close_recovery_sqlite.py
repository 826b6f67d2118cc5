"""On SQLite (the embedded profile) a close whose worker was killed is seen stopped at once: no
heartbeat can be written while a close writes, so the database's one write lock, held by the
close from its first statement to the commit that also ends its run, says whether it is alive.
A real process closes the period and is SIGKILLed in the middle; nothing it wrote is left, the
progress page says the close stopped, and the next worker closes the period once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from closebooks import selectors, services
from closebooks.models import AccountingPeriod, CloseRun, JournalEntry, JournalLine
from closebooks.services import close_run_execute, close_run_recover, periods_ensure

from .conftest import JAN, MAR

pytestmark = [
    pytest.mark.skipif(
        not services._write_lock_tells(),
        reason="the write lock of SQLite in a file (the embedded profile)",
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 60

# The worker's side, in a process of its own: close the run, and stop for good at `stop_in`
# (a function of closebooks.services the close calls) so the test can kill it there.
WORKER = """
import os, sys, time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "occupier.settings")
django.setup()
from closebooks import services

run_id, stop_in, marker = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])


def stopped_here(*args, **kwargs):
    marker.write_text(stop_in)
    time.sleep(600)


setattr(services, stop_in, stopped_here)
services.close_run_execute(run_id)
"""


class CloseProcess:
    """`close_run_execute` in a separate process on the test database, stopped at `stop_in`."""

    def __init__(self, tmp_path: Path, run_id: int, stop_in: str) -> None:
        self.marker = tmp_path / "stopped"
        self.log_path = tmp_path / "close.log"
        env = dict(os.environ)
        env.update(
            DATABASE_URL=f"sqlite:///{Path(connection.settings_dict['NAME']).resolve()}",
            OCCUPIER_VAR_DIR=str(django_settings.VAR_DIR),
            PYTHONUNBUFFERED="1",
        )
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", WORKER, str(run_id), stop_in, str(self.marker)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_stopped(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self.marker.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the close did not get there:\n{self.log_path.read_text()}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """Runs the services send to a worker after their commit, kept here."""
    sent: list[int] = []
    monkeypatch.setattr(services, "_enqueue", sent.append)
    return sent


@pytest.fixture
def large(books, settings):
    settings.CLOSE_INLINE_MAX_LEASES = 2
    # No silence is short enough to tell on SQLite: only the write lock says alive or not.
    settings.CLOSE_STALE_AFTER_SECONDS = 0
    periods_ensure(company=books.company, through=MAR)
    books.jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    return books


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.mark.parametrize(
    "stop_in",
    [
        "audit_record",  # every entry and line written, the period marked closed
        "_close_run_finish",  # the close done, about to write the run's outcome
    ],
)
def test_a_close_killed_mid_close_on_sqlite_leaves_nothing_and_is_seen_stopped_at_once(
    large, sent, tmp_path, stop_in
):
    jan = large.jan
    one_close = sorted(entry.external_key for entry in selectors.period_preview(jan).entries)
    client, reviewer = client_for(large.accountant), client_for(large.reviewer)
    client.post(reverse("period_close", args=[jan.pk]), {"expected_entries": len(one_close)})
    run = CloseRun.objects.get()
    assert sent == [run.pk]
    status_url = reverse("period_closing_status", args=[jan.pk])

    worker = CloseProcess(tmp_path, run.pk, stop_in)
    try:
        worker.wait_stopped()
        # Alive in its transaction: its heartbeat is as old as its claim, yet the write lock it
        # holds says it is working, and nobody waits for that lock to ask.
        assert services._sqlite_write_locked()
        run.refresh_from_db()
        assert run.status == "running"
        assert close_run_recover(run) is False
        page = client.get(status_url).content.decode()
        assert "stopped before it finished" not in page
        # A second press gets its sentence instead of waiting behind the close's lock.
        pressed = reviewer.post(reverse("period_close", args=[jan.pk]), follow=True)
        assert "Jan 2026 is being closed already (started by amy)" in pressed.content.decode()
        assert CloseRun.objects.count() == 1
    finally:
        worker.kill()

    assert not services._sqlite_write_locked()
    run.refresh_from_db()
    jan.refresh_from_db()
    assert (run.status, run.attempts, run.resume_count, run.entries) == ("running", 1, 0, None)
    assert not jan.is_closed and jan.close_version == 0
    assert not JournalEntry.objects.exists() and not JournalLine.objects.exists()
    assert not AuditEvent.objects.filter(action="period.close").exists()

    # The page the accountant keeps open says so on its next poll, and sends the run again.
    page = client.get(status_url).content.decode()
    assert "The worker closing Jan 2026 stopped before it finished; nothing was frozen." in page
    assert "waiting for a free worker" in page
    run.refresh_from_db()
    assert (run.status, run.lease_token, run.resume_count) == ("queued", "", 1)
    assert sent == [run.pk, run.pk]
    client.post(reverse("period_close", args=[jan.pk]))  # a press meanwhile starts nothing more
    assert CloseRun.objects.count() == 1

    close_run_execute(run.pk)  # the next worker

    run.refresh_from_db()
    jan.refresh_from_db()
    assert (run.status, run.attempts, run.resume_count, run.entries) == ("succeeded", 2, 1, 3)
    assert jan.is_closed and jan.close_version == 1
    frozen = JournalEntry.objects.filter(period=jan)
    assert sorted(frozen.values_list("external_key", flat=True)) == one_close
    assert set(frozen.values_list("close_version", flat=True)) == {1}
    assert AuditEvent.objects.filter(action="period.close").count() == 1
    page = client.get(reverse("period_closing", args=[jan.pk])).content.decode()
    assert "Closed Jan 2026: 3 journal entries frozen and locked" in page
    assert "Its worker stopped before it finished; the close started again at" in page


def test_a_close_waiting_for_the_write_lock_after_its_run_was_sent_again_closes_nothing(
    large, sent
):
    jan = large.jan
    run = services.period_close_request(period=jan, actor=large.accountant.user, expected_entries=3)
    token = services._claim(run.pk)
    # Declared dead while it waited for the write lock (another writer held it past the
    # silence), then sent to the next worker: the late execution leaves the run to that one.
    run.refresh_from_db()
    assert close_run_recover(run) is True

    finished = services._close_run_work(run.pk, token)

    assert finished is True
    run.refresh_from_db()
    jan.refresh_from_db()
    assert (run.status, run.lease_token, run.resume_count) == ("queued", "", 1)
    assert not jan.is_closed and not JournalEntry.objects.exists()
