"""Exempt (short-term, low-value) leases under actual days: the payments on their real dates and
the straight-line cost by days over the term, commencement to the end date (docs/engine.md
"Real dates"). Stub rent is the periodic rent / days of the period x days occupied, as
Haletale's "Understanding Prorated and Month-to-Month Rent Payments" works it (10-31 March at
1,500 a month: 1,500 / 31 x 22 = 1,064.52)."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings

from leases.engine import (
    ChangeKind,
    DayCount,
    LeaseChange,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    Standard,
)
from leases.engine.exemptions import (
    Exemption,
    build_exempt_changed_schedule,
    build_exempt_schedule,
)
from leases.engine.payments import cash_by_month

from .test_end_date import dated_leases


def _lease(**overrides) -> LeaseTerms:
    values = {
        "commencement": date(2026, 3, 10),
        "term_months": 4,
        "end_date": date(2026, 6, 30),
        "payment_day": 1,
        "standard": Standard.IFRS_16,
        "annual_rate": D("0.05"),
        "payments": (PaymentStream(D("1500.00")),),
        "day_count": DayCount.ACTUAL_DAYS,
    }
    return LeaseTerms(**(values | overrides))


def test_level_rent_with_a_stub_costs_what_it_pays_month_by_month():
    """10 March to 30 June 2026 at 1,500 a month due on the 1st: the stub pays 1,064.52 at
    commencement; the term is 22/31 + 3 months, so March costs 5,564.52 x 22/115 = 1,064.52
    and each full month 1,500.00: the cost equals the cash, nothing accrues."""
    schedule = build_exempt_schedule(_lease(), Exemption.SHORT_TERM)
    assert schedule.payments == [D("1064.52"), D("1500.00"), D("1500.00"), D("1500.00")]
    assert schedule.expense == schedule.payments
    assert [m.accrued_rent for m in schedule.months()] == [D("0.00")] * 4


def test_rent_free_months_spread_by_days_over_the_term():
    """15 January to 31 May 2026, 1,000 due on the 1st, the first stub and February free: 3,000
    paid over 4 + 17/31 months. January costs 3,000 x 17/141 = 361.70; cumulative 3,000 x
    48/141 = 1,021.28 at the end of February (659.58), then 659.57, 659.58, 659.57."""
    terms = _lease(
        commencement=date(2026, 1, 15),
        term_months=5,
        end_date=date(2026, 5, 31),
        payments=(PaymentStream(D("1000.00"), rent_free_months=1),),
    )
    schedule = build_exempt_schedule(terms, Exemption.LOW_VALUE)
    assert schedule.payments == [D(0), D(0), D("1000.00"), D("1000.00"), D("1000.00")]
    assert schedule.expense == [
        D("361.70"),
        D("659.58"),
        D("659.57"),
        D("659.58"),
        D("659.57"),
    ]
    months = schedule.months()
    assert months[-1].accrued_rent == 0
    for k in range(len(schedule)):
        lines = schedule.periodic_lines(k)
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(dated_leases())
def test_any_exempt_lease_with_stubs_expenses_its_cash_by_days(terms):
    schedule = build_exempt_schedule(terms, Exemption.LOW_VALUE)
    cash = cash_by_month(terms)
    assert schedule.payments == cash
    assert sum(schedule.expense) == sum(cash)
    assert schedule.months()[-1].accrued_rent == 0
    for k in range(len(schedule)):
        lines = schedule.periodic_lines(k)
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines)


def test_whole_months_keep_their_figures():
    terms = _lease(
        commencement=date(2026, 3, 1),
        term_months=4,
        end_date=None,
        payment_day=None,
        day_count=DayCount.WHOLE_MONTHS,
    )
    schedule = build_exempt_schedule(terms, Exemption.SHORT_TERM)
    assert not schedule.days
    assert schedule.expense == [D("1500.00")] * 4


def test_a_change_to_an_exempt_lease_on_real_dates_is_refused_with_a_sentence():
    schedule = build_exempt_schedule(_lease(), Exemption.SHORT_TERM)
    change = LeaseChange(ChangeKind.TERMINATION, date(2026, 5, 10))
    with pytest.raises(LeaseTermsError) as refused:
        build_exempt_changed_schedule(schedule, [change])
    assert "new lease" in str(refused.value)


def test_lease_schedule_json_takes_an_exemption_on_real_dates():
    from leases.engine.transition_json import run

    data = {
        "commencement": "2026-01-15",
        "end_date": "2026-05-31",
        "payment_day": 1,
        "standard": "ifrs16",
        "annual_rate": "0.05",
        "payments": [{"amount": "1000.00", "rent_free_months": 1}],
        "exemption": "low_value",
    }
    out = run(data)
    assert "errors" not in out, out
    assert [m["expense"] for m in out["schedule"]] == [
        "361.70",
        "659.58",
        "659.57",
        "659.58",
        "659.57",
    ]
    assert out["schedule"][-1]["accrued_rent"] == "0.00"
    for month in out["journal"]:
        lines = month["lines"]
        assert sum(D(x["debit"]) for x in lines) == sum(D(x["credit"]) for x in lines)
    assert run(dict(data, exemption="tiny"))["errors"][0]["field"] == "exemption"
