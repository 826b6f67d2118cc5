"""Short-term and low-value leases: straight-line expense, no ROU asset, no liability."""

from datetime import date
from decimal import Decimal as D

import pytest

from leases.engine import Classification, LeaseTerms, LeaseTermsError, PaymentStream, Standard
from leases.engine.exemptions import Exemption, build_exempt_schedule, suggests_short_term
from leases.models import AccountingDefaults, LeasePayment
from leases.selectors import period_postings, short_term_suggested
from tests.leases.factories import make_lease


def _terms(months: int, **extra) -> LeaseTerms:
    return LeaseTerms(
        commencement=date(2026, 1, 1),
        term_months=months,
        standard=Standard.ASC_842,
        classification=Classification.OPERATING,
        annual_rate=D("0.05"),
        payments=(PaymentStream(D("1200.00"), rent_free_months=2),),
        **extra,
    )


def test_a_short_term_lease_is_expensed_straight_line_through_accrued_rent():
    # ASC 842-20-25-2 / IFRS 16.6: payments recognised straight-line over the term. Twelve
    # months at 1,200 with the first two free: 12,000 of payments, 1,000 of cost a month.
    schedule = build_exempt_schedule(_terms(12), Exemption.SHORT_TERM)
    months = schedule.months()
    assert [m.expense for m in months] == [D("1000.00")] * 12
    assert [m.accrued_rent for m in months[:3]] == [D("1000.00"), D("2000.00"), D("1800.00")]
    assert months[-1].accrued_rent == 0
    for k in range(12):
        lines = schedule.periodic_lines(k)
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines)
        assert {x.role.value for x in lines} <= {
            "short_term_expense",
            "cash_clearing",
            "deferred_rent",
        }


def test_twelve_months_without_a_purchase_option_is_suggested_as_short_term():
    assert suggests_short_term(_terms(12))
    assert not suggests_short_term(_terms(13))
    assert not suggests_short_term(_terms(12, purchase_option_reasonably_certain=True))
    with pytest.raises(LeaseTermsError) as error:
        build_exempt_schedule(_terms(24), Exemption.SHORT_TERM)
    assert error.value.issues[0].field == "exemption"
    # Low value has no term limit.
    assert len(build_exempt_schedule(_terms(24), Exemption.LOW_VALUE)) == 24


def test_an_exempt_lease_posts_expense_only_where_the_policy_elects_its_asset_type(
    personas, subsidiary
):
    lease = make_lease(personas.company, code="ST-1", term_months=12, exemption="short_term")
    LeasePayment.objects.filter(lease=lease).update(rent_free_months=2, amount=D("1200.00"))
    problems = period_postings(personas.company, date(2026, 1, 1)).problems
    assert [p.message for p in problems] == [
        "Lease terms: exemption: The short-term exemption is not elected for real estate "
        "leases. Elect it in the GL defaults or clear the lease's exemption."
    ]
    AccountingDefaults.objects.filter(company=personas.company).update(
        short_term_asset_types=["real_estate"]
    )
    march = period_postings(personas.company, date(2026, 3, 1))
    assert march.problems == []
    assert {(x.account_number, x.debit, x.credit) for x in march.lines} == {
        ("6430", D("1000.00"), D(0)),
        ("2150", D(0), D("1200.00")),
        ("2160", D("200.00"), D(0)),
    }


def test_a_recognised_twelve_month_lease_of_an_elected_type_is_suggested(personas, subsidiary):
    defaults = AccountingDefaults.objects.get(company=personas.company)
    lease = make_lease(personas.company, code="S-1", term_months=12)
    assert not short_term_suggested(lease, defaults)
    defaults.short_term_asset_types = ["real_estate"]
    assert short_term_suggested(lease, defaults)
    lease.exemption = "short_term"
    assert not short_term_suggested(lease, defaults)


def test_the_gl_defaults_page_saves_the_short_term_policy(amy, personas, subsidiary):
    from django.urls import reverse

    page = amy.get(reverse("accounting_defaults"))
    data = {
        name: (value.pk if hasattr(value, "pk") else value)
        for name, value in page.context["form"].initial.items()
        if value is not None and name != "short_term_asset_types"
    }
    data["short_term_asset_types"] = ["equipment", "vehicle"]
    assert amy.post(reverse("accounting_defaults"), data).status_code == 302
    defaults = AccountingDefaults.objects.get(company=personas.company)
    assert defaults.short_term_asset_types == ["equipment", "vehicle"]


def test_an_exempt_schedule_reads_as_nothing_on_the_balance_sheet():
    schedule = build_exempt_schedule(_terms(12), Exemption.SHORT_TERM)
    assert schedule.closing_liability == schedule.rou_closing == [D(0)] * 12
    assert schedule.opening_liability(0) == schedule.rou_opening(0) == 0
