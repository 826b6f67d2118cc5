"""The close's index-review month path (`leases.engine.fast_changes`) takes only a review that
`validate_changes` finds nothing wrong with: it checks what is left of the engine's rules itself
instead of running them again for each of thousands of leases, and a review the engine refuses
(negative rent, a date outside the term, a rate or restoration cost it may not carry) must still
reach the reference path, which says what is wrong."""

from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from leases.engine import (
    ChangeKind,
    Frequency,
    LeaseChange,
    LeaseTermsError,
    PaymentStream,
    Timing,
    validate_changes,
)
from leases.engine.fast import month_schedule
from leases.engine.fast_changes import month_index_review
from tests.leases.engine.test_properties import PROPERTY, leases

from .test_close_fast_changes import _in_cents


def _month(offset: int) -> date:
    """The first of the month `offset` months after the random leases' commencement month."""
    index = 2024 * 12 + 2 + offset
    return date(index // 12, index % 12 + 1, 1)


streams = st.lists(
    st.builds(
        PaymentStream,
        # Often a negative amount: the engine refuses it.
        amount=st.one_of(st.integers(-5_000, -1), st.integers(0, 3_000_000)).map(
            lambda n: D(n) / 100
        ),
        frequency=st.sampled_from(list(Frequency)),
        timing=st.sampled_from(list(Timing)),
    ),
    min_size=1,
    max_size=2,
).map(tuple)


@st.composite
def reviews(draw, offset: int) -> LeaseChange:
    """An index review `offset` months after commencement, often with something the engine
    refuses."""
    return LeaseChange(
        ChangeKind.INDEX,
        _month(offset),
        payments=draw(st.sampled_from([None, (), *[draw(streams)] * 4])),
        annual_rate=draw(st.sampled_from([None, None, None, D("0.05"), D("1.5")])),
        restoration_paid=draw(st.sampled_from([None, None, D("10.00")])),
        reference="CH1",
    )


@PROPERTY
@given(
    leases().map(_in_cents), st.data(), st.integers(min_value=-2, max_value=130), st.integers(0, 14)
)
def test_a_review_taken_by_the_month_path_is_one_the_engine_accepts(terms, data, offset, later):
    if data.draw(st.booleans()):
        offset = min(offset, terms.term_months - 1)  # mostly inside the term
    review = data.draw(reviews(offset))
    period = _month(max(offset, 0) + later)
    try:
        base = month_schedule(terms, period)
    except LeaseTermsError:
        return  # random terms the engine refuses (a negative ROU asset)
    taken = month_index_review(base, (review,), period)
    if taken is not None:
        assert validate_changes(terms, (review,)) == []


def test_reviews_the_engine_refuses_take_the_reference_path():
    from leases.engine import LeaseTerms, Standard

    terms = LeaseTerms(
        commencement=date(2026, 1, 1),
        term_months=36,
        standard=Standard.IFRS_16,
        annual_rate=D("0.06"),
        payments=(PaymentStream(D("1000")),),
    )
    may = date(2026, 5, 1)
    base = month_schedule(terms, may)
    good = LeaseChange(ChangeKind.INDEX, date(2026, 4, 1), payments=(PaymentStream(D("900")),))
    assert month_index_review(base, (good,), may) is not None
    for bad in (
        LeaseChange(ChangeKind.INDEX, date(2026, 4, 1), payments=(PaymentStream(D("-1")),)),
        LeaseChange(
            ChangeKind.INDEX,
            date(2026, 4, 1),
            payments=(PaymentStream(D("900")),),
            restoration_paid=D("5.00"),
        ),
    ):
        assert validate_changes(terms, (bad,))
        assert month_index_review(base, (bad,), may) is None
