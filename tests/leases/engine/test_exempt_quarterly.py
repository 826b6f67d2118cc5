"""A change inside a month to an exempt lease paid quarterly or yearly, under actual days.

Monthly payers took such a change on its date already (`test_exempt_mid_month.py`); a lease
paying every 3 or 12 months was kept on the month grid and took it from the 1st of its month
(a lease with part months paying quarterly was priced as if it paid every month after a
change). Now the change applies on its date the same way (ASC 842-20-25-3, IFRS 16.7: as of the
date of the change): the straight-line cost by days to the change, the payment period under way
paid as it was, new payments from the next period's first day, the rest spread by days to the
end. Under whole months the change still applies from the 1st of its month.
"""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from leases.engine import (
    ChangeKind,
    DayCount,
    LeaseChange,
    LeaseTermsError,
    PaymentStream,
    Standard,
)
from leases.engine.dates import months_between
from leases.engine.exemptions import build_exempt_changed_schedule
from leases.engine.payments import lease_end
from leases.engine.types import Frequency, Timing

from .test_exempt_mid_month import consistent, copier, exempt, q

QUARTERLY = Frequency.QUARTERLY
MAY_15 = date(2026, 5, 15)


def quarterly(amount: str, timing=Timing.ADVANCE) -> tuple[PaymentStream, ...]:
    return (PaymentStream(D(amount), frequency=QUARTERLY, timing=timing),)


def by_month(schedule) -> dict[int, D]:
    """The months with a payment (index from January 2026) and what is paid in each."""
    return {k: amount for k, amount in enumerate(schedule.payments) if amount}


@pytest.mark.parametrize("standard", list(Standard))
def test_a_quarterly_rent_change_on_15_may_applies_on_its_date(standard):
    """12 months from 1 January 2026, 3,000 a quarter in advance (1,000 a month of cost),
    renewed on 15 May to 31 March 2027 (15 months) at 3,300 a quarter: still short-term (10.5
    months from the change; 3 months beyond the old end). The quarter April-June was paid on
    1 April; the new rent is due from the next quarter, 1 July (then 1 October, 1 January):
    15,900 in all. Cost by days to 15 May: 4,000 + 1,000 x 14/31 = 4,451.61 against 6,000 paid.
    The rest, 15,900 - 4,451.61 = 11,448.39, over 17/31 + 10 = 327/31 months: May 451.61 +
    11,448.39 x 17/327 (595.18) = 1,046.79; June 11,448.39 x 48/327 - 595.18 = 1,085.32.
    Taken from 1 May (before), the new rent was due on 1 May as well as the 1 April quarter."""
    change = LeaseChange(ChangeKind.TERM, MAY_15, term_months=15, payments=quarterly("3300"))
    schedule = build_exempt_changed_schedule(
        exempt(copier(standard, payments=quarterly("3000"))), [change]
    )
    assert by_month(schedule) == {0: 3000, 3: 3000, 6: 3300, 9: 3300, 12: 3300}
    assert len(schedule.payments) == 15
    to_change = q(4000 + D(1000) * 14 / 31)
    assert to_change == D("4451.61")
    rest = 15900 - to_change
    assert schedule.expense[:4] == [D("1000.00")] * 4
    assert schedule.expense[4] == q(D(1000) * 14 / 31) + q(rest * 17 / 327) == D("1046.79")
    assert schedule.expense[5] == q(to_change + rest * 48 / 327) - q(
        to_change + rest * 17 / 327
    ) == D("1085.32")  # fmt: skip
    assert sum(schedule.expense) == sum(schedule.payments) == 15900
    [ev] = schedule.events
    assert ev.on == MAY_15 and ev.index == 4 and not ev.lines
    consistent(schedule)
    # Whole months: the change applies from 1 May, exactly as a change dated 1 May.
    whole = copier(standard, payments=quarterly("3000"), day_count=DayCount.WHOLE_MONTHS)
    on_15 = build_exempt_changed_schedule(exempt(whole), [change])
    on_1st = build_exempt_changed_schedule(
        exempt(whole), [LeaseChange(ChangeKind.TERM, date(2026, 5, 1), term_months=15,
                                    payments=quarterly("3300"))]
    )  # fmt: skip
    assert (on_15.payments, on_15.expense) == (on_1st.payments, on_1st.expense)
    assert on_15.events[0].on is None and on_15.events[0].index == 4


def test_a_quarter_in_arrears_under_way_is_paid_at_the_old_rent():
    """IFRS 16, 3,000 a quarter in arrears (31 March, 30 June, 30 September, 31 December);
    the rent becomes 3,600 a quarter on 15 May. The April-June quarter, begun, is paid 3,000 on
    30 June; July-September and October-December 3,600: 13,200 in all. Cost by days to 15 May
    4,451.61 against 3,000 paid (1,451.61 accrued). The rest, 13,200 - 4,451.61 = 8,748.39,
    over 17/31 + 7 = 234/31 months: May 451.61 + 8,748.39 x 17/234 (635.57) = 1,087.18."""
    arrears = quarterly("3000", Timing.ARREARS)
    change = LeaseChange(
        ChangeKind.CONSIDERATION, MAY_15, payments=quarterly("3600", Timing.ARREARS)
    )
    schedule = build_exempt_changed_schedule(exempt(copier(payments=arrears)), [change])
    assert by_month(schedule) == {2: 3000, 5: 3000, 8: 3600, 11: 3600}
    rest = 13200 - D("4451.61")
    assert schedule.expense[4] == D("451.61") + q(rest * 17 / 234) == D("1087.18")
    assert sum(schedule.expense) == 13200
    assert schedule.events[0].on == MAY_15
    consistent(schedule)


def test_a_yearly_lease_terminated_on_10_august_releases_the_rent_prepaid_to_the_day():
    """12,000 paid on 1 January for the year (1,000 a month of cost), terminated on 10 August
    with nothing more to pay: the cost to the day is 7,000 + 1,000 x 9/31 = 7,290.32, so 4,709.68
    of prepaid rent goes to expense with the termination (from 1 August, before: 5,000.00)."""
    yearly = (PaymentStream(D("12000"), frequency=Frequency.ANNUAL),)
    schedule = build_exempt_changed_schedule(
        exempt(copier(payments=yearly)), [LeaseChange(ChangeKind.TERMINATION, date(2026, 8, 10))]
    )
    assert by_month(schedule) == {0: 12000}
    assert schedule.expense[7] == q(D(1000) * 9 / 31) == D("290.32")
    [ev] = schedule.events
    assert ev.on == date(2026, 8, 10)
    assert {(x.role.value, x.debit, x.credit) for x in ev.lines} == {
        ("short_term_expense", D("4709.68"), 0),
        ("deferred_rent", 0, D("4709.68")),
    }
    assert sum(schedule.expense[:8]) + D("4709.68") == 12000
    consistent(schedule)


def test_a_quarterly_lease_from_the_15th_keeps_paying_quarterly_after_a_change():
    """From 15 January 2026, 3,000 a quarter in advance on the 15th, extended on 10 May to 15
    months: five quarters, 15,000 (before, the months after the change each paid 3,000: 45,000).
    The cost totals the cash and every entry balances."""
    terms = copier(commencement=date(2026, 1, 15), payments=quarterly("3000"))
    schedule = build_exempt_changed_schedule(
        exempt(terms), [LeaseChange(ChangeKind.TERM, date(2026, 5, 10), term_months=15)]
    )
    assert by_month(schedule) == {0: 3000, 3: 3000, 6: 3000, 9: 3000, 12: 3000}
    assert sum(schedule.expense) == 15000
    consistent(schedule)


def test_a_renewal_that_ends_the_exemption_of_a_quarterly_payer():
    """A lease recognised from a day pays on its dates, monthly. Renewed on 15 May for 24
    months at 6 % with the rent 1,000 a month from then: recognised on 15 May. Renewed on 15 July
    with the quarterly rent kept, the lease on the month grid is recognised from 1 July as
    before; one with part months is refused with a sentence."""
    renewal = dict(term_months=24, annual_rate=D("0.06"))
    grid = exempt(copier(payments=quarterly("3000")))
    monthly = LeaseChange(ChangeKind.TERM, MAY_15, payments=(PaymentStream(D("1000")),), **renewal)
    schedule = build_exempt_changed_schedule(grid, [monthly])
    assert schedule.recognised is not None and schedule.events[0].on == MAY_15
    consistent(schedule)
    july_15 = LeaseChange(ChangeKind.TERM, date(2026, 7, 15), **renewal)
    kept = build_exempt_changed_schedule(grid, [july_15])
    assert kept.recognised is not None and kept.events[0].on is None
    assert kept.events[0].index == 6
    consistent(kept)
    from_15th = exempt(copier(commencement=date(2026, 1, 15), payments=quarterly("3000")))
    with pytest.raises(LeaseTermsError, match="enter its payments from the change as monthly"):
        build_exempt_changed_schedule(from_15th, [july_15])


# Refused with a sentence: a recognised lease with part months paying otherwise than monthly,
# payments not level from a recognition on the month grid, a term not whole periods, a new end
# before the period under way ends.
KNOWN_REFUSALS = (
    "enter its payments from the change as monthly",
    "Enter the payments from the",
    "is not a whole number of",
    "must end",
)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_any_change_on_any_day_to_a_lease_paid_every_3_6_or_12_months_is_consistent(data):
    """From the 1st or the 15th, paid every 3, 6 or 12 months in advance or in arrears, changed
    on any day (a renewal, a new rent, a termination): every entry balances, the balances end
    at zero, the cost is the cash paid, and the months before the change's month never move."""
    frequency = data.draw(st.sampled_from([Frequency.QUARTERLY, Frequency.SEMI_ANNUAL,
                                           Frequency.ANNUAL]), label="frequency")  # fmt: skip
    timing = data.draw(st.sampled_from(list(Timing)), label="timing")
    standard = data.draw(st.sampled_from(list(Standard)), label="standard")
    start = date(2026, 1, data.draw(st.sampled_from([1, 15]), label="day"))
    amount = D(data.draw(st.integers(100, 9000), label="amount"))
    stream = PaymentStream(amount, frequency=frequency, timing=timing)
    terms = copier(standard, commencement=start, payments=(stream,))
    on = data.draw(
        st.dates(min_value=date(2026, 2, 1), max_value=lease_end(terms)), label="effective"
    )
    kind = data.draw(st.sampled_from(["term", "rent", "termination"]), label="kind")
    if kind == "termination":
        change = LeaseChange(ChangeKind.TERMINATION, on, amount=D(data.draw(st.integers(1, 500))))
    else:
        new = data.draw(st.integers(months_between(start, on) + 2, 24), label="term")
        payments = None
        if kind == "rent" or data.draw(st.booleans(), label="new payments"):
            monthly = data.draw(st.booleans(), label="monthly")
            every = Frequency.MONTHLY if monthly else frequency
            payments = (PaymentStream(amount + 99, frequency=every, timing=timing),)
        change = LeaseChange(
            ChangeKind.TERM, on, term_months=new, payments=payments, annual_rate=D("0.06")
        )
    base = exempt(terms)
    try:
        schedule = build_exempt_changed_schedule(base, [change])
    except LeaseTermsError as error:
        assert any(x in str(error) for x in KNOWN_REFUSALS), error
        event("refused")
        return
    consistent(schedule)
    k = months_between(start, on)
    assert schedule.expense[:k] == base.expense[:k]
    assert schedule.payments[: min(k, 1)] == base.payments[: min(k, 1)]
