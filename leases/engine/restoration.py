"""The restoration provision of an IFRS 16 lease (IFRS 16.24(d) with IAS 37).

A lessee that must dismantle the asset or restore the site at the end of the lease recognises a
provision at commencement, measured at the present value of the expected cost (IAS 37.45-47,
discounted at a pre-tax rate), and adds it to the cost of the right-of-use asset. The discount
then unwinds month by month as a finance cost (IAS 37.60) until the provision reaches the
expected cost at the end of the term.

Balances are rounded once: the provision at the end of month k is the expected cost discounted
over the months still to run, rounded to the currency unit, and each month's unwinding is the
difference of two rounded balances, so the total unwinding is exactly the expected cost less the
provision at commencement and the provision ends at exactly the expected cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .dates import add_months, month_start
from .types import ZERO, AccountRole, JournalLine, LeaseTerms, RateConvention, Standard

_CONTEXT_PRECISION = 34
ONE = Decimal(1)


def _applies(terms: LeaseTerms) -> bool:
    return terms.standard is Standard.IFRS_16 and terms.restoration_estimate > 0


def _monthly(terms: LeaseTerms) -> Decimal:
    rate = terms.annual_rate if terms.restoration_rate is None else terms.restoration_rate
    if terms.rate_convention is RateConvention.NOMINAL:
        return rate / 12
    return (ONE + rate) ** (ONE / 12) - ONE


def _balance(terms: LeaseTerms, months_left: int) -> Decimal:
    """The provision with `months_left` months to run, rounded to the currency unit."""
    unit = Decimal(1).scaleb(-terms.currency_decimals)
    with localcontext() as ctx:
        ctx.prec = _CONTEXT_PRECISION
        value = terms.restoration_estimate / (ONE + _monthly(terms)) ** months_left
    return value.quantize(unit, rounding=ROUND_HALF_UP)


def provision_at_commencement(terms: LeaseTerms) -> Decimal:
    """The expected cost discounted over the term, in currency units (0 without an estimate)."""
    if terms.restoration_estimate <= 0:
        return ZERO
    return _balance(terms, terms.term_months)


@dataclass(frozen=True, slots=True)
class ProvisionMonth:
    period: date
    opening: Decimal
    unwinding: Decimal  # finance cost of the month
    closing: Decimal


def provision_month(terms: LeaseTerms, index: int) -> ProvisionMonth | None:
    """Month `index` (0 = the commencement month) of the provision; None outside the term."""
    if not _applies(terms) or not 0 <= index < terms.term_months:
        return None
    n = terms.term_months
    opening = terms.restoration_cost if index == 0 else _balance(terms, n - index)
    closing = terms.restoration_estimate if index == n - 1 else _balance(terms, n - index - 1)
    period = add_months(month_start(terms.commencement), index)
    return ProvisionMonth(period, opening, closing - opening, closing)


def provision_months(terms: LeaseTerms) -> list[ProvisionMonth]:
    """Every month of the provision from commencement to the end of the term."""
    if not _applies(terms):
        return []
    return [provision_month(terms, k) for k in range(terms.term_months)]  # type: ignore[misc]


def restoration_lines(terms: LeaseTerms, index: int) -> list[JournalLine]:
    """Month `index`'s unwinding: Dr finance cost, Cr restoration provision (its own lines)."""
    month = provision_month(terms, index)
    if month is None or not month.unwinding:
        return []
    memo = "Restoration provision: unwinding of the discount"
    return [
        JournalLine(AccountRole.PROVISION_UNWINDING, month.unwinding, ZERO, memo),
        JournalLine(AccountRole.PROVISION, ZERO, month.unwinding, memo),
    ]
