"""A large close runs on a worker: queued at once, one in flight per period, progress shown,
failures as sentences, a killed worker leaves the period open and the run is taken up again."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from closebooks import postings, services
from closebooks.models import AccountingPeriod, CloseRun, JournalEntry
from closebooks.services import close_run_execute, period_close, periods_ensure
from leases.models import AccountingDefaults

from .conftest import JAN, MAR


@pytest.fixture
def large(books, settings):
    """Three leases count as a large portfolio here: the close goes to a worker."""
    settings.CLOSE_INLINE_MAX_LEASES = 2
    periods_ensure(company=books.company, through=MAR)
    books.jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    return books


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def press(client, period, expected="3"):
    return client.post(reverse("period_close", args=[period.pk]), {"expected_entries": expected})


def test_the_press_queues_the_close_and_returns_at_once(large, django_capture_on_commit_callbacks):
    client = client_for(large.accountant)
    with django_capture_on_commit_callbacks() as callbacks:
        response = press(client, large.jan)

    assert response.status_code == 302
    assert response.url == reverse("period_closing", args=[large.jan.pk])
    run = CloseRun.objects.get()
    assert (run.status, run.leases, run.expected_entries) == ("queued", 3, 3)
    assert len(callbacks) == 1  # the task is sent after the commit
    large.jan.refresh_from_db()
    assert not large.jan.is_closed and not JournalEntry.objects.exists()
    page = client.get(reverse("period_closing", args=[large.jan.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Waiting for a worker" in page
    confirm = client.get(reverse("period_close_confirm", args=[large.jan.pk]))
    assert confirm.url == reverse("period_closing", args=[large.jan.pk])

    close_run_execute(run.pk)

    run.refresh_from_db()
    large.jan.refresh_from_db()
    assert (run.status, run.entries, run.attempts, run.message) == ("succeeded", 3, 1, "")
    assert large.jan.is_closed and large.jan.close_version == 1
    assert JournalEntry.objects.filter(period=large.jan).count() == 3
    status = client.get(reverse("period_closing_status", args=[large.jan.pk])).content.decode()
    assert "Closed Jan 2026: 3 journal entries frozen and locked" in status
    assert "hx-trigger" not in status  # polling stops


def test_a_second_press_gets_a_sentence_and_no_second_run(large):
    press(client_for(large.accountant), large.jan)
    second = client_for(large.reviewer)
    response = press(second, large.jan)

    assert response.status_code == 302
    page = second.get(response.url).content.decode()
    assert "Jan 2026 is being closed already (started by" in page
    assert CloseRun.objects.count() == 1


def test_the_worker_turns_a_refusal_into_sentences_and_changes_nothing(large):
    AccountingDefaults.objects.filter(company=large.company).update(lease_expense_account=None)
    press(client_for(large.accountant), large.jan)
    run = CloseRun.objects.get()

    close_run_execute(run.pk)

    run.refresh_from_db()
    large.jan.refresh_from_db()
    assert run.status == "failed"
    assert run.messages[0] == (
        "L-1: No “Lease expense (operating)” account is mapped. Set it on the lease or in the "
        "company's GL defaults."
    )
    assert not large.jan.is_closed and not JournalEntry.objects.exists()
    page = client_for(large.accountant).get(reverse("period_closing", args=[large.jan.pk]))
    assert page.status_code == 200
    assert "Jan 2026 was not closed; nothing was frozen." in page.content.decode()
    # The next press starts a new run.
    AccountingDefaults.objects.filter(company=large.company).update(
        lease_expense_account=run.company.gl_accounts.get(number="6400")
    )
    press(client_for(large.accountant), large.jan)
    assert CloseRun.objects.filter(status="queued").count() == 1


def test_a_period_that_changed_since_the_confirmation_is_not_closed(large):
    press(client_for(large.accountant), large.jan, expected="2")
    run = CloseRun.objects.get()

    close_run_execute(run.pk)

    run.refresh_from_db()
    assert run.status == "failed"
    assert run.messages == [
        "Jan 2026 changed since you looked: 3 journal entries instead of 2. Check what will be "
        "frozen again."
    ]


def test_an_unexpected_error_becomes_a_sentence(large, monkeypatch):
    press(client_for(large.accountant), large.jan)
    run = CloseRun.objects.get()

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "close_postings_flat", broken)
    close_run_execute(run.pk)

    run.refresh_from_db()
    assert run.status == "failed"
    assert "stopped on an unexpected error and nothing was frozen" in run.message
    assert "disk on fire" not in run.message
    assert not AccountingPeriod.objects.get(pk=large.jan.pk).is_closed


class WorkerKilled(BaseException):
    """What the worker's death looks like from inside the close: nothing catches it."""


def test_a_killed_worker_leaves_the_period_open_and_the_redelivered_task_closes_it(
    large, monkeypatch
):
    press(client_for(large.accountant), large.jan)
    run = CloseRun.objects.get()

    def killed(*args, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        # While writing: the sequential close's write, or a streamed close's last part (its
        # leases' rows sent already).
        patch.setattr(services, "_write_entries", killed)
        patch.setattr(services.EntryStream, "finish", killed)
        with pytest.raises(WorkerKilled):
            close_run_execute(run.pk)
    run.refresh_from_db()
    large.jan.refresh_from_db()
    assert run.status == "running"  # the claim was committed; the close rolled back
    assert not large.jan.is_closed and not JournalEntry.objects.exists()
    # A second press while it is taken up again still gets the sentence.
    press(client_for(large.reviewer), large.jan)
    assert CloseRun.objects.count() == 1

    close_run_execute(run.pk)  # the broker redelivers the unacknowledged task

    run.refresh_from_db()
    large.jan.refresh_from_db()
    assert (run.status, run.attempts, run.entries) == ("succeeded", 2, 3)
    assert large.jan.close_version == 1
    assert JournalEntry.objects.filter(period=large.jan).count() == 3


def test_a_task_delivered_again_after_the_close_committed_closes_nothing_twice(large):
    press(client_for(large.accountant), large.jan)
    run = CloseRun.objects.get()
    period_close(period=large.jan, actor=large.accountant.user)  # the first attempt committed
    CloseRun.objects.filter(pk=run.pk).update(status="running")  # and died before saying so

    close_run_execute(run.pk)
    close_run_execute(run.pk)  # and once more: a finished run does nothing

    run.refresh_from_db()
    large.jan.refresh_from_db()
    assert (run.status, run.entries) == ("succeeded", 3)
    assert large.jan.close_version == 1
    assert JournalEntry.objects.count() == 3


def test_a_run_whose_worker_vanished_is_sent_again_by_the_next_press(large):
    press(client_for(large.accountant), large.jan)
    old = CloseRun.objects.get()
    # Claimed longer ago than any task may live: its worker is gone, on every database.
    CloseRun.objects.filter(pk=old.pk).update(
        status="running", lease_token="dead", created_at=timezone.now() - timedelta(hours=1)
    )

    press(client_for(large.accountant), large.jan)

    old.refresh_from_db()
    assert (old.status, old.lease_token, old.resume_count) == ("queued", "", 1)
    assert CloseRun.objects.count() == 1  # the same run goes on, no second close
    close_run_execute(old.pk)
    old.refresh_from_db()
    assert (old.status, old.entries, old.attempts) == ("succeeded", 3, 1)
    assert JournalEntry.objects.filter(period=large.jan).count() == 3


def test_progress_is_shown_while_the_leases_are_computed(large, monkeypatch):
    press(client_for(large.accountant), large.jan)
    run = CloseRun.objects.get()
    seen = []
    monkeypatch.setattr(postings, "PROGRESS_EVERY", 1)

    def spy(company, start, *, progress=None, **kwargs):
        def record(done, total):
            progress(done, total)
            page = client_for(large.accountant).get(
                reverse("period_closing_status", args=[large.jan.pk])
            )
            seen.append(page.content.decode())

        return postings.close_postings_flat(company, start, progress=record, **kwargs)

    monkeypatch.setattr(services, "close_postings_flat", spy)
    close_run_execute(run.pk)

    assert any("Computing each lease" in html and "1 of 3 leases" in html for html in seen)
    assert any('aria-valuenow="51"' in html for html in seen)  # 5 % + 70 % × 2 of 3


def test_a_small_close_stays_in_the_request(books):
    periods_ensure(company=books.company, through=MAR)
    jan = AccountingPeriod.objects.get(company=books.company, start=JAN)

    response = press(client_for(books.accountant), jan)

    assert response.url == reverse("period_entries", args=[jan.pk])
    assert not CloseRun.objects.exists()
    jan.refresh_from_db()
    assert jan.is_closed


@pytest.mark.skipif(
    not (connection.features.has_select_for_update_skip_locked or services._write_lock_tells()),
    reason="the lock check needs PostgreSQL's row locks or SQLite's write lock",
)
def test_a_running_close_that_holds_no_lock_and_went_silent_is_sent_again_by_the_page(
    large, django_capture_on_commit_callbacks
):
    client = client_for(large.accountant)
    press(client, large.jan)
    old = CloseRun.objects.get()
    # Claimed two minutes ago, silent since, and nobody holds the period's lock: the worker died.
    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    CloseRun.objects.filter(pk=old.pk).update(
        status="running",
        lease_token="dead",
        started_at=two_minutes_ago,
        heartbeat_at=two_minutes_ago,
    )

    with django_capture_on_commit_callbacks() as callbacks:
        page = client.get(reverse("period_closing", args=[large.jan.pk])).content.decode()

    assert "stopped before it finished; nothing was frozen. The close started again at" in page
    assert "waiting for a free worker" in page
    assert 'hx-trigger="every 1s"' in page  # the bar goes on
    assert len(callbacks) == 1  # sent to a worker once
    confirm = client.get(reverse("period_close_confirm", args=[large.jan.pk]))
    assert confirm.url == reverse("period_closing", args=[large.jan.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        press(client, large.jan)
    assert callbacks == []  # already on its way again: nothing more is sent
    old.refresh_from_db()
    assert (old.status, old.resume_count) == ("queued", 1)
    assert CloseRun.objects.count() == 1


def test_a_close_just_claimed_is_not_taken_for_dead(large):
    press(client_for(large.accountant), large.jan)
    CloseRun.objects.update(status="running", started_at=timezone.now())

    press(client_for(large.reviewer), large.jan)

    assert list(CloseRun.objects.values_list("status", flat=True)) == ["running"]
