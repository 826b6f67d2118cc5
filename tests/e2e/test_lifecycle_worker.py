"""Exactly once across re-closes, through a real Celery worker, the broker and the simulator.

Sync and Retry are pressed through the views; a separate worker process does the work. After
each journey the simulator's contents are checked exactly: one entry per external ID, and per
entry key exactly our current closed entry, to the cent (reversals and adjustments netted).
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from integrations.models import (
    EntryAction,
    EntryStatus,
    NetSuiteConnection,
    RemovalMethod,
    SyncEntry,
    SyncRun,
    SyncStatus,
)
from integrations.services.sync import sync_runs_recover
from tests.e2e.support import client_for, free_concurrency_slots, run_finished, wait_for
from tests.integrations.factories import add_lease, close_first_period, connect
from tests.integrations.test_lifecycle import (
    FEB_2026,
    JAN_2026,
    assert_netsuite_equals_our_books,
    drop_lease,
    reclose,
)

pytestmark = pytest.mark.e2e


def synced_period(personas, sandbox, codes, **connection):
    company = personas.company
    for code in codes:
        add_lease(company, code)
    connect(company, sandbox, **connection)
    period = close_first_period(company, actor=personas.accountant.user)
    assert press_sync(personas.integrations_operator, period).status_code == 302
    run = run_finished(SyncRun.objects.get(period=period))
    assert run.status == SyncStatus.COMPLETED, run.message
    return period


def press_sync(membership, period):
    return client_for(membership).post(reverse("period_sync", args=[period.pk]))


def latest_run(period) -> SyncRun:
    return SyncRun.objects.filter(period=period).latest("id")


def test_remove_a_lease_and_reclose_netsuite_holds_exactly_the_new_set(personas, sandbox, worker):
    period = synced_period(personas, sandbox, ["HQ-1", "HQ-2", "WH-3"])
    removed = next(e["externalId"] for e in sandbox.entries() if "HQ-2" in e["externalId"])

    period = reclose(period, personas.settings_admin.user, drop_lease(personas.company, "HQ-2"))
    press_sync(personas.integrations_operator, period)
    run = run_finished(latest_run(period))

    assert run.status == SyncStatus.COMPLETED, run.message
    (row,) = run.entries.all()
    assert (row.action, row.external_key, row.status) == (
        EntryAction.DELETE,
        removed,
        EntryStatus.SENT,
    )
    assert removed not in {e["externalId"] for e in sandbox.entries()}
    assert_netsuite_equals_our_books(sandbox, period)


def test_netsuite_period_closed_the_removal_is_a_reversal_in_the_first_open_period(
    personas, sandbox, worker
):
    period = synced_period(personas, sandbox, ["HQ-1", "HQ-2"])
    sandbox.update_reference("accountingperiod", JAN_2026, closed=True)
    try:
        period = reclose(period, personas.settings_admin.user, drop_lease(personas.company, "HQ-2"))
        press_sync(personas.integrations_operator, period)
        run = run_finished(latest_run(period))
    finally:
        sandbox.update_reference("accountingperiod", JAN_2026, closed=False)

    assert run.status == SyncStatus.COMPLETED, run.message
    (row,) = run.entries.all()
    assert row.action == EntryAction.REVERSE and "closed" in row.note
    assert sandbox.entry_by_external_id(row.external_key)["postingPeriod"] == FEB_2026
    assert_netsuite_equals_our_books(sandbox, period)


def test_retry_on_a_superseded_run_is_refused_and_a_stale_sync_sends_nothing(
    personas, sandbox, worker
):
    company = personas.company
    add_lease(company, "HQ-1")
    add_lease(company, "BAD-2", department="Facilities Management")
    connect(company, sandbox)
    period = close_first_period(company, actor=personas.accountant.user)
    press_sync(personas.integrations_operator, period)
    failed = run_finished(latest_run(period))
    assert failed.status == SyncStatus.FAILED
    period = reclose(period, personas.settings_admin.user, drop_lease(company, "BAD-2"))
    operator = client_for(personas.integrations_operator)

    refused = operator.post(reverse("sync_run_retry", args=[failed.pk]), follow=True)

    assert "closed again" in refused.content.decode()
    failed.refresh_from_db()
    assert failed.status == SyncStatus.FAILED and failed.retry_count == 0
    # Sync sends the new version: HQ-1 is already there, so the run only confirms it.
    press_sync(personas.integrations_operator, period)
    run = run_finished(latest_run(period))
    assert run.status == SyncStatus.COMPLETED and run.entries_total == 0
    assert_netsuite_equals_our_books(sandbox, period)

    # A stale page presses Sync again: nothing is sent, no run is started.
    before = sandbox.request_count()
    stale = operator.post(reverse("period_sync", args=[period.pk]), follow=True)
    assert "Already in NetSuite; nothing to send" in stale.content.decode()
    assert SyncRun.objects.filter(period=period).count() == 2
    assert sandbox.request_count() == before


def test_a_worker_killed_during_removals_still_leaves_netsuite_exactly_right(
    personas, sandbox, start_worker
):
    codes = [f"HQ-{n}" for n in range(1, 9)]
    first = start_worker()
    period = synced_period(personas, sandbox, codes, concurrency_limit=1)
    NetSuiteConnection.objects.filter(company=personas.company).update(
        removal_method=RemovalMethod.REVERSE
    )

    def drop_six():
        for code in codes[2:]:
            drop_lease(personas.company, code)()

    period = reclose(period, personas.settings_admin.user, drop_six)
    sandbox.set_faults(latency_ms=250)  # one request at a time, 250 ms each
    press_sync(personas.integrations_operator, period)
    run = latest_run(period)
    wait_for(
        lambda: SyncEntry.objects.filter(run=run, status=EntryStatus.SENT).count() >= 2,
        what="two reversals to be sent",
    )
    first.kill()
    free_concurrency_slots(sandbox.account_id)
    run.refresh_from_db()
    assert run.status == SyncStatus.IN_PROGRESS

    sandbox.set_faults()
    start_worker()
    # What the beat's recover-stale-syncs does once the heartbeat is a minute old.
    assert sync_runs_recover(stale_after=timedelta(0)) == [run.pk]
    run = run_finished(run)

    assert run.status == SyncStatus.COMPLETED, run.message
    assert run.entries.filter(action=EntryAction.REVERSE, status=EntryStatus.SENT).count() == 6
    assert_netsuite_equals_our_books(sandbox, period)
