"""A change backdated into a closed period reaches NetSuite as one catch-up entry, exactly once.

Close Jan and Feb, enter a rent change effective in February, approve it as a colleague, close
March: the preview shows the catch-up entry with its reason, the close freezes it, and a real
worker syncs it to the simulator once, even when Sync is pressed again.
"""

from datetime import date

import pytest
from django.urls import reverse

from closebooks.models import AccountingPeriod, JournalEntry
from closebooks.selectors import period_preview
from closebooks.services import period_close, periods_ensure
from integrations.models import SyncRun, SyncStatus
from leases.change_services import lease_change_approve, lease_change_create
from tests.e2e.support import client_for, run_finished
from tests.integrations.factories import add_lease, connect

pytestmark = pytest.mark.e2e


def test_backdated_change_catch_up_in_preview_then_in_netsuite_exactly_once(
    personas, sandbox, worker
):
    company = personas.company
    lease = add_lease(company, "HQ-1")
    connect(company, sandbox)
    periods_ensure(company=company, through=date(2026, 3, 1))
    periods = {p.start: p for p in AccountingPeriod.objects.filter(company=company)}
    for start in (date(2026, 1, 1), date(2026, 2, 1)):
        period_close(period=periods[start], actor=personas.accountant.user)

    change = lease_change_create(
        lease=lease,
        actor=personas.accountant.user,
        kind="consideration",
        effective=date(2026, 2, 10),
        details={"annual_rate": "0.065", "payments": [{"amount": "1100.00"}]},
        reason="Rent review",
    )
    lease_change_approve(change=change, actor=personas.reviewer.user)

    march = periods[date(2026, 3, 1)]
    [catch_up] = [e for e in period_preview(march).entries if e.kind == "catch_up"]
    assert "HQ-1" in catch_up.reason and "2026-02-10" in catch_up.reason
    assert catch_up.total_debit == catch_up.total_credit > 0
    period_close(period=march, actor=personas.accountant.user)
    frozen = JournalEntry.objects.get(period=march, kind="catch_up")
    assert frozen.external_key == f"LA-{company.pk}-202603-C-HQ-1"

    client = client_for(personas.integrations_operator)
    client.post(reverse("period_sync", args=[march.pk]))
    run = run_finished(SyncRun.objects.get(period=march))
    assert run.status == SyncStatus.COMPLETED, run.message
    in_netsuite = [e for e in sandbox.entries() if e["externalId"] == frozen.external_key]
    assert len(in_netsuite) == 1
    # Pressing Sync again sends nothing new: still one catch-up in NetSuite.
    client.post(reverse("period_sync", args=[march.pk]))
    for again in SyncRun.objects.filter(period=march).exclude(pk=run.pk):
        run_finished(again)
    keys = [e["externalId"] for e in sandbox.entries()]
    assert keys.count(frozen.external_key) == 1
    assert len(keys) == len(set(keys))
