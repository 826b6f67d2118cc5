"""Property tests over random valid leases: balances close, totals tie, entries balance."""

from datetime import date
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leases.engine import (
    Classification,
    Escalation,
    EscalationKind,
    Frequency,
    Incentive,
    LeaseTerms,
    PaymentStream,
    RateConvention,
    Standard,
    Timing,
    build_schedule,
    journal_lines,
)

money = st.integers(min_value=0, max_value=5_000_000).map(lambda c: D(c) / 100)


@st.composite
def leases(draw) -> LeaseTerms:
    """A random valid lease across standards, frequencies, timings and adjustments."""
    frequency = draw(st.sampled_from(list(Frequency)))
    periods = draw(st.integers(min_value=1, max_value=120 // int(frequency)))
    term = periods * int(frequency)
    standard = draw(st.sampled_from(list(Standard)))
    classification = (
        draw(st.sampled_from(list(Classification))) if standard is Standard.ASC_842 else None
    )
    transfers = classification is not Classification.OPERATING and draw(st.booleans())
    life = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=240)))
    if transfers and life is None:
        life = term + 12
    base = draw(st.integers(min_value=1, max_value=2_000_000)).__truediv__(100)
    stream = PaymentStream(
        amount=D(str(base)),
        frequency=frequency,
        timing=draw(st.sampled_from(list(Timing))),
        escalations=draw(
            st.lists(
                st.builds(
                    Escalation,
                    kind=st.sampled_from(list(EscalationKind)),
                    value=st.integers(min_value=0, max_value=800).map(lambda b: D(b) / 10000),
                    every_months=st.sampled_from([6, 12, 24]),
                ),
                max_size=1,
            ).map(tuple)
        ),
        rent_free_months=draw(st.integers(min_value=0, max_value=term - 1)),
        index_factor=draw(st.one_of(st.none(), st.sampled_from([D("1.0312"), D("0.98")]))),
    )
    incentives = []
    if draw(st.booleans()):
        incentives.append(Incentive(draw(money) / 10))
    if term > 1 and draw(st.booleans()):
        month = draw(st.integers(min_value=1, max_value=term - 1))
        incentives.append(Incentive(D(draw(st.integers(0, 50_000))), _add(month)))
    terms = LeaseTerms(
        commencement=date(2024, 3, 15),
        term_months=term,
        standard=standard,
        classification=classification,
        annual_rate=D(draw(st.integers(min_value=0, max_value=150_000))) / 1_000_000,
        rate_convention=draw(st.sampled_from(list(RateConvention))),
        payments=(stream,),
        useful_life_months=life,
        ownership_transfers=transfers,
        initial_direct_costs=draw(money) / 100,
        incentives=tuple(incentives),
        prepaid_rent=draw(money) / 100,
        restoration_cost=draw(money) / 100 if standard is Standard.IFRS_16 else D(0),
    )
    return terms


def _add(months: int) -> date:
    """A date `months` after the test commencement month."""
    index = 2024 * 12 + 2 + months
    return date(index // 12, index % 12 + 1, 10)


PROPERTY = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


def _usable(terms: LeaseTerms):
    """Build the schedule, or None when random incentives make the ROU negative."""
    from leases.engine import LeaseTermsError

    try:
        return build_schedule(terms)
    except LeaseTermsError:
        return None


@PROPERTY
@given(leases())
def test_liability_and_rou_end_at_exactly_zero(terms):
    schedule = _usable(terms)
    if schedule is None:
        return
    assert schedule.closing_liability[terms.term_months - 1] == 0
    assert schedule.rou_closing[-1] == 0
    last = schedule.posted_months()[-1]
    assert last.closing_liability == 0
    assert last.rou_closing == 0


@PROPERTY
@given(leases())
def test_total_interest_is_total_payments_less_initial_liability(terms):
    schedule = _usable(terms)
    if schedule is None:
        return
    payments = sum(schedule.payments, D(0))
    # Full precision ties to 34 significant digits; posted figures tie exactly.
    assert abs(sum(schedule.interest, D(0)) - (payments - schedule.measurement.liability)) < D(
        "1e-20"
    )
    posted = schedule.posted_months()
    assert sum((m.interest for m in posted), D(0)) == payments - schedule.posted().liability


@PROPERTY
@given(leases().filter(lambda t: t.is_operating))
def test_operating_straight_line_cost_is_payments_plus_idc_less_incentives(terms):
    schedule = _usable(terms)
    if schedule is None:
        return
    m = schedule.measurement
    total = (
        sum(schedule.payments, D(0))
        + m.payments_at_commencement
        + m.prepaid_rent
        + m.initial_direct_costs
        - m.incentives_received
    )
    posted = schedule.posted_months()
    assert sum((row.straight_line_cost for row in posted), D(0)) == total
    assert abs(schedule.straight_line_cost * terms.term_months - total) < D("1e-20")


@PROPERTY
@given(leases())
def test_every_monthly_entry_balances_and_rolls_forward(terms):
    schedule = _usable(terms)
    if schedule is None:
        return
    entries = journal_lines(schedule)
    assert len(entries) == len(schedule)
    assert next(iter(entries)) == date(2024, 3, 1)  # commencement entry in commencement month
    for lines in entries.values():
        assert sum((line.debit for line in lines), D(0)) == sum(
            (line.credit for line in lines), D(0)
        )
        for line in lines:
            assert (line.debit > 0) != (line.credit > 0)  # one side, never zero lines
            assert line.debit == line.debit.quantize(D("0.01"))
            assert line.credit == line.credit.quantize(D("0.01"))
    posted = schedule.posted_months()
    for row in posted:
        assert row.closing_liability == row.opening_liability + row.interest - row.payment
        assert row.rou_closing == row.rou_opening - row.rou_amortization
    # Rounded balances never drift more than a cent or two from full precision.
    for exact, row in zip(schedule.months, posted, strict=True):
        assert abs(exact.closing_liability - row.closing_liability) <= D("0.005")
        assert abs(exact.rou_closing - row.rou_closing) <= D("0.02")
