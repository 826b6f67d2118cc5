"""A close whose worker died is sent to another worker as soon as its heartbeat is silent: the
stale-heartbeat decision, the heartbeat itself, and the guard that lets one recoverer of many
send a run again and never closes a period twice."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from closebooks import services
from closebooks.models import AccountingPeriod, CloseRun, CloseRunStatus, JournalEntry
from closebooks.progress import (
    QUEUED_STALE_AFTER,
    Heartbeat,
    heartbeats_available,
    stale_after,
    worker_lost,
)
from closebooks.services import (
    MAX_RESUMES,
    close_run_execute,
    close_run_recover,
    close_runs_recover,
    periods_ensure,
)
from closebooks.tasks import recover_stale_closes_task
from occupier.celery import app as celery_app

from .conftest import JAN, MAR

NOW = datetime(2026, 2, 2, 14, 2, tzinfo=UTC)
HARD_LIMIT = timedelta(minutes=17)
# What a running close holds for its whole transaction: PostgreSQL's row lock on its period, or
# SQLite's one write lock.
lock_checks = pytest.mark.skipif(
    not (connection.features.has_select_for_update_skip_locked or services._write_lock_tells()),
    reason="the lock check needs PostgreSQL's row locks or SQLite's write lock",
)


def run_at(status="running", *, heartbeat=None, started=None, created=None) -> CloseRun:
    """An unsaved run as the decision sees it; times are seconds before NOW."""

    def ago(seconds):
        return None if seconds is None else NOW - timedelta(seconds=seconds)

    return CloseRun(
        status=status,
        heartbeat_at=ago(heartbeat),
        started_at=ago(started),
        created_at=ago(120 if created is None else created),
    )


def lost(run, *, locked=False) -> bool:
    return worker_lost(run, now=NOW, period_locked=locked, hard_limit=HARD_LIMIT)


# The stale-heartbeat decision.


def test_a_running_close_with_a_fresh_heartbeat_is_alive_even_without_the_lock():
    # Between its claim and the period's lock, or its commit and the run's last write.
    assert not lost(run_at(heartbeat=4, started=60))


def test_a_running_close_silent_past_the_threshold_with_its_period_free_has_lost_its_worker():
    silent = stale_after().total_seconds() + 1
    assert lost(run_at(heartbeat=silent, started=60))
    assert not lost(run_at(heartbeat=stale_after().total_seconds() - 1, started=60))


def test_a_silent_close_that_still_holds_its_period_lock_is_alive():
    assert not lost(run_at(heartbeat=600, started=700), locked=True)


def test_without_row_locks_only_the_hard_time_limit_tells():
    long_ago = HARD_LIMIT.total_seconds() + 1
    assert not lost(run_at(heartbeat=600, started=700), locked=None)
    assert lost(run_at(heartbeat=long_ago, started=long_ago), locked=None)
    # Claimed longer ago than a task may live: gone, whoever holds what.
    assert lost(run_at(heartbeat=1, started=long_ago), locked=True)


def test_a_run_without_a_heartbeat_is_judged_from_its_claim():
    assert lost(run_at(heartbeat=None, started=60))
    assert not lost(run_at(heartbeat=None, started=5))


def test_a_queued_run_is_sent_again_only_after_waiting_long():
    waited = QUEUED_STALE_AFTER.total_seconds()
    assert not lost(run_at("queued", heartbeat=waited - 1))
    assert lost(run_at("queued", heartbeat=waited + 1))
    assert lost(run_at("queued", heartbeat=None, created=waited + 1))


def test_a_finished_run_is_never_lost():
    for status in ("succeeded", "failed"):
        assert not lost(run_at(status, heartbeat=10_000, started=10_000, created=10_000))


def test_the_heartbeat_and_the_silence_that_means_a_lost_worker_are_settings(settings):
    # Production: a beat every 5 s, lost after 15 s of silence.
    assert settings.CLOSE_HEARTBEAT_SECONDS == 5 and settings.CLOSE_STALE_AFTER_SECONDS == 15
    settings.CLOSE_HEARTBEAT_SECONDS = 1
    settings.CLOSE_STALE_AFTER_SECONDS = 3

    assert Heartbeat(1, "mine").every == 1
    assert lost(run_at(heartbeat=4, started=60))
    assert not lost(run_at(heartbeat=2, started=60))


def test_the_beat_checks_for_lost_closes_more_often_than_a_heartbeat_goes_stale():
    entry = django_settings.CELERY_BEAT_SCHEDULE["recover-stale-closes"]
    assert entry["task"] == "closebooks.recover_stale_closes"
    assert entry["task"] in celery_app.tasks  # a worker runs what the beat sends
    assert entry["schedule"] < stale_after().total_seconds()


# The services, on the database.


@pytest.fixture(autouse=True)
def no_broker(monkeypatch) -> list[int]:
    """Runs the services send after a real commit are kept here, never sent to a broker."""
    sent: list[int] = []
    monkeypatch.setattr(services, "_enqueue", sent.append)
    return sent


@pytest.fixture
def large(books, settings):
    settings.CLOSE_INLINE_MAX_LEASES = 2
    periods_ensure(company=books.company, through=MAR)
    books.jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    return books


def queued_run(large) -> CloseRun:
    return services.period_close_request(
        period=large.jan, actor=large.accountant.user, expected_entries=3
    )


def silent(run: CloseRun, seconds: float = 120, **fields) -> CloseRun:
    """The run as a worker that died `seconds` ago left it."""
    at = timezone.now() - timedelta(seconds=seconds)
    fields = {"status": "running", "lease_token": "dead", "started_at": at, **fields}
    CloseRun.objects.filter(pk=run.pk).update(heartbeat_at=at, **fields)
    return CloseRun.objects.select_related("period").get(pk=run.pk)


class Sender:
    """Recovers with the commits' callbacks run (the test's transaction never commits), keeping
    the run ids it hands to the broker."""

    def __init__(self, capture) -> None:
        self.capture = capture
        self.ids: list[int] = []

    def all(self) -> list[int]:
        with self.capture(execute=True):
            return close_runs_recover(enqueue=self.ids.append)

    def one(self, run: CloseRun) -> bool:
        with self.capture(execute=True):
            return close_run_recover(run, enqueue=self.ids.append)


@pytest.fixture
def sender(django_capture_on_commit_callbacks) -> Sender:
    return Sender(django_capture_on_commit_callbacks)


@lock_checks
def test_a_close_whose_worker_went_silent_is_sent_again_and_closes_once(large, sender):
    run = silent(queued_run(large))

    assert sender.all() == [run.pk]

    assert sender.ids == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.lease_token, run.resume_count) == ("queued", "", 1)
    assert run.resumed_at is not None and run.heartbeat_at == run.resumed_at
    assert not AccountingPeriod.objects.get(pk=large.jan.pk).is_closed

    close_run_execute(run.pk)

    run.refresh_from_db()
    large.jan.refresh_from_db()
    assert (run.status, run.entries, run.lease_token) == ("succeeded", 3, "")
    assert large.jan.close_version == 1
    assert JournalEntry.objects.filter(period=large.jan).count() == 3
    assert sender.all() == []  # nothing left to recover
    page = client_for(large.accountant).get(reverse("period_closing", args=[large.jan.pk]))
    html = page.content.decode()
    assert "Closed Jan 2026: 3 journal entries frozen and locked" in html
    assert "Its worker stopped before it finished; the close started again at" in html


@lock_checks
def test_the_beat_task_sends_a_silent_run_to_a_worker(
    large, no_broker, django_capture_on_commit_callbacks
):
    run = silent(queued_run(large))

    with django_capture_on_commit_callbacks(execute=True):
        recover_stale_closes_task()

    assert no_broker == [run.pk]
    assert CloseRun.objects.get(pk=run.pk).resume_count == 1


def test_a_close_whose_heartbeat_is_fresh_is_left_alone(large, sender):
    run = silent(queued_run(large), seconds=stale_after().total_seconds() / 3)

    assert sender.all() == []

    assert sender.ids == []
    run.refresh_from_db()
    assert (run.status, run.lease_token, run.resume_count) == ("running", "dead", 0)


@lock_checks
def test_two_recoverers_of_the_same_silent_run_send_it_once(large, sender):
    run = silent(queued_run(large))
    first = CloseRun.objects.select_related("period").get(pk=run.pk)
    second = CloseRun.objects.select_related("period").get(pk=run.pk)  # read at the same time

    assert sender.one(first) is True
    assert sender.one(second) is False

    assert sender.ids == [run.pk]
    assert CloseRun.objects.get(pk=run.pk).resume_count == 1


@lock_checks
@pytest.mark.django_db(transaction=True)
def test_recoverers_racing_on_their_own_connections_send_the_run_once(books, settings):
    settings.CLOSE_INLINE_MAX_LEASES = 2
    periods_ensure(company=books.company, through=MAR)
    books.jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    run = silent(queued_run(books))
    start = threading.Barrier(4)
    sent: list[int] = []
    results: list[list[int]] = []

    def recoverer():
        try:
            start.wait()
            results.append(close_runs_recover(enqueue=sent.append))
        finally:
            connection.close()

    threads = [threading.Thread(target=recoverer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [[], [], [], [run.pk]]
    assert sent == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.resume_count) == ("queued", 1)


@lock_checks
@pytest.mark.django_db(transaction=True)
def test_a_silent_close_that_still_holds_its_period_is_not_sent_again(books, settings):
    settings.CLOSE_INLINE_MAX_LEASES = 2
    periods_ensure(company=books.company, through=MAR)
    books.jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    run = silent(queued_run(books))
    locked, release = threading.Event(), threading.Event()

    def close_in_its_transaction():
        # What a live close does for its whole transaction, whatever its heartbeat.
        try:
            with transaction.atomic():
                AccountingPeriod.objects.select_for_update().get(pk=books.jan.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=close_in_its_transaction)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        sent: list[int] = []
        assert close_runs_recover(enqueue=sent.append) == []
        assert sent == []
    finally:
        release.set()
        holder.join()
    run.refresh_from_db()
    assert (run.status, run.lease_token, run.resume_count) == ("running", "dead", 0)


def test_a_duplicate_delivery_of_a_run_being_closed_does_nothing(large):
    run = queued_run(large)
    CloseRun.objects.filter(pk=run.pk).update(
        status="running", lease_token="alive", heartbeat_at=timezone.now()
    )

    close_run_execute(run.pk)

    run.refresh_from_db()
    assert (run.status, run.lease_token, run.attempts) == ("running", "alive", 0)
    assert not AccountingPeriod.objects.get(pk=large.jan.pk).is_closed
    assert not JournalEntry.objects.exists()


def test_an_execution_whose_run_was_taken_over_does_not_finish_it(large, monkeypatch):
    run = queued_run(large)
    real_close = services.period_close

    def taken_over_meanwhile(**kwargs):
        # The run was declared dead and claimed by another execution while this one worked.
        CloseRun.objects.filter(pk=run.pk).update(lease_token="the-other-one")
        return real_close(**kwargs)

    monkeypatch.setattr(services, "period_close", taken_over_meanwhile)
    close_run_execute(run.pk)

    run.refresh_from_db()
    assert (run.status, run.lease_token) == ("running", "the-other-one")  # the other's to end
    monkeypatch.undo()
    CloseRun.objects.filter(pk=run.pk).update(lease_token="")  # the other one let it go
    close_run_execute(run.pk)  # and was delivered again: it finds the period closed by the run
    run.refresh_from_db()
    large.jan.refresh_from_db()
    assert (run.status, run.entries) == ("succeeded", 3)
    assert large.jan.close_version == 1
    assert JournalEntry.objects.filter(period=large.jan).count() == 3


@lock_checks
def test_a_close_that_keeps_losing_its_worker_fails_with_a_sentence(large, sender):
    run = silent(queued_run(large), resume_count=MAX_RESUMES)

    assert sender.all() == [run.pk]

    assert sender.ids == []  # not sent again
    run.refresh_from_db()
    assert run.status == "failed" and run.lease_token == ""
    assert run.messages == [
        f"The close of Jan 2026 stopped its worker {MAX_RESUMES + 1} times before it finished, "
        "and nothing was frozen. Try again; if it happens again, tell support "
        f"(close run {run.pk})."
    ]
    # The next press starts a new run.
    again = services.period_close_request(period=large.jan, actor=large.accountant.user)
    assert again.pk != run.pk and again.status == CloseRunStatus.QUEUED


def test_a_queued_run_waiting_long_is_sent_again_without_counting_a_restart(large, sender):
    run = queued_run(large)
    waited = timezone.now() - QUEUED_STALE_AFTER - timedelta(seconds=1)
    CloseRun.objects.filter(pk=run.pk).update(heartbeat_at=waited)

    assert sender.all() == [run.pk]
    assert sender.all() == []  # once per wait

    assert sender.ids == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.resume_count, run.resumed_at) == ("queued", 0, None)
    assert run.heartbeat_at > waited


def test_a_close_that_stopped_on_something_uncaught_lets_its_run_go(large, monkeypatch):
    class Interrupted(BaseException):
        pass

    run = queued_run(large)

    def interrupted(**kwargs):
        raise Interrupted

    monkeypatch.setattr(services, "period_close", interrupted)
    with pytest.raises(Interrupted):
        close_run_execute(run.pk)

    run.refresh_from_db()
    assert (run.status, run.lease_token, run.attempts) == ("running", "", 1)


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


# The heartbeat.


def test_a_beat_moves_the_heartbeat_of_its_own_run_only(large):
    run = queued_run(large)
    before = timezone.now() - timedelta(minutes=1)
    CloseRun.objects.filter(pk=run.pk).update(
        status="running", lease_token="mine", heartbeat_at=before
    )

    assert Heartbeat(run.pk, "someone-else").beat() is False
    assert CloseRun.objects.get(pk=run.pk).heartbeat_at == before
    assert Heartbeat(run.pk, "mine").beat() is True
    assert CloseRun.objects.get(pk=run.pk).heartbeat_at > before


@pytest.mark.skipif(not heartbeats_available(), reason="beats on a second connection: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_beats_while_the_close_works_and_stops_with_it(books, settings):
    settings.CLOSE_INLINE_MAX_LEASES = 2
    periods_ensure(company=books.company, through=MAR)
    books.jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    run = queued_run(books)
    before = timezone.now() - timedelta(minutes=1)
    CloseRun.objects.filter(pk=run.pk).update(
        status="running", lease_token="mine", heartbeat_at=before
    )
    beats = threading.Event()
    heartbeat = Heartbeat(run.pk, "mine", every=timedelta(milliseconds=20))
    real_beat = heartbeat.beat

    def counted_beat():
        done = real_beat()
        beats.set()
        return done

    heartbeat.beat = counted_beat
    with heartbeat, transaction.atomic():
        # The close's own transaction holds the period: the beats land all the same.
        AccountingPeriod.objects.select_for_update().get(pk=books.jan.pk)
        assert beats.wait(timeout=30)
    assert not heartbeat._thread.is_alive()
    assert CloseRun.objects.get(pk=run.pk).heartbeat_at > before
