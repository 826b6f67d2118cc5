"""Expand payment streams and incentives into monthly cash flows."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .dates import months_between
from .types import ZERO, EscalationKind, LeaseTerms, PaymentFlows, PaymentStream, Timing


def cents(decimals: int) -> Decimal:
    """The smallest posting unit for a currency with `decimals` minor digits."""
    return Decimal(1).scaleb(-decimals)


def payment_amount(terms: LeaseTerms, stream: PaymentStream, start_month: int) -> Decimal:
    """Unrounded payment of `stream` for the period starting `start_month` after commencement."""
    amount = stream.amount
    stepped = False
    if stream.steps:
        # Explicit rent table: the latest step effective on or before the period wins.
        for step in stream.steps:
            if months_between(terms.commencement, step.effective) <= start_month:
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
