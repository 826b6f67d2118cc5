"""The sync over SOAP through a real Celery worker, the broker, the database and the simulator.

The same journeys as test_sync_worker.py, with the connection set to SOAP: the worker reads the
WSDL the simulator serves at NetSuite's path (no setting, no file, no network beyond the
simulator) and upserts the entries by external ID in upsertList batches (up to 200 records a
call; NETSUITE_SOAP_BATCH_SIZE makes them smaller here) with a tokenPassport-signed envelope.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from integrations.models import (
    EntryStatus,
    ReferenceMapping,
    SyncAttempt,
    SyncEntry,
    SyncRun,
    SyncStatus,
)
from integrations.services.sync import sync_runs_recover
from notifications.models import SyncNotification
from tests.e2e.support import client_for, free_concurrency_slots, run_finished, wait_for
from tests.e2e.test_sync_worker import assert_exactly_once_in_netsuite, closed_period, press_sync

pytestmark = pytest.mark.e2e


def soap_writes(sandbox) -> list[dict]:
    """The SOAP write requests NetSuite received, oldest first."""
    recent = sorted(sandbox.requests(limit=1000)["recent"], key=lambda r: r["seq"])
    return [r for r in recent if r["api"] == "soap"]


def rest_writes(sandbox) -> list[dict]:
    recent = sandbox.requests(limit=1000)["recent"]
    return [r for r in recent if r["api"] == "rest" and r["method"] in ("PUT", "POST")]


def test_sync_over_soap_reads_the_simulators_wsdl_and_sends_the_entries_in_one_batch(
    personas, sandbox, worker
):
    period = closed_period(personas, sandbox, ["HQ-1", "HQ-2", "WH-3"], transport="soap")

    assert press_sync(personas.integrations_operator, period).status_code == 302
    run = run_finished(SyncRun.objects.get(period=period))

    assert run.status == SyncStatus.COMPLETED, run.message
    assert (run.entries_total, run.entries_sent, run.entries_failed) == (3, 3, 0)
    assert_exactly_once_in_netsuite(run, sandbox)
    writes = soap_writes(sandbox)
    # One upsertList call carried all three records.
    assert [(w["operation"], w["path"], w["outcome"]) for w in writes] == [
        ("upsertList", "/services/NetSuitePort_2023_2", "ok")
    ]
    assert rest_writes(sandbox) == []  # nothing went over REST
    call = SyncAttempt.objects.get(run=run)
    assert (call.operation, call.outcome, call.entry) == ("upsertList", "ok", None)
    # What SOAP saved is what REST would have: amounts to the cent, our external IDs.
    for entry in sandbox.entries():
        assert entry["totalDebit"] == str(
            run.entries.get(external_key=entry["externalId"]).journal_entry.total_debit
        )


def test_over_soap_an_unknown_department_fails_then_the_mapping_and_retry_complete_it(
    personas, sandbox, worker
):
    period = closed_period(
        personas,
        sandbox,
        ["HQ-1", "FAC-2"],
        department_of={"FAC-2": "Facilities Management"},
        transport="soap",
    )
    reviewer = client_for(personas.reviewer)
    reviewer.post(reverse("period_sync", args=[period.pk]))
    run = run_finished(SyncRun.objects.get(period=period))

    assert run.status == SyncStatus.FAILED
    assert (run.entries_sent, run.entries_failed) == (1, 1)
    failed = run.entries.get(status=EntryStatus.FAILED)
    sent = run.entries.get(status=EntryStatus.SENT)
    assert [e["externalId"] for e in sandbox.entries()] == [sent.external_key]
    errors_page = reviewer.get(reverse("sync_run_errors", args=[run.pk])).content.decode()
    assert "Department &#x27;Facilities Management&#x27; was not found in NetSuite." in errors_page

    reviewer.post(
        reverse("reference_mappings"),
        {
            "kind": "department",
            "our_value": "Facilities Management",
            "netsuite_value": "Facilities",
        },
    )
    writes_before_retry = len(soap_writes(sandbox))
    assert reviewer.post(reverse("sync_run_retry", args=[run.pk])).status_code == 302
    run = run_finished(run)

    assert run.status == SyncStatus.COMPLETED, run.message
    assert (run.retry_count, run.entries_sent, run.entries_failed) == (1, 2, 0)
    assert_exactly_once_in_netsuite(run, sandbox)
    # Retry sent only the entry that had failed, over SOAP.
    assert len(soap_writes(sandbox)) - writes_before_retry == 1
    assert sandbox.entry_by_external_id(failed.external_key) is not None


def test_over_soap_an_answer_dropped_after_netsuite_saved_is_not_duplicated(
    personas, sandbox, worker
):
    period = closed_period(personas, sandbox, ["HQ-1", "HQ-2"], transport="soap")
    sandbox.set_faults(drop_next=1)
    press_sync(personas.integrations_operator, period)
    run = run_finished(SyncRun.objects.get(period=period))

    assert run.status == SyncStatus.COMPLETED, run.message
    assert_exactly_once_in_netsuite(run, sandbox)
    assert sandbox.request_count("dropped") == 1
    # The dropped batch was sent again and updated the entries NetSuite had already saved.
    assert len(soap_writes(sandbox)) == 2
    assert (
        SyncAttempt.objects.filter(run=run, operation="upsertList", outcome="retried").count() == 1
    )


def test_over_soap_a_batch_with_one_refused_entry_saves_the_rest_and_fix_and_retry_finish_it(
    personas, sandbox, worker
):
    # "Legacy Ops" exists in NetSuite but is inactive: NetSuite refuses that record of the batch.
    period = closed_period(
        personas,
        sandbox,
        ["HQ-1", "OLD-2", "WH-3"],
        department_of={"OLD-2": "Legacy Ops"},
        transport="soap",
    )
    reviewer = client_for(personas.reviewer)
    reviewer.post(reverse("period_sync", args=[period.pk]))
    run = run_finished(SyncRun.objects.get(period=period))

    assert run.status == SyncStatus.FAILED
    assert (run.entries_sent, run.entries_failed) == (2, 1)
    assert [w["operation"] for w in soap_writes(sandbox)] == ["upsertList"]  # one batch of 3
    refused = run.entries.get(status=EntryStatus.FAILED)
    assert refused.external_key.endswith("OLD-2")
    assert refused.error_code == "INVALID_KEY_OR_REF"
    assert sorted(e["externalId"] for e in sandbox.entries()) == sorted(
        run.entries.filter(status=EntryStatus.SENT).values_list("external_key", flat=True)
    )
    errors_page = reviewer.get(reverse("sync_run_errors", args=[run.pk])).content.decode()
    assert "Legacy Ops" in errors_page

    # Fix: point the department at an active one in NetSuite; Retry sends that entry alone.
    reviewer.post(
        reverse("reference_mappings"),
        {"kind": "department", "our_value": "Legacy Ops", "netsuite_value": "Operations"},
    )
    assert ReferenceMapping.objects.filter(our_value="Legacy Ops").exists()
    writes_before_retry = len(soap_writes(sandbox))
    assert reviewer.post(reverse("sync_run_retry", args=[run.pk])).status_code == 302
    run = run_finished(run)

    assert run.status == SyncStatus.COMPLETED, run.message
    assert (run.retry_count, run.entries_sent, run.entries_failed) == (1, 3, 0)
    assert len(soap_writes(sandbox)) - writes_before_retry == 1
    assert_exactly_once_in_netsuite(run, sandbox)


def test_over_soap_a_worker_killed_mid_batch_is_recovered_without_duplicates_or_losses(
    personas, sandbox, start_worker, monkeypatch
):
    # Batches of 2, one call at a time, a second each: six entries are three batches, and the
    # worker is killed while the second is out.
    monkeypatch.setenv("NETSUITE_SOAP_BATCH_SIZE", "2")
    codes = [f"HQ-{n}" for n in range(1, 7)]
    period = closed_period(personas, sandbox, codes, concurrency_limit=1, transport="soap")
    sandbox.set_faults(latency_ms=1000)
    first = start_worker()
    press_sync(personas.integrations_operator, period)
    run = SyncRun.objects.get(period=period)

    wait_for(
        lambda: SyncEntry.objects.filter(run=run, status=EntryStatus.SENT).count() >= 2,
        what="the first batch to be recorded",
    )
    first.kill()
    free_concurrency_slots(sandbox.account_id)
    sent_before_kill = run.entries.filter(status=EntryStatus.SENT).count()
    assert sent_before_kill in (2, 4)
    assert all(call["operation"] == "upsertList" for call in soap_writes(sandbox))

    sandbox.set_faults()
    start_worker()
    # What the beat's recover-stale-syncs task does, without waiting a minute.
    assert sync_runs_recover(stale_after=timedelta(0)) == [run.pk]
    run = run_finished(run)

    assert run.status == SyncStatus.COMPLETED, run.message
    assert (run.entries_sent, run.entries_failed, run.resume_count) == (len(codes), 0, 1)
    assert_exactly_once_in_netsuite(run, sandbox)
    # Three batches, plus at most the ones out at the kill sent again (they updated, never added).
    assert 3 <= len(soap_writes(sandbox)) <= 5
    assert SyncNotification.objects.filter(run=run).count() == 1
