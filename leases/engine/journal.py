"""Monthly journal lines by GL role, built from the posted (rounded) schedule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .dates import months_between
from .restoration import restoration_lines
from .schedule import Schedule
from .types import ZERO, AccountRole, JournalLine


def _line(role: AccountRole, amount: Decimal, memo: str) -> JournalLine | None:
    """A debit for a positive amount, a credit for a negative one, nothing for zero."""
    if amount > 0:
        return JournalLine(role, amount, ZERO, memo)
    if amount < 0:
        return JournalLine(role, ZERO, -amount, memo)
    return None


def _lines(*entries: tuple[AccountRole, Decimal, str]) -> list[JournalLine]:
    """Non-zero lines from (role, signed amount: + debit / - credit, memo) triples."""
    # `_line` inline: every lease's month makes four or five of these.
    out = []
    for role, amount, memo in entries:
        if amount > ZERO:
            out.append(JournalLine(role, amount, ZERO, memo))
        elif amount < ZERO:
            out.append(JournalLine(role, ZERO, -amount, memo))
    return out


def commencement_lines(schedule: Schedule) -> list[JournalLine]:
    """Initial recognition: Dr ROU; Cr liability, cash paid, prepaid reclass, provision."""
    p = schedule.posted()
    c = p.components
    return _lines(
        (AccountRole.ROU_ASSET, p.rou, "Commencement: right-of-use asset"),
        (AccountRole.LEASE_LIABILITY, -p.liability, "Commencement: lease liability"),
        (
            AccountRole.CASH_CLEARING,
            -c["payments_at_commencement"],
            "Commencement: payment at commencement",
        ),
        (AccountRole.PREPAID_RENT, -c["prepaid_rent"], "Commencement: prepaid rent into ROU"),
        (
            AccountRole.CASH_CLEARING,
            -c["initial_direct_costs"],
            "Commencement: initial direct costs",
        ),
        (AccountRole.CASH_CLEARING, c["incentives_received"], "Commencement: incentives received"),
        (AccountRole.PROVISION, -c["restoration_cost"], "Commencement: restoration provision"),
    )


def periodic_lines(schedule: Schedule, index: int) -> list[JournalLine]:
    """The month's entry: payment, accretion and ROU amortization (or the operating plug), and
    the unwinding of an IFRS 16 restoration provision on lines of its own."""
    return _lease_lines(schedule, index) + restoration_lines(schedule.terms, index)


def _lease_lines(schedule: Schedule, index: int) -> list[JournalLine]:
    p = schedule.posted()
    payment = schedule.payments[index]
    # p.interest_at(index, payment), p.rou_opening(index) and p.straight_line_at(index): the
    # same operations, read once.
    closing, rou_closing, cumulative_sl = p.closing_liability, p.rou_closing, p._sl
    opening = p.liability if index == 0 else closing[index - 1]
    interest = closing[index] - opening + payment
    amortization = (p.rou if index == 0 else rou_closing[index - 1]) - rou_closing[index]
    cost = None
    if cumulative_sl is not None:
        cost = cumulative_sl[index] - (cumulative_sl[index - 1] if index else ZERO)
    if cost is not None:
        # ASC 842 operating: one straight-line cost; the ROU credit is the plug (cost - accretion).
        return _lines(
            (AccountRole.LEASE_EXPENSE, cost, "Straight-line lease cost"),
            (
                AccountRole.LEASE_LIABILITY,
                payment - interest,
                "Lease liability: payment less accretion",
            ),
            (AccountRole.CASH_CLEARING, -payment, "Lease payment"),
            (AccountRole.ROU_ASSET, -amortization, "ROU asset: straight-line cost less accretion"),
        )
    return _lines(
        (AccountRole.INTEREST_EXPENSE, interest, "Interest on lease liability"),
        (AccountRole.LEASE_LIABILITY, payment - interest, "Lease liability: payment less interest"),
        (AccountRole.CASH_CLEARING, -payment, "Lease payment"),
        (AccountRole.ROU_AMORTIZATION, amortization, "ROU asset amortization"),
        # Finance / IFRS 16: the asset stays at cost; amortization builds up on a contra account.
        (AccountRole.ACCUMULATED_AMORTIZATION, -amortization, "ROU asset amortization"),
    )


def journal_lines_for_month(schedule: Schedule, period: date) -> list[JournalLine]:
    """Lines for the month containing `period`; the commencement entry joins the first month."""
    index = months_between(schedule.start, period)
    if not 0 <= index < len(schedule):
        return []
    lines = commencement_lines(schedule) if index == 0 else []
    return lines + periodic_lines(schedule, index)


def journal_lines(schedule: Schedule) -> dict[date, list[JournalLine]]:
    """Every month's lines keyed by period (first day of the month), in order."""
    out = {schedule.start: commencement_lines(schedule) + periodic_lines(schedule, 0)}
    for index in range(1, len(schedule)):
        out[schedule.period(index)] = periodic_lines(schedule, index)
    return out
