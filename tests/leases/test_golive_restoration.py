"""A restoration provision brought in at go-live through the opening balances form: the go-live
entry credits it, and the first close after go-live unwinds it as the lease from commencement
would: 10,000 expected in 3 years at 6 % a year nominal (0.5 % a month), carried a year in at
10,000 / 1.005^24 = 8,871.86 (the rule of tests/leases/engine/test_restoration.py)."""

from datetime import date
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from closebooks.changes import close_postings
from closebooks.postings import close_postings_flat
from closebooks.services import company_go_live_set
from leases import engine
from leases.engine.restoration import provision_months
from leases.models import Lease, LeaseOpeningBalance
from leases.selectors import golive_postings, lease_terms, leases_with_terms
from tests.leases.factories import make_lease, set_up_accounting

GO_LIVE = date(2027, 1, 1)


def test_the_provision_comes_in_at_go_live_and_unwinds_as_from_commencement(personas):
    company = personas.company
    set_up_accounting(company)
    lease = make_lease(
        company,
        code="R-GL",
        standard="ifrs16",
        classification="",
        commencement=date(2026, 1, 1),
        term_months=36,
        restoration_estimate=Decimal("10000.00"),
        restoration_rate=Decimal("6"),
        status="draft",
    )
    terms = lease_terms(leases_with_terms(Lease.objects.filter(pk=lease.pk)).get())
    original = engine.build_schedule(terms)
    december = original.posted_months()[11]
    provision = provision_months(terms)[11].closing
    assert provision == Decimal("8871.86")
    company_go_live_set(company=company, actor=personas.settings_admin.user, go_live=GO_LIVE)
    company.refresh_from_db()
    amy = Client()
    amy.force_login(personas.accountant.user)
    response = amy.post(
        reverse("lease_opening_balances", args=[lease.pk]),
        {
            "method": "opening_balances",
            "transition_rate": "",
            "deferred_rent": "",
            "unamortized_incentives": "",
            "liability": str(december.closing_liability),
            "rou_asset": str(december.rou_closing),
            "accumulated_amortization": str(original.posted().rou - december.rou_closing),
            "restoration_provision": str(provision),
        },
    )
    assert response.status_code == 302
    assert LeaseOpeningBalance.objects.get(lease=lease).restoration_provision == provision
    # Entered on the draft; the lease is then activated (approval is tested elsewhere).
    Lease.objects.filter(pk=lease.pk).update(status="active")
    entry = golive_postings(company)
    assert entry.problems == []
    assert sum(x.debit for x in entry.lines) == sum(x.credit for x in entry.lines)
    assert [x.credit for x in entry.lines if x.role == "provision"] == [provision]
    january = close_postings_flat(company, GO_LIVE)
    assert january == close_postings(company, GO_LIVE)
    unwinding = [x.debit for x in january.lines if x.role == "provision_unwinding"]
    expected = [
        x.debit
        for x in engine.journal_lines(original)[GO_LIVE]
        if x.role is engine.AccountRole.PROVISION_UNWINDING
    ]
    assert unwinding == expected and expected
