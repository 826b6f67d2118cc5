"""Non-lease components of a lease commencing mid-month under actual days: each month's
services are the part of the cash paid in that calendar month, the last partial month included.

Standalone prices 45,000 (lease) and 15,000 (services) put 25 % of each 1,000 payment in the
services (IFRS 16.13-14, ASC 842-10-15-33). Commencing 15 January 2026 for 12 months, the
payments fall on the 15th (advance) or at the end of the 14th (arrears, so the first is in
February and the last on 14 January 2027, docs/engine.md "Real dates").
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companies.models import Company
from leases import engine
from leases.engine.payments import cash_by_month
from leases.models import AccountingDefaults, GLAccount, LeasePayment
from leases.selectors import leases_with_terms, non_lease_lines, period_postings
from tests.leases.engine.test_properties import leases
from tests.leases.factories import make_lease

MONTHS = [date(2026 + (m // 12), m % 12 + 1, 1) for m in range(14)]  # Jan 2026 .. Feb 2027


def _services(company, timing: str):
    services = GLAccount.objects.create(company=company, number="6455", name="Services")
    AccountingDefaults.objects.filter(company=company).update(non_lease_expense_account=services)
    lease = make_lease(
        company,
        code="SVC-15",
        commencement=date(2026, 1, 15),
        term_months=12,
        lease_component_price=D("45000"),
        non_lease_component_price=D("15000"),
    )
    LeasePayment.objects.filter(lease=lease).update(timing=timing)
    return leases_with_terms(company.leases.all()).get()


def _by_month(lease) -> list[D]:
    out = []
    for month in MONTHS:
        lines = non_lease_lines(lease, month)
        out.append(sum((x.debit for x in lines), D(0)))
    return out


@pytest.mark.parametrize(
    ("timing", "expected"),
    [
        # In arrears nothing is paid in January 2026; the last payment is in January 2027.
        ("arrears", [D(0)] + [D("250.00")] * 12 + [D(0)]),
        # In advance, the 15th of January 2026 to the 15th of December 2026.
        ("advance", [D("250.00")] * 12 + [D(0), D(0)]),
    ],
)
def test_the_services_fall_in_the_calendar_month_of_their_payment(
    personas, subsidiary, timing, expected
):
    lease = _services(personas.company, timing)
    assert _by_month(lease) == expected
    assert sum(expected) == D("3000.00")  # 12 payments of 250: none lost, none doubled


def test_the_last_partial_month_pays_the_whole_payment_once_split_in_two(personas, subsidiary):
    _services(personas.company, "arrears")
    lines = period_postings(personas.company, date(2027, 1, 1)).lines
    services = [(x.account_number, x.debit, x.credit) for x in lines if x.memo.startswith("Non")]
    assert services == [("6455", D("250.00"), D(0)), ("2150", D(0), D("250.00"))]
    paid = [x for x in lines if x.account_number == "2150" and not x.memo.startswith("Non")]
    assert sum(x.credit for x in paid) == D("750.00")  # the lease component's part


def test_whole_months_keeps_the_services_in_the_payment_months(personas, subsidiary):
    Company.objects.filter(pk=personas.company.pk).update(day_count="whole_months")
    personas.company.refresh_from_db()
    lease = _services(personas.company, "arrears")
    assert _by_month(lease) == [D("250.00")] * 12 + [D(0), D(0)]


def test_cash_by_month_places_each_payment_on_its_date():
    terms = engine.LeaseTerms(
        commencement=date(2026, 1, 15),
        term_months=3,
        standard=engine.Standard.IFRS_16,
        annual_rate=D("0.06"),
        payments=(engine.PaymentStream(D("100.00"), timing=engine.Timing.ARREARS),),
        day_count=engine.DayCount.ACTUAL_DAYS,
    )
    assert cash_by_month(terms) == [D(0), D(100), D(100), D(100)]
    advance = replace(terms, payments=(engine.PaymentStream(D("100.00")),))
    assert cash_by_month(advance) == [D(100), D(100), D(100), D(0)]
    whole = replace(terms, day_count=engine.DayCount.WHOLE_MONTHS)
    assert cash_by_month(whole) == [D(100), D(100), D(100)]


@settings(max_examples=60, deadline=None)
@given(leases(), st.integers(min_value=1, max_value=31), st.sampled_from(list(engine.DayCount)))
def test_cash_by_month_is_the_schedules_payments_and_the_payment_at_commencement(
    terms, day, day_count
):
    """Whatever the day and convention, each calendar month's cash is what the schedule settles
    against the liability that month (plus, in the first, the payment at commencement): the
    non-lease components' lines fall in the months the lease component's payments do."""
    terms = replace(terms, commencement=date(2024, 3, day), day_count=day_count)
    try:
        schedule = engine.build_schedule(terms)
    except engine.LeaseTermsError:
        return  # random incentives made the ROU negative
    cash = cash_by_month(terms)
    paid = [*schedule.payments, *[D(0)] * max(len(cash) - len(schedule), 0)]
    assert cash[0] == schedule.measurement.payments_at_commencement + paid[0]
    assert cash[1:] == paid[1 : len(cash)]
    assert not any(paid[len(cash) :])
