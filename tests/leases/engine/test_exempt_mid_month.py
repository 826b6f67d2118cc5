"""A change inside a month to an exempt lease, under actual days.

A short-term lease from the 1st with no part months was taken on the month grid even when the
company counts actual days, so a change on 15 March applied from 1 March: a new rent replaced
the rent already paid on 1 March, and the exemption ended (ASC 842-20-25-3, IFRS 16.7: the lease
is recognised as of the date of the change) with a liability measured on 1 March and a full
month of interest and amortization. Under actual days the change takes effect on its date, as
it does for a recognised lease (docs/engine.md, "a change on any day"): the straight-line cost
by days to the change, then, when the exemption ends, the liability measured on that day on
the remaining payments (the first part month discounted by the monthly rate x its days left),
and ROU asset = liability + rent prepaid for the days after the change - rent accrued.
"""

import json
from dataclasses import replace as dc_replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
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
    build_changed_schedule,
)
from leases.engine.dates import add_months, month_start, months_between
from leases.engine.exemptions import Exemption, build_exempt_changed_schedule, build_exempt_schedule
from leases.engine.payments import lease_end

from .test_end_date import dated_leases

CENT = D("0.01")


def q(value: D) -> D:
    return value.quantize(CENT, ROUND_HALF_UP)


def copier(standard=Standard.IFRS_16, day_count=DayCount.ACTUAL_DAYS, **overrides) -> LeaseTerms:
    """12 months from 1 January 2026, 1,000 due on the 1st: no part months."""
    values = dict(
        commencement=date(2026, 1, 1),
        term_months=12,
        standard=standard,
        classification=Classification.OPERATING if standard is Standard.ASC_842 else None,
        annual_rate=D("0.05"),
        payments=(PaymentStream(D("1000")),),
        day_count=day_count,
    )
    return LeaseTerms(**(values | overrides))


def exempt(terms: LeaseTerms, exemption=Exemption.SHORT_TERM):
    return build_exempt_schedule(terms, exemption)


def consistent(schedule) -> dict:
    """Every entry balances; the liability, the ROU asset (net) and the accrued / prepaid rent
    end at zero; the cost over the lease's life is the cash paid. Returns the role totals."""
    totals: dict = {}
    last = max([len(schedule) - 1] + [e.index for e in schedule.events])
    for k in range(last + 1):
        lines = schedule.month_lines(k)
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines), k
        for x in lines:
            totals[x.role] = totals.get(x.role, D(0)) + x.debit - x.credit
    for role in (AccountRole.LEASE_LIABILITY, AccountRole.DEFERRED_RENT):
        assert totals.get(role, 0) == 0, role
    rou = totals.get(AccountRole.ROU_ASSET, 0) + totals.get(AccountRole.ACCUMULATED_AMORTIZATION, 0)
    assert rou == 0
    cost = sum(
        totals.get(role, 0)
        for role in (
            AccountRole.SHORT_TERM_EXPENSE,
            AccountRole.LEASE_EXPENSE,
            AccountRole.INTEREST_EXPENSE,
            AccountRole.ROU_AMORTIZATION,
            AccountRole.MODIFICATION_GAIN_LOSS,
        )
    )
    assert cost == -totals[AccountRole.CASH_CLEARING]
    rows = schedule.posted_months()
    assert rows[-1].closing_liability == 0 and rows[-1].rou_closing == 0
    return totals


def test_a_rent_change_on_15_march_applies_on_its_date_not_from_1_march():
    """The rent becomes 1,200 on 15 March. The 1 March rent was paid (1,000); the new rent is
    due from the next payment day, 1 April. Cost by days: to 15 March 2,000 + 1,000 x 14/31 =
    2,451.61 against 3,000 paid (548.39 prepaid); then 9 x 1,200 + 548.39 = 11,348.39 over
    17/31 + 9 = 296/31 months: March 451.61 + 11,348.39 x 17/296 (651.77) = 1,103.38, April
    11,348.39 x 48/296 - 651.77 = 1,188.51. Taken from 1 March (before the fix), March paid
    1,200 and cost 1,200."""
    change = LeaseChange(
        ChangeKind.CONSIDERATION, date(2026, 3, 15), payments=(PaymentStream(D("1200")),)
    )
    schedule = build_exempt_changed_schedule(exempt(copier()), [change])
    assert schedule.payments == [D("1000.00")] * 3 + [D("1200.00")] * 9
    rest = 9 * D(1200) + (3000 - q(2000 + D(1000) * 14 / 31))
    assert rest == D("11348.39")
    march = q(D(1000) * 14 / 31) + q(rest * 17 / 296)
    assert schedule.expense[2] == march == D("1103.38")
    assert schedule.expense[3] == q(rest * 48 / 296) - q(rest * 17 / 296) == D("1188.51")
    [ev] = schedule.events
    assert ev.on == date(2026, 3, 15) and ev.index == 2 and not ev.lines
    consistent(schedule)
    # Under whole months the company counts from the 1st: the change applies from 1 March.
    whole = build_exempt_changed_schedule(exempt(copier(day_count=DayCount.WHOLE_MONTHS)), [change])
    assert whole.payments[2] == D("1200.00") and whole.events[0].on is None


def test_the_exemption_ends_on_15_march_with_the_liability_measured_that_day():
    """IFRS 16.7: renewed on 15 March 2026 to 31 December 2027 (24 months from commencement),
    a new lease of 21.5 months, not short-term. At 6 % (0.5 % a month) the 21 payments from
    1 April are worth 1,000 x (1 - 1.005^-21) / 0.005 x 1.005 = 19,987.42 on 1 April, and
    19,987.42 / (1 + 0.005 x 17/31) = 19,932.76 on 15 March (the change engine's part-month
    discount). The 1 March rent paid 17 days after the change: 1,000 x 17/31 = 548.39 prepaid
    into the ROU asset, 20,481.15. March: the exempt cost of 1-14 March (451.61) and, from the
    15th, interest 19,987.42 - 19,932.76 = 54.66 and amortization 20,481.15 x (17/31) / (17/31
    + 21) = 521.23. Taken from 1 March (before the fix) the liability was 19,887.98 with a full
    month of interest."""
    schedule = build_exempt_changed_schedule(
        exempt(copier()),
        [LeaseChange(ChangeKind.TERM, date(2026, 3, 15), term_months=24, annual_rate=D("0.06"))],
    )
    r = D("0.005")
    on_1_april = q(1000 * (1 - (1 + r) ** -21) / r * (1 + r))
    assert on_1_april == D("19987.42")
    liability = q(1000 * (1 - (1 + r) ** -21) / r * (1 + r) / (1 + r * 17 / 31))
    assert liability == D("19932.76")
    prepaid = q(D(1000) * 17 / 31)
    [ev] = schedule.events
    assert ev.on == date(2026, 3, 15) and ev.index == 2
    assert ev.liability_after == liability and ev.rou_after == liability + prepaid == D("20481.15")
    assert {(x.role, x.debit, x.credit) for x in ev.lines} == {
        (AccountRole.ROU_ASSET, D("20481.15"), 0),
        (AccountRole.LEASE_LIABILITY, 0, liability),
        (AccountRole.DEFERRED_RENT, 0, prepaid),
    }
    march = schedule.posted_months()[2]
    assert (march.opening_liability, march.payment) == (liability, 0)
    assert march.closing_liability == on_1_april and march.interest == D("54.66")
    assert march.rou_amortization == q(D("20481.15") * 17 / 668) == D("521.23")
    lines = {(x.role, x.debit, x.credit) for x in schedule.periodic_lines(2)}
    assert (AccountRole.SHORT_TERM_EXPENSE, D("451.61"), 0) in lines
    assert (AccountRole.CASH_CLEARING, 0, D("1000.00")) in lines  # paid on 1 March
    assert (AccountRole.DEFERRED_RENT, prepaid, 0) in lines  # cleared by the recognition
    assert schedule.payments[:2] == [D("1000.00")] * 2 and len(schedule) == 24
    totals = consistent(schedule)
    assert -totals[AccountRole.CASH_CLEARING] == 24 * 1000


def test_under_asc_842_a_level_rent_costs_its_rent_every_month_the_change_month_included():
    """ASC 842-20-25-3: renewed on 15 March to 31 January 2028 (13 months beyond the old end),
    recognised as of the change. The single lease cost is (22 x 1,000 + 548.39 prepaid) / (17/31
    + 22 months) = 1,000.00 a month; March costs 451.61 exempt + 548.39 recognised."""
    schedule = build_exempt_changed_schedule(
        exempt(copier(Standard.ASC_842)),
        [LeaseChange(ChangeKind.TERM, date(2026, 3, 15), term_months=25, annual_rate=D("0.06"))],
    )
    [ev] = schedule.events
    r = D("0.005")
    assert ev.liability_after == q(1000 * (1 - (1 + r) ** -22) / r * (1 + r) / (1 + r * 17 / 31))
    assert ev.rou_after == ev.liability_after + D("548.39")
    assert [row.straight_line_cost for row in schedule.posted_months()] == [D("1000.00")] * 25
    lines = schedule.periodic_lines(2)
    assert {(x.role, x.debit) for x in lines if x.debit} >= {
        (AccountRole.SHORT_TERM_EXPENSE, D("451.61")),
        (AccountRole.LEASE_EXPENSE, D("548.39")),
    }
    consistent(schedule)


@pytest.mark.parametrize("standard", list(Standard))
def test_changes_on_the_1st_keep_the_whole_month_figures(standard):
    """Regression: under actual days a lease from the 1st whose changes fall on the 1st gives
    exactly the figures of whole months (the renewal that ends the exemption, then a rent
    change of the recognised lease)."""
    months = 25 if standard is Standard.ASC_842 else 24
    changes = [
        LeaseChange(ChangeKind.TERM, date(2026, 10, 1), term_months=months, annual_rate=D("0.06")),
        LeaseChange(
            ChangeKind.CONSIDERATION,
            date(2027, 3, 1),
            payments=(PaymentStream(D("1100")),),
            annual_rate=D("0.065"),
        ),
    ]
    whole = build_exempt_changed_schedule(
        exempt(copier(standard, day_count=DayCount.WHOLE_MONTHS)), changes
    )
    days = build_exempt_changed_schedule(exempt(copier(standard)), changes)
    assert days.events == whole.events
    assert days.posted_months() == whole.posted_months()
    assert days.journal_lines() == whole.journal_lines()
    consistent(days)


def test_a_change_inside_a_month_after_the_recognition_applies_on_its_date():
    """Recognised from 1 October 2026 (the whole-month renewal), the rent changes on 15 March
    2027: the recognised lease counts the company's days, so the change is the one the engine
    makes to a lease of its own from 1 October 2026 (15 months, 1,000 in advance, 6 %): the
    liability accrued to the 15th and remeasured then, the new rent from 1 April (taken from
    1 March before the fix)."""
    rent = LeaseChange(
        ChangeKind.CONSIDERATION,
        date(2027, 3, 15),
        payments=(PaymentStream(D("1100")),),
        annual_rate=D("0.065"),
    )
    renewal = LeaseChange(ChangeKind.TERM, date(2026, 10, 1), term_months=24, annual_rate=D("0.06"))
    schedule = build_exempt_changed_schedule(exempt(copier()), [renewal, rent])
    own = build_changed_schedule(
        copier(commencement=date(2026, 10, 1), term_months=15, annual_rate=D("0.06")), [rent]
    )
    first, second = schedule.events
    assert first.on is None and second.on == date(2027, 3, 15) and second.index == 14
    assert dc_replace(second, index=5) == own.events[0]
    assert schedule.posted_months()[9:] == own.posted_months()
    assert [schedule.month_lines(9 + k) for k in range(1, len(own))] == [
        own.month_lines(k) for k in range(1, len(own))
    ]
    rows = schedule.posted_months()
    assert rows[14].payment == D("1000.00") and rows[15].payment == D("1100.00")
    consistent(schedule)


def test_a_lease_with_part_months_ends_its_exemption_on_the_change_date():
    """10 March to 30 June 2026 at 1,500 due on the 1st (a 1,064.52 stub), renewed on 15 May to
    31 August 2027 (IFRS 16.7: more than 12 months from the change). The 1 May rent covers May:
    1,500 x 17/31 = 822.58 is prepaid for the days after the change. The 15 payments from
    1 June at 0.5 % a month are worth 1,500 x (1 - 1.005^-15) / 0.005 x 1.005 on 1 June,
    discounted by 1 + 0.005 x 17/31 to the 15th."""
    terms = LeaseTerms(
        commencement=date(2026, 3, 10),
        term_months=4,
        end_date=date(2026, 6, 30),
        payment_day=1,
        standard=Standard.IFRS_16,
        annual_rate=D("0.05"),
        payments=(PaymentStream(D("1500.00")),),
        day_count=DayCount.ACTUAL_DAYS,
    )
    change = LeaseChange(ChangeKind.TERM, date(2026, 5, 15), term_months=18, annual_rate=D("0.06"))
    schedule = build_exempt_changed_schedule(exempt(terms), [change])
    r = D("0.005")
    liability = q(1500 * (1 - (1 + r) ** -15) / r * (1 + r) / (1 + r * 17 / 31))
    [ev] = schedule.events
    assert ev.on == date(2026, 5, 15) and ev.liability_after == liability
    assert ev.rou_after == liability + D("822.58")
    assert schedule.payments == [D("1064.52"), D("1500.00"), D("1500.00")]
    # The exempt cost to the change: 1,064.52 + 1,500 + 1,500 x 14/31 (677.42).
    assert schedule.expense == [D("1064.52"), D("1500.00"), D("677.42")]
    assert lease_end(schedule.recognised.terms) == date(2027, 8, 31)
    totals = consistent(schedule)
    assert -totals[AccountRole.CASH_CLEARING] == D("1064.52") + 17 * 1500


def test_the_rate_is_required_when_the_exemption_ends_inside_a_month():
    change = LeaseChange(ChangeKind.TERM, date(2026, 3, 15), term_months=24)
    with pytest.raises(LeaseTermsError, match="Enter the discount rate at the change"):
        build_exempt_changed_schedule(exempt(copier()), [change])


def _any_lease(draw) -> LeaseTerms:
    if draw(st.booleans()):
        return draw(dated_leases())
    start = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 700)))
    return copier(
        draw(st.sampled_from(list(Standard))),
        commencement=start.replace(day=1),
        term_months=draw(st.integers(2, 12)),
        payments=(PaymentStream(draw(st.decimals("1", "20000", places=2))),),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_any_renewal_on_any_day_of_a_short_term_lease_is_consistent(data):
    """A short-term lease (from the 1st, or with stubs) renewed on any day with a rate: it
    stays exempt or is recognised from the day; either way every entry balances, the balances
    end at zero and the cost over the lease's life is the cash paid; the months before the
    change's month never move."""
    terms = _any_lease(data.draw)
    assume(terms.term_months <= 12 and not terms.useful_life_months)
    schedule = exempt(terms)
    end = lease_end(terms)
    first = add_months(month_start(terms.commencement), 1)
    assume(first <= end)
    on = data.draw(st.dates(min_value=first, max_value=end), label="effective")
    months = data.draw(st.integers(terms.term_months, terms.term_months + 30), label="term")
    changes = [LeaseChange(ChangeKind.TERM, on, term_months=months, annual_rate=D("0.07"))]
    if data.draw(st.booleans(), label="a rent change after it"):
        later = on + timedelta(days=data.draw(st.integers(31, 300), label="days later"))
        rent = data.draw(st.decimals("0", "9000", places=2), label="rent")
        changes.append(
            LeaseChange(
                ChangeKind.CONSIDERATION,
                later,
                payments=(PaymentStream(rent),),
                annual_rate=D("0.08"),
            )
        )
    try:
        changed = build_exempt_changed_schedule(schedule, changes)
    except LeaseTermsError as error:
        event(f"refused: {error.issues[0].message[:40]}")
        return
    event("recognised" if changed.recognised is not None else "still exempt")
    before = months_between(month_start(terms.commencement), on)
    assert changed.expense[:before] == schedule.expense[:before]
    assert changed.payments[:before] == schedule.payments[:before]
    consistent(changed)


def _lease_schedule(tmp_path, data) -> dict:
    path = tmp_path / "lease.json"
    path.write_text(json.dumps(data))
    out = StringIO()
    call_command("lease_schedule", str(path), stdout=out)
    return json.loads(out.getvalue())


COPIER_JSON = {
    "commencement": "2026-01-01",
    "term_months": 12,
    "standard": "ifrs16",
    "annual_rate": "0.05",
    "exemption": "short_term",
    "payments": [{"amount": "1000", "frequency": "monthly", "timing": "advance"}],
}


def test_lease_schedule_json_takes_the_changes_of_an_exempt_lease_on_their_dates(tmp_path):
    """The JSON face: the rent raised on 15 March is applied from 15 March under actual days
    (March pays the 1,000 of 1 March and costs 1,103.38, worked above); under whole months
    (the grid a lease from the 1st used under actual days too before) from 1 March, March
    paying 1,200. The renewal on 15 March ends the exemption that day: liability 19,932.76,
    ROU 20,481.15, the prepaid 548.39 cleared from deferred rent."""
    rent = {
        "kind": "consideration",
        "effective": "2026-03-15",
        "payments": [{"amount": "1200", "frequency": "monthly", "timing": "advance"}],
    }
    days = _lease_schedule(tmp_path, COPIER_JSON | {"day_count": "actual_days", "changes": [rent]})
    [change] = days["changes"]
    assert change["applied_from"] == "2026-03-15" and change["exemption_ends"] is False
    march = days["schedule"][2]
    assert (march["payment"], march["straight_line_cost"]) == ("1000.00", "1103.38")
    whole = _lease_schedule(
        tmp_path, COPIER_JSON | {"day_count": "whole_months", "changes": [rent]}
    )
    assert whole["changes"][0]["applied_from"] == "2026-03-01"
    assert whole["schedule"][2]["payment"] == "1200.00"

    renewal = {"kind": "term", "effective": "2026-03-15", "term_months": 24, "annual_rate": "0.06"}
    out = _lease_schedule(
        tmp_path, COPIER_JSON | {"day_count": "actual_days", "changes": [renewal]}
    )
    [change] = out["changes"]
    assert change["exemption_ends"] is True and change["applied_from"] == "2026-03-15"
    assert (change["after"]["liability"], change["after"]["rou"]) == ("19932.76", "20481.15")
    assert {(x["role"], x["debit"], x["credit"]) for x in change["journal"]} == {
        ("rou_asset", "20481.15", "0"),
        ("lease_liability", "0", "19932.76"),
        ("deferred_rent", "0", "548.39"),
    }
    rows = out["schedule"]
    assert rows[2]["opening_liability"] == "19932.76" and rows[2]["interest"] == "54.66"
    assert rows[2]["segment_start"] is True and rows[-1]["closing_liability"] == "0.00"
    for month in out["journal"]:
        lines = month["lines"]
        assert sum(D(x["debit"]) for x in lines) == sum(D(x["credit"]) for x in lines)
