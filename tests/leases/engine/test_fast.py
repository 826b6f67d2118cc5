"""The fast path gives exactly the reference path's figures (value and representation)."""

from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from leases.engine import (
    Classification,
    DayCount,
    Escalation,
    EscalationKind,
    Frequency,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    RentStep,
    Standard,
    Timing,
    build_schedule,
    journal_lines,
    journal_lines_for_month,
)
from leases.engine.fast import (
    fast_flows,
    fast_schedule,
    month_posting,
    month_schedule,
    stream_posted_months,
    stream_schedules,
)
from leases.engine.payments import expand_flows
from leases.selectors import current_split_lines
from tests.leases.engine.test_properties import PROPERTY, leases


def _figures(schedule) -> list[str]:
    """Every stored and posted figure as text, so representation differences show too."""
    p = schedule.posted()
    out = [repr(schedule.measurement)]
    out += [str(x) for x in schedule.payments]
    out += [str(x) for x in schedule.closing_liability]
    out += [str(p.liability), str(p.rou), repr(sorted(p.components.items()))]
    out += [str(x) for x in p.closing_liability] + [str(x) for x in p.rou_closing]
    out += [str(x) for x in (p.straight_line_cost or [])]
    return out


def _reference(terms: LeaseTerms):
    try:
        return build_schedule(terms)
    except LeaseTermsError as error:
        return str(error)


@st.composite
def stepped_leases(draw) -> LeaseTerms:
    """A lease with a rent table and a second stream, beside the random leases' shapes."""
    terms = draw(leases())
    n = terms.term_months
    offsets = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4, unique=True))
    steps = tuple(
        RentStep(date(2024 + (2 + o) // 12, (2 + o) % 12 + 1, 1), D(draw(st.integers(0, 99999))))
        for o in offsets  # unsorted on purpose: the last step in force wins
    )
    second = PaymentStream(
        amount=D("250.333"),
        frequency=Frequency.MONTHLY,
        timing=draw(st.sampled_from(list(Timing))),
        steps=steps,
        escalations=(Escalation(EscalationKind.AMOUNT, D("10"), 6),),
    )
    return LeaseTerms(**{**_fields(terms), "payments": (*terms.payments, second)})


def _fields(terms: LeaseTerms) -> dict:
    return {name: getattr(terms, name) for name in LeaseTerms.__slots__}


@PROPERTY
@given(st.one_of(leases(), stepped_leases()))
def test_fast_schedule_equals_build_schedule_figure_for_figure(terms):
    reference = _reference(terms)
    if isinstance(reference, str):
        try:
            fast_schedule(terms)
        except LeaseTermsError as error:
            assert str(error) == reference
            return
        raise AssertionError("the fast path accepted terms the reference refuses")
    fast = fast_schedule(terms)
    assert fast_flows(terms) == expand_flows(terms)
    assert _figures(fast) == _figures(reference)
    assert fast.posted_months() == reference.posted_months()
    assert journal_lines(fast) == journal_lines(reference)


@PROPERTY
@given(st.one_of(leases(), stepped_leases()), st.integers(min_value=-2, max_value=250))
def test_month_schedule_posts_the_month_exactly_like_the_full_schedule(terms, offset):
    reference = _reference(terms)
    if isinstance(reference, str):
        return
    period = date(2024 + (2 + offset) // 12, (2 + offset) % 12 + 1, 1)
    one = month_schedule(terms, period)
    assert journal_lines_for_month(one, period) == journal_lines_for_month(reference, period)
    assert current_split_lines(one, period) == current_split_lines(reference, period)


def _as_text(lines) -> list[tuple]:
    """Journal lines with their amounts as text, so a representation difference shows too."""
    return [(line.role, str(line.debit), str(line.credit), line.memo) for line in lines]


@PROPERTY
@given(st.one_of(leases(), stepped_leases()), st.integers(min_value=-14, max_value=250))
def test_month_posting_posts_the_month_exactly_like_the_full_schedule(terms, offset):
    reference = _reference(terms)
    if isinstance(reference, str):
        try:
            month_posting(terms, date(2024, 3, 1))
        except LeaseTermsError as error:
            assert str(error) == reference
            return
        raise AssertionError("the month path accepted terms the reference refuses")
    period = date(2024 + (2 + offset) // 12, (2 + offset) % 12 + 1, 1)
    one = month_posting(terms, period)
    assert _as_text(journal_lines_for_month(one, period)) == _as_text(
        journal_lines_for_month(reference, period)
    )
    assert _as_text(current_split_lines(one, period)) == _as_text(
        current_split_lines(reference, period)
    )


def test_month_posting_rounds_only_what_its_month_reads():
    terms = LeaseTerms(
        commencement=date(2025, 1, 1),
        term_months=36,
        standard=Standard.ASC_842,
        classification=Classification.OPERATING,
        annual_rate=D("0.06"),
        payments=(PaymentStream(D("1000.00")),),
    )
    posted = month_posting(terms, date(2025, 6, 1)).posted()
    reference = build_schedule(terms).posted()
    kept = {4: "before", 5: "month", 16: "current before", 17: "current after"}
    assert len(posted.closing_liability) == 18  # as long as month_schedule's posting
    for k, closing in enumerate(posted.closing_liability):
        assert closing == (reference.closing_liability[k] if k in kept else None), k
    assert [k for k, rou in enumerate(posted.rou_closing) if rou is not None] == [4, 5]
    assert posted.rou_closing[4:6] == reference.rou_closing[4:6]
    assert posted.straight_line_at(5) == reference.straight_line_at(5)


def test_streams_yield_one_lease_at_a_time():
    terms = LeaseTerms(
        commencement=date(2025, 1, 1),
        term_months=24,
        standard=Standard.IFRS_16,
        annual_rate=D("0.05"),
        payments=(PaymentStream(D("1000")),),
    )

    def endless():
        while True:
            yield terms

    schedules = stream_schedules(endless())
    first, second = next(schedules), next(schedules)
    assert first is not second
    assert _figures(first) == _figures(build_schedule(terms))
    rows = next(stream_posted_months(endless()))
    assert rows == build_schedule(terms).posted_months()


def test_leases_on_actual_days_from_inside_a_month_take_the_reference_path():
    for day, standard, classification in (
        (15, Standard.IFRS_16, None),
        (31, Standard.ASC_842, Classification.OPERATING),
    ):
        terms = LeaseTerms(
            commencement=date(2025, 1, day),
            term_months=24,
            standard=standard,
            classification=classification,
            annual_rate=D("0.06"),
            payments=(PaymentStream(D("1000"), timing=Timing.ARREARS),),
            day_count=DayCount.ACTUAL_DAYS,
        )
        reference = build_schedule(terms)
        assert _figures(fast_schedule(terms)) == _figures(reference)
        for offset in range(0, 27):
            period = date(2025 + offset // 12, offset % 12 + 1, 1)
            one = month_schedule(terms, period)
            assert journal_lines_for_month(one, period) == journal_lines_for_month(
                reference, period
            )
            assert current_split_lines(one, period) == current_split_lines(reference, period)
