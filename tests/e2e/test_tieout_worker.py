"""The tie-out through a real Celery worker: pressed on its page, run by the worker, over HTTP."""

import pytest
from django.urls import reverse

from integrations.models import NetSuiteConnection, SyncRun, SyncStatus
from integrations.services.connection import netsuite_client
from reports.models import FindingKind, TieOut, TieOutStatus
from tests.e2e.support import client_for, run_finished, wait_for
from tests.e2e.test_sync_worker import closed_period, press_sync

pytestmark = pytest.mark.e2e


def press_tieout(membership, period) -> TieOut:
    before = set(TieOut.objects.filter(period=period).values_list("pk", flat=True))
    response = client_for(membership).post(reverse("reports_tieout_run", args=[period.pk]))
    assert response.status_code == 302
    tieout = TieOut.objects.exclude(pk__in=before).get(period=period)
    wait_for(lambda: TieOut.objects.get(pk=tieout.pk).is_finished, what="the tie-out to finish")
    return TieOut.objects.get(pk=tieout.pk)


def test_the_worker_ties_out_a_synced_period_and_finds_an_entry_deleted_in_netsuite(
    personas, sandbox, worker
):
    period = closed_period(personas, sandbox, ["HQ-1", "HQ-2"])
    press_sync(personas.integrations_operator, period)
    run = run_finished(SyncRun.objects.get(period=period))
    assert run.status == SyncStatus.COMPLETED, run.message

    agrees = press_tieout(personas.accountant, period)
    assert agrees.status == TieOutStatus.AGREES, agrees.message
    assert agrees.trigger == "manual" and agrees.started_by == personas.accountant.user

    gone = period.journal_entries.order_by("external_key").first()
    client = netsuite_client(NetSuiteConnection.objects.get(company=personas.company))
    client.delete_journal_entry(gone.external_key)

    found = press_tieout(personas.accountant, period)
    assert found.status == TieOutStatus.FINDINGS
    deleted = found.findings.get(kind=FindingKind.ENTRY_DELETED)
    assert deleted.journal_entry_id == gone.pk
    page = client_for(personas.accountant).get(reverse("reports_tieout", args=[period.pk]))
    assert "Entry deleted in NetSuite" in page.content.decode()
