"""Expand payment streams and incentives into monthly cash flows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .dates import (
    add_months,
    add_months_to_day,
    anniversary_end,
    days_in_month,
    months_between,
    on_day,
)
from .types import (
    ZERO,
    DayCount,
    EscalationKind,
    LeaseTerms,
    PaymentFlows,
    PaymentStream,
    Timing,
)


def cents(decimals: int) -> Decimal:
    """The smallest posting unit for a currency with `decimals` minor digits."""
    return Decimal(1).scaleb(-decimals)


def payment_amount(
    terms: LeaseTerms, stream: PaymentStream, start_month: int, on: date | None = None
) -> Decimal:
    """Unrounded payment of `stream` for the period starting `start_month` after commencement
    (a lease with stubs: `start_month` full periods after the first, which starts `on`)."""
    amount = stream.amount
    stepped = False
    if stream.steps:
        # Explicit rent table: the latest step effective on or before the period wins.
        for step in stream.steps:
            if (
                step.effective <= on
                if on is not None
                else months_between(terms.commencement, step.effective) <= start_month
            ):
                amount = step.amount
                stepped = True
    if not stepped:
        for esc in stream.escalations:
            count = start_month // esc.every_months
            if not count:
                continue
            if esc.kind is EscalationKind.PERCENT:
                amount = amount * (1 + esc.value) ** count
            else:
                amount = amount + esc.value * count
    if stream.index_factor is not None:
        # Measured at the commencement index only; re-indexing needs a remeasurement.
        amount = amount * stream.index_factor
    return amount


def expand_flows(terms: LeaseTerms) -> PaymentFlows:
    """Monthly cash flows: payments rounded to the currency unit, incentives receivable netted."""
    n = terms.term_months
    unit = cents(terms.currency_decimals)
    advance = [ZERO] * n
    arrears = [ZERO] * n
    for stream in terms.payments:
        period = int(stream.frequency)
        if not (
            stream.escalations or stream.steps or stream.rent_free_months or stream.index_factor
        ):
            # Level rent: one rounded amount every period (most leases; keeps closes fast).
            amount = stream.amount.quantize(unit, rounding=ROUND_HALF_UP)
            target = advance if stream.timing is Timing.ADVANCE else arrears
            for start in range(0, n, period):
                target[start if target is advance else min(start + period, n) - 1] += amount
            continue
        for start in range(0, n, period):
            free = min(max(stream.rent_free_months - start, 0), period)
            if free == period:
                continue
            amount = payment_amount(terms, stream, start)
            if free:
                # A payment period partly inside the rent-free months is prorated by month.
                amount = amount * (period - free) / period
            # Cash is paid in whole currency units, so each instalment is rounded once, here.
            amount = amount.quantize(unit, rounding=ROUND_HALF_UP)
            if stream.timing is Timing.ADVANCE:
                advance[start] += amount
            else:
                last = min(start + period, n) - 1
                arrears[last] += amount
    for incentive in terms.incentives:
        if incentive.receivable_on is not None:
            # A receivable incentive is a negative payment at the start of the month it is due.
            offset = months_between(terms.commencement, incentive.receivable_on)
            advance[offset] -= incentive.amount
    return PaymentFlows(advance=advance, arrears=arrears)


def dated_flows(
    commencement: date, advance: list[Decimal], arrears: list[Decimal], *, first: int = 0
) -> dict[int, list[tuple[Decimal, int, int]]]:
    """Actual days: flows of the payment months `first`, `first` + 1, ... (each month runs from
    one monthly anniversary of `commencement` to the next) placed on their dates, keyed by
    calendar month counted from the commencement month.

    `advance[i]` is paid on anniversary `first + i`; `arrears[i]` at the end of the day before
    the next anniversary, the same instant. With commencement on the 15th both land on a 15th,
    offset 14 days into that calendar month.
    """
    inside: dict[int, list[tuple[Decimal, int, int]]] = {}
    for i in range(len(advance)):
        for k, amount in ((first + i, advance[i]), (first + i + 1, arrears[i])):
            if amount:
                on = add_months_to_day(commencement, k)
                month = inside.setdefault(k, [])
                offset, days = on.day - 1, days_in_month(on)
                if month and month[-1][1] == offset:
                    # One instant: an arrears payment and the next advance payment together.
                    month[-1] = (month[-1][0] + amount, offset, days)
                else:
                    month.append((amount, offset, days))
    return inside


def lease_end(terms: LeaseTerms) -> date:
    """The last day of the lease (inclusive)."""
    if terms.end_date is not None:
        return terms.end_date
    return anniversary_end(terms.commencement, terms.term_months)


def payment_pieces(terms: LeaseTerms) -> list[tuple[date, date, Fraction, int]]:
    """A lease with stubs (`terms.is_dated`): its payment periods as (first day, day after the
    last, share of the periodic rent, escalation index).

    Full periods run from one payment day to the next; a part period before the first payment
    day and one after the last full period (stubs) pay the periodic rent times their days over
    the days of the payment period they fall in (rent / days x days occupied). Escalations
    count full periods from the first one; the first stub pays the first full period's rent.
    """
    c, end = terms.commencement, lease_end(terms)
    day = terms.payment_day or c.day
    first = on_day(c, day)
    if first < c:
        first = on_day(add_months(c, 1), day)
    pieces: list[tuple[date, date, Fraction, int]] = []
    if c < first:
        before = on_day(add_months(first, -1), day)
        pieces.append((c, first, Fraction((first - c).days, (first - before).days), 0))
    after = end + timedelta(days=1)
    i = 0
    start = first
    while start <= end:
        stop = on_day(add_months(first, i + 1), day)
        if stop <= after:
            pieces.append((start, stop, Fraction(1), i))
        else:
            pieces.append((start, after, Fraction((after - start).days, (stop - start).days), i))
        i += 1
        start = stop
    return pieces


def dated_payments(terms: LeaseTerms) -> PaymentFlows:
    """A lease with stubs: `advance[0]` is paid at commencement (into the ROU asset) and
    `inside[k]` holds the payments of calendar month k (from the commencement month) as
    (amount, day offset, days in the month); an arrears payment is paid at the end of its
    period's last day (offset = that day), a receivable incentive at the start of its day.
    Monthly streams only (validated); each instalment is rounded to the currency unit."""
    c = terms.commencement
    unit = cents(terms.currency_decimals)
    at_start = ZERO
    inside: dict[int, list[tuple[Decimal, int, int]]] = {}

    def pay(amount: Decimal, on: date, offset: int) -> None:
        inside.setdefault(months_between(c, on), []).append((amount, offset, days_in_month(on)))

    pieces = payment_pieces(terms)
    for stream in terms.payments:
        for start, stop, share, index in pieces:
            if index < stream.rent_free_months:
                # Rent-free months count full periods; a first stub is free with them.
                continue
            amount = payment_amount(terms, stream, index, on=start)
            amount = (amount * share.numerator / share.denominator).quantize(
                unit, rounding=ROUND_HALF_UP
            )
            if not amount:
                continue
            if stream.timing is Timing.ADVANCE:
                if start == c:
                    at_start += amount
                else:
                    pay(amount, start, start.day - 1)
            else:
                last = stop - timedelta(days=1)
                pay(amount, last, last.day)
    for incentive in terms.incentives:
        on = incentive.receivable_on
        if on is not None:
            if on == c:
                at_start -= incentive.amount
            else:
                pay(-incentive.amount, on, on.day - 1)
    return PaymentFlows(advance=[at_start], arrears=[ZERO], inside=inside)


def cash_by_month(terms: LeaseTerms, flows: PaymentFlows | None = None) -> list[Decimal]:
    """Cash paid in each calendar month counted from the commencement month, the payment at
    commencement included (net of incentives receivable).

    In whole months payment month k is calendar month k. Under actual days from inside a month
    each payment falls on its date (`dated_flows`): an arrears payment lands in the next
    calendar month, and the list has one month more (the term ends inside it)."""
    if terms.is_dated:
        dated = dated_payments(terms)
        cash = [
            sum((p for p, _, _ in dated.inside.get(k, ())), ZERO)
            for k in range(months_between(terms.commencement, lease_end(terms)) + 1)
        ]
        cash[0] += dated.advance[0]
        return cash
    flows = expand_flows(terms) if flows is None else flows
    adv, arr = flows.advance, flows.arrears
    if terms.day_count is not DayCount.ACTUAL_DAYS or terms.commencement.day == 1:
        return [a + b for a, b in zip(adv, arr, strict=True)]
    inside = dated_flows(terms.commencement, adv, arr)
    return [sum((p for p, _, _ in inside.get(k, ())), ZERO) for k in range(terms.term_months + 1)]
