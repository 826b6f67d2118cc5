"""Go-live transition: ASC 840 → 842, IAS 17 → IFRS 16 C5(b)/C8(b), opening balances."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leases.engine import (
    AccountRole,
    Classification,
    Frequency,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    RateConvention,
    RentStep,
    Standard,
    Timing,
    build_schedule,
)
from leases.engine.transition import (
    GoLive,
    OpeningBalances,
    TransitionMethod,
    asc840_deferred_rent,
    build_golive_schedule,
)

CENT = D("0.01")


def _balanced(lines) -> bool:
    return sum(x.debit for x in lines) == sum(x.credit for x in lines)


def _leasequery_lease() -> LeaseTerms:
    # LeaseQuery, "Operating leases under GAAP: transitioning to the new standard"
    # (leasequery.com/blog/operating-leases-under-gap-transitioning-to-new-standard/): a 10-year
    # lease from 1 Jan 2015, $10,000 a year in arrears for years 1-5 and $15,000 for years 6-10,
    # 6 % incremental borrowing rate at transition, 8 years remaining from 1 Jan 2017.
    return LeaseTerms(
        commencement=date(2015, 1, 1),
        term_months=120,
        standard=Standard.ASC_842,
        classification=Classification.OPERATING,
        annual_rate=D("0.06"),
        rate_convention=RateConvention.EFFECTIVE,  # annual payments, annual discounting
        payments=(
            PaymentStream(
                D("10000"),
                Frequency.ANNUAL,
                Timing.ARREARS,
                steps=(RentStep(date(2020, 1, 1), D("15000")),),
            ),
        ),
    )


def test_asc_840_transition_matches_the_published_liability_and_clears_deferred_rent():
    # ASC 840 straight-line rent is 125,000 / 10 = 12,500 a year; two years paid at 10,000
    # leave 5,000 of accrued (deferred) rent, which reduces the ROU asset (ASC 842-10-65-1).
    assert asc840_deferred_rent(_leasequery_lease(), date(2017, 1, 1)) == D("5000.00")
    go_live = GoLive(date(2017, 1, 1), TransitionMethod.ASC_840, deferred_rent=D("5000"))
    schedule = build_golive_schedule(_leasequery_lease(), go_live)
    b = schedule.balances
    assert b.liability == D("79781.85")  # published: 79,782
    assert b.liability.quantize(D(1)) == D("79782")
    assert b.rou_cost == D("74781.85")
    assert b.equity == 0  # no equity effect under ASC 842's transition for operating leases
    months = schedule.posted_months()
    assert len(months) == 96
    # The remaining single lease cost is ASC 840's straight-line 12,500 a year, spread monthly.
    assert sum(m.straight_line_cost for m in months) == D("100000.00")
    assert sum(m.straight_line_cost for m in months[:12]) == D("12500.00")
    assert months[-1].closing_liability == 0 and months[-1].rou_closing == 0
    lines = schedule.golive_lines()
    assert [(x.role, x.debit, x.credit) for x in lines] == [
        (AccountRole.ROU_ASSET, D("74781.85"), 0),
        (AccountRole.LEASE_LIABILITY, 0, D("79781.85")),
        (AccountRole.DEFERRED_RENT, D("5000"), 0),
    ]
    assert all(_balanced(schedule.periodic_lines(k)) for k in range(len(schedule)))


def _ifrs16_lease() -> LeaseTerms:
    # xplaind.com, "Applying IFRS 16", Lease A: a 4-year office lease from 1 July 2017,
    # 200,000 a year paid at the start of each lease year, IBR 12 %, initial application
    # 1 January 2019. The 1 July 2018 payment covers six months after 1 January 2019: prepaid.
    return LeaseTerms(
        commencement=date(2017, 7, 1),
        term_months=48,
        standard=Standard.IFRS_16,
        annual_rate=D("0.12"),
        rate_convention=RateConvention.EFFECTIVE,
        payments=(PaymentStream(D("200000"), Frequency.ANNUAL, Timing.ADVANCE),),
    )


def test_ifrs_16_c8b_ii_rou_equals_the_liability_adjusted_by_the_prepaid_payment():
    go_live = GoLive(
        date(2019, 1, 1), TransitionMethod.IFRS16_LIABILITY, deferred_rent=D("-100000")
    )
    b = build_golive_schedule(_ifrs16_lease(), go_live).balances
    # C8(a): PV at 12 % of 200,000 on 1 Jul 2019 and 1 Jul 2020, seen from 1 Jan 2019:
    # 200,000 / 1.12^0.5 + 200,000 / 1.12^1.5 = 357,716.38.
    assert b.liability == D("357716.38")
    assert b.rou_cost == D("457716.38")  # C8(b)(ii): + 100,000 prepaid
    assert b.equity == 0


def test_ifrs_16_c8b_i_rou_as_if_always_applied_and_the_difference_goes_to_retained_earnings():
    go_live = GoLive(
        date(2019, 1, 1), TransitionMethod.IFRS16_RETROSPECTIVE, deferred_rent=D("-100000")
    )
    schedule = build_golive_schedule(_ifrs16_lease(), go_live)
    b = schedule.balances
    # C8(b)(i): at commencement, PV at 12 % of four payments in advance = 680,366.25; after
    # 18 of 48 months of straight-line depreciation, 30/48 remains = 425,228.91.
    assert b.rou_cost == D("425228.91")
    assert b.liability == D("357716.38")
    # Retained earnings: 425,228.91 − 357,716.38 − 100,000 prepaid derecognised = −32,487.47.
    assert b.equity == D("-32487.47")
    lines = schedule.golive_lines()
    assert _balanced(lines)
    assert (AccountRole.TRANSITION_EQUITY, D("32487.47"), 0) in [
        (x.role, x.debit, x.credit) for x in lines
    ]
    months = schedule.posted_months()
    assert sum(m.rou_amortization for m in months) == D("425228.91")
    assert months[-1].closing_liability == 0


def test_opening_balances_far_from_the_remaining_payments_are_refused_with_a_reason():
    terms = _leasequery_lease()
    go_live = GoLive(
        date(2017, 1, 1),
        TransitionMethod.OPENING_BALANCES,
        opening=OpeningBalances(liability=D("90000"), rou_asset=D("85000")),
    )
    with pytest.raises(LeaseTermsError) as error:
        build_golive_schedule(terms, go_live)
    assert error.value.issues[0].field == "opening.liability"
    assert "79,781.85" in error.value.issues[0].message


def test_a_lease_commencing_in_the_go_live_month_is_not_brought_in():
    with pytest.raises(LeaseTermsError) as error:
        build_golive_schedule(
            _leasequery_lease(), GoLive(date(2015, 1, 1), TransitionMethod.ASC_840)
        )
    assert error.value.issues[0].field == "go_live"


@st.composite
def leases_and_go_live(draw):
    frequency = draw(st.sampled_from(list(Frequency)))
    periods = draw(st.integers(min_value=2, max_value=96 // int(frequency)))
    term = periods * int(frequency)
    standard = draw(st.sampled_from(list(Standard)))
    classification = (
        draw(st.sampled_from(list(Classification))) if standard is Standard.ASC_842 else None
    )
    life = None
    if classification is not Classification.OPERATING and draw(st.booleans()):
        life = draw(st.integers(min_value=term, max_value=term + 36))
    terms = LeaseTerms(
        commencement=date(2020, draw(st.integers(1, 12)), 1),
        term_months=term,
        standard=standard,
        classification=classification,
        annual_rate=D(draw(st.integers(min_value=0, max_value=1500))) / 10000,
        rate_convention=draw(st.sampled_from(list(RateConvention))),
        useful_life_months=life,
        ownership_transfers=life is not None,
        payments=(
            PaymentStream(
                D(draw(st.integers(min_value=100, max_value=5_000_000))) / 100,
                frequency,
                draw(st.sampled_from(list(Timing))),
            ),
        ),
        initial_direct_costs=D(draw(st.integers(min_value=0, max_value=100_000))) / 100,
    )
    offset = draw(st.integers(min_value=1, max_value=term - 1))
    return terms, offset


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(leases_and_go_live())
def test_a_lease_brought_in_with_opening_balances_runs_on_as_if_computed_from_commencement(case):
    terms, g = case
    original = build_schedule(terms)
    posted = original.posted()
    before = original.posted_months()[g - 1]
    accumulated = D(0) if terms.is_operating else posted.rou - before.rou_closing
    schedule = build_golive_schedule(
        terms,
        GoLive(
            original.period(g),
            TransitionMethod.OPENING_BALANCES,
            opening=OpeningBalances(
                liability=before.closing_liability,
                rou_asset=before.rou_closing,
                accumulated_amortization=accumulated,
            ),
        ),
    )
    after = original.posted_months()[g:]
    mine = schedule.posted_months()
    assert len(mine) == len(after)
    for theirs, ours in zip(after, mine, strict=True):
        assert ours.period == theirs.period
        # The liability side is identical to the cent: same recursion, same rounding.
        assert ours.payment == theirs.payment.quantize(CENT)
        assert ours.interest == theirs.interest
        assert ours.closing_liability == theirs.closing_liability
        # The ROU asset is re-spread from its go-live balance: never more than a cent apart.
        assert abs(ours.rou_closing - theirs.rou_closing) <= CENT
    # Over the remaining life the totals are identical, and both end at exactly zero.
    assert sum(m.rou_amortization for m in mine) == sum(m.rou_amortization for m in after)
    if terms.is_operating:
        assert sum(m.straight_line_cost for m in mine) == sum(m.straight_line_cost for m in after)
    assert mine[-1].closing_liability == 0 and mine[-1].rou_closing == 0
    # Every entry balances, the go-live entry included; it carries the ROU asset at cost.
    golive = schedule.golive_lines()
    assert _balanced(golive)
    rou_debit = sum(x.debit for x in golive if x.role is AccountRole.ROU_ASSET)
    assert rou_debit == before.rou_closing + accumulated
    assert all(_balanced(schedule.periodic_lines(k)) for k in range(len(schedule)))


@st.composite
def day_leases_and_go_live(draw):
    """Actual days: a lease from any day, with an end date and payment day of its own (stubs)
    or on its anniversaries, and a go-live month after its commencement month."""
    from .test_end_date import dated_leases

    terms = draw(dated_leases())
    if draw(st.booleans()):
        # On anniversaries from a day inside a month: partial first and last months only.
        terms = replace(terms, end_date=None, payment_day=None)
    months = len(build_schedule(terms))
    if months < 2:
        return terms, None
    return terms, draw(st.integers(min_value=1, max_value=months - 1))


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(day_leases_and_go_live())
def test_under_actual_days_with_stubs_opening_balances_run_on_as_if_from_commencement(case):
    """The property above under actual days: remaining payments on their real dates, the last
    part month by its days, interest accrued daily. With opening balances equal to the lease
    computed from commencement, the liability is identical to the cent every month after
    go-live and the ROU asset never more than a cent apart; both end at exactly zero."""
    terms, g = case
    if g is None:
        return
    original = build_schedule(terms)
    rows = original.posted_months()
    before = rows[g - 1]
    accumulated = D(0) if terms.is_operating else original.posted().rou - before.rou_closing
    schedule = build_golive_schedule(
        terms,
        GoLive(
            original.period(g),
            TransitionMethod.OPENING_BALANCES,
            opening=OpeningBalances(before.closing_liability, before.rou_closing, accumulated),
        ),
    )
    after = rows[g:]
    mine = schedule.posted_months()
    assert len(mine) == len(after)
    for theirs, ours in zip(after, mine, strict=True):
        assert ours.period == theirs.period
        assert ours.payment == theirs.payment
        assert ours.interest == theirs.interest
        assert ours.closing_liability == theirs.closing_liability
        assert abs(ours.rou_closing - theirs.rou_closing) <= CENT
    assert sum(m.rou_amortization for m in mine) == sum(m.rou_amortization for m in after)
    if terms.is_operating:
        assert sum(m.straight_line_cost for m in mine) == sum(m.straight_line_cost for m in after)
    assert mine[-1].closing_liability == 0 and mine[-1].rou_closing == 0
    assert _balanced(schedule.golive_lines())
    assert all(_balanced(schedule.periodic_lines(k)) for k in range(len(schedule)))


def test_lease_schedule_json_brings_a_lease_with_stubs_in_under_actual_days():
    """15 January 2026 to 31 December 2030, 3,100 a month due on the 1st, 6 % (the example of
    docs/lease_schedule_json.md), brought in on 1 July 2026 with the balances of the schedule
    from commencement: the same liability, payments and closing balances from July on."""
    from leases.engine.transition_json import run

    lease = {
        "commencement": "2026-01-15",
        "end_date": "2030-12-31",
        "payment_day": 1,
        "standard": "asc842",
        "classification": "operating",
        "annual_rate": "0.06",
        "payments": [{"amount": "3100.00"}],
        "day_count": "actual_days",
    }
    reference = run(lease)["schedule"]
    june = reference[5]
    out = run(
        dict(
            lease,
            go_live={
                "date": "2026-07-01",
                "method": "opening_balances",
                "opening_balances": {
                    "liability": june["closing_liability"],
                    "rou_asset": june["rou_closing"],
                },
            },
        )
    )
    assert "errors" not in out, out
    assert out["go_live"]["balances"]["liability"] == june["closing_liability"]
    rows = out["schedule"]
    assert len(rows) == len(reference) - 6
    for ours, theirs in zip(rows, reference[6:], strict=True):
        assert (ours["period"], ours["payment"], ours["closing_liability"]) == (
            theirs["period"],
            theirs["payment"],
            theirs["closing_liability"],
        )
    assert rows[-1]["rou_closing"] == "0.00"
