"""A lease with one index review posts the same month through `fast_changes` as through the
reference `ChangedSchedule`: lines, the review's own entry and the balances the current-portion
split reads. IFRS 16.42-43 (an index change remeasures the liability at the unchanged rate) and
ASC 842-10-35-5 (it is not remeasured; the difference is variable lease cost) decide the figures;
the reference engine implements both and is the yardstick here."""

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from closebooks import postings
from closebooks.changes import close_postings
from closebooks.models import AccountingPeriod
from closebooks.postings import close_postings_flat
from closebooks.services import period_close, periods_ensure
from leases.engine import (
    ChangeKind,
    Frequency,
    LeaseChange,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    Standard,
    Timing,
    build_changed_schedule,
    build_schedule,
)
from leases.engine.fast import month_schedule
from leases.engine.fast_changes import (
    ReviewMonth,
    _level_flows,
    _level_month,
    month_index_review,
    month_index_review_stored,
)
from leases.models import AccountingDefaults, GLAccount, LeasePayment
from tests.leases.engine.test_properties import PROPERTY, leases
from tests.leases.factories import make_lease

from .conftest import FEB, JAN, MAR
from .test_close_fast import _change

APR, MAY, JUN = date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)


def _month(offset: int) -> date:
    """The first of the month `offset` months after the random leases' commencement month."""
    index = 2024 * 12 + 2 + offset
    return date(index // 12, index % 12 + 1, 1)


def _in_cents(terms: LeaseTerms) -> LeaseTerms:
    """The random lease with its one-off amounts in whole cents, as a saved lease has them."""
    cent = D("0.01")
    return dataclasses.replace(
        terms,
        initial_direct_costs=terms.initial_direct_costs.quantize(cent),
        prepaid_rent=terms.prepaid_rent.quantize(cent),
        restoration_cost=terms.restoration_cost.quantize(cent),
        incentives=tuple(
            dataclasses.replace(i, amount=i.amount.quantize(cent)) for i in terms.incentives
        ),
    )


level_streams = st.lists(
    st.builds(
        PaymentStream,
        amount=st.integers(0, 3_000_000).map(lambda n: D(n) / 1000),  # rounded to the cent
        frequency=st.sampled_from(list(Frequency)),
        timing=st.sampled_from(list(Timing)),
    ),
    min_size=1,
    max_size=2,
).map(tuple)


@PROPERTY
@given(level_streams, st.integers(min_value=1, max_value=130))
def test_one_month_of_the_new_rent_is_that_month_of_all_of_it(streams, n):
    every = _level_flows(streams, n, D("0.01"))
    for j in range(n):
        assert _level_month(streams, n, D("0.01"), j) == (every[0][j], every[1][j])


def _closing(schedule, k: int) -> list[str]:
    """The closing balances the month and its current-portion split read, as text."""
    return [str(schedule.closing_liability_at(j)) for j in range(k, min(k + 13, len(schedule)))]


@PROPERTY
@given(
    leases().map(_in_cents),
    level_streams,
    st.integers(min_value=1, max_value=119),
    st.integers(min_value=0, max_value=14),
)
def test_one_index_review_posts_each_month_exactly_like_the_changed_schedule(
    terms, streams, review, later
):
    review = min(review, terms.term_months - 1)
    if review < 1:
        return  # a one-month lease takes no change
    change = LeaseChange(ChangeKind.INDEX, _month(review), payments=streams, reference="CH1")
    k = review + later
    period = _month(k)
    try:
        reference = build_changed_schedule(terms, (change,), base=build_schedule(terms))
    except LeaseTermsError:
        return  # random terms the engine refuses (a negative ROU asset)
    base = month_schedule(terms, period)
    fast = month_index_review(base, (change,), period)
    if k >= len(base):
        assert fast is None  # after the original schedule: the reference path
        return
    assert fast is not None
    assert len(fast) == len(reference)
    assert fast.journal_lines_for_month(period) == reference.journal_lines_for_month(period)
    assert [(event.label, lines) for event, lines in fast.event_lines(k)] == [
        (event.label, lines) for event, lines in reference.event_lines(k)
    ]
    if k < len(reference):
        assert _closing(fast, k) == _closing(reference, k)
        if k:
            assert str(fast.closing_liability_at(k - 1)) == str(
                reference.closing_liability_at(k - 1)
            )


def test_other_changes_and_earlier_months_take_the_reference_path():
    terms = LeaseTerms(
        commencement=JAN,
        term_months=36,
        standard=Standard.IFRS_16,
        annual_rate=D("0.06"),
        payments=(PaymentStream(D("1000")),),
    )
    review = LeaseChange(ChangeKind.INDEX, date(2026, 4, 1), payments=(PaymentStream(D("900")),))
    base = month_schedule(terms, MAY)
    assert isinstance(month_index_review(base, (review,), MAY), ReviewMonth)
    # The month before the review, two changes, another kind, a revised rate: not taken.
    assert month_index_review(month_schedule(terms, MAR), (review,), MAR) is None
    assert month_index_review(base, (review, review), MAY) is None
    other = LeaseChange(
        ChangeKind.CONSIDERATION,
        date(2026, 4, 1),
        payments=(PaymentStream(D("900")),),
        annual_rate=D("0.07"),
    )
    assert month_index_review(base, (other,), MAY) is None
    assert month_index_review(build_schedule(terms), (review,), MAY) is None


@pytest.fixture
def fast_taken(monkeypatch):
    """How many months the close computed through `fast_changes`."""
    taken = []

    def counting(base, changes, period):
        found = month_index_review(base, changes, period)
        taken.append(found is not None)
        return found

    def counting_stored(terms, changes, period, figures):
        # From the figures an IFRS 16 review kept at approval; else measured, counted above.
        found = month_index_review_stored(terms, changes, period, figures)
        if found is not None:
            taken.append(True)
        return found

    monkeypatch.setattr(postings, "month_index_review", counting)
    monkeypatch.setattr(postings, "month_index_review_stored", counting_stored)
    return taken


@pytest.mark.parametrize("current_split", [False, True])
def test_closes_with_index_reviews_equal_the_reference_path(books, fast_taken, current_split):
    company = books.company
    if current_split:
        AccountingDefaults.objects.filter(company=company).update(
            post_current_split=True,
            current_lease_liability_account=GLAccount.objects.create(
                company=company, number="2311", name="Lease liability - current"
            ),
        )
    make_lease(company, code="I-1", standard="ifrs16", classification="", amount="880.40")
    make_lease(company, code="F-1", classification="finance", amount="2000.00", term_months=24)
    quarterly = make_lease(
        company, code="Q-1", standard="ifrs16", classification="", term_months=48
    )
    LeasePayment.objects.filter(lease=quarterly).update(
        amount=D("3100.55"), frequency=3, timing="arrears"
    )
    make_lease(
        company,
        code="R-1",
        standard="ifrs16",
        classification="",
        amount="1750.00",
        commencement=date(2025, 10, 1),
        restoration_cost=D("4000.00"),
        restoration_estimate=D("5200.00"),
        restoration_rate=D("4.5"),
    )
    review = {"payments": [{"amount": "1032.00"}]}
    _change(books, "L-1", "index", FEB, review)  # ASC 842 operating, in its month
    _change(books, "F-1", "index", MAR, {"payments": [{"amount": "2064.00"}]})
    _change(books, "I-1", "index", FEB, {"payments": [{"amount": "908.57"}]})
    _change(books, "R-1", "index", MAR, {"payments": [{"amount": "1806.00"}]})
    _change(
        books,
        "Q-1",
        "index",
        APR,
        {"payments": [{"amount": "3199.77", "frequency": "quarterly", "timing": "arrears"}]},
    )
    periods_ensure(company=company, through=JUN)
    for period in AccountingPeriod.objects.filter(company=company, start__lt=JAN).order_by("start"):
        period_close(period=period, actor=books.accountant.user)  # R-1's months before 2026
    entry_kinds = set()
    for month in (JAN, FEB, MAR, APR, MAY, JUN):
        if month == MAR:
            # Approved after February closed: March posts a catch-up, on the reference path.
            _change(books, "L-2", "index", FEB, {"payments": [{"amount": "2580.00"}]})
        flat = close_postings_flat(company, month)
        assert flat == close_postings(company, month)
        entry_kinds |= {getattr(line, "entry_kind", "periodic") for line in flat.lines}
        period = AccountingPeriod.objects.get(company=company, start=month)
        period_close(period=period, actor=books.accountant.user)
    assert entry_kinds == {"periodic", "change", "catch_up"}
    # Each month twice (the comparison, then the close): every reviewed lease from its review's
    # month on (2 in February, 4 in March, 6 after); L-2's catch-up month is not even tried.
    assert fast_taken == [True] * (2 * 2 + 4 * 2 + 6 * 3 * 2)
