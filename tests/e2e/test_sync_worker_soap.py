"""The sync over SOAP through a real Celery worker, the broker, the database and the simulator.

The same journeys as test_sync_worker.py, with the connection set to SOAP: the worker reads the
WSDL the simulator serves at NetSuite's path (no setting, no file, no network beyond the
simulator) and upserts each entry by external ID with a tokenPassport-signed envelope.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from integrations.models import EntryStatus, SyncAttempt, SyncEntry, SyncRun, SyncStatus
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


def test_sync_over_soap_reads_the_simulators_wsdl_and_sends_each_entry_once(
    personas, sandbox, worker
):
    period = closed_period(personas, sandbox, ["HQ-1", "HQ-2", "WH-3"], transport="soap")

    assert press_sync(personas.integrations_operator, period).status_code == 302
    run = run_finished(SyncRun.objects.get(period=period))

    assert run.status == SyncStatus.COMPLETED, run.message
    assert (run.entries_total, run.entries_sent, run.entries_failed) == (3, 3, 0)
    assert_exactly_once_in_netsuite(run, sandbox)
    writes = soap_writes(sandbox)
    assert [(w["operation"], w["path"], w["outcome"]) for w in writes] == [
        ("upsert", "/services/NetSuitePort_2023_2", "ok")
    ] * 3
    assert rest_writes(sandbox) == []  # nothing went over REST
    assert SyncAttempt.objects.filter(run=run, operation="upsert", outcome="ok").count() == 3
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
    # The dropped upsert was sent again and updated the entry NetSuite had already saved.
    assert len(soap_writes(sandbox)) == 3
    assert SyncAttempt.objects.filter(run=run, operation="upsert", outcome="retried").count() == 1


def test_over_soap_a_worker_killed_mid_run_is_recovered_without_duplicates_or_losses(
    personas, sandbox, start_worker
):
    codes = [f"HQ-{n}" for n in range(1, 7)]
    # One request at a time, 250 ms each: the run takes about a second and a half.
    period = closed_period(personas, sandbox, codes, concurrency_limit=1, transport="soap")
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
    assert len(codes) <= len(soap_writes(sandbox)) <= len(codes) + 1
    assert SyncNotification.objects.filter(run=run).count() == 1
