"""The sync through a real Celery worker, the broker, the database and the simulator over HTTP.

tests/integrations/test_sync.py runs the same scenarios by calling the worker's body directly;
here Sync and Retry are pressed through the views and a separate worker process does the work.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from integrations.models import EntryStatus, SyncAttempt, SyncEntry, SyncRun, SyncStatus
from integrations.services.sync import sync_runs_recover
from notifications.models import SyncNotification
from tests.e2e.support import client_for, free_concurrency_slots, run_finished, wait_for
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
)

pytestmark = pytest.mark.e2e


def closed_period(personas, sandbox, codes, *, department_of=None, **connection):
    company = personas.company
    for code in codes:
        add_lease(company, code, department=(department_of or {}).get(code))
    connect(company, sandbox, **connection)
    return close_first_period(company, actor=personas.accountant.user)


def press_sync(membership, period):
    return client_for(membership).post(reverse("period_sync", args=[period.pk]))


def assert_exactly_once_in_netsuite(run, sandbox):
    """Every entry of the run is in NetSuite once, and our ledger links to that NetSuite entry."""
    in_netsuite = sandbox.entries()
    by_key = {e["externalId"]: e for e in in_netsuite}
    keys = set(run.entries.values_list("external_key", flat=True))
    assert len(in_netsuite) == len(by_key) == len(keys) == run.entries_total
    assert set(by_key) == keys
    for entry in run.entries.all():
        assert entry.status == EntryStatus.SENT
        assert entry.netsuite_internal_id == str(by_key[entry.external_key]["id"])
        assert entry.netsuite_url == sandbox.journal_url(entry.netsuite_internal_id)


def test_sync_pressed_on_closed_periods_is_sent_by_the_worker_once_and_emailed(
    personas, sandbox, worker
):
    period = closed_period(personas, sandbox, ["HQ-1", "HQ-2", "WH-3"])

    # Someone who may only look cannot start a sync: nothing is queued or sent.
    assert press_sync(personas.read_only, period).status_code == 403
    assert press_sync(personas.outsider, period).status_code == 404
    assert SyncRun.objects.count() == 0

    response = press_sync(personas.integrations_operator, period)
    assert response.status_code == 302
    run = run_finished(SyncRun.objects.get(period=period))

    assert run.status == SyncStatus.COMPLETED, run.message
    assert (run.entries_total, run.entries_sent, run.entries_failed) == (3, 3, 0)
    assert run.started_by == personas.integrations_operator.user
    assert_exactly_once_in_netsuite(run, sandbox)
    assert sandbox.request_count("ok") == sandbox.request_count()  # nothing refused or retried
    assert SyncAttempt.objects.filter(run=run, operation="upsert", outcome="ok").count() == 3
    assert AuditEvent.objects.filter(action="sync.start").count() == 1
    notification = SyncNotification.objects.get(run=run)
    assert (notification.outcome, notification.recipient) == ("completed", "olivia@example.com")
    # The worker sends the owed email after the run's transaction commits.
    wait_for(
        lambda: SyncNotification.objects.get(pk=notification.pk).status == "sent",
        what="the outcome email to be sent",
    )


def test_unknown_department_fails_then_the_mapping_and_retry_complete_it(personas, sandbox, worker):
    period = closed_period(
        personas, sandbox, ["HQ-1", "FAC-2"], department_of={"FAC-2": "Facilities Management"}
    )
    reviewer = client_for(personas.reviewer)
    reviewer.post(reverse("period_sync", args=[period.pk]))
    run = run_finished(SyncRun.objects.get(period=period))

    assert run.status == SyncStatus.FAILED
    assert (run.entries_sent, run.entries_failed) == (1, 1)
    failed = run.entries.get(status=EntryStatus.FAILED)
    sent = run.entries.get(status=EntryStatus.SENT)
    assert failed.external_key.endswith("-FAC-2")
    assert [e["externalId"] for e in sandbox.entries()] == [sent.external_key]
    errors_page = reviewer.get(reverse("sync_run_errors", args=[run.pk])).content.decode()
    assert "Department &#x27;Facilities Management&#x27; was not found in NetSuite." in errors_page
    assert f'href="{failed.fix_url.replace("&", "&amp;")}&amp;subsidiary=' in errors_page

    response = reviewer.post(
        reverse("reference_mappings"),
        {
            "kind": "department",
            "our_value": "Facilities Management",
            "netsuite_value": "Facilities",
        },
    )
    assert response.status_code == 302
    puts_before_retry = _puts(sandbox)
    assert reviewer.post(reverse("sync_run_retry", args=[run.pk])).status_code == 302
    run = run_finished(run)

    assert run.status == SyncStatus.COMPLETED, run.message
    assert (run.retry_count, run.entries_sent, run.entries_failed) == (1, 2, 0)
    assert_exactly_once_in_netsuite(run, sandbox)
    # Retry sent only the entry that had failed.
    assert _puts(sandbox)[len(puts_before_retry) :] == [failed.external_key]
    assert SyncRun.objects.count() == 1
    assert sorted(SyncNotification.objects.filter(run=run).values_list("outcome", flat=True)) == [
        "completed",
        "failed",
    ]


def test_a_worker_killed_mid_run_is_recovered_without_duplicates_or_losses(
    personas, sandbox, start_worker
):
    codes = [f"HQ-{n}" for n in range(1, 9)]
    # One request at a time, 250 ms each: the run takes about two seconds.
    period = closed_period(personas, sandbox, codes, concurrency_limit=1)
    sandbox.set_faults(latency_ms=250)
    first = start_worker()
    press_sync(personas.integrations_operator, period)
    run = SyncRun.objects.get(period=period)

    wait_for(
        lambda: SyncEntry.objects.filter(run=run, status=EntryStatus.SENT).count() >= 2,
        what="two entries to be sent",
    )
    first.kill()
    free_concurrency_slots(sandbox.account_id)
    run.refresh_from_db()
    assert run.status == SyncStatus.IN_PROGRESS
    sent_before_kill = run.entries.filter(status=EntryStatus.SENT).count()
    assert 2 <= sent_before_kill < len(codes)

    sandbox.set_faults()
    start_worker()
    # What the beat's recover-stale-syncs task does, without waiting ten minutes.
    assert sync_runs_recover(stale_after=timedelta(0)) == [run.pk]
    run = run_finished(run)

    assert run.status == SyncStatus.COMPLETED, run.message
    assert (run.entries_sent, run.entries_failed, run.resume_count) == (len(codes), 0, 1)
    assert_exactly_once_in_netsuite(run, sandbox)
    # At most the one entry in flight at the kill is sent twice, and it updated, never added.
    assert len(codes) <= len(_puts(sandbox)) <= len(codes) + 1
    assert SyncNotification.objects.filter(run=run).count() == 1


def test_an_answer_dropped_after_netsuite_saved_is_not_duplicated(personas, sandbox, worker):
    period = closed_period(personas, sandbox, ["HQ-1", "HQ-2"])
    sandbox.set_faults(drop_next=1)
    press_sync(personas.integrations_operator, period)
    run = run_finished(SyncRun.objects.get(period=period))

    assert run.status == SyncStatus.COMPLETED, run.message
    assert_exactly_once_in_netsuite(run, sandbox)
    assert sandbox.request_count("dropped") == 1
    # The dropped write was sent again and updated the entry NetSuite had already saved.
    assert len(_puts(sandbox)) == 3
    assert SyncAttempt.objects.filter(run=run, operation="upsert", outcome="retried").count() == 1


def test_netsuite_down_then_back_the_task_retries_and_completes(personas, sandbox, worker):
    period = closed_period(personas, sandbox, ["HQ-1", "HQ-2"])
    sandbox.set_faults(error_rate=1.0, error_status=503)
    press_sync(personas.integrations_operator, period)
    run = SyncRun.objects.get(period=period)

    wait_for(lambda: "retry: Retry in" in worker.log(), what="the task to schedule a retry")
    run.refresh_from_db()
    assert run.status == SyncStatus.IN_PROGRESS
    assert sandbox.entries() == []
    assert sandbox.request_count("fault_5xx") >= 1

    sandbox.set_faults()
    run = run_finished(run)

    assert run.status == SyncStatus.COMPLETED, run.message
    assert_exactly_once_in_netsuite(run, sandbox)
    assert SyncAttempt.objects.filter(run=run, outcome="failed", http_status=503).exists()
    assert SyncNotification.objects.filter(run=run).count() == 1


def test_two_simultaneous_sync_presses_make_exactly_one_run(personas, sandbox, worker):
    period = closed_period(personas, sandbox, ["HQ-1", "HQ-2", "WH-3"])
    barrier = threading.Barrier(2)
    statuses = []

    def press(membership):
        client = client_for(membership)
        barrier.wait()
        try:
            statuses.append(client.post(reverse("period_sync", args=[period.pk])).status_code)
        finally:
            connection.close()  # each thread has its own database connection

    threads = [
        threading.Thread(target=press, args=(m,))
        for m in (personas.integrations_operator, personas.reviewer)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == [302, 302]
    assert SyncRun.objects.count() == 1
    run = run_finished(SyncRun.objects.get())
    assert run.status == SyncStatus.COMPLETED, run.message
    assert_exactly_once_in_netsuite(run, sandbox)
    assert len(_puts(sandbox)) == 3
    assert AuditEvent.objects.filter(action="sync.start").count() == 1


def _puts(sandbox) -> list[str]:
    """External keys of the journal entry writes NetSuite received, oldest first."""
    recent = sorted(sandbox.requests(limit=1000)["recent"], key=lambda r: r["seq"])
    return [r["path"].rsplit(":", 1)[-1] for r in recent if r["method"] == "PUT"]
