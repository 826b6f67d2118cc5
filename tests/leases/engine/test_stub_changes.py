"""Changes to a lease with stubs (an end date or payment day off the monthly anniversary of
commencement): balances end at exactly zero, every entry balances, the months before a change
never move, and a term change moves the end date (docs/engine.md "Real dates")."""

import dataclasses
from datetime import date, timedelta
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
    Timing,
    build_changed_schedule,
    build_schedule,
    journal_lines_for_month,
)
from leases.engine.changes import ENDING_KINDS, moved_end
from leases.engine.dates import months_between
from leases.engine.jsonio import run
from leases.engine.payments import lease_end

from .test_end_date import dated_leases

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


def _example(**changes) -> LeaseTerms:
    """15 January 2026 to 20 December 2027, 3,100 a month due on the 1st, 6 %."""
    terms = LeaseTerms(
        commencement=date(2026, 1, 15),
        term_months=24,
        end_date=date(2027, 12, 20),
        payment_day=1,
        standard=Standard.ASC_842,
        classification=Classification.OPERATING,
        annual_rate=D("0.06"),
        payments=(PaymentStream(amount=D("3100.00")),),
        day_count=DayCount.ACTUAL_DAYS,
    )
    return dataclasses.replace(terms, **changes)


@st.composite
def stub_leases_with_changes(draw):
    terms = draw(dated_leases())
    end = lease_end(terms)  # the last day a change is taken
    days = (end - terms.commencement).days
    changes = []
    on = terms.commencement
    for i in range(draw(st.integers(1, 2))):
        # After the commencement month, on or before the last day.
        first = max(on, terms.commencement.replace(day=28) + timedelta(days=4))
        if first > end:
            break
        on = first + timedelta(days=draw(st.integers(0, max((end - first).days, 0))))
        if on > end or days < 40:
            break
        kind = draw(st.sampled_from(list(ChangeKind)))
        rate = D(draw(st.integers(0, 150_000))) / 1_000_000
        payments = (
            PaymentStream(
                D(draw(st.integers(0, 2_000_000))) / 100,
                timing=draw(st.sampled_from(list(Timing))),
            ),
        )
        # A shorter term still ends after the change and its payment period (a new term that
        # ends before its change is invalid input, refused with a sentence: tested below).
        at_least = months_between(terms.commencement, on) + 3
        term = draw(st.integers(max(terms.term_months - 6, at_least), terms.term_months + 24))
        changes.append(
            LeaseChange(
                kind=kind,
                effective=on,
                term_months=term if kind in {ChangeKind.TERM, ChangeKind.DECREASE_SCOPE} else None,
                payments=payments
                if kind
                in {
                    ChangeKind.CONSIDERATION,
                    ChangeKind.INDEX,
                    ChangeKind.INCREASE_SCOPE,
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
                if kind is ChangeKind.DECREASE_SCOPE and draw(st.booleans())
                else None,
                amount=D(draw(st.integers(0, 1_000_000))) / 100
                if kind in ENDING_KINDS
                else D(1)
                if kind is ChangeKind.IMPAIRMENT
                else D(0),
                classification=Classification.FINANCE
                if kind is ChangeKind.RECLASSIFICATION and terms.standard is Standard.ASC_842
                else None,
                reference=f"C{i}",
            )
        )
        if kind in ENDING_KINDS or kind in {ChangeKind.TERM, ChangeKind.DECREASE_SCOPE}:
            break
    return terms, changes


# Refusals of a change outside the lease: the generator never draws one.
OUTSIDE_THE_LEASE = (
    "end after the change",
    "no change can follow",
    "before the lease term ends",
    "on or before the lease's last day",
    "the day before the next payment day",
)


def _changed(terms, changes):
    try:
        build_schedule(terms)
        return build_changed_schedule(terms, changes)
    except LeaseTermsError as error:
        assert not any(words in str(error) for words in OUTSIDE_THE_LEASE), error
        return None  # e.g. a random impairment larger than the ROU, or a rule refused


@PROPERTY
@given(stub_leases_with_changes())
def test_changes_to_a_lease_with_stubs_end_at_zero_and_every_entry_balances(case):
    terms, changes = case
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
    for k, row in enumerate(rows):
        assert row.opening_liability + row.interest - row.payment == row.closing_liability
        if k:
            adjust = sum((e.liability_adjustment for e in schedule.events if e.index == k), D(0))
            assert row.opening_liability == rows[k - 1].closing_liability + adjust
    if schedule.events:
        base = build_schedule(terms)
        first = min(e.index for e in schedule.events)
        assert rows[:first] == base.posted_months()[:first]
        for k in range(first):
            assert schedule.month_lines(k) == journal_lines_for_month(base, base.period(k))


def test_a_term_extension_moves_the_end_date_and_the_last_stub():
    """Extended by 6 months on 10 March 2027 (7 %): the end date moves from 20 December 2027 to
    20 June 2028, December becomes a full month (3,100.00 instead of 3,100 / 31 x 20 = 2,000.00)
    and June 2028 pays 1-20 June: 3,100 / 30 x 20 = 2,066.67."""
    terms = _example()
    before = build_schedule(terms).posted_months()
    assert before[-1].period == date(2027, 12, 1) and before[-1].payment == D("2000.00")
    change = LeaseChange(ChangeKind.TERM, date(2027, 3, 10), term_months=30, annual_rate=D("0.07"))
    schedule = build_changed_schedule(terms, [change])
    rows = schedule.posted_months()
    assert moved_end(terms.end_date, 6) == date(2028, 6, 20)
    assert rows[-1].period == date(2028, 6, 1)
    assert rows[23].payment == D("3100.00")
    assert rows[-1].payment == D("2066.67")
    assert rows[-1].closing_liability == rows[-1].rou_closing == 0
    assert rows[:14] == before[:14]
    assert sum(r.straight_line_cost for r in rows) == sum(r.payment for r in rows) + D("1700.00")


def test_an_extension_in_the_final_stub_pays_the_days_after_the_old_end():
    """Extended by 3 months on 10 December 2027, inside the last part period (1-20 December,
    2,000.00 paid on 1 December): that rent stays paid, and 21-31 December is a part period of
    its own, paid in advance on 21 December (3,100 / 31 x 11 = 1,100.00); the new last part
    period is 1-20 March 2028 (2,000.00)."""
    change = LeaseChange(ChangeKind.TERM, date(2027, 12, 10), term_months=27, annual_rate=D("0.06"))
    rows = build_changed_schedule(_example(), [change]).posted_months()
    assert rows[23].payment == D("3100.00")  # 2,000.00 on 1 December + 1,100.00 on the 21st
    assert [r.payment for r in rows[24:]] == [D("3100.00"), D("3100.00"), D("2000.00")]
    assert rows[-1].period == date(2028, 3, 1)
    assert rows[-1].closing_liability == rows[-1].rou_closing == 0


def test_new_payments_start_on_the_next_payment_day_and_keep_the_last_stub():
    """New rent of 3,500 from 10 March 2027: March keeps its 3,100 (paid on 1 March), April pays
    3,500, and the last part period 1-20 December pays 3,500 / 31 x 20 = 2,258.06."""
    change = LeaseChange(
        ChangeKind.CONSIDERATION,
        date(2027, 3, 10),
        payments=(PaymentStream(D("3500.00")),),
        annual_rate=D("0.07"),
    )
    rows = build_changed_schedule(_example(), [change]).posted_months()
    assert [r.payment for r in rows[14:16]] == [D("3100.00"), D("3500.00")]
    assert rows[-1].payment == D("2258.06")
    assert rows[-1].closing_liability == 0


def test_a_termination_in_the_final_stub_posts_the_days_before_it():
    change = LeaseChange(ChangeKind.TERMINATION, date(2027, 12, 10), amount=D("0"))
    schedule = build_changed_schedule(_example(), [change])
    assert len(schedule) == 24
    event = schedule.events[0]
    assert event.liability_after == event.rou_after == 0
    lines = schedule.month_lines(23)
    assert sum(x.debit for x in lines) == sum(x.credit for x in lines)


@pytest.mark.parametrize(
    ("kind", "details"),
    [
        (ChangeKind.TERMINATION, {"amount": D("50.00")}),
        (ChangeKind.IMPAIRMENT, {"amount": D("1.00")}),
        (ChangeKind.CONSIDERATION, {"payments": (PaymentStream(D("3300.00")),)}),
    ],
)
def test_a_change_in_the_last_calendar_month_before_the_end_date_is_taken(kind, details):
    """15 January 2026 to 14 January 2027 is 12 months of term, and its last days fall in a
    13th calendar month: a change on 5 January 2027 is before the lease's last day, so it is
    taken (it used to be refused as after the term), and balances still end at zero."""
    terms = _example(term_months=12, end_date=date(2027, 1, 14))
    rate = {"annual_rate": D("0.06")} if kind is ChangeKind.CONSIDERATION else {}
    schedule = build_changed_schedule(
        terms, [LeaseChange(kind, date(2027, 1, 5), **details, **rate)]
    )
    [event] = schedule.events
    assert event.on == date(2027, 1, 5) and event.index == 12
    rows = schedule.posted_months()
    assert rows[-1].closing_liability == 0 and rows[-1].rou_closing == 0
    for period, lines in schedule.journal_lines().items():
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines), period


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            LeaseChange(ChangeKind.TERMINATION, date(2027, 12, 21)),
            "on or before the lease's last day (2027-12-20)",
        ),
        (
            LeaseChange(ChangeKind.TERM, date(2027, 3, 10), term_months=15, annual_rate=D("0.06")),
            "on or after the day before the next payment day (2027-03-31)",
        ),
    ],
)
def test_changes_outside_a_stub_lease_get_a_sentence(change, words):
    with pytest.raises(LeaseTermsError) as error:
        build_changed_schedule(_example(), [change])
    assert words in str(error.value)


def test_lease_schedule_json_takes_changes_on_a_lease_with_stubs():
    data = {
        "commencement": "2026-01-15",
        "end_date": "2027-12-20",
        "payment_day": 1,
        "standard": "asc842",
        "classification": "operating",
        "annual_rate": "0.06",
        "payments": [{"amount": "3100.00"}],
        "changes": [
            {"kind": "term", "effective": "2027-03-10", "term_months": 30, "annual_rate": "0.07"}
        ],
    }
    out = run(data)
    assert "errors" not in out, out
    assert out["schedule"][-1]["period"] == "2028-06-01"
    assert out["schedule"][-1]["payment"] == "2066.67"
    assert out["schedule"][-1]["closing_liability"] == "0.00"
