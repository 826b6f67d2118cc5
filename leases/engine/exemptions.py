"""Short-term and low-value leases: no ROU asset, no liability, a straight-line expense.

ASC 842-20-25-2 and IFRS 16.6 let a lessee expense the payments of a short-term lease (a term
of 12 months or less with no purchase option it is reasonably certain to exercise) straight-line
over the term; IFRS 16.5(b) and B3-B8 give the same for leases of low-value assets. The election
is by class of underlying asset for short-term leases, lease by lease for low value.

Each month posts the straight-line cost against the cash paid; the difference sits in accrued
(or prepaid) rent and comes back to zero with the last month. Cumulative cost is rounded once
per month, so the total equals the payments to the cent.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .dates import add_months, month_start, months_between
from .payments import cents, expand_flows
from .schedule import ENGINE_CONTEXT
from .types import ZERO, AccountRole, JournalLine, LeaseTerms, LeaseTermsError, TermsIssue
from .validation import check_terms

SHORT_TERM_MONTHS = 12


class Exemption(enum.StrEnum):
    SHORT_TERM = "short_term"
    LOW_VALUE = "low_value"


def suggests_short_term(terms: LeaseTerms) -> bool:
    """A lease of 12 months or less with no purchase option reasonably certain."""
    return terms.term_months <= SHORT_TERM_MONTHS and not (
        terms.purchase_option_reasonably_certain or terms.ownership_transfers
    )


def exemption_issues(terms: LeaseTerms, exemption: Exemption) -> list[TermsIssue]:
    """Why the exemption does not fit the lease (empty when it does)."""
    if exemption is Exemption.SHORT_TERM and not suggests_short_term(terms):
        return [
            TermsIssue(
                "exemption",
                "A short-term lease has a term of 12 months or less and no purchase option you "
                "are reasonably certain to exercise.",
            )
        ]
    return []


@dataclass(frozen=True, slots=True)
class ExemptMonth:
    period: date
    payment: Decimal  # cash paid this month
    expense: Decimal  # straight-line cost
    accrued_rent: Decimal  # cumulative cost − cumulative cash (+ accrued, − prepaid) at month end


class ExemptSchedule:
    """The straight-line expense of an exempt lease, month by month, rounded for posting."""

    def __init__(self, terms: LeaseTerms, exemption: Exemption) -> None:
        check_terms(terms)
        issues = exemption_issues(terms, exemption)
        if issues:
            raise LeaseTermsError(issues)
        self.terms = terms
        self.exemption = exemption
        self.start = month_start(terms.commencement)
        flows = expand_flows(terms)
        n = terms.term_months
        self.payments = [flows.advance[k] + flows.arrears[k] for k in range(n)]
        total = sum(self.payments, ZERO)
        unit = cents(terms.currency_decimals)
        with localcontext(ENGINE_CONTEXT):
            cumulative = [(total * (k + 1) / n).quantize(unit, ROUND_HALF_UP) for k in range(n)]
        self.expense = [cumulative[k] - (cumulative[k - 1] if k else ZERO) for k in range(n)]

    def __len__(self) -> int:
        return len(self.payments)

    # Nothing on the balance sheet: readers that walk balances see zeros, as for any schedule.
    @property
    def closing_liability(self) -> list[Decimal]:
        return [ZERO] * len(self)

    @property
    def rou_closing(self) -> list[Decimal]:
        return [ZERO] * len(self)

    def opening_liability(self, index: int) -> Decimal:
        return ZERO

    def rou_opening(self, index: int) -> Decimal:
        return ZERO

    def period(self, index: int) -> date:
        return add_months(self.start, index)

    def months(self) -> list[ExemptMonth]:
        out, accrued = [], ZERO
        for k in range(len(self)):
            accrued += self.expense[k] - self.payments[k]
            out.append(ExemptMonth(self.period(k), self.payments[k], self.expense[k], accrued))
        return out

    def periodic_lines(self, index: int) -> list[JournalLine]:
        """Dr expense; Cr cash clearing; the difference to accrued / prepaid rent."""
        expense, payment = self.expense[index], self.payments[index]
        memo = (
            "Short-term lease cost"
            if self.exemption is Exemption.SHORT_TERM
            else ("Low-value lease cost")
        )
        entries = [
            (AccountRole.SHORT_TERM_EXPENSE, expense, memo),
            (AccountRole.CASH_CLEARING, -payment, "Lease payment"),
            (AccountRole.DEFERRED_RENT, payment - expense, "Accrued / prepaid rent"),
        ]
        out = []
        for role, amount, text in entries:
            if amount > 0:
                out.append(JournalLine(role, amount, ZERO, text))
            elif amount < 0:
                out.append(JournalLine(role, ZERO, -amount, text))
        return out

    def journal_lines_for_month(self, period: date) -> list[JournalLine]:
        index = months_between(self.start, period)
        if not 0 <= index < len(self):
            return []
        return self.periodic_lines(index)


def build_exempt_schedule(terms: LeaseTerms, exemption: Exemption) -> ExemptSchedule:
    """Validate and spread an exempt lease's payments straight-line over its term."""
    return ExemptSchedule(terms, exemption)
