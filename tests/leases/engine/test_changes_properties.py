"""Property tests: after any sequence of changes, balances end at zero, entries balance, and the
months before the earliest change are exactly the original schedule's."""

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as count_as
from hypothesis import strategies as st

from leases.engine import (
    ChangeKind,
    Classification,
    Frequency,
    LeaseChange,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    Standard,
    Timing,
    build_changed_schedule,
    build_schedule,
    journal_lines_for_month,
)
from leases.engine.changes import ENDING_KINDS
from leases.engine.dates import add_months

from .test_properties import leases

KINDS = [k for k in ChangeKind if k is not ChangeKind.RECLASSIFICATION] + [
    ChangeKind.RECLASSIFICATION
]


@st.composite
def lease_with_changes(draw):
    terms = draw(leases())
    cent = D("0.01")
    # Posted amounts are whole cents; the shared strategy sometimes draws finer ones.
    terms = dataclasses.replace(
        terms,
        initial_direct_costs=terms.initial_direct_costs.quantize(cent),
        prepaid_rent=terms.prepaid_rent.quantize(cent),
        restoration_cost=terms.restoration_cost.quantize(cent),
    )
    horizon = terms.term_months
    count = draw(st.integers(min_value=1, max_value=3))
    changes = []
    # Changes are drawn in effective order, so `horizon` is the term in force at each one and
    # none falls after the lease's end (invalid input, refused with a sentence: tested below).
    after_month, after_day = 1, 1
    for i in range(count):
        if horizon - 1 < after_month:
            break
        month = draw(st.integers(min_value=after_month, max_value=horizon - 1))
        day = draw(st.integers(after_day if month == after_month else 1, 28))
        after_month, after_day = month, day
        effective = add_months(terms.commencement.replace(day=1), month).replace(day=day)
        kind = draw(st.sampled_from(KINDS))
        rate = D(draw(st.integers(min_value=0, max_value=150_000))) / 1_000_000
        payments = (
            PaymentStream(
                D(draw(st.integers(min_value=0, max_value=2_000_000))) / 100,
                Frequency.MONTHLY,
                draw(st.sampled_from(list(Timing))),
            ),
        )
        new_term = draw(st.integers(min_value=month + 1, max_value=month + 60))
        change = LeaseChange(
            kind=kind,
            effective=effective,
            term_months=new_term if kind in {ChangeKind.TERM, ChangeKind.INCREASE_SCOPE} else None,
            payments=payments
            if kind
            in {
                ChangeKind.CONSIDERATION,
                ChangeKind.INDEX,
                ChangeKind.INCREASE_SCOPE,
                ChangeKind.DECREASE_SCOPE,
                ChangeKind.RECLASSIFICATION,
            }
            else None,
            annual_rate=None
            if kind
            in {
                ChangeKind.INDEX,
                ChangeKind.IMPAIRMENT,
                ChangeKind.TERMINATION,
                ChangeKind.PURCHASE_OPTION,
            }
            else rate,
            scope_fraction=D(draw(st.integers(1, 99))) / 100
            if kind is ChangeKind.DECREASE_SCOPE
            else None,
            amount=D(draw(st.integers(min_value=0, max_value=1_000_000))) / 100
            if kind in {ChangeKind.TERMINATION, ChangeKind.PURCHASE_OPTION}
            else D(1)
            if kind is ChangeKind.IMPAIRMENT
            else D(0),
            classification=draw(st.sampled_from(list(Classification)))
            if kind is ChangeKind.RECLASSIFICATION and terms.standard is Standard.ASC_842
            else None,
            reference=f"C{i}",
        )
        changes.append(change)
        if kind is ChangeKind.TERM or kind is ChangeKind.INCREASE_SCOPE:
            horizon = new_term
        if kind in {ChangeKind.TERMINATION, ChangeKind.PURCHASE_OPTION}:
            break
    return terms, changes


PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


# Refusals of a change outside the lease: the generator never draws one.
OUTSIDE_THE_LEASE = ("before the lease term ends", "no change can follow", "end after the change")


def _build(terms, changes):
    try:
        build_schedule(terms)
    except LeaseTermsError:
        return None  # random incentives made the original ROU negative
    try:
        return build_changed_schedule(terms, changes)
    except LeaseTermsError as error:
        assert not any(words in str(error) for words in OUTSIDE_THE_LEASE), error
        count_as("refused by a rule")
        return None  # e.g. a random impairment larger than the ROU, or a rule refused


@PROPERTY
@given(lease_with_changes())
def test_balances_end_at_zero_and_every_entry_balances(case):
    terms, changes = case
    schedule = _build(terms, changes)
    if schedule is None:
        return
    rows = schedule.posted_months()
    last = schedule.events[-1] if schedule.events else None
    if last is not None and last.change.kind in ENDING_KINDS:
        # The lease ended: the event takes the last month's balances off the books.
        assert last.liability_after == last.rou_after == 0
        same_month = [e for e in schedule.events if e.index == last.index]
        if len(same_month) > 1:
            # A second change in the month starts from the first one's result.
            assert last.liability_before == same_month[-2].liability_after
            assert last.rou_before == same_month[-2].rou_after
        else:
            assert last.liability_before == rows[-1].closing_liability
            assert last.rou_before == rows[-1].rou_closing
    elif rows:
        assert rows[-1].closing_liability == 0
        assert rows[-1].rou_closing == 0
    for period, lines in schedule.journal_lines().items():
        debit = sum((x.debit for x in lines), D(0))
        credit = sum((x.credit for x in lines), D(0))
        assert debit == credit, period
    for event in schedule.events:
        assert sum(x.debit for x in event.lines) == sum(x.credit for x in event.lines)
    # Each month's balances follow from the previous month's and its entry.
    for k in range(1, len(rows)):
        if k not in schedule.segment_starts:
            assert rows[k].opening_liability == rows[k - 1].closing_liability
            assert rows[k].rou_opening == rows[k - 1].rou_closing


@PROPERTY
@given(lease_with_changes())
def test_months_before_the_earliest_change_are_unchanged(case):
    terms, changes = case
    schedule = _build(terms, changes)
    if schedule is None:
        return
    if not schedule.events:
        return
    base = build_schedule(terms)
    first = min(e.index for e in schedule.events)
    assert schedule.posted_months()[:first] == base.posted_months()[:first]
    for k in range(first):
        assert schedule.month_lines(k) == journal_lines_for_month(base, base.period(k))


def test_a_change_applies_from_the_start_of_its_month():
    terms = LeaseTerms(
        commencement=date(2024, 1, 1),
        term_months=24,
        standard=Standard.IFRS_16,
        annual_rate=D("0.05"),
        payments=(PaymentStream(D(1000)),),
    )
    on_the_first = LeaseChange(
        ChangeKind.CONSIDERATION,
        date(2024, 7, 1),
        annual_rate=D("0.05"),
        payments=(PaymentStream(D(1200)),),
    )
    mid_month = LeaseChange(
        ChangeKind.CONSIDERATION,
        date(2024, 7, 19),
        annual_rate=D("0.05"),
        payments=(PaymentStream(D(1200)),),
    )
    a = build_changed_schedule(terms, [on_the_first])
    b = build_changed_schedule(terms, [mid_month])
    assert a.posted_months() == b.posted_months()
    assert a.events[0].period == b.events[0].period == date(2024, 7, 1)


@pytest.mark.parametrize(
    ("kind", "details"),
    [
        (ChangeKind.TERM, {"term_months": 30, "annual_rate": D("0.05")}),
        (ChangeKind.CONSIDERATION, {"payments": (PaymentStream(D(900)),), "annual_rate": D(0)}),
        (ChangeKind.INDEX, {"payments": (PaymentStream(D(1100)),)}),
        (ChangeKind.DECREASE_SCOPE, {"scope_fraction": D("0.5"), "annual_rate": D("0.05")}),
    ],
)
def test_a_change_after_the_term_has_ended_is_refused_with_a_sentence(kind, details):
    """A 24-month lease shortened to 12 months in month 6: a change in month 15 falls after the
    term in force then, and is refused whatever its kind."""
    terms = LeaseTerms(
        commencement=date(2024, 1, 1),
        term_months=24,
        standard=Standard.IFRS_16,
        annual_rate=D("0.05"),
        payments=(PaymentStream(D(1000)),),
    )
    shorter = LeaseChange(ChangeKind.TERM, date(2024, 7, 1), term_months=12, annual_rate=D("0.05"))
    late = LeaseChange(kind, date(2025, 4, 1), **details)
    with pytest.raises(LeaseTermsError) as error:
        build_changed_schedule(terms, [late, shorter])
    assert "changes[0].effective: The change must take effect before the lease term ends." in str(
        error.value
    )
