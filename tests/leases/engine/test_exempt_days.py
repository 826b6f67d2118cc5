"""Exempt (short-term, low-value) leases under actual days: the payments on their real dates and
the straight-line cost by days over the term, commencement to the end date (docs/engine.md
"Real dates"). Stub rent is the periodic rent / days of the period x days occupied, as
Haletale's "Understanding Prorated and Month-to-Month Rent Payments" works it (10-31 March at
1,500 a month: 1,500 / 31 x 22 = 1,064.52)."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from leases.engine import (
    AccountRole,
    ChangeKind,
    Classification,
    DayCount,
    LeaseChange,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    Standard,
)
from leases.engine.dates import add_months, month_start, months_between
from leases.engine.exemptions import (
    Exemption,
    build_exempt_changed_schedule,
    build_exempt_schedule,
)
from leases.engine.payments import cash_by_month, lease_end

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


def _balanced_to_zero(schedule) -> None:
    """The cost totals the cash (termination entries included), every entry balances, and
    the accrued / prepaid rent is back at zero after the last entry."""
    deferred = D(0)
    cost = cash = D(0)
    for k in range(max([len(schedule) - 1] + [e.index for e in schedule.events]) + 1):
        lines = schedule.month_lines(k)
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines), k
        for x in lines:
            if x.role is AccountRole.DEFERRED_RENT:
                deferred += x.debit - x.credit
            elif x.role is AccountRole.SHORT_TERM_EXPENSE:
                cost += x.debit - x.credit
            elif x.role is AccountRole.CASH_CLEARING:
                cash += x.credit - x.debit
    assert deferred == 0
    assert cost == cash


def test_a_termination_on_a_real_date_releases_the_prepaid_rent():
    """10 March to 30 June 2026 at 1,500 due on the 1st, ended on 10 May for 200. The cost to
    the change, by days: 1,064.52 + 1,500.00 + 1,500 x 9/31 = 3,000.00; paid before it:
    4,064.52 (the May rent included), so 1,064.52 is prepaid and goes with the lease: the
    termination costs 200 + 1,064.52 = 1,264.52."""
    schedule = build_exempt_schedule(_lease(), Exemption.SHORT_TERM)
    end = LeaseChange(ChangeKind.TERMINATION, date(2026, 5, 10), amount=D("200"))
    changed = build_exempt_changed_schedule(schedule, [end])
    assert changed.payments == [D("1064.52"), D("1500.00"), D("1500.00")]
    assert changed.expense == [D("1064.52"), D("1500.00"), D("435.48")]
    [event] = changed.events
    assert event.on == date(2026, 5, 10) and event.index == 2
    assert {(x.role, x.debit, x.credit) for x in event.lines} == {
        (AccountRole.SHORT_TERM_EXPENSE, D("1264.52"), 0),
        (AccountRole.DEFERRED_RENT, 0, D("1064.52")),
        (AccountRole.CASH_CLEARING, 0, D("200")),
    }
    _balanced_to_zero(changed)


def test_an_extension_on_a_real_date_re_spreads_the_rest_by_days():
    """The same lease extended on 15 May by two months (to 31 August; a month end stays a
    month end). The cost to 15 May is 1,064.52 + 1,500 + 1,500 x 14/31 = 3,241.94 against
    4,064.52 paid: 822.58 prepaid. The new lease from 15 May pays 1,500 on 1 June, July and
    August (4,500), so it costs 4,500 + 822.58 = 5,322.58 over 17/31 + 3 months: 822.58 for the
    rest of May and 1,500.00 a month after; the cost equals the cash, 8,564.52."""
    schedule = build_exempt_schedule(_lease(), Exemption.SHORT_TERM)
    extend = LeaseChange(ChangeKind.TERM, date(2026, 5, 15), term_months=6)
    changed = build_exempt_changed_schedule(schedule, [extend])
    assert changed.payments == [D("1064.52")] + [D("1500.00")] * 5
    assert changed.expense == changed.payments
    assert [e.lines for e in changed.events] == [()]
    assert changed.months()[-1].accrued_rent == 0
    assert changed.recognised is None
    _balanced_to_zero(changed)


def test_a_rent_change_on_a_real_date_spreads_what_is_left_from_the_change():
    """The lease's rent becomes 1,800 from the next payment day after 20 April (1 May): the
    cost to 20 April is 1,064.52 + 1,500 x 19/30 = 2,014.52, paid 2,564.52 (550.00 prepaid);
    3,600 remains to pay, so 3,600 + 550 = 4,150.00 costs over 11/30 + 2 months from the
    change: the cost totals the 6,164.52 paid."""
    schedule = build_exempt_schedule(_lease(), Exemption.SHORT_TERM)
    raise_rent = LeaseChange(
        ChangeKind.CONSIDERATION, date(2026, 4, 20), payments=(PaymentStream(D("1800.00")),)
    )
    changed = build_exempt_changed_schedule(schedule, [raise_rent])
    assert changed.payments == [D("1064.52"), D("1500.00"), D("1800.00"), D("1800.00")]
    assert sum(changed.expense) == D("6164.52")
    # April: 1,500 x 19/30 = 950.00 before, 4,150 x (11/30) / (71/30) = 642.96 after.
    assert changed.expense[1] == D("1592.96")
    _balanced_to_zero(changed)


@pytest.mark.parametrize(
    ("standard", "months", "recognised"),
    [
        # ASC 842-20-25-3: the new end, 30 June 2027, is exactly 12 months after 30 June 2026.
        (Standard.ASC_842, 16, False),
        (Standard.ASC_842, 17, True),
        # IFRS 16.7: more than 12 months from the change (15 May 2026) to 31 August 2027.
        (Standard.IFRS_16, 18, True),
    ],
)
def test_a_change_that_ends_the_exemption_on_real_dates_recognises_the_lease_on_its_date(
    standard, months, recognised
):
    """The lease with a stub, renewed on 15 May: recognised from that day when it is no longer
    short-term (the figures are worked in test_exempt_mid_month.py), after asking for the
    rate at the change."""
    classification = Classification.OPERATING if standard is Standard.ASC_842 else None
    schedule = build_exempt_schedule(
        _lease(standard=standard, classification=classification), Exemption.SHORT_TERM
    )
    change = LeaseChange(ChangeKind.TERM, date(2026, 5, 15), term_months=months)
    if not recognised:
        _balanced_to_zero(build_exempt_changed_schedule(schedule, [change]))
        return
    with pytest.raises(LeaseTermsError, match="Enter the discount rate at the change"):
        build_exempt_changed_schedule(schedule, [change])
    changed = build_exempt_changed_schedule(
        schedule, [LeaseChange(ChangeKind.TERM, date(2026, 5, 15), months, annual_rate=D("0.06"))]
    )
    [ev] = changed.events
    assert ev.on == date(2026, 5, 15) and ev.liability_after > 0
    assert changed.recognised is not None and changed.recognised_from == 2


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(dated_leases(), st.data())
def test_any_change_to_an_exempt_lease_on_real_dates_costs_its_cash(terms, data):
    schedule = build_exempt_schedule(terms, Exemption.LOW_VALUE)
    end = lease_end(terms)
    first = add_months(month_start(terms.commencement), 1)
    assume(first <= end)
    on = data.draw(st.dates(min_value=first, max_value=end), label="effective")
    kind = data.draw(st.sampled_from(["termination", "term", "consideration"]), label="kind")
    if kind == "termination":
        change = LeaseChange(ChangeKind.TERMINATION, on, amount=D("100.00"))
    elif kind == "term":
        term = data.draw(st.integers(terms.term_months, terms.term_months + 3), label="term")
        change = LeaseChange(ChangeKind.TERM, on, term_months=term)
    else:
        rent = data.draw(st.decimals("0", "5000", places=2), label="rent")
        change = LeaseChange(ChangeKind.CONSIDERATION, on, payments=(PaymentStream(rent),))
    try:
        changed = build_exempt_changed_schedule(schedule, [change])
    except LeaseTermsError as error:
        # Only a lease that is no longer short-term (IFRS 16.7) is refused, with a sentence.
        assert "ends the short-term exemption" in str(error)
        event("refused: no longer short-term")
        return
    event(f"taken: {kind}")
    before = months_between(month_start(terms.commencement), on)
    assert changed.expense[:before] == schedule.expense[:before]
    assert changed.payments[:before] == schedule.payments[:before]
    _balanced_to_zero(changed)


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
