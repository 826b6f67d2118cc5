"""The same schedules as `build_schedule`, built with fewer Decimal operations, and streamed.

Every figure is identical to the reference path (`schedule.py`, `payments.py`): the operations
that round (the present-value recursion, each instalment, each quantize, the straight-line
division) run in the same order on the same operands. Only exact work is rearranged or skipped:
an instalment is computed once per distinct escalation step instead of once per payment, a zero
flow is not added, and sums of whole-cent amounts are accumulated instead of re-added.
`tests/leases/engine/test_fast.py` checks figure for figure against the reference on random
leases.

* `fast_schedule(terms)` is `build_schedule(terms)` with its posted figures already computed.
* `month_schedule(terms, period)` posts one month: the liability is still measured over the
  whole term (it is the present value of every payment), but posted balances are rounded only
  through twelve months after `period` (what the month's lines and its current-portion split
  read). Its `posted()` is that short schedule: use it for that month only. Changes built on it
  (`build_changed_schedule(..., base=month_schedule(...))`) round their segments only as far
  too, so a close with changes computes no more than the month needs.
* `stream_schedules(terms)` and `stream_posted_months(terms)` are generators: one lease at a
  time, so memory does not grow with the number of leases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, getcontext, localcontext
from itertools import accumulate, islice, repeat
from operator import add, mul, sub, truediv

from .dates import months_between
from .payments import cents, payment_amount
from .schedule import (
    ENGINE_CONTEXT,
    PostedSchedule,
    Schedule,
    amortization_months,
    build_schedule,
    monthly_rate,
)
from .types import (
    ZERO,
    EscalationKind,
    InitialMeasurement,
    LeaseTerms,
    PaymentFlows,
    ScheduleMonth,
    Standard,
    Timing,
)
from .validation import check_rou, check_terms

HALF_UP = ROUND_HALF_UP
_quantize = Decimal.quantize
# Month counts as Decimals (k + 1 for k < 1,200, the longest term plus a useful life beyond it).
_COUNTS = [Decimal(k) for k in range(0, 2402)]
# `cents(decimals)` for every currency the terms may have (validated: 0 to 6 decimals).
_UNITS = {decimals: cents(decimals) for decimals in range(7)}


def _unit(decimals: int) -> Decimal:
    """`cents(decimals)`, the same Decimal, without computing it again."""
    unit = _UNITS.get(decimals)
    return unit if unit is not None else cents(decimals)


# (1 + rate) ** count of a percent escalation, as `payment_amount` computes it, per rate as
# written (its digits and exponent) and the arithmetic context it was computed in: a portfolio
# repeats its escalation rates, and each power is the same Decimal operation on the same
# operands. Bounded: cleared past `_FACTOR_RATES` rates (at most 1,200 counts each).
_FACTORS: dict[tuple, dict[int, Decimal]] = {}
_FACTOR_RATES = 1_000


def _escalation_factors(value: Decimal) -> dict[int, Decimal]:
    """The powers of (1 + value) computed so far in the current context, by count. A kept
    power signals nothing again; the instalment's rounding to the cent still does (a caller
    trapping inexact or rounded results gets the reference's error)."""
    context = getcontext()
    key = (
        value.as_tuple(),
        context.prec,
        context.rounding,
        context.Emax,
        context.Emin,
        context.clamp,
    )
    found = _FACTORS.get(key)
    if found is None:
        if len(_FACTORS) >= _FACTOR_RATES:
            _FACTORS.clear()
        found = _FACTORS[key] = {}
    return found


def fast_flows(terms: LeaseTerms) -> PaymentFlows:
    """`expand_flows(terms)`, computing each distinct instalment once."""
    return _flows(terms)[0]


def _flows(terms: LeaseTerms) -> tuple[PaymentFlows, bool, bool]:
    """The flows, whether anything was put in arrears, and whether every month's advance flow
    was written (a monthly stream in advance with no rent-free months: no ZERO constant left)."""
    n = terms.term_months
    unit = _unit(terms.currency_decimals)
    advance = [ZERO] * n
    arrears = [ZERO] * n
    in_arrears_any = False
    dense = False
    written: list[list[Decimal]] = []  # the lists a stream has added to already
    commencement = terms.commencement
    for stream in terms.payments:
        period = int(stream.frequency)
        in_arrears = stream.timing is not Timing.ADVANCE
        in_arrears_any = in_arrears_any or in_arrears
        dense = dense or (not in_arrears and period == 1 and not stream.rent_free_months)
        target = arrears if in_arrears else advance
        shift = period - 1 if in_arrears else 0
        level = not (
            stream.escalations or stream.steps or stream.rent_free_months or stream.index_factor
        )
        if level:
            amount = stream.amount.quantize(unit, HALF_UP)
            count = -(-n // period)  # the payments: one per start, 0, period, ... below n
            if (
                (count - 1) * period + shift < n
                and _exact_sum(amount)
                and not any(t is target for t in written)
            ):
                # Nothing was in these months yet: ZERO + amount is amount itself.
                target[shift:n:period] = [amount] * count
            else:
                for start in range(0, n, period):
                    index = start + shift
                    target[index if index < n else n - 1] += amount
            written.append(target)
            continue
        rent_free = stream.rent_free_months
        everies = [esc.every_months for esc in stream.escalations]
        if stream.steps or len(everies) > 1:
            _stepped(terms, stream, target, shift, unit)
            written.append(target)
            continue
        # No rent table and at most one escalation: the amount changes only when the count of
        # whole escalation steps does (payment_amount depends on nothing else), so it is
        # computed once per step.
        every = everies[0] if everies else n + period
        fresh = not any(t is target for t in written)
        escalation = stream.escalations[0] if everies else None
        percent = escalation is not None and escalation.kind is EscalationKind.PERCENT
        factors = _escalation_factors(escalation.value) if percent else None
        base, index_factor = stream.amount, stream.index_factor
        start = 0
        while start < n:
            if start < rent_free:
                free = min(rent_free - start, period)
                if free != period:
                    paid = payment_amount(terms, stream, start) * (period - free) / period
                    index = start + shift
                    target[index if index < n else n - 1] += paid.quantize(unit, HALF_UP)
                start += period
                continue
            # payment_amount(terms, stream, start), its operations in its order, inline.
            amount = base
            count = start // every
            if count:
                if percent:
                    factor = factors.get(count)
                    if factor is None:
                        factor = factors[count] = (1 + escalation.value) ** count
                    amount = amount * factor
                else:
                    amount = amount + escalation.value * count
            if index_factor is not None:
                amount = amount * index_factor
            amount = amount.quantize(unit, HALF_UP)
            # Every start up to the next escalation step pays the same amount.
            end = (count + 1) * every
            if end > n:
                end = n
            end = start + -(-(end - start) // period) * period  # the next start at or after it
            last = end - period + shift
            # _exact_sum(amount), inline.
            if (
                fresh
                and last < n
                and amount.adjusted() < 20
                and not (amount.is_signed() and amount.is_zero())
            ):
                # Nothing was in these months yet: ZERO + amount is amount itself.
                target[start + shift : last + 1 : period] = [amount] * ((end - start) // period)
            else:
                for index in range(start + shift, end + shift, period):
                    target[index if index < n else n - 1] += amount
            start = end
        written.append(target)
    for incentive in terms.incentives:
        if incentive.receivable_on is not None:
            offset = months_between(commencement, incentive.receivable_on)
            advance[offset] -= incentive.amount
    return PaymentFlows(advance=advance, arrears=arrears), in_arrears_any, dense


def _exact_sum(amount: Decimal) -> bool:
    """Whether ZERO + amount gives `amount` exactly, digits and exponent (not for -0 or for
    more digits than the default context keeps)."""
    return not (amount.is_zero() and amount.is_signed()) and amount.adjusted() < 20


def _stepped(terms: LeaseTerms, stream, target: list[Decimal], shift: int, unit: Decimal) -> None:
    """A stream with a rent table or several escalations, each distinct instalment once."""
    n = terms.term_months
    period = int(stream.frequency)
    offsets = [months_between(terms.commencement, step.effective) for step in stream.steps]
    everies = [esc.every_months for esc in stream.escalations]
    rent_free = stream.rent_free_months
    amounts: dict[tuple, Decimal] = {}
    for start in range(0, n, period):
        free = min(rent_free - start, period) if start < rent_free else 0
        if free == period:
            continue
        step = -1
        for i, offset in enumerate(offsets):
            if offset <= start:
                step = i  # the last step in force wins, as in payment_amount
        # A step key has two items, an escalation key three or more: they never collide.
        key = (step, free) if step >= 0 else (-1, free, *[start // e for e in everies])
        amount = amounts.get(key)
        if amount is None:
            amount = payment_amount(terms, stream, start)
            if free:
                amount = amount * (period - free) / period
            amount = amounts[key] = amount.quantize(unit, rounding=HALF_UP)
        index = start + shift
        target[index if index < n else n - 1] += amount


_RATES: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}


def _monthly_rate(terms: LeaseTerms) -> Decimal:
    """`monthly_rate(terms)`, computed once per rate as written (a portfolio repeats its rates)."""
    return _rate_and_discount(terms)[0]


def _rate_and_discount(terms: LeaseTerms) -> tuple[Decimal, Decimal]:
    """The monthly rate and its one-month discount factor 1 / (1 + rate) at engine precision,
    both computed once per rate as written."""
    key = (str(terms.annual_rate), terms.rate_convention)
    found = _RATES.get(key)
    if found is None:
        if len(_RATES) > 10_000:
            _RATES.clear()
        rate = monthly_rate(terms)
        with localcontext(ENGINE_CONTEXT):
            found = _RATES[key] = (rate, 1 / (1 + rate))
    return found


def _backward(
    n: int, adv: list[Decimal], arr: list[Decimal], v: Decimal, has_arr: bool, dense: bool = False
) -> list[Decimal]:
    """The closing liability of every month (`schedule._measure`'s recursion) and, last, the
    balance before month 0's advance payment. `dense`: no advance flow is the ZERO constant."""
    balance = ZERO
    if has_arr:
        closing = [ZERO] * (n + 1)
        for k in range(n - 1, -1, -1):
            closing[k] = balance
            balance = (balance + arr[k]) * v + adv[k]
        closing[n] = balance
        return closing
    # Built last month first and turned round: no index arithmetic in the loop.
    closing = []
    keep = closing.append
    if not dense:
        # Adding the ZERO constant (exponent 0) to a balance changes neither its value nor its
        # exponent, so it is skipped; a computed zero such as 0.00 is added like any amount.
        for a in reversed(adv):
            keep(balance)
            balance = balance * v if a is ZERO else balance * v + a
    else:
        for a in reversed(adv):
            keep(balance)
            balance = balance * v + a
    closing.reverse()
    closing.append(balance)
    return closing


def _prorated(terms: LeaseTerms) -> bool:
    """Actual days from a date inside a month, or an end date or payment day off the monthly
    anniversary of commencement: the reference path handles those leases."""
    if str(getattr(terms, "day_count", "")) == "actual_days" and terms.commencement.day != 1:
        return True
    if getattr(terms, "end_date", None) is None and getattr(terms, "payment_day", None) is None:
        return False  # neither can be off the anniversary rule (`is_dated` without its work)
    return getattr(terms, "is_dated", False)


def _measured(terms: LeaseTerms) -> Schedule:
    """Validate, expand and measure: `build_schedule` without rounding anything for posting."""
    if _prorated(terms):
        return build_schedule(terms)
    return _measured_whole_months(terms)


def _measured_whole_months(terms: LeaseTerms) -> Schedule:
    """`_measured` of a lease that is not `_prorated`."""
    check_terms(terms)
    flows, has_arr, dense = _flows(terms)
    rate, v = _rate_and_discount(terms)
    n = terms.term_months
    adv, arr = flows.advance, flows.arrears
    with localcontext(ENGINE_CONTEXT):
        closing = _backward(n, adv, arr, v, has_arr, dense)
        liability = closing.pop() - adv[0]
    received = sum((i.amount for i in terms.incentives if i.receivable_on is None), ZERO)
    measurement = InitialMeasurement(
        commencement=terms.commencement,
        liability=liability,
        payments_at_commencement=adv[0],
        prepaid_rent=terms.prepaid_rent,
        initial_direct_costs=terms.initial_direct_costs,
        incentives_received=received,
        restoration_cost=terms.restoration_cost if terms.standard is Standard.IFRS_16 else ZERO,
        monthly_rate=rate,
        amortization_months=amortization_months(terms),
    )
    check_rou(measurement.rou)
    # Without arrears every arr[k] is the ZERO constant, and adv[k] + ZERO is adv[k] itself.
    payments = [arr[0]] + [adv[k] + arr[k] for k in range(1, n)] if has_arr else [arr[0], *adv[1:]]
    extra = measurement.amortization_months - n
    if extra > 0:
        payments += [ZERO] * extra
        closing += [ZERO] * extra
    schedule = Schedule(terms, measurement, payments, closing)
    schedule.flows = flows
    return schedule


def fast_posted(s: Schedule, months: int | None = None) -> PostedSchedule:
    """`PostedSchedule.from_schedule(s, months)`, with exact sums accumulated once."""
    if getattr(s, "timeline", None) is not None:
        return PostedSchedule.from_schedule(s, months)
    m = s.measurement
    unit = _unit(s.terms.currency_decimals)
    q = _quantize
    with localcontext(ENGINE_CONTEXT):
        liability = q(m.liability, unit, HALF_UP)
        components = {
            "liability": liability,
            "payments_at_commencement": m.payments_at_commencement,
            "prepaid_rent": m.prepaid_rent,
            "initial_direct_costs": m.initial_direct_costs,
            "incentives_received": m.incentives_received,
            "restoration_cost": m.restoration_cost,
        }
        rou0 = (
            liability
            + m.payments_at_commencement
            + m.prepaid_rent
            + m.initial_direct_costs
            - m.incentives_received
            + m.restoration_cost
        )
        n = len(s) if months is None else min(months, len(s))
        source = s.closing_liability if n == len(s) else s.closing_liability[:n]
        # map() over C-level operators: the same Decimal operations without a Python loop.
        closing = list(map(q, source, repeat(unit), repeat(HALF_UP)))
        counts = _COUNTS
        cumulative_sl = None
        if s.terms.is_operating:
            payments = s.payments
            total = sum(payments, ZERO) + rou0 - liability
            term = s.terms.term_months
            shares = map(truediv, map(mul, repeat(total), counts[1 : n + 1]), repeat(term))
            cumulative_sl = list(map(q, shares, repeat(unit), repeat(HALF_UP)))
            # ROU = rou0 - cumulative cost + (closing - liability + paid): whole-cent amounts,
            # so the sum is exact in any order; (rou0 - liability + paid) runs month by month.
            running = accumulate(payments[:n], add, initial=rou0 - liability)
            next(running)
            rou_closing = list(map(sub, map(add, running, closing), cumulative_sl))
        else:
            life = m.amortization_months
            steps = (
                counts[1 : n + 1]
                if n <= life
                else counts[1 : life + 1] + [counts[life]] * (n - life)
            )
            shares = map(truediv, map(mul, repeat(rou0), steps), repeat(life))
            amortized = map(q, shares, repeat(unit), repeat(HALF_UP))
            rou_closing = list(map(sub, repeat(rou0), amortized))
    return PostedSchedule(liability, rou0, components, closing, rou_closing, cumulative_sl)


def fast_schedule(terms: LeaseTerms) -> Schedule:
    """`build_schedule(terms)` with its posted figures computed (identical figures, faster)."""
    schedule = _measured(terms)
    schedule._posted = fast_posted(schedule)
    return schedule


def month_schedule(terms: LeaseTerms, period: date) -> Schedule:
    """A schedule ready to post the month containing `period` (and nothing later than it plus
    twelve months: its `posted()` holds only those balances)."""
    schedule = _measured(terms)
    index = months_between(schedule.start, period)
    # The month itself and the next twelve closing balances (the current-portion split).
    schedule._posted = fast_posted(schedule, months=max(index + 13, 1))
    return schedule


def month_posting(terms: LeaseTerms, period: date) -> Schedule:
    """A schedule that posts the month containing `period` and nothing else: its `posted()`
    holds only what that month's lines and current-portion split read (see `_month_posted`),
    every other month is None. For a lease read for that month only; a base for changes is
    `month_schedule`, whose posting holds every month up to the close."""
    if _prorated(terms):
        return month_schedule(terms, period)
    schedule = _measured_whole_months(terms)
    schedule._posted = _month_posted(schedule, months_between(schedule.start, period))
    return schedule


def _month_posted(s: Schedule, index: int) -> PostedSchedule:
    """`fast_posted(s, months=index + 13)` rounded only where month `index` reads it: the
    closing liability of months index - 1 and index (the month's lines) and index + 11 and
    index + 12 (the current portion before and after it), the ROU asset and cumulative
    straight-line cost of months index - 1 and index. Each is the same operations on the same
    operands as in `PostedSchedule.from_schedule`; the lists are as long as `month_schedule`'s,
    so a month outside the schedule posts nothing either way."""
    m = s.measurement
    unit = _unit(s.terms.currency_decimals)
    q = _quantize
    n = min(max(index + 13, 1), len(s))
    with localcontext(ENGINE_CONTEXT):
        liability = q(m.liability, unit, HALF_UP)
        components = {
            "liability": liability,
            "payments_at_commencement": m.payments_at_commencement,
            "prepaid_rent": m.prepaid_rent,
            "initial_direct_costs": m.initial_direct_costs,
            "incentives_received": m.incentives_received,
            "restoration_cost": m.restoration_cost,
        }
        rou0 = (
            liability
            + m.payments_at_commencement
            + m.prepaid_rent
            + m.initial_direct_costs
            - m.incentives_received
            + m.restoration_cost
        )
        closing: list = [None] * n
        source = s.closing_liability
        for k in (index - 1, index, index + 11, index + 12):
            if 0 <= k < n:
                closing[k] = q(source[k], unit, HALF_UP)
        rou_closing: list = [None] * n
        cumulative_sl = None
        months = [k for k in (index - 1, index) if 0 <= k < n]
        counts = _COUNTS
        if s.terms.is_operating:
            cumulative_sl = [None] * n
            if months:
                # The payments to date of each month and of the term, each the reference's sum
                # (left to right from ZERO): one pass, every later sum carried on from the
                # earlier one, so every addition is the reference's, on the same operands.
                payments = s.payments
                paid = {}
                running = ZERO
                done = 0
                for k in months:
                    running = sum(islice(payments, done, k + 1), running)
                    paid[k] = running
                    done = k + 1
                total = sum(islice(payments, done, None), running) + rou0 - liability
                term = s.terms.term_months
                for k in months:
                    cost = cumulative_sl[k] = q(total * counts[k + 1] / term, unit, HALF_UP)
                    rou_closing[k] = rou0 - cost + (closing[k] - liability + paid[k])
        else:
            life = m.amortization_months
            for k in months:
                amortized = q(rou0 * counts[min(k + 1, life)] / life, unit, HALF_UP)
                rou_closing[k] = rou0 - amortized
    return PostedSchedule(liability, rou0, components, closing, rou_closing, cumulative_sl)


def stream_schedules(terms: Iterable[LeaseTerms]) -> Iterator[Schedule]:
    """One finished schedule per lease, built as it is asked for."""
    for lease_terms in terms:
        yield fast_schedule(lease_terms)


def stream_posted_months(terms: Iterable[LeaseTerms]) -> Iterator[list[ScheduleMonth]]:
    """Each lease's rounded months (`schedule.posted_months()`), one lease at a time."""
    for schedule in stream_schedules(terms):
        yield schedule.posted_months()
