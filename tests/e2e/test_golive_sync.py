"""Go-live end to end: the go-live entry and the first close reach the simulator exactly once."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from closebooks.models import AccountingPeriod
from closebooks.services import company_go_live_set, period_close, periods_ensure
from integrations.models import SyncRun, SyncStatus
from leases.models import AccountingDefaults, GLAccount, LeaseOpeningBalance
from tests.e2e.support import client_for, run_finished
from tests.e2e.test_sync_worker import assert_exactly_once_in_netsuite
from tests.integrations.factories import add_lease, connect

pytestmark = pytest.mark.e2e

GO_LIVE = date(2026, 1, 1)


def test_the_go_live_entry_and_the_first_close_sync_exactly_once(personas, sandbox, worker):
    company = personas.company
    # The two go-live accounts, numbered as in the simulator's chart.
    AccountingDefaults.objects.filter(company=company).update(
        deferred_rent_account=GLAccount.objects.create(
            company=company, number="2160", name="Deferred rent"
        ),
        transition_equity_account=GLAccount.objects.create(
            company=company, number="3900", name="Retained earnings - lease transition"
        ),
    )
    old = add_lease(company, "OLD-840", commencement=date(2024, 1, 1))
    # ASC 840 straight-line rent accrued above cash: cleared into the ROU asset at go-live.
    LeaseOpeningBalance.objects.create(lease=old, deferred_rent=Decimal("1250.00"))
    add_lease(company, "NEW-1", commencement=GO_LIVE)
    company = company_go_live_set(
        company=company, actor=personas.settings_admin.user, go_live=GO_LIVE
    )
    connect(company, sandbox)
    periods_ensure(company=company, through=GO_LIVE)
    period = AccountingPeriod.objects.get(company=company, start=GO_LIVE)
    period_close(period=period, actor=personas.accountant.user)

    operator = client_for(personas.integrations_operator)
    assert operator.post(reverse("period_sync", args=[period.pk])).status_code == 302
    run = run_finished(SyncRun.objects.get(period=period))
    assert run.status == SyncStatus.COMPLETED, run.message
    assert run.entries_total == 3  # the go-live entry, and January for both leases
    assert_exactly_once_in_netsuite(run, sandbox)

    golive = sandbox.entry_by_external_id(f"LG-{company.pk}-202601-D-OLD-840")
    assert golive is not None
    lines = golive["lines"]
    debits = sum(Decimal(line.get("debit") or "0") for line in lines)
    credits = sum(Decimal(line.get("credit") or "0") for line in lines)
    assert debits == credits > 0

    # A second press changes nothing in NetSuite: every entry is there once already.
    before = sandbox.entries()
    operator.post(reverse("period_sync", args=[period.pk]))
    for later in SyncRun.objects.filter(period=period).exclude(pk=run.pk):
        run_finished(later)
    assert sandbox.entries() == before
