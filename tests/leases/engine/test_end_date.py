"""End dates and payment days off the monthly anniversary of commencement (stubs).

A lease that starts on 15 January 2026, ends on 31 December 2030 and pays rent on the 1st of each
month: a first stub from 15 to 31 January pays the monthly rent times 17/31 at commencement, full
months follow, and the last month ends on 31 December (docs/engine.md "Real dates").
Stub rent is the periodic rent / days of the payment period x days occupied, as Haletale's
"Understanding Prorated and Month-to-Month Rent Payments" works it: a lease from 10 March to
30 June at 1,500 a month pays (1,500 / 31) x 22 = 1,064.52 for 10-31 March, then full months.
"""

import dataclasses
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
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
    Standard,
    Timing,
    build_schedule,
    journal_lines,
    validate_terms,
)
from leases.engine.dates import anniversary_end, term_months_through
from leases.engine.fast import fast_schedule
from leases.engine.jsonio import run
from leases.engine.payments import cash_by_month

from .test_properties import leases

ACTUAL = DayCount.ACTUAL_DAYS
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


def _example(**changes) -> LeaseTerms:
    terms = LeaseTerms(
        commencement=date(2026, 1, 15),
        term_months=60,
        end_date=date(2030, 12, 31),
        payment_day=1,
        standard=Standard.ASC_842,
        classification=Classification.OPERATING,
        annual_rate=D("0.06"),
        payments=(PaymentStream(amount=D("3100.00")),),
        day_count=ACTUAL,
    )
    return dataclasses.replace(terms, **changes)


def _balanced(schedule) -> None:
    for period, lines in journal_lines(schedule).items():
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines), period


def test_the_end_date_gives_the_term_a_part_month_counting_as_one():
    assert term_months_through(date(2026, 1, 15), date(2030, 12, 31)) == 60
    assert term_months_through(date(2026, 1, 15), date(2027, 1, 14)) == 12
    assert term_months_through(date(2026, 1, 1), date(2026, 12, 31)) == 12
    assert _example().is_dated
    assert not _example(end_date=date(2031, 1, 14), payment_day=15).is_dated


def test_a_lease_from_the_15th_to_31_december_paying_on_the_1st_hand_checked():
    schedule = build_schedule(_example())
    rows = schedule.posted_months()
    # January 2026 through December 2030: 60 calendar months.
    assert len(rows) == 60
    assert rows[0].period == date(2026, 1, 1) and rows[-1].period == date(2030, 12, 1)
    # The stub 15-31 January: 3,100 x 17/31 = 1,700.00, paid at commencement into the ROU.
    assert schedule.measurement.payments_at_commencement == D("1700.00")
    assert rows[0].payment == 0
    # 59 full payments on the 1st, February 2026 to December 2030.
    assert [r.payment for r in rows[1:]] == [D("3100.00")] * 59
    # Liability at 1 February: an annuity due of 59 payments at 0.5 % a month, discounted
    # back over 17 of January's 31 days at 0.5 % x 17/31.
    r = D("0.005")
    due = D("3100") * (1 - (1 + r) ** -59) / r * (1 + r)
    liability = due / (1 + r * 17 / 31)
    assert schedule.posted().liability == liability.quantize(D("0.01")) == D("158406.90")
    # January accrues 17 days: 158,406.90 x 0.5 % x 17/31 = 434.34.
    assert rows[0].interest == D("434.34")
    assert rows[0].closing_liability == D("158841.24")
    # February: interest on the balance after the payment on the 1st.
    assert rows[1].interest == ((D("158841.24") - 3100) * r).quantize(D("0.01")) == D("778.71")
    # Straight-line: total 1,700 + 59 x 3,100 = 184,600 over 59 + 17/31 months = 3,100 a month,
    # January's 17 days 1,700.00.
    assert [x.straight_line_cost for x in rows] == [D("1700.00")] + [D("3100.00")] * 59
    # The last month ends on 31 December 2030 with nothing left.
    assert rows[-1].closing_liability == rows[-1].rou_closing == 0
    assert rows[-1].interest == 0
    _balanced(schedule)


def test_the_published_stub_rent_from_10_march_to_30_june():
    # Haletale, "Understanding Prorated and Month-to-Month Rent Payments", scenario 1.
    terms = _example(
        commencement=date(2026, 3, 10),
        end_date=date(2026, 6, 30),
        term_months=4,
        payments=(PaymentStream(amount=D("1500.00")),),
    )
    assert cash_by_month(terms) == [D("1064.52"), D("1500.00"), D("1500.00"), D("1500.00")]
    schedule = build_schedule(terms)
    assert schedule.posted_months()[-1].closing_liability == 0
    _balanced(schedule)


def test_an_end_stub_pays_its_days_and_arrears_fall_at_the_end_of_the_last_day():
    terms = _example(
        commencement=date(2026, 1, 1),
        end_date=date(2026, 3, 15),
        term_months=3,
        payments=(PaymentStream(amount=D("3100.00"), timing=Timing.ARREARS),),
        classification=Classification.FINANCE,
    )
    # January, February in full; 1-15 March is 15/31 of March's rent, paid on 15 March.
    assert cash_by_month(terms) == [D("3100.00"), D("3100.00"), D("1500.00")]
    rows = build_schedule(terms).posted_months()
    assert rows[-1].closing_liability == rows[-1].rou_closing == 0
    # Nothing accrues after the last payment, paid at the end of 15 March.
    assert rows[-1].closing_liability == 0


def test_escalations_count_full_periods_from_the_first_payment_day():
    esc = (Escalation(EscalationKind.PERCENT, D("0.03"), 12),)
    terms = _example(payments=(PaymentStream(amount=D("3100.00"), escalations=esc),))
    cash = cash_by_month(terms)
    assert cash[0] == D("1700.00")  # the stub pays the first full period's rent
    assert cash[1:13] == [D("3100.00")] * 12  # February 2026 to January 2027
    assert cash[13] == D("3193.00")  # February 2027: the 13th full period, 3 % up


def test_rent_free_months_start_with_the_stub():
    terms = _example(payments=(PaymentStream(amount=D("3100.00"), rent_free_months=2),))
    cash = cash_by_month(terms)
    assert cash[:4] == [D(0), D(0), D(0), D("3100.00")]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"end_date": date(2026, 1, 1)}, "end_date", "on or after the commencement"),
        ({"payment_day": 0}, "payment_day", "from 1 to 31"),
        ({"payment_day": 32}, "payment_day", "from 1 to 31"),
        ({"term_months": 59}, "term_months", "a term of 60 months"),
        ({"day_count": DayCount.WHOLE_MONTHS}, "day_count", "actual-days"),
        (
            {"payments": (PaymentStream(amount=D("9300"), frequency=Frequency.QUARTERLY),)},
            "payments[0].frequency",
            "must be monthly",
        ),
    ],
)
def test_bad_dates_get_a_clear_message(changes, field, words):
    issues = validate_terms(_example(**changes))
    assert [i.field for i in issues] == [field]
    assert words in issues[0].message
    with pytest.raises(LeaseTermsError):
        build_schedule(_example(**changes))


def test_lease_schedule_json_takes_the_end_date_and_payment_day():
    data = {
        "commencement": "2026-01-15",
        "end_date": "2030-12-31",
        "payment_day": 1,
        "standard": "asc842",
        "classification": "operating",
        "annual_rate": "0.06",
        "payments": [{"amount": "3100.00", "frequency": "monthly", "timing": "advance"}],
    }
    result = run(data)
    assert result["initial_measurement"]["liability"] == "158406.90"
    assert result["initial_measurement"]["end_date"] == "2030-12-31"
    assert result["initial_measurement"]["payment_day"] == 1
    assert len(result["schedule"]) == 60
    assert result["schedule"][-1]["closing_liability"] == "0.00"
    bad = run({**data, "payment_day": 40})
    assert bad["errors"] == [
        {"field": "payment_day", "message": "The payment day is a day of the month, from 1 to 31."}
    ]
    assert (
        "end_date"
        not in run({**data, "end_date": None, "payment_day": None, "term_months": 60})[
            "initial_measurement"
        ]
    )


def test_the_fast_path_gives_the_reference_figures():
    terms = _example()
    assert fast_schedule(terms).posted_months() == build_schedule(terms).posted_months()


@st.composite
def dated_leases(draw):
    start = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 730)))
    end = start + timedelta(days=draw(st.integers(0, 2000)))
    finance = draw(st.booleans())
    life = draw(st.none() | st.integers(1, 90)) if finance else None
    streams = tuple(
        PaymentStream(
            amount=draw(st.decimals("1", "20000", places=2)),
            timing=draw(st.sampled_from(list(Timing))),
            escalations=draw(
                st.sampled_from(((), (Escalation(EscalationKind.PERCENT, D("0.03"), 12),)))
            ),
        )
        for _ in range(draw(st.integers(1, 2)))
    )
    return LeaseTerms(
        commencement=start,
        term_months=term_months_through(start, end),
        end_date=end,
        payment_day=draw(st.integers(1, 31)),
        standard=draw(st.sampled_from(list(Standard))),
        classification=Classification.FINANCE if finance else Classification.OPERATING,
        annual_rate=draw(st.decimals("0", "0.2", places=4)),
        payments=streams,
        useful_life_months=life,
        day_count=ACTUAL,
        initial_direct_costs=draw(st.sampled_from((D(0), D("500.00")))),
    )


@PROPERTY
@given(dated_leases())
def test_any_end_date_and_payment_day_end_at_zero_and_every_entry_balances(terms):
    schedule = build_schedule(terms)
    rows = schedule.posted_months()
    assert (
        len(rows)
        >= (terms.end_date.year - terms.commencement.year) * 12
        + (terms.end_date.month - terms.commencement.month)
        + 1
    )
    assert rows[-1].closing_liability == 0
    assert rows[-1].rou_closing == 0
    paid = sum((r.payment for r in rows), D(0))
    assert sum((r.interest for r in rows), D(0)) == paid - schedule.posted().liability
    assert paid + schedule.measurement.payments_at_commencement == sum(cash_by_month(terms))
    for k in range(1, len(rows)):
        assert rows[k].opening_liability == rows[k - 1].closing_liability
    if terms.is_operating:
        assert sum(r.straight_line_cost for r in rows) == (
            sum(cash_by_month(terms)) + terms.initial_direct_costs
        )
    _balanced(schedule)


@PROPERTY
@given(leases(), st.integers(min_value=1, max_value=31))
def test_the_anniversary_end_date_and_day_change_nothing(terms, day):
    terms = dataclasses.replace(terms, commencement=date(2024, 3, day), day_count=ACTUAL)
    try:
        plain = build_schedule(terms)
    except LeaseTermsError:
        return
    same = dataclasses.replace(
        terms, end_date=anniversary_end(terms.commencement, terms.term_months), payment_day=day
    )
    assert not same.is_dated
    built = build_schedule(same)
    assert built.posted_months() == plain.posted_months()
    assert journal_lines(built) == journal_lines(plain)


def test_the_fast_path_sends_a_lease_from_the_1st_paying_on_the_15th_to_the_reference_path():
    terms = _example(commencement=date(2026, 1, 1), payment_day=15)
    reference = build_schedule(terms)
    assert reference.measurement.payments_at_commencement == D("1400.00")  # 1-14 January
    assert fast_schedule(terms).posted_months() == reference.posted_months()
