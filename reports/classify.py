"""Where each journal line goes in the roll-forward and the disclosures: one place, one table.

A line is known by its GL role and the kind of event its memo names. New kinds of entry
(remeasurements, derecognition, impairment, go-live catch-up, …) slot in by adding a memo prefix
to ``MEMO_KINDS``; a line whose memo is not listed counts as periodic activity.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)


class Kind(enum.StrEnum):
    """The event a journal line belongs to."""

    ADDITION = "additions"  # a new lease (commencement)
    CHANGE = "changes"  # remeasurements, scope and consideration changes
    TERMINATION = "terminations"  # terminations and derecognition
    IMPAIRMENT = "impairment"
    PERIODIC = "periodic"  # the month's payment, accretion and amortization
    GO_LIVE = "go_live"  # balances brought in at go-live: the opening, not a movement


# Memo prefix (the engine writes "<Event>: …") → kind; checked in order, first match wins.
MEMO_KINDS: tuple[tuple[str, Kind], ...] = (
    ("commencement", Kind.ADDITION),
    # A short-term lease recognised when a change ends its exemption (ASC 842-20-25-3, IFRS
    # 16.7): a new lease, its rent prepaid or accrued moved into the ROU asset.
    ("exemption ends", Kind.ADDITION),
    ("go-live", Kind.GO_LIVE),
    ("catch-up", Kind.ADDITION),
    ("remeasurement", Kind.CHANGE),
    ("modification", Kind.CHANGE),
    ("scope", Kind.CHANGE),
    ("reassessment", Kind.CHANGE),
    ("reclassification", Kind.CHANGE),
    ("partial termination", Kind.TERMINATION),
    ("termination", Kind.TERMINATION),
    ("derecognition", Kind.TERMINATION),
    ("purchase", Kind.TERMINATION),  # a purchase option exercised ends the lease
    ("gain or loss", Kind.TERMINATION),
    ("impairment", Kind.IMPAIRMENT),
)


@functools.lru_cache(maxsize=1024)
def line_kind(memo: str) -> Kind:
    """The event a line's memo names (memos repeat, so the answer is cached)."""
    text = memo.strip().lower()
    for prefix, kind in MEMO_KINDS:
        if text.startswith(prefix):
            return kind
    return Kind.PERIODIC


# The memo of a variable payment's lines (`leases.selectors.variable_lines_by_lease`).
VARIABLE_MEMO = "variable lease payment"

# Roles by value, so roles added to the engine later need no import here. The ROU asset's
# carrying amount is the asset at cost less accumulated amortization (finance / IFRS 16).
ROU_ROLES = {"rou_asset", "finance_rou_asset", "accumulated_amortization"}
LIABILITY_ROLES = {"lease_liability", "finance_lease_liability", "current_lease_liability"}

# Roll-forward columns, in the order the report shows them.
COLUMNS = (
    "opening",
    "additions",
    "changes",
    "amortization",  # ROU: amortization; liability: accretion
    "payments",
    "terminations",
    "impairment",
    "closing",
)
MOVEMENTS = COLUMNS[1:-1]


@dataclass
class Movement:
    """One lease's (or a group's) movements on the ROU asset and the liability.

    Signs: the ROU column moves as the asset does (debit +), the liability column as the
    liability does (credit +); so closing = opening + every movement, for both.
    """

    rou: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(MOVEMENTS, ZERO))
    liability: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(MOVEMENTS, ZERO))
    # P&L and cash figures the disclosures need, by what they are.
    lease_cost: Decimal = ZERO  # ASC 842 operating single straight-line cost
    interest: Decimal = ZERO  # interest expense posted (finance / IFRS 16)
    amortization_expense: Decimal = ZERO  # ROU amortization / depreciation expense posted
    cash_paid: Decimal = ZERO  # lease payments (clearing credits of periodic and commencement)
    # Payments outside the liability: variable payments and those of exempt leases (IFRS 16's
    # total cash outflow counts them; ASC 842's cash paid for the liability does not).
    other_cash_paid: Decimal = ZERO
    principal_paid: Decimal = ZERO  # the part of the month's payments that reduced the liability
    new_liabilities: Decimal = ZERO  # liabilities recognized for new leases
    gain_loss: Decimal = ZERO  # P&L on terminations and derecognition
    impairment_loss: Decimal = ZERO
    variable_cost: Decimal = ZERO  # variable payments outside the liability
    short_term_cost: Decimal = ZERO  # short-term leases kept off the balance sheet
    low_value_cost: Decimal = ZERO  # leases of low-value assets kept off the balance sheet

    @property
    def exempt_cost(self) -> Decimal:
        """Both exemptions together (ASC 842 has no low-value line of its own)."""
        return self.short_term_cost + self.low_value_cost

    def add(self, other: Movement) -> None:
        for column in MOVEMENTS:
            self.rou[column] += other.rou[column]
            self.liability[column] += other.liability[column]
        for name in (
            "lease_cost",
            "interest",
            "amortization_expense",
            "cash_paid",
            "other_cash_paid",
            "principal_paid",
            "new_liabilities",
            "gain_loss",
            "impairment_loss",
            "variable_cost",
            "short_term_cost",
            "low_value_cost",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


# What a line of each role feeds; roles compared by value (an engine StrEnum equals its value).
ROU, LIABILITY, CLEARING = "rou", "liability", "clearing"
ROLE_TARGETS: dict[str, str] = {
    **dict.fromkeys(ROU_ROLES, ROU),
    **dict.fromkeys(LIABILITY_ROLES, LIABILITY),
    "cash_clearing": CLEARING,
    "lease_expense": "lease_cost",
    "interest_expense": "interest",
    "rou_amortization": "amortization_expense",
    "impairment_loss": "impairment_loss",
    "modification_gain_loss": "gain_loss",
    "variable_expense": "variable_cost",
    "short_term_expense": "short_term_cost",
}


def classify_month(
    lines: Iterable, into: Movement | None = None, *, exempt: bool = False
) -> Movement:
    """One lease-month's journal lines (objects with role, debit, credit, memo) as movements,
    added to `into` when given; `exempt` for a short-term or low-value lease (no liability).

    The periodic liability line is net (payment less accretion): the month's payment comes from
    the clearing line, and accretion is what is left, so each column is a real flow. Variable
    payments and an exempt lease's payments never touch the liability.
    """
    m = into if into is not None else Movement()
    periodic_payment = ZERO
    periodic_liability = ZERO  # credit-positive
    for line in lines:
        target = ROLE_TARGETS.get(line.role)
        if target is None:
            continue  # prepaid rent, provision, deferred rent, equity: not in these reports
        kind = line_kind(line.memo)
        if kind is Kind.GO_LIVE:
            continue
        signed = line.debit - line.credit  # debit-positive
        if target is ROU:
            m.rou["amortization" if kind is Kind.PERIODIC else kind.value] += signed
        elif target is LIABILITY:
            if kind is Kind.PERIODIC:
                periodic_liability -= signed
            else:
                m.liability[kind.value] -= signed
                if kind is Kind.ADDITION:
                    m.new_liabilities -= signed
        elif target is CLEARING:
            # Lease payments are credits to clearing; initial direct costs and incentives also
            # pass through clearing at commencement but are not lease payments.
            if exempt or line.memo.lower().startswith(VARIABLE_MEMO):
                m.other_cash_paid -= signed
            elif kind is Kind.PERIODIC:
                periodic_payment -= signed
                m.cash_paid -= signed
            elif "payment" in line.memo.lower():
                m.cash_paid -= signed
        else:
            if target == "short_term_cost" and line.memo.lower().startswith("low-value"):
                # Both exemptions post to one account; the engine's memo tells them apart.
                target = "low_value_cost"
            setattr(m, target, getattr(m, target) + signed)
    if periodic_payment or periodic_liability:
        m.liability["payments"] -= periodic_payment
        m.liability["amortization"] += periodic_liability + periodic_payment
        m.principal_paid += periodic_payment - (periodic_liability + periodic_payment)
    return m
