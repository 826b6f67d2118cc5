"""Changes to a lease brought in at go-live run from its go-live balances (every kind).

The published IFRS 16 modification examples (IFRS 16 IE Examples 17 and 19,
https://www.ifrs.org/content/dam/ifrs/publications/html-standards/english/2022/issued/
ifrs16-ie.html) are replayed on the same leases brought in at go-live, before the change: the
go-live liability is the present value of the remaining payments, so the figures at the change
are the published ones whatever the transition method did to the ROU asset.
"""

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leases.engine import (
    AccountRole,
    ChangeKind,
    Classification,
    DayCount,
    Frequency,
    LeaseChange,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    RateConvention,
    Standard,
    Timing,
    build_changed_schedule,
    build_schedule,
)
from leases.engine.dates import months_between
from leases.engine.payments import lease_end
from leases.engine.transition import (
    GoLive,
    OpeningBalances,
    TransitionMethod,
    build_golive_changed_schedule,
    build_golive_schedule,
)

from .test_transition import day_leases_and_go_live

ENDING = (ChangeKind.TERMINATION, ChangeKind.PURCHASE_OPTION)


def whole(value: D) -> D:
    return value.quantize(D(1))


def annual(amount: int) -> LeaseTerms:
    """IFRS 16 IE 16-19: 10 years from 1 January 2020, paid at the end of each year, 6 %."""
    return LeaseTerms(
        commencement=date(2020, 1, 1),
        term_months=120,
        standard=Standard.IFRS_16,
        annual_rate=D("0.06"),
        rate_convention=RateConvention.EFFECTIVE,
        payments=(PaymentStream(D(amount), Frequency.ANNUAL, Timing.ARREARS),),
    )


def arrears(amount: int) -> tuple[PaymentStream, ...]:
    return (PaymentStream(D(amount), Frequency.ANNUAL, Timing.ARREARS),)


def from_commencement_balances(terms: LeaseTerms, go_live: date) -> GoLive:
    """Opening balances as a previous system computing from commencement left them."""
    months = build_schedule(terms).posted_months()
    k = (go_live.year - terms.commencement.year) * 12 + go_live.month - terms.commencement.month
    before = months[k - 1]
    accumulated = months[0].rou_opening - before.rou_closing if not terms.is_operating else D(0)
    return GoLive(
        go_live,
        TransitionMethod.OPENING_BALANCES,
        opening=OpeningBalances(before.closing_liability, before.rou_closing, accumulated),
    )


def assert_closes(schedule) -> None:
    rows = schedule.posted_months()
    ended = [e for e in schedule.events if e.change.kind in ENDING]
    if ended:  # the last event takes the balances off
        assert ended[-1].liability_after == 0 and ended[-1].rou_after == 0
    else:
        assert rows[-1].closing_liability == 0 and rows[-1].rou_closing == 0
    for k in range(max(len(schedule), max(e.index for e in schedule.events) + 1)):
        lines = schedule.month_lines(k)
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines), k


def test_ie19_change_in_consideration_on_a_lease_brought_in_at_go_live():
    """IE 19: liability CU421,236 before, CU389,519 after (CU95,000 a year from year 6, 7 %);
    the ROU asset moves by the same CU31,717. Brought in under IFRS 16 C8(b)(ii) on 1 January
    2022, so the ROU asset at go-live equals the liability (620,979.38)."""
    golive = build_golive_schedule(annual(100000), GoLive(date(2022, 1, 1), "ifrs16_liability"))
    assert golive.balances.rou_cost == golive.balances.liability == D("620979.38")
    change = LeaseChange(
        ChangeKind.CONSIDERATION, date(2025, 1, 1), annual_rate=D("0.07"), payments=arrears(95000)
    )
    schedule = build_golive_changed_schedule(golive, [change])
    [event] = schedule.events
    assert event.change is change
    assert event.period == date(2025, 1, 1)
    assert whole(event.liability_before) == 421236
    assert whole(event.liability_after) == 389519
    assert event.rou_adjustment == event.liability_adjustment
    assert whole(event.liability_before) - whole(event.liability_after) == 31717
    # Months before the change are the go-live schedule's, line for line; nothing before go-live.
    assert schedule.start == date(2022, 1, 1)
    assert schedule.month_lines(5) == golive.periodic_lines(5)
    assert schedule.journal_lines_for_month(date(2021, 12, 1)) == []
    assert len(schedule) == 96
    assert_closes(schedule)


def test_ie17_decrease_in_scope_from_opening_balances():
    """IE 17: 5,000 m², CU50,000 a year, 6 %; half the space from year 6 at CU30,000, 5 %.
    Published: liability CU210,618 and ROU CU184,002 before; CU105,309 and CU92,001 off, a gain of
    CU13,308; the modified liability CU129,884. The lease came in on 1 January 2023 with the
    balances a previous system computed from commencement."""
    terms = annual(50000)
    golive = build_golive_schedule(terms, from_commencement_balances(terms, date(2023, 1, 1)))
    change = LeaseChange(
        ChangeKind.DECREASE_SCOPE,
        date(2025, 1, 1),
        scope_fraction=D("0.5"),
        annual_rate=D("0.05"),
        payments=arrears(30000),
    )
    [event] = build_golive_changed_schedule(golive, [change]).events
    assert whole(event.liability_before) == 210618
    assert abs(event.rou_before - 184002) <= 1
    cut = next(x for x in event.lines if x.memo.startswith("Derecognition: lease liability"))
    assert whole(cut.debit) == 105309
    assert abs(event.gain_loss - 13308) <= 1
    assert whole(event.liability_after) == 129884


def test_terminating_a_finance_lease_clears_the_accumulated_amortization_brought_in():
    terms = LeaseTerms(
        commencement=date(2024, 1, 1),
        term_months=60,
        standard=Standard.ASC_842,
        classification=Classification.FINANCE,
        annual_rate=D("0.05"),
        payments=(PaymentStream(D("2000")),),
    )
    go_live = from_commencement_balances(terms, date(2026, 1, 1))
    golive = build_golive_schedule(terms, go_live)
    cost = golive.balances.rou_cost
    accumulated_at_golive = golive.balances.accumulated_amortization
    assert accumulated_at_golive > 0
    change = LeaseChange(ChangeKind.TERMINATION, date(2026, 7, 1), amount=D("5000"))
    schedule = build_golive_changed_schedule(golive, [change])
    [event] = schedule.events
    amortized_since = golive.balances.rou_net - golive.rou_closing[5]
    lines = {x.role: x for x in event.lines}
    assert lines[AccountRole.ROU_ASSET].credit == cost
    assert lines[AccountRole.ACCUMULATED_AMORTIZATION].debit == (
        accumulated_at_golive + amortized_since
    )
    assert lines[AccountRole.LEASE_LIABILITY].debit == golive.closing_liability[5]
    assert sum(x.debit for x in event.lines) == sum(x.credit for x in event.lines)
    assert len(schedule) == 6


def test_a_change_in_the_go_live_month_is_refused_with_the_reason():
    golive = build_golive_schedule(annual(100000), GoLive(date(2022, 1, 1), "ifrs16_liability"))
    change = LeaseChange(ChangeKind.IMPAIRMENT, date(2022, 1, 20), amount=D("1000"))
    with pytest.raises(LeaseTermsError, match="after the go-live month"):
        build_golive_changed_schedule(golive, [change])


def test_an_extension_of_escalating_rent_needs_its_payments():
    terms = LeaseTerms(
        commencement=date(2020, 1, 1),
        term_months=120,
        standard=Standard.IFRS_16,
        annual_rate=D("0.06"),
        payments=(PaymentStream(D(1000), escalations=(_three_percent(),)),),
    )
    golive = build_golive_schedule(terms, GoLive(date(2022, 7, 1), "ifrs16_liability"))
    longer = LeaseChange(ChangeKind.TERM, date(2024, 1, 1), term_months=144, annual_rate=D("0.07"))
    with pytest.raises(LeaseTermsError, match="Enter the payments of the longer term"):
        build_golive_changed_schedule(golive, [longer])
    with_payments = LeaseChange(
        ChangeKind.TERM,
        date(2024, 1, 1),
        term_months=144,
        annual_rate=D("0.07"),
        payments=(PaymentStream(D(1200)),),
    )
    assert_closes(build_golive_changed_schedule(golive, [with_payments]))


def _three_percent():
    from leases.engine import Escalation, EscalationKind

    return Escalation(EscalationKind.PERCENT, D("0.03"), 12)


KINDS = [
    ChangeKind.CONSIDERATION,
    ChangeKind.TERM,
    ChangeKind.INDEX,
    ChangeKind.DECREASE_SCOPE,
    ChangeKind.INCREASE_SCOPE,
    ChangeKind.RECLASSIFICATION,
    ChangeKind.TERMINATION,
    ChangeKind.PURCHASE_OPTION,
    ChangeKind.IMPAIRMENT,
]


def _random_change(rng: random.Random, kind: ChangeKind, terms: LeaseTerms, month: int):
    effective = date(terms.commencement.year + (month // 12), month % 12 + 1, 1)
    rate = D(rng.randint(300, 900)) / 10000
    rent = (PaymentStream(D(rng.randint(500, 5000))),)
    if kind is ChangeKind.CONSIDERATION:
        return LeaseChange(kind, effective, annual_rate=rate, payments=rent)
    if kind is ChangeKind.TERM:
        return LeaseChange(
            kind, effective, term_months=terms.term_months + 12, annual_rate=rate, payments=rent
        )
    if kind is ChangeKind.INDEX:
        return LeaseChange(kind, effective, payments=rent)
    if kind is ChangeKind.DECREASE_SCOPE:
        return LeaseChange(
            kind, effective, scope_fraction=D("0.25"), annual_rate=rate, payments=rent
        )
    if kind is ChangeKind.INCREASE_SCOPE:
        return LeaseChange(kind, effective, annual_rate=rate, payments=rent)
    if kind is ChangeKind.RECLASSIFICATION:
        other = (
            Classification.OPERATING
            if terms.classification is Classification.FINANCE
            else Classification.FINANCE
        )
        return LeaseChange(kind, effective, annual_rate=rate, classification=other, payments=rent)
    return LeaseChange(kind, effective, amount=D(rng.randint(0, 500)))


@pytest.mark.parametrize("seed", range(24))
def test_property_a_change_from_opening_balances_matches_the_lease_from_commencement(seed):
    """With opening balances equal to the schedule from commencement, every kind of change gives
    the same liability, and the same ROU asset within a cent per month run (the go-live ROU
    asset is amortized over its remaining months); every entry balances, balances end at zero."""
    rng = random.Random(seed)
    standard = rng.choice([Standard.ASC_842, Standard.IFRS_16])
    classification = (
        rng.choice([Classification.OPERATING, Classification.FINANCE])
        if standard is Standard.ASC_842
        else None
    )
    terms = LeaseTerms(
        commencement=date(2024, 1, 1),
        term_months=rng.choice([48, 60, 84]),
        standard=standard,
        classification=classification,
        annual_rate=D(rng.randint(300, 900)) / 10000,
        payments=(PaymentStream(D(rng.randint(500, 5000)), timing=rng.choice(list(Timing))),),
    )
    kinds = [
        k for k in KINDS if standard is Standard.ASC_842 or k is not ChangeKind.RECLASSIFICATION
    ]
    kind = kinds[seed % len(kinds)]
    go_live_month = rng.randint(6, 20)
    change_month = go_live_month + rng.randint(1, 12)
    go_live_day = date(2024 + go_live_month // 12, go_live_month % 12 + 1, 1)
    change = _random_change(rng, kind, terms, change_month)
    if kind is ChangeKind.IMPAIRMENT:
        change = LeaseChange(kind, change.effective, amount=D(100))
    golive = build_golive_schedule(terms, from_commencement_balances(terms, go_live_day))
    ours = build_golive_changed_schedule(golive, [change])
    theirs = build_changed_schedule(terms, [change])
    [a], [b] = ours.events, theirs.events
    assert a.liability_before == b.liability_before
    assert a.liability_after == b.liability_after
    assert abs(a.rou_before - b.rou_before) <= D("0.01") * change_month
    assert abs(a.rou_after - b.rou_after) <= D("0.01") * change_month
    assert_closes(ours)
    # Nothing before go-live, the same liability month by month after it.
    offset = go_live_month
    mine = ours.posted_months()
    reference = theirs.posted_months()[offset:]
    assert [m.closing_liability for m in mine] == [m.closing_liability for m in reference]


@pytest.mark.parametrize("seed", range(18))
def test_property_a_change_on_any_day_after_go_live_matches_the_lease_from_commencement(seed):
    """Under actual days a change to a lease brought in at go-live applies on its date, as for
    the lease measured from commencement: the same liability before and after, on the same day,
    and the same liability month by month."""
    rng = random.Random(1000 + seed)
    standard = rng.choice([Standard.ASC_842, Standard.IFRS_16])
    classification = (
        rng.choice([Classification.OPERATING, Classification.FINANCE])
        if standard is Standard.ASC_842
        else None
    )
    terms = LeaseTerms(
        commencement=date(2024, 1, 1),
        term_months=rng.choice([48, 60, 84]),
        standard=standard,
        classification=classification,
        annual_rate=D(rng.randint(300, 900)) / 10000,
        payments=(PaymentStream(D(rng.randint(500, 5000)), timing=rng.choice(list(Timing))),),
        day_count=DayCount.ACTUAL_DAYS,
    )
    kinds = [
        k for k in KINDS if standard is Standard.ASC_842 or k is not ChangeKind.RECLASSIFICATION
    ]
    kind = kinds[seed % len(kinds)]
    go_live_month = rng.randint(6, 20)
    change_month = go_live_month + rng.randint(1, 12)
    go_live_day = date(2024 + go_live_month // 12, go_live_month % 12 + 1, 1)
    change = _random_change(rng, kind, terms, change_month)
    if kind is ChangeKind.IMPAIRMENT:
        change = LeaseChange(kind, change.effective, amount=D(100))
    change = replace(change, effective=change.effective.replace(day=rng.randint(2, 28)))
    golive = build_golive_schedule(terms, from_commencement_balances(terms, go_live_day))
    ours = build_golive_changed_schedule(golive, [change])
    theirs = build_changed_schedule(terms, [change])
    [a], [b] = ours.events, theirs.events
    assert a.on == b.on == change.effective
    assert (a.liability_before, a.liability_after) == (b.liability_before, b.liability_after)
    assert abs(a.rou_after - b.rou_after) <= D("0.01") * change_month
    assert_closes(ours)
    mine = ours.posted_months()
    reference = theirs.posted_months()[go_live_month:]
    assert [m.closing_liability for m in mine] == [m.closing_liability for m in reference]


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(day_leases_and_go_live(), st.data())
def test_property_stub_leases_brought_in_at_go_live_take_changes_on_any_day(case, data):
    """Actual days with stubs (an end date and payment day of their own, or a commencement
    inside a month): brought in with the balances of the schedule from commencement, a change
    on any day after the go-live month gives the same liability before and after as the lease
    from commencement, on the same day, and the same liability every month after go-live."""
    terms, g = case
    if g is None:
        return
    original = build_schedule(terms)
    rows = original.posted_months()
    before = rows[g - 1]
    accumulated = D(0) if terms.is_operating else original.posted().rou - before.rou_closing
    golive = build_golive_schedule(
        terms,
        GoLive(
            original.period(g),
            TransitionMethod.OPENING_BALANCES,
            opening=OpeningBalances(before.closing_liability, before.rou_closing, accumulated),
        ),
    )
    # On or before the last day, and not in a calendar month past the term's count of months
    # (refused for a lease commencing inside a month without an end date of its own): a
    # change outside the lease is invalid input, refused with a sentence (test_stub_changes.py).
    first = original.period(g + 1)
    end = min(lease_end(terms), original.period(terms.term_months) - timedelta(days=1))
    if first > end:
        return
    effective = first + timedelta(days=data.draw(st.integers(0, (end - first).days)))
    # A shorter term still ends after the change and its payment period.
    shortest = max(terms.term_months - 3, months_between(original.period(0), effective) + 3)
    kind = data.draw(st.sampled_from(DAY_KINDS))
    rent = (PaymentStream(D(data.draw(st.integers(100, 500_000))) / 100),)
    details = {
        ChangeKind.CONSIDERATION: {"payments": rent, "annual_rate": D("0.07")},
        ChangeKind.TERM: {
            "term_months": data.draw(st.integers(shortest, terms.term_months + 12)),
            "annual_rate": D("0.07"),
            "payments": rent,
        },
        ChangeKind.INDEX: {"payments": rent},
        ChangeKind.DECREASE_SCOPE: {"scope_fraction": D("0.3"), "annual_rate": D("0.05")},
        ChangeKind.TERMINATION: {"amount": D("100")},
        ChangeKind.IMPAIRMENT: {"amount": D("1")},
    }[kind]
    change = LeaseChange(kind, effective, **details)
    try:
        theirs = build_changed_schedule(terms, [change])
    except LeaseTermsError as error:
        assert not any(words in str(error) for words in OUTSIDE_THE_LEASE), error
        return  # e.g. an impairment larger than the ROU asset
    ours = build_golive_changed_schedule(golive, [change])
    [a], [b] = ours.events, theirs.events
    assert a.on == b.on
    assert (a.liability_before, a.liability_after) == (b.liability_before, b.liability_after)
    mine = ours.posted_months()
    assert [m.closing_liability for m in mine] == [
        m.closing_liability for m in theirs.posted_months()[g:]
    ]
    assert_closes(ours)


# Refusals of a change outside the lease: the generator above never draws one.
OUTSIDE_THE_LEASE = (
    "end after the change",
    "no change can follow",
    "before the lease term ends",
    "on or before the lease's last day",
    "the day before the next payment day",
)

DAY_KINDS = [
    ChangeKind.CONSIDERATION,
    ChangeKind.TERM,
    ChangeKind.INDEX,
    ChangeKind.DECREASE_SCOPE,
    ChangeKind.TERMINATION,
    ChangeKind.IMPAIRMENT,
]
