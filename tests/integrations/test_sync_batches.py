"""Batched sync over SOAP, and the ledger's constant cost per entry (the worker's body, called
directly, against the simulator over real HTTP)."""

from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from integrations.models import (
    EntryStatus,
    NetSuiteConnection,
    ReferenceMapping,
    SyncAttempt,
    SyncEntry,
    SyncRun,
    SyncStatus,
)
from integrations.services import sync as sync_service
from integrations.services.connection import netsuite_client
from integrations.services.sync import (
    period_sync_start,
    sync_run_process,
    sync_run_retry,
    sync_runs_recover,
)
from tests.factories import make_company, make_user
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)

NO_QUEUE = lambda run_id: None  # noqa: E731 - the tests run the worker's body themselves


@pytest.fixture
def company(db):
    company = make_company()
    set_up_netsuite_accounting(company)
    return company


@pytest.fixture
def user(db):
    return make_user("fiona", first_name="Fiona", last_name="Finance")


def start(period, user) -> SyncRun:
    return period_sync_start(period=period, actor=user, enqueue=NO_QUEUE)


def soap_calls(sandbox) -> list[dict]:
    recent = sorted(sandbox.requests(limit=1000)["recent"], key=lambda r: r["seq"])
    return [r for r in recent if r["api"] == "soap"]


def assert_each_entry_once(run: SyncRun, sandbox) -> None:
    """NetSuite holds every entry of the run exactly once, under our external ID."""
    in_netsuite = [e["externalId"] for e in sandbox.entries()]
    assert sorted(in_netsuite) == sorted(set(in_netsuite))
    assert set(in_netsuite) == set(run.entries.values_list("external_key", flat=True))


def assert_counters_match_the_rows(run: SyncRun) -> None:
    """The running counters equal a count of the rows (they are never recounted mid-run)."""
    run.refresh_from_db()
    assert run.entries_sent == run.entries.filter(status=EntryStatus.SENT).count()
    assert run.entries_failed == run.entries.filter(status=EntryStatus.FAILED).count()


def test_over_soap_a_batch_with_one_refused_entry_saves_the_others_and_retry_sends_only_it(
    company, user, sandbox, settings, monkeypatch
):
    settings.NETSUITE_SOAP_BATCH_SIZE = 2
    monkeypatch.setattr(sync_service, "LOAD_CHUNK", 3)  # batches span the chunks read
    for code in ("HQ-1", "HQ-2", "HQ-3", "HQ-4"):
        add_lease(company, code)
    add_lease(company, "OLD-5", department="Legacy Ops")  # inactive in NetSuite: refused there
    connect(company, sandbox, transport="soap")
    period = close_first_period(company)

    run = sync_run_process(start(period, user).pk)

    assert run.status == SyncStatus.FAILED
    assert (run.entries_total, run.entries_sent, run.entries_failed) == (5, 4, 1)
    assert_counters_match_the_rows(run)
    refused = run.entries.get(status=EntryStatus.FAILED)
    assert refused.external_key.endswith("OLD-5")
    # The same sentence and fix as a single upsert (or REST) would give.
    assert refused.error_code == "INVALID_KEY_OR_REF"
    assert "Legacy Ops" in refused.error_message
    assert refused.corrective_action.endswith("then press Retry.")
    assert "1 of 5 entries was not accepted" in run.message
    # Three upsertList calls of 2, 2 and 1 records; the other four entries are in NetSuite.
    assert [c["operation"] for c in soap_calls(sandbox)] == ["upsertList"] * 3
    assert len(sandbox.entries()) == 4
    assert sandbox.entry_by_external_id(refused.external_key) is None
    for sent in run.entries.filter(status=EntryStatus.SENT):
        entry = sandbox.entry_by_external_id(sent.external_key)
        assert sent.netsuite_internal_id == str(entry["id"])
        assert entry["totalDebit"] == str(sent.journal_entry.total_debit)
    # One attempt row per call (not per record), and one for the refused record.
    calls = SyncAttempt.objects.filter(run=run, operation="upsertList", entry=None)
    assert list(calls.values_list("outcome", flat=True)) == ["ok"] * 3
    failed = SyncAttempt.objects.get(run=run, outcome="failed")
    assert (failed.entry_id, failed.netsuite_code) == (refused.pk, "INVALID_KEY_OR_REF")

    # Fix: map the department to an active one; Retry sends only that entry.
    ReferenceMapping.objects.create(
        company=company, kind="department", our_value="Legacy Ops", netsuite_value="Operations"
    )
    calls_before = len(soap_calls(sandbox))
    run = sync_run_process(sync_run_retry(run=run, actor=user, enqueue=NO_QUEUE).pk)

    assert run.status == SyncStatus.COMPLETED, run.message
    assert (run.entries_sent, run.entries_failed) == (5, 0)
    assert_counters_match_the_rows(run)
    assert len(soap_calls(sandbox)) - calls_before == 1
    assert_each_entry_once(run, sandbox)


def test_over_soap_an_answer_lost_after_netsuite_saved_a_batch_is_not_duplicated(
    company, user, sandbox, settings
):
    settings.NETSUITE_SOAP_BATCH_SIZE = 2
    for code in ("HQ-1", "HQ-2", "HQ-3"):
        add_lease(company, code)
    connect(company, sandbox, transport="soap", concurrency_limit=1)
    sandbox.set_faults(drop_next=1)
    period = close_first_period(company)

    run = sync_run_process(start(period, user).pk)

    assert run.status == SyncStatus.COMPLETED, run.message
    assert sandbox.request_count("dropped") == 1
    # The dropped batch was sent again and updated what NetSuite had saved.
    assert len(soap_calls(sandbox)) == 3
    assert_each_entry_once(run, sandbox)
    assert SyncAttempt.objects.filter(run=run, operation="upsertList", outcome="retried").count()


class WorkerKilled(BaseException):
    """The worker died after NetSuite saved a batch, before the ledger recorded it."""


class KillAfterFirstBatch:
    """The real client; the process 'dies' as soon as NetSuite has saved the first batch."""

    def __init__(self, client) -> None:
        self._client = client

    def __getattr__(self, name):
        return getattr(self._client, name)

    def upsert_journal_entries(self, entries):
        self._client.upsert_journal_entries(entries)
        raise WorkerKilled


def test_a_worker_killed_after_netsuite_saved_a_batch_is_resumed_without_duplicates(
    company, user, sandbox, settings
):
    settings.NETSUITE_SOAP_BATCH_SIZE = 2
    for code in ("HQ-1", "HQ-2", "HQ-3", "HQ-4", "HQ-5"):
        add_lease(company, code)
    connect(company, sandbox, transport="soap", concurrency_limit=1)
    period = close_first_period(company)
    run = start(period, user)
    client = netsuite_client(NetSuiteConnection.objects.get(company=company))

    with pytest.raises(WorkerKilled):
        sync_run_process(run.pk, client=KillAfterFirstBatch(client))

    run.refresh_from_db()
    assert run.status == SyncStatus.IN_PROGRESS
    # NetSuite saved the first batch (and the one queued behind it, as a dying process might)...
    assert len(sandbox.entries()) >= 2
    # ...and the ledger never heard of it.
    assert run.entries_sent == 0
    assert set(run.entries.values_list("status", flat=True)) == {EntryStatus.PENDING}
    assert sync_runs_recover(stale_after=timedelta(0), enqueue=NO_QUEUE) == [run.pk]
    run = sync_run_process(run.pk)

    assert run.status == SyncStatus.COMPLETED, run.message
    assert (run.entries_sent, run.entries_failed, run.resume_count) == (5, 0, 1)
    assert_counters_match_the_rows(run)
    assert_each_entry_once(run, sandbox)


def test_an_execution_that_lost_its_lease_writes_nothing_more_to_the_ledger(
    company, user, sandbox, settings, monkeypatch
):
    settings.NETSUITE_SOAP_BATCH_SIZE = 2
    for code in ("HQ-1", "HQ-2", "HQ-3"):
        add_lease(company, code)
    connect(company, sandbox, transport="soap", concurrency_limit=1)
    period = close_first_period(company)
    run = start(period, user)
    flush = sync_service._Ledger.flush

    def taken_over_then_flush(ledger):
        # While the batch was out, the run was found silent and another execution took it.
        SyncRun.objects.filter(pk=run.pk).update(lease_token="another-execution")
        flush(ledger)

    monkeypatch.setattr(sync_service._Ledger, "flush", taken_over_then_flush)

    assert sync_run_process(run.pk) is None

    run.refresh_from_db()
    # The run is the other execution's now: its rows and counters are left for it to write.
    assert (run.status, run.lease_token) == (SyncStatus.IN_PROGRESS, "another-execution")
    assert run.entries_sent == 0
    assert set(run.entries.values_list("status", flat=True)) == {EntryStatus.PENDING}
    assert not SyncAttempt.objects.filter(run=run).exists()


def sync_counting_queries(company, user, sandbox, codes, monkeypatch) -> tuple[int, list[int]]:
    """Sync a new period's entries; all queries of the run, and those of each ledger flush."""
    for code in codes:
        add_lease(company, code)
    period = close_first_period(company)
    run = start(period, user)
    per_flush: list[int] = []
    flush = sync_service._Ledger.flush

    def counted_flush(ledger):
        with CaptureQueriesContext(db_connection) as queries:
            flush(ledger)
        per_flush.append(len(queries))

    monkeypatch.setattr(sync_service._Ledger, "flush", counted_flush)
    with CaptureQueriesContext(db_connection) as queries:
        run = sync_run_process(run.pk)
    assert run.status == SyncStatus.COMPLETED, run.message
    assert run.entries_sent == len(codes)
    return len(queries), per_flush


# A flush: SAVEPOINT, the rows still unsent (FOR UPDATE), one UPDATE of all of them, one INSERT
# of the attempts, the run's counters and heartbeat (only while we hold its lease), RELEASE.
QUERIES_PER_FLUSH = 6


def test_a_soap_run_costs_the_same_queries_for_3_entries_as_for_12(
    user, sandbox, settings, monkeypatch
):
    settings.NETSUITE_SOAP_BATCH_SIZE = 200
    totals, flushes = [], []
    for size in (3, 12):
        company = make_company(name=f"Company of {size}")
        set_up_netsuite_accounting(company)
        connect(company, sandbox, transport="soap")
        codes = [f"L{size}-{n}" for n in range(size)]
        total, per_flush = sync_counting_queries(company, user, sandbox, codes, monkeypatch)
        monkeypatch.undo()
        totals.append(total)
        flushes.append(per_flush)
        sandbox.reset()

    # One batch, written in one flush of a fixed number of queries...
    assert flushes[0] == flushes[1] == [QUERIES_PER_FLUSH]
    # ...and the whole run: the same number of queries whatever the number of entries.
    assert totals[0] == totals[1]


def test_over_rest_each_group_of_answers_is_one_flush_within_the_budget(
    company, user, sandbox, monkeypatch
):
    monkeypatch.setattr(sync_service, "LOAD_CHUNK", 5)
    connect(company, sandbox, concurrency_limit=2)
    codes = [f"HQ-{n}" for n in range(10)]

    total, per_flush = sync_counting_queries(company, user, sandbox, codes, monkeypatch)

    # Answers are written as they come in (one flush per group that came in together), each
    # flush within the same budget however many answers it holds: constant work per entry.
    assert 1 <= len(per_flush) <= len(codes) + 1
    assert all(count <= QUERIES_PER_FLUSH for count in per_flush)
    run = SyncRun.objects.get(company=company)
    assert_counters_match_the_rows(run)
    assert_each_entry_once(run, sandbox)
    assert SyncEntry.objects.filter(run=run, attempt_count=1).count() == len(codes)


def test_rows_whose_names_netsuite_does_not_know_fail_without_being_sent(
    company, user, sandbox, monkeypatch
):
    monkeypatch.setattr(sync_service, "FLUSH_EVERY", 2)
    add_lease(company, "HQ-1")
    for code in ("FAC-2", "FAC-3", "FAC-4"):
        add_lease(company, code, department="Facilities Management")  # not in NetSuite
    connect(company, sandbox)
    period = close_first_period(company)

    run = sync_run_process(start(period, user).pk)

    assert run.status == SyncStatus.FAILED
    assert (run.entries_sent, run.entries_failed) == (1, 3)
    assert_counters_match_the_rows(run)
    assert len(sandbox.entries()) == 1
    failed = run.entries.filter(status=EntryStatus.FAILED)
    assert set(failed.values_list("error_code", flat=True)) == {"UNRESOLVED_REFERENCE"}


def test_the_settings_page_says_when_soap_is_faster(db):
    from django.test import Client
    from django.urls import reverse

    from tests.factories import make_personas

    personas = make_personas()
    client = Client()
    client.force_login(personas.settings_admin.user)

    page = client.get(reverse("integration_settings")).content.decode()

    assert "SOAP sends up to 200 entries a request" in page
    assert "at least ten times faster" in page
