"""Exactly once across the lifecycle: re-close, removals, superseded runs, stale presses, resend.

The worker's body is called directly against the simulator over HTTP; after each scenario the
simulator's contents are compared, entry by entry and to the cent, with our current closed
entries (tests/e2e/test_lifecycle_worker.py runs the main journeys through a real worker).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from closebooks.models import AccountingPeriod
from closebooks.selectors import current_entries
from closebooks.services import period_close, period_reopen
from integrations.models import (
    EntryAction,
    EntryStatus,
    NetSuiteConnection,
    RemovalMethod,
    SyncEntry,
    SyncRun,
    SyncStatus,
)
from integrations.services.sync import (
    STALE_AFTER,
    SyncNotPossible,
    period_sync_start,
    sync_run_process,
    sync_run_retry,
    sync_run_wait_for_retry,
    sync_runs_recover,
)
from leases.models import Lease, LeasePayment
from netsuite_sandbox.testing import FIXTURE
from tests.factories import make_company, make_member
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)

NO_QUEUE = lambda run_id: None  # noqa: E731 - the tests run the worker's body themselves
JAN_2026 = 113  # the simulator fixture's posting period ids
FEB_2026 = 114


@pytest.fixture
def company(db):
    company = make_company()
    set_up_netsuite_accounting(company)
    return company


@pytest.fixture
def admin(company):
    return make_member(company, "ada", is_company_admin=True).user


@pytest.fixture
def jan_closed_in_netsuite(sandbox):
    """Close Jan 2026 in NetSuite (after our first sync), and reopen it after the test."""
    yield lambda: sandbox.update_reference("accountingperiod", JAN_2026, closed=True)
    sandbox.update_reference("accountingperiod", JAN_2026, closed=False)


def sync(period, user, **options) -> SyncRun:
    period.refresh_from_db()
    run = period_sync_start(period=period, actor=user, enqueue=NO_QUEUE, **options)
    return sync_run_process(run.pk) or SyncRun.objects.get(pk=run.pk)


def reclose(period, admin, change) -> AccountingPeriod:
    period_reopen(period=period, actor=admin, reason="A lease changed")
    change()
    period.refresh_from_db()
    period_close(period=period, actor=admin)
    period.refresh_from_db()
    return period


def drop_lease(company, code):
    return lambda: Lease.objects.filter(company=company, code=code).update(status="draft")


def change_payment(company, code, amount):
    return lambda: LeasePayment.objects.filter(lease__company=company, lease__code=code).update(
        amount=Decimal(amount)
    )


def netsuite_net(sandbox) -> dict[str, dict[int, Decimal]]:
    """NetSuite's journal entries grouped by our entry key (reversals and adjustments netted)."""
    net: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for entry in sandbox.entries():
        key = entry["externalId"].split(":", 1)[0]
        for line in entry["lines"]:
            amount = Decimal(line["debit"] or 0) - Decimal(line["credit"] or 0)
            net[key][line["account"]] += amount
    return {key: {a: v for a, v in lines.items() if v} for key, lines in net.items()}


def ours_net(period, account_ids) -> dict[str, dict[int, Decimal]]:
    net: dict[str, dict[int, Decimal]] = {}
    for entry in current_entries(period):
        lines: dict[int, Decimal] = defaultdict(Decimal)
        for line in entry.lines.all():
            lines[account_ids[line.account_number]] += line.debit - line.credit
        net[entry.external_key] = {a: v for a, v in lines.items() if v}
    return net


def assert_netsuite_equals_our_books(sandbox, period):
    """One NetSuite entry per external ID, and per key exactly our current entry, to the cent."""
    entries = sandbox.entries()
    ids = [e["externalId"] for e in entries]
    assert len(ids) == len(set(ids)), f"duplicate external IDs: {ids}"
    held = {k: v for k, v in netsuite_net(sandbox).items() if v}
    assert held == ours_net(period, account_ids())


def account_ids() -> dict[str, int]:
    """Account numbers to the simulator's internal IDs, from the simulator's own fixture."""
    return {a["acctnumber"]: a["id"] for a in json.loads(FIXTURE.read_text())["account"]}


def keys(sandbox) -> list[str]:
    return sorted(e["externalId"] for e in sandbox.entries())


@pytest.fixture
def synced(company, admin, sandbox):
    """Three leases closed in Jan 2026 and sent; the connection removes by delete."""
    for code in ("HQ-1", "HQ-2", "WH-3"):
        add_lease(company, code)
    connect(company, sandbox)
    period = close_first_period(company, actor=admin)
    run = sync(period, admin)
    assert run.status == SyncStatus.COMPLETED
    return period


def test_a_removed_lease_is_deleted_in_netsuite_and_the_rest_left_alone(
    company, admin, sandbox, synced
):
    before = {e["externalId"]: e for e in sandbox.entries()}
    period = reclose(synced, admin, drop_lease(company, "HQ-2"))

    run = sync(period, admin)

    assert run.status == SyncStatus.COMPLETED, run.message
    (row,) = run.entries.all()
    assert (row.action, row.external_key, row.status) == (
        EntryAction.DELETE,
        before_key(before, "HQ-2"),
        EntryStatus.SENT,
    )
    assert keys(sandbox) == sorted(k for k in before if "HQ-2" not in k)
    # The two unchanged entries were not written again.
    after = {e["externalId"]: e for e in sandbox.entries()}
    assert all(after[k]["lastModifiedDate"] == before[k]["lastModifiedDate"] for k in after)
    assert_netsuite_equals_our_books(sandbox, period)


def before_key(entries, code):
    return next(k for k in entries if code in k)


def test_with_the_reversal_setting_the_removed_entry_is_reversed_with_its_own_key(
    company, admin, sandbox, synced
):
    NetSuiteConnection.objects.filter(company=company).update(removal_method=RemovalMethod.REVERSE)
    original = before_key({e["externalId"]: e for e in sandbox.entries()}, "HQ-2")
    period = reclose(synced, admin, drop_lease(company, "HQ-2"))

    run = sync(period, admin)

    (row,) = run.entries.all()
    assert row.action == EntryAction.REVERSE and row.status == EntryStatus.SENT
    assert row.external_key == f"{original}:R2" and row.base_key == original
    reversal = sandbox.entry_by_external_id(f"{original}:R2")
    assert reversal["postingPeriod"] == JAN_2026  # Jan is open in NetSuite: the first open one
    assert row.netsuite_url == sandbox.journal_url(reversal["id"])
    assert original in keys(sandbox)  # the original stays, netted to zero by its reversal
    assert_netsuite_equals_our_books(sandbox, period)


def test_netsuite_period_closed_forces_a_reversal_in_the_first_open_period_and_adjusts_changes(
    company, admin, sandbox, synced, jan_closed_in_netsuite
):
    jan_closed_in_netsuite()
    original = {e["externalId"]: e for e in sandbox.entries()}

    def change():
        drop_lease(company, "HQ-2")()
        change_payment(company, "WH-3", "1250.00")()

    period = reclose(synced, admin, change)
    run = sync(period, admin)

    assert run.status == SyncStatus.COMPLETED, run.message
    rows = {row.action: row for row in run.entries.all()}
    assert set(rows) == {EntryAction.REVERSE, EntryAction.ADJUST}
    reversal, adjustment = rows[EntryAction.REVERSE], rows[EntryAction.ADJUST]
    assert "closed" in reversal.note and reversal.netsuite_period == "Feb 2026"
    assert sandbox.entry_by_external_id(reversal.external_key)["postingPeriod"] == FEB_2026
    assert sandbox.entry_by_external_id(adjustment.external_key)["postingPeriod"] == FEB_2026
    # Nothing in the closed period was touched: NetSuite would have refused it anyway.
    for key, entry in original.items():
        assert sandbox.entry_by_external_id(key)["lastModifiedDate"] == entry["lastModifiedDate"]
    assert_netsuite_equals_our_books(sandbox, period)


def test_retry_of_a_superseded_run_is_refused_and_sync_sends_the_new_version(
    company, admin, sandbox
):
    add_lease(company, "HQ-1")
    add_lease(company, "BAD-2", department="Facilities Management")  # NetSuite has no such dept
    connect(company, sandbox)
    period = close_first_period(company, actor=admin)
    failed = sync(period, admin)
    assert failed.status == SyncStatus.FAILED

    period = reclose(period, admin, drop_lease(company, "BAD-2"))
    failed.refresh_from_db()

    with pytest.raises(SyncNotPossible) as refusal:
        sync_run_retry(run=failed, actor=admin, enqueue=NO_QUEUE)
    assert "closed again" in refusal.value.user_message
    assert "press sync" in refusal.value.user_message.lower()
    run = sync(period, admin)
    failed.refresh_from_db()
    assert failed.superseded_at is not None and failed.status == SyncStatus.FAILED
    assert run.status == SyncStatus.COMPLETED and run.entries_total == 0
    assert_netsuite_equals_our_books(sandbox, period)


def test_a_stale_sync_on_a_completed_unchanged_period_sends_nothing(
    company, admin, sandbox, synced
):
    requests_before = sandbox.request_count()
    with pytest.raises(SyncNotPossible) as refusal:
        sync(synced, admin)
    assert refusal.value.user_message.startswith("Already in NetSuite; nothing to send.")
    assert sandbox.request_count() == requests_before
    assert SyncRun.objects.filter(period=synced).count() == 1


def test_send_again_rereads_netsuite_and_sends_only_what_is_missing(
    company, admin, sandbox, synced
):
    gone = keys(sandbox)[1]
    sandbox_delete(sandbox, gone)  # someone deleted it inside NetSuite

    run = sync(synced, admin, resend=True)

    assert run.status == SyncStatus.COMPLETED
    (row,) = run.entries.all()
    assert (row.external_key, row.action) == (gone, EntryAction.ADD)
    assert "1 entry was missing" in run.message
    assert_netsuite_equals_our_books(sandbox, synced)


def sandbox_delete(sandbox, external_id):
    import requests

    url = f"{sandbox.base_url}/services/rest/record/v1/journalentry/eid:{external_id}"
    assert requests.delete(url, auth=sandbox.oauth1(), timeout=10).status_code == 204


def test_a_delete_whose_answer_was_lost_is_proven_by_the_read_back_and_not_repeated(
    company, admin, sandbox, synced
):
    period = reclose(synced, admin, drop_lease(company, "HQ-2"))
    period.refresh_from_db()
    run = period_sync_start(period=period, actor=admin, enqueue=NO_QUEUE)
    sandbox.set_faults(drop_next=1)  # NetSuite deletes it; the answer never arrives
    from integrations.services.sync import SyncInterrupted

    with pytest.raises(SyncInterrupted):
        sync_run_process(run.pk, client=_no_retry_client(company))
    sandbox.set_faults()
    SyncRun.objects.filter(pk=run.pk).update(plan_confirmed_at=None)  # as after a Retry
    run = sync_run_process(run.pk)

    assert run.status == SyncStatus.COMPLETED
    (row,) = run.entries.all()
    assert row.action == EntryAction.DELETE and row.status == EntryStatus.SENT
    assert_netsuite_equals_our_books(sandbox, period)


def _no_retry_client(company):
    from integrations.netsuite.retry import RetryPolicy
    from integrations.services.connection import netsuite_client

    connection = NetSuiteConnection.objects.get(company=company)
    return netsuite_client(connection, retry_policy=RetryPolicy(max_attempts=1), timeout_s=2)


def test_a_lease_removed_then_added_back_ends_with_its_entry_once(company, admin, sandbox, synced):
    NetSuiteConnection.objects.filter(company=company).update(removal_method=RemovalMethod.REVERSE)
    period = reclose(synced, admin, drop_lease(company, "HQ-2"))
    sync(period, admin)
    period = reclose(
        period,
        admin,
        lambda: Lease.objects.filter(company=company, code="HQ-2").update(status="active"),
    )

    run = sync(period, admin)

    assert run.status == SyncStatus.COMPLETED
    assert [r.action for r in run.entries.all()] == [EntryAction.ADJUST]
    assert_netsuite_equals_our_books(sandbox, period)


# --- Heartbeat: a dead run is found within about a minute; a waiting one is left alone --------


def test_a_run_silent_for_a_minute_is_resumed(company, admin, sandbox):
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    period = close_first_period(company, actor=admin)
    run = period_sync_start(period=period, actor=admin, enqueue=NO_QUEUE)
    # A worker took it and died: its lease is held, its heartbeat stopped.
    SyncRun.objects.filter(pk=run.pk).update(
        lease_token="dead", heartbeat_at=timezone.now() - STALE_AFTER + timedelta(seconds=5)
    )
    assert sync_run_process(run.pk) is None  # the holder may still be alive: not taken
    assert sync_runs_recover(enqueue=NO_QUEUE) == []
    SyncRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - STALE_AFTER - timedelta(seconds=1)
    )
    queued = []
    assert sync_runs_recover(enqueue=queued.append) == [run.pk] == queued
    assert sync_run_process(run.pk).status == SyncStatus.COMPLETED
    assert timedelta(seconds=60) >= STALE_AFTER


def test_a_run_waiting_for_its_own_retry_is_not_resumed_and_never_runs_twice(
    company, admin, sandbox
):
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    period = close_first_period(company, actor=admin)
    run = period_sync_start(period=period, actor=admin, enqueue=NO_QUEUE)
    sync_run_wait_for_retry(run.pk, countdown=600)  # the longest backoff
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))

    assert sync_runs_recover(enqueue=NO_QUEUE) == []  # asleep, not dead

    # Two executions at once (a redelivery and the retry): only one may work on the run.
    from integrations.services.sync import _claim, _release

    first = _claim(run.pk)
    assert first is not None and _claim(run.pk) is None
    _release(run.pk, first)
    long_ago = timezone.now() - STALE_AFTER - timedelta(seconds=1)
    SyncRun.objects.filter(pk=run.pk).update(wake_at=long_ago, heartbeat_at=long_ago)
    assert sync_runs_recover(enqueue=NO_QUEUE) == [run.pk]  # overslept: now it is dead


def test_the_plan_is_shown_before_sending(company, admin, sandbox, synced):
    from integrations.services.diff import period_plan

    NetSuiteConnection.objects.filter(company=company).update(removal_method=RemovalMethod.DELETE)

    def change():
        drop_lease(company, "HQ-2")()
        change_payment(company, "WH-3", "900.00")()
        add_lease(company, "NEW-4")

    period = reclose(synced, admin, change)
    plan = period_plan(period, removal_method=RemovalMethod.DELETE)
    assert (plan.to_update, plan.to_add, plan.to_remove, plan.unchanged) == (1, 1, 1, 1)
    assert plan.summary() == "1 to update, 1 to add, 1 to remove"
    assert SyncEntry.objects.filter(run__period=period, status=EntryStatus.PENDING).count() == 0
