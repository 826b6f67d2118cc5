"""Real dates: leases that commence, and changes that take effect, on any day of the month.

Under actual days (docs/engine.md "Real dates") a partial month counts its days over the month's
days, payments fall on their dates, and interest accrues day by day at the monthly rate over the
days in the month, added at the month end or at a change date. Whole months and leases dated on
the 1st keep the original monthly figures exactly.
"""

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leases.engine import (
    ChangeKind,
    Classification,
    DayCount,
    LeaseChange,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    Standard,
    build_changed_schedule,
    build_schedule,
    journal_lines,
    journal_lines_for_month,
)
from leases.engine.changes import ENDING_KINDS
from leases.engine.jsonio import run

from .test_changes_properties import lease_with_changes
from .test_properties import leases

ACTUAL = DayCount.ACTUAL_DAYS
WHOLE = DayCount.WHOLE_MONTHS
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


def _lease(**overrides) -> LeaseTerms:
    values = {
        "commencement": date(2025, 1, 15),
        "term_months": 12,
        "standard": Standard.ASC_842,
        "classification": Classification.OPERATING,
        "annual_rate": D("0.12"),
        "payments": (PaymentStream(D("1000")),),
        "day_count": ACTUAL,
    }
    return LeaseTerms(**(values | overrides))


def _built(terms):
    try:
        return build_schedule(terms)
    except LeaseTermsError:
        return None  # random incentives made the ROU negative


def test_a_lease_commencing_on_the_15th_prorates_its_first_and_last_months_by_days():
    """1,000 a month in advance from 15 Jan 2025 for 12 months at 12 % nominal (1 % a month).

    Payments fall on the 15th (the first, at commencement, goes into the ROU asset); the term
    ends on 14 Jan 2026, so the schedule runs Jan 2025 to Jan 2026 (13 calendar months).
    Hand check: January accrues 17 of 31 days on the liability, 10,366.59 x 1 % x 17/31 = 56.85.
    February: 10,423.44 x 1 % for the month, less 1 % x 14/28 on the 1,000 paid on the 15th
    (no interest on it for the 14 days it is no longer owed): 104.23 - 5.00 = 99.23. The
    straight-line cost is 12,000 / 12 = 1,000 a whole month, 17/31 of it in January (548.39)
    and 14/31 in January 2026 (451.61).
    """
    schedule = build_schedule(_lease())
    rows = schedule.posted_months()
    assert len(rows) == 13
    assert (rows[0].period, rows[-1].period) == (date(2025, 1, 1), date(2026, 1, 1))
    assert schedule.posted().liability == D("10366.59")
    assert (rows[0].payment, rows[0].interest, rows[0].closing_liability) == (
        D("0.00"),
        D("56.85"),
        D("10423.44"),
    )
    assert (rows[1].payment, rows[1].interest, rows[1].closing_liability) == (
        D("1000.00"),
        D("99.23"),
        D("9522.67"),
    )
    assert [r.straight_line_cost for r in rows] == [D("548.39")] + [D("1000.00")] * 11 + [
        D("451.61")
    ]
    assert sum(r.straight_line_cost for r in rows) == D("12000.00")
    assert rows[-1].closing_liability == rows[-1].rou_closing == 0
    for lines in journal_lines(schedule).values():
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines)


def test_whole_months_keeps_the_original_figures_for_a_mid_month_commencement():
    whole = build_schedule(_lease(day_count=WHOLE))
    assert len(whole) == 12
    assert whole.posted().liability == D("10367.63")  # the liability of a 1 January lease
    first_of_month = build_schedule(_lease(commencement=date(2025, 1, 1), day_count=WHOLE))
    assert whole.posted_months()[0].interest == first_of_month.posted_months()[0].interest


@PROPERTY
@given(leases())
def test_on_the_first_of_the_month_actual_days_and_whole_months_give_the_same_schedule(terms):
    terms = dataclasses.replace(terms, commencement=date(2024, 3, 1))
    whole = _built(dataclasses.replace(terms, day_count=WHOLE))
    if whole is None:
        return
    actual = build_schedule(dataclasses.replace(terms, day_count=ACTUAL))
    assert actual.posted_months() == whole.posted_months()
    assert journal_lines(actual) == journal_lines(whole)


@PROPERTY
@given(leases(), st.integers(min_value=2, max_value=31))
def test_any_commencement_day_ends_at_zero_and_every_month_balances(terms, day):
    terms = dataclasses.replace(terms, commencement=date(2024, 3, day), day_count=ACTUAL)
    schedule = _built(terms)
    if schedule is None:
        return
    rows = schedule.posted_months()
    assert rows[-1].closing_liability == 0
    assert rows[-1].rou_closing == 0
    assert len(rows) == max(terms.term_months, schedule.measurement.amortization_months) + 1
    total = sum((r.interest for r in rows), D(0))
    assert total == sum((r.payment for r in rows), D(0)) - schedule.posted().liability
    for k in range(1, len(rows)):
        assert rows[k].opening_liability == rows[k - 1].closing_liability
    for period, lines in journal_lines(schedule).items():
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines), period


def _on_the_first(case):
    terms, changes = case
    return dataclasses.replace(terms, commencement=date(2024, 3, 1), day_count=ACTUAL), changes


def _changed(terms, changes):
    if _built(terms) is None:
        return None
    try:
        return build_changed_schedule(terms, changes)
    except LeaseTermsError:
        return None  # e.g. a random impairment larger than the ROU


@PROPERTY
@given(lease_with_changes())
def test_any_day_changes_end_at_zero_and_every_entry_balances(case):
    terms, changes = _on_the_first(case)
    schedule = _changed(terms, changes)
    if schedule is None:
        return
    rows = schedule.posted_months()
    last = schedule.events[-1] if schedule.events else None
    if rows and not (last is not None and last.change.kind in ENDING_KINDS):
        assert rows[-1].closing_liability == 0
        assert rows[-1].rou_closing == 0
    if last is not None and last.change.kind in ENDING_KINDS:
        assert last.liability_after == last.rou_after == 0
    for period, lines in schedule.journal_lines().items():
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines), period
    for event in schedule.events:
        assert sum(x.debit for x in event.lines) == sum(x.credit for x in event.lines)
    # Each row ties: opening + interest - payment = closing, and the opening of a month with a
    # change is the previous closing plus that month's adjustments.
    for k, row in enumerate(rows):
        assert row.opening_liability + row.interest - row.payment == row.closing_liability
        if k:
            adjust = sum((e.liability_adjustment for e in schedule.events if e.index == k), D(0))
            rou_adjust = sum((e.rou_adjustment for e in schedule.events if e.index == k), D(0))
            assert row.opening_liability == rows[k - 1].closing_liability + adjust
            assert row.rou_opening == rows[k - 1].rou_closing + rou_adjust


@PROPERTY
@given(lease_with_changes())
def test_months_before_the_earliest_any_day_change_never_move(case):
    terms, changes = _on_the_first(case)
    schedule = _changed(terms, changes)
    if schedule is None or not schedule.events:
        return
    base = build_schedule(terms)
    first = min(e.index for e in schedule.events)
    assert schedule.posted_months()[:first] == base.posted_months()[:first]
    for k in range(first):
        assert schedule.month_lines(k) == journal_lines_for_month(base, base.period(k))


@PROPERTY
@given(lease_with_changes())
def test_whole_months_changes_apply_from_the_first_of_their_month_as_before(case):
    terms, changes = case
    terms = dataclasses.replace(terms, commencement=date(2024, 3, 1), day_count=WHOLE)
    # Sorted first: changes on different days of one month keep their order on the 1st.
    ordered = sorted(changes, key=lambda c: c.effective)
    moved = [dataclasses.replace(c, effective=c.effective.replace(day=1)) for c in ordered]
    schedule = _changed(terms, changes)
    if schedule is None:
        return
    same = build_changed_schedule(terms, moved)
    assert schedule.posted_months() == same.posted_months()
    assert schedule.journal_lines() == same.journal_lines()


def test_a_rent_change_on_the_11th_remeasures_on_that_day():
    """A 1 January lease (1,000 a month in advance, 12 % nominal) changes on 11 March 2025 to
    1,200 a month at 6 % from the next payment (1 April).

    Hand check: the liability after the 1 March payment is 9,566.02 - 1,000 = 8,566.02; ten of
    March's 31 days accrue 1 %: 8,566.02 x (1 + 0.01 x 10/31) = 8,593.65 before the change. The
    nine payments from 1 April are worth 1,200 x (1 + 1.005^-1 + ... + 1.005^-8) = 10,587.55 on
    1 April, and 10,587.55 / (1 + 0.005 x 21/31) = 10,551.81 on 11 March. March's interest is
    the ten days before (27.63) plus the 21 days after (10,587.55 - 10,551.81 = 35.74): 63.37.
    """
    terms = _lease(commencement=date(2025, 1, 1))
    change = LeaseChange(
        ChangeKind.CONSIDERATION,
        date(2025, 3, 11),
        annual_rate=D("0.06"),
        payments=(PaymentStream(D("1200")),),
    )
    schedule = build_changed_schedule(terms, [change])
    event = schedule.events[0]
    assert (event.index, event.on) == (2, date(2025, 3, 11))
    assert (event.liability_before, event.liability_after) == (D("8593.65"), D("10551.81"))
    assert event.liability_adjustment == event.rou_adjustment == D("1958.16")
    march = schedule.posted_months()[2]
    assert (march.payment, march.interest, march.closing_liability) == (
        D("1000.00"),
        D("63.37"),
        D("10587.55"),
    )
    assert march.opening_liability == D("9566.02") + D("1958.16")
    assert schedule.posted_months()[3].payment == D("1200.00")
    assert schedule.posted_months()[:2] == build_schedule(terms).posted_months()[:2]


def test_a_termination_on_the_11th_posts_the_ten_days_before_it():
    terms = _lease(commencement=date(2025, 1, 1), classification=Classification.FINANCE)
    change = LeaseChange(ChangeKind.TERMINATION, date(2025, 3, 11), amount=D("500"))
    schedule = build_changed_schedule(terms, [change])
    assert len(schedule) == 3  # March still posts its first ten days
    march = schedule.posted_months()[2]
    assert (march.payment, march.interest, march.closing_liability) == (
        D("1000.00"),
        D("27.63"),
        D("0.00"),
    )
    assert schedule.events[0].liability_before == D("8593.65")
    lines = schedule.month_lines(2)
    assert sum(x.debit for x in lines) == sum(x.credit for x in lines)


def test_a_rent_change_on_a_lease_commencing_on_the_15th_splits_its_month_by_days():
    """The 15 January lease above (payments on the 15th) changes on 20 March 2025 to 1,200 a
    month at 6 % from the next payment date (15 April).

    Hand check: on 28 February the liability is 9,522.67. By 20 March, 19 of March's 31 days
    accrue 1 % on it and the 1,000 paid on the 15th stops accruing after 14 days:
    9,522.67 x (1 + 0.01 x 19/31) - 1,000 x (1 + 0.01 x 5/31) = 8,579.43. March still pays
    1,000 (the 15 March payment is before the change); April pays 1,200.
    """
    change = LeaseChange(
        ChangeKind.CONSIDERATION,
        date(2025, 3, 20),
        annual_rate=D("0.06"),
        payments=(PaymentStream(D("1200")),),
    )
    schedule = build_changed_schedule(_lease(), [change])
    event = schedule.events[0]
    assert (event.index, event.on, event.liability_before) == (2, date(2025, 3, 20), D("8579.43"))
    rows = schedule.posted_months()
    assert [r.payment for r in rows[2:4]] == [D("1000.00"), D("1200.00")]
    assert rows[2].opening_liability == D("9522.67") + event.liability_adjustment
    assert len(rows) == 13 and rows[-1].closing_liability == rows[-1].rou_closing == 0
    assert rows[:2] == build_schedule(_lease()).posted_months()[:2]


@PROPERTY
@given(lease_with_changes(), st.integers(min_value=2, max_value=31))
def test_any_day_changes_to_a_lease_commencing_on_any_day_balance_and_end_at_zero(case, day):
    terms, changes = case
    terms = dataclasses.replace(terms, commencement=date(2024, 3, day), day_count=ACTUAL)
    schedule = _changed(terms, changes)
    if schedule is None:
        return
    rows = schedule.posted_months()
    last = schedule.events[-1] if schedule.events else None
    if rows and not (last is not None and last.change.kind in ENDING_KINDS):
        assert rows[-1].closing_liability == 0
        assert rows[-1].rou_closing == 0
    for period, lines in schedule.journal_lines().items():
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines), period
    for k, row in enumerate(rows):
        assert row.opening_liability + row.interest - row.payment == row.closing_liability
        if k:
            adjust = sum((e.liability_adjustment for e in schedule.events if e.index == k), D(0))
            assert row.opening_liability == rows[k - 1].closing_liability + adjust
    if schedule.events:
        base = build_schedule(terms)
        first = min(e.index for e in schedule.events)
        assert rows[:first] == base.posted_months()[:first]


def test_lease_schedule_json_takes_the_day_count():
    data = {
        "commencement": "2025-01-15",
        "term_months": 12,
        "standard": "asc842",
        "classification": "operating",
        "annual_rate": "12%",
        "payments": [{"amount": "1000", "frequency": "monthly", "timing": "advance"}],
    }
    actual = run(data)
    assert actual["initial_measurement"]["day_count"] == "actual_days"  # the default
    assert actual["initial_measurement"]["liability"] == "10366.59"
    assert len(actual["schedule"]) == 13
    whole = run(data | {"day_count": "whole_months"})
    assert whole["initial_measurement"]["liability"] == "10367.63"
    assert len(whole["schedule"]) == 12
    bad = run(data | {"day_count": "30_360"})
    assert bad == {
        "errors": [
            {"field": "day_count", "message": "'30_360' is not one of: actual_days, whole_months."}
        ]
    }
    change = {"kind": "impairment", "effective": "2025-03-11", "amount": "100"}
    moved = run(data | {"commencement": "2025-01-01", "changes": [change]})
    assert moved["changes"][0]["applied_from"] == "2025-03-11"


@pytest.mark.parametrize("day_count", [WHOLE, ACTUAL])
def test_a_remeasurement_after_an_asc_842_index_review_starts_from_that_months_balances(
    day_count,
):
    """An ASC 842 index review is not remeasured (no new segment); a later change must still
    start from the liability of its own month, not from the review's month."""
    terms = _lease(commencement=date(2024, 3, 1), day_count=day_count)
    review = LeaseChange(ChangeKind.INDEX, date(2024, 4, 1), payments=(PaymentStream(D("1100")),))
    shorter = LeaseChange(ChangeKind.TERM, date(2024, 7, 1), term_months=10, annual_rate=D("0.1"))
    schedule = build_changed_schedule(terms, [shorter, review])
    rows = schedule.posted_months()
    event = schedule.events[1]
    assert event.change is shorter
    june = rows[event.index - 1].closing_liability
    assert event.liability_before == june == D("7728.19")  # not March's 10,471.30
    assert rows[event.index].opening_liability == june + event.liability_adjustment
