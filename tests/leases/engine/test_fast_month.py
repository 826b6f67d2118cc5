"""The close's one-month path (`month_posting`) and the fast flows keep the reference's figures
exactly: the stored full-precision figures, the posted balances the month reads, and the
instalments in whatever decimal context the caller computes them."""

from dataclasses import replace
from datetime import date
from decimal import ROUND_DOWN, Context, Inexact, InvalidOperation, Rounded, localcontext
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leases.engine import (
    DayCount,
    Escalation,
    EscalationKind,
    Frequency,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    Standard,
    Timing,
    build_schedule,
    fast,
    journal_lines_for_month,
)
from leases.engine.fast import fast_flows, fast_schedule, month_posting
from leases.engine.payments import expand_flows
from tests.leases.engine.test_properties import PROPERTY, leases

# More examples than the other property tests: this is the path every lease of a close takes.
MANY = settings(PROPERTY, max_examples=600)


@st.composite
def streams(draw, term: int) -> PaymentStream:
    """A stream whose frequency divides the term: level or with one escalation, in advance or
    arrears, with or without rent-free months."""
    frequency = draw(st.sampled_from([f for f in Frequency if term % int(f) == 0]))
    escalations = draw(
        st.lists(
            st.builds(
                Escalation,
                kind=st.sampled_from(list(EscalationKind)),
                # The same rate written with more or fewer digits: 0.03 and 0.030000.
                value=st.sampled_from(["0.03", "0.030000", "0.025", "0.1", "0", "15"]).map(D),
                every_months=st.sampled_from([1, 5, 12]),
            ),
            max_size=1,
        ).map(tuple)
    )
    return PaymentStream(
        amount=D(draw(st.integers(min_value=0, max_value=2_000_000))) / 100,
        frequency=frequency,
        timing=draw(st.sampled_from(list(Timing))),
        escalations=escalations,
        rent_free_months=draw(st.sampled_from([0, 0, 1, term - 1])),
    )


@st.composite
def portfolio_leases(draw) -> LeaseTerms:
    """The property tests' random leases with up to two more streams, commencing on the 1st or
    the 15th, counted in whole months or actual days (the product's default: from the 1st a
    lease has whole months, so it takes the fast path)."""
    terms = draw(leases())
    more = draw(st.lists(streams(terms.term_months), max_size=2))
    day = draw(st.sampled_from([1, 15]))
    return replace(
        terms,
        commencement=terms.commencement.replace(day=day),
        payments=(*terms.payments, *more),
        day_count=draw(st.sampled_from(list(DayCount))),
    )


def _stored(schedule) -> list[str]:
    """Every full-precision figure a schedule keeps, as text (representation included)."""
    out = [repr(schedule.measurement)]
    out += [str(x) for x in schedule.payments]
    out += [str(x) for x in schedule.closing_liability]
    return out


def _text(values) -> list[str | None]:
    return [None if x is None else str(x) for x in values]


@MANY
@given(portfolio_leases(), st.integers(min_value=-14, max_value=130))
def test_month_posting_keeps_the_reference_figures_and_posts_its_month_exactly(terms, offset):
    try:
        reference = build_schedule(terms)
    except LeaseTermsError as error:
        try:
            month_posting(terms, date(2024, 3, 1))
        except LeaseTermsError as fast_error:
            assert str(fast_error) == str(error)
            return
        raise AssertionError("the month path accepted terms the reference refuses") from error
    period = date(2024 + (2 + offset) // 12, (2 + offset) % 12 + 1, 1)
    one = month_posting(terms, period)
    assert _stored(one) == _stored(reference)
    posted, expected = one.posted(), reference.posted()
    assert str(posted.liability) == str(expected.liability)
    assert str(posted.rou) == str(expected.rou)
    # Every posted balance the month path rounded is the reference's, as text.
    for name in ("closing_liability", "rou_closing", "_sl"):
        ours = getattr(posted, name) or []
        theirs = getattr(expected, name) or []
        read = [k for k, x in enumerate(ours) if x is not None]
        assert _text(ours[k] for k in read) == _text(theirs[k] for k in read), name
    assert journal_lines_for_month(one, period) == journal_lines_for_month(reference, period)


@PROPERTY
@given(portfolio_leases())
def test_fast_schedule_of_several_streams_equals_build_schedule(terms):
    try:
        reference = build_schedule(terms)
    except LeaseTermsError:
        return
    schedule = fast_schedule(terms)
    assert _stored(schedule) == _stored(reference)
    assert schedule.posted_months() == reference.posted_months()


@PROPERTY
@given(portfolio_leases())
def test_fast_flows_follow_the_callers_decimal_context(terms):
    # The escalation factors are kept from one lease to the next: one computed in the default
    # context must not be reused where the caller computes with fewer digits or another rounding.
    assert _outcome(fast_flows, terms) == _outcome(expand_flows, terms)
    for context in (Context(prec=3), Context(prec=9), Context(prec=12, rounding=ROUND_DOWN)):
        with localcontext(context):
            assert _outcome(fast_flows, terms) == _outcome(expand_flows, terms)


def _flows_text(flows) -> tuple[list[str], list[str]]:
    return [str(x) for x in flows.advance], [str(x) for x in flows.arrears]


def _outcome(expand, terms: LeaseTerms):
    """The flows as text, or the error: with few digits a steep escalation cannot be rounded
    to the cent (InvalidOperation), on either path."""
    try:
        return _flows_text(expand(terms))
    except InvalidOperation as error:
        return type(error)


def test_an_escalation_rate_written_with_more_digits_gives_its_own_figures():
    def lease(rate: str) -> LeaseTerms:
        return LeaseTerms(
            commencement=date(2025, 1, 1),
            term_months=120,
            standard=Standard.IFRS_16,
            annual_rate=D("0.05"),
            payments=(
                PaymentStream(
                    D("1000.25"),
                    escalations=(Escalation(EscalationKind.PERCENT, D(rate), 12),),
                ),
            ),
        )

    for rate in ("0.03", "0.030000", "0.03", "0.0300"):
        terms = lease(rate)
        assert _stored(fast_schedule(terms)) == _stored(build_schedule(terms))
        assert _flows_text(fast_flows(terms)) == _flows_text(expand_flows(terms))


def test_an_escalation_factor_kept_from_the_default_context_is_not_used_in_another():
    terms = LeaseTerms(
        commencement=date(2025, 1, 1),
        term_months=120,
        standard=Standard.IFRS_16,
        annual_rate=D("0.05"),
        payments=(
            PaymentStream(
                D("1.25"), escalations=(Escalation(EscalationKind.PERCENT, D("0.03"), 12),)
            ),
        ),
    )
    default = _flows_text(fast_flows(terms))
    with localcontext(Context(prec=3)):
        # 1.03 ** 9 is 1.30 to three digits: 1.25 x 1.30 = 1.62 (to even), not 1.63.
        three_digits = _flows_text(fast_flows(terms))
        assert three_digits == _flows_text(expand_flows(terms))
    assert (default[0][108], three_digits[0][108]) == ("1.63", "1.62")


def test_the_escalation_factors_kept_stay_bounded():
    base = LeaseTerms(
        commencement=date(2025, 1, 1),
        term_months=24,
        standard=Standard.IFRS_16,
        annual_rate=D("0.05"),
        payments=(PaymentStream(D("100")),),
    )
    for step in range(fast._FACTOR_RATES + 50):
        escalation = Escalation(EscalationKind.PERCENT, D(step) / 100_000, 12)
        terms = replace(base, payments=(replace(base.payments[0], escalations=(escalation,)),))
        fast_flows(terms)
        assert len(fast._FACTORS) <= fast._FACTOR_RATES
    assert all(len(factors) <= 1200 for factors in fast._FACTORS.values())


def test_a_caller_trapping_inexact_results_gets_the_reference_error():
    terms = LeaseTerms(
        commencement=date(2025, 1, 1),
        term_months=120,  # 1.0137 ** 7 and beyond are inexact at 28 digits
        standard=Standard.IFRS_16,
        annual_rate=D("0.05"),
        payments=(
            PaymentStream(
                D("1000"), escalations=(Escalation(EscalationKind.PERCENT, D("0.0137"), 12),)
            ),
        ),
    )
    fast_flows(terms)  # the powers of 1.0137 kept from the default context
    for signal in (Inexact, Rounded):
        with localcontext() as context:
            context.traps[signal] = True
            for expand in (expand_flows, fast_flows):
                with pytest.raises(signal):
                    expand(terms)
