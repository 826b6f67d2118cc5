"""Input and output types of the lease-accounting engine (frozen, Decimal-only)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)


class Standard(enum.StrEnum):
    """Accounting standard the lease is measured under."""

    ASC_842 = "asc842"
    IFRS_16 = "ifrs16"


class Classification(enum.StrEnum):
    """ASC 842 lessee classification (IFRS 16 has a single lessee model)."""

    OPERATING = "operating"
    FINANCE = "finance"


class Frequency(enum.IntEnum):
    """Payment frequency, valued in months per payment period."""

    MONTHLY = 1
    QUARTERLY = 3
    SEMI_ANNUAL = 6
    ANNUAL = 12


class Timing(enum.StrEnum):
    """Whether each payment falls at the start or at the end of its payment period."""

    ADVANCE = "advance"
    ARREARS = "arrears"


class RateConvention(enum.StrEnum):
    """How the annual discount rate becomes a monthly rate."""

    NOMINAL = "nominal"  # annual / 12
    EFFECTIVE = "effective"  # (1 + annual) ** (1/12) - 1


class DayCount(enum.StrEnum):
    """How a date inside a month counts (see docs/engine.md "Real dates").

    `ACTUAL_DAYS`: a lease or change starting or ending inside a month counts that month by its
    days (16 of 31 days is 16/31 of a month), payments fall on their dates, and interest accrues
    day by day to the month end or the change date. `WHOLE_MONTHS`: every date counts from the
    first day of its month (the engine's original convention). For dates on the 1st both give
    the same figures.
    """

    ACTUAL_DAYS = "actual_days"
    WHOLE_MONTHS = "whole_months"


class EscalationKind(enum.StrEnum):
    """Escalation by a compounding percentage or by a fixed amount per step."""

    PERCENT = "percent"
    AMOUNT = "amount"


@dataclass(frozen=True, slots=True)
class Escalation:
    """Raise the payment every `every_months` months, counted from commencement."""

    kind: EscalationKind
    value: Decimal  # a fraction for PERCENT (0.03 = 3 %), a currency amount for AMOUNT
    every_months: int = 12


@dataclass(frozen=True, slots=True)
class RentStep:
    """From `effective` on, each payment of the stream is `amount` (an explicit rent table)."""

    effective: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PaymentStream:
    """One recurring stream of fixed lease payments over the whole term."""

    amount: Decimal  # base amount per payment (per period of `frequency`)
    frequency: Frequency = Frequency.MONTHLY
    timing: Timing = Timing.ADVANCE
    escalations: tuple[Escalation, ...] = ()
    steps: tuple[RentStep, ...] = ()  # explicit dated amounts; override base + escalations
    rent_free_months: int = 0  # the first N months of the term carry no payment
    index_factor: Decimal | None = None  # index at commencement / base index; never re-indexed


@dataclass(frozen=True, slots=True)
class Incentive:
    """A lease incentive; `receivable_on=None` means received at commencement."""

    amount: Decimal
    receivable_on: date | None = None


@dataclass(frozen=True, slots=True)
class LeaseTerms:
    """Everything the engine needs to measure one lease from commencement."""

    commencement: date
    term_months: int
    standard: Standard
    annual_rate: Decimal  # a fraction: Decimal("0.0904088") for 9.04088 %
    payments: tuple[PaymentStream, ...]
    classification: Classification | None = None  # required under ASC 842
    rate_convention: RateConvention = RateConvention.NOMINAL
    useful_life_months: int | None = None
    ownership_transfers: bool = False
    purchase_option_reasonably_certain: bool = False
    initial_direct_costs: Decimal = ZERO
    incentives: tuple[Incentive, ...] = ()
    prepaid_rent: Decimal = ZERO  # paid before commencement and not in `payments`
    restoration_cost: Decimal = ZERO  # IFRS 16 only: PV of the dismantling/restoration provision
    currency_decimals: int = 2
    # The engine's own default keeps the original whole-month figures for callers that do not
    # say; the product and `manage.py lease_schedule` default to actual days.
    day_count: DayCount = DayCount.WHOLE_MONTHS
    # IFRS 16 with IAS 37: the restoration cost expected at the end of the term (undiscounted)
    # and its pre-tax discount rate (None: the lease's rate). Given an estimate, the provision
    # at commencement (`restoration_cost`) is its present value and it unwinds monthly as a
    # finance cost to the end of the term (leases/engine/restoration.py).
    restoration_estimate: Decimal = ZERO
    restoration_rate: Decimal | None = None
    # Actual days (see docs/engine.md "Real dates"): the last day of the lease, inclusive
    # (None: the day before the `term_months`-th monthly anniversary of commencement), and the
    # day of the month each payment falls on, 1-31, the month's last day when it is shorter
    # (None: commencement's day). `term_months` then counts a part month as one.
    end_date: date | None = None
    payment_day: int | None = None

    def __post_init__(self) -> None:
        if self.restoration_estimate and not self.restoration_cost:
            from .restoration import provision_at_commencement

            object.__setattr__(self, "restoration_cost", provision_at_commencement(self))

    @property
    def is_operating(self) -> bool:
        """True for an ASC 842 operating lease (single straight-line cost)."""
        return self.standard is Standard.ASC_842 and self.classification is Classification.OPERATING

    @property
    def is_dated(self) -> bool:
        """True when the end date or the payment day departs from the anniversary rule (the term
        ends the day before a monthly anniversary of commencement, payments fall on its day):
        the lease then has part periods (stubs) at either end."""
        from .dates import has_stubs

        return has_stubs(self.commencement, self.term_months, self.end_date, self.payment_day)


@dataclass(frozen=True, slots=True)
class InitialMeasurement:
    """Commencement figures at full precision; `rou` is the sum of its components."""

    commencement: date
    liability: Decimal  # PV of the payments not paid at commencement
    payments_at_commencement: Decimal  # paid at commencement (into the ROU, never the liability)
    prepaid_rent: Decimal
    initial_direct_costs: Decimal
    incentives_received: Decimal  # received at or before commencement
    restoration_cost: Decimal
    monthly_rate: Decimal
    amortization_months: int  # months over which the ROU asset is amortized

    @property
    def rou(self) -> Decimal:
        """ROU = liability + payments at/before commencement + IDC - incentives (+ restoration)."""
        return (
            self.liability
            + self.payments_at_commencement
            + self.prepaid_rent
            + self.initial_direct_costs
            - self.incentives_received
            + self.restoration_cost
        )


@dataclass(frozen=True, slots=True)
class ScheduleMonth:
    """One month of a schedule; full precision or posted (rounded) depending on its source."""

    period: date  # first day of the month
    opening_liability: Decimal
    payment: Decimal  # lease payments settled against the liability this month (net of incentives)
    interest: Decimal  # accretion on the liability
    principal: Decimal  # payment - interest
    closing_liability: Decimal
    rou_opening: Decimal
    rou_amortization: Decimal  # reduction of the ROU asset (the plug for operating leases)
    rou_closing: Decimal
    straight_line_cost: Decimal | None  # ASC 842 operating leases only


@dataclass(frozen=True, slots=True)
class TermsIssue:
    """One plain-language problem with the input, keyed by the offending field."""

    field: str
    message: str


class LeaseTermsError(ValueError):
    """Raised when lease terms are inconsistent; `issues` lists every problem found."""

    def __init__(self, issues: list[TermsIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(f"{i.field}: {i.message}" for i in issues))


class AccountRole(enum.StrEnum):
    """GL roles; the Django side maps each to a real account and segments."""

    ROU_ASSET = "rou_asset"
    LEASE_LIABILITY = "lease_liability"
    LEASE_EXPENSE = "lease_expense"  # ASC 842 operating single straight-line cost
    INTEREST_EXPENSE = "interest_expense"
    ROU_AMORTIZATION = "rou_amortization"  # finance / IFRS 16 amortization (depreciation) expense
    CASH_CLEARING = "cash_clearing"  # cash / AP clearing, so AP-paid rent is not double counted
    PREPAID_RENT = "prepaid_rent"  # rent paid before commencement, reclassified into the ROU
    PROVISION = "provision"  # IFRS 16 restoration provision
    # Unwinding of the restoration provision's discount (IAS 37.60): a finance cost, posted on
    # lines of its own to the interest expense account.
    PROVISION_UNWINDING = "provision_unwinding"
    # Contra-asset credited by finance / IFRS 16 amortization (the ROU asset stays at cost).
    ACCUMULATED_AMORTIZATION = "accumulated_amortization"
    # The engine posts ROU_ASSET / LEASE_LIABILITY; the ledger side maps ASC 842 finance leases
    # to these two so they land on their own accounts.
    FINANCE_ROU_ASSET = "finance_rou_asset"
    FINANCE_LEASE_LIABILITY = "finance_lease_liability"
    DEFERRED_RENT = "deferred_rent"  # ASC 840 / IAS 17 accrued or prepaid rent, cleared at go-live
    TRANSITION_EQUITY = "transition_equity"  # retained earnings / opening-balance equity at go-live
    VARIABLE_EXPENSE = "variable_expense"  # variable payments outside the liability
    SHORT_TERM_EXPENSE = "short_term_expense"  # short-term / low-value leases (exempt)
    NON_LEASE_EXPENSE = "non_lease_expense"  # services allocated out of the consideration
    CURRENT_LEASE_LIABILITY = "current_lease_liability"  # the part due within 12 months
    # Lease changes after commencement (see changes.py).
    MODIFICATION_GAIN_LOSS = "modification_gain_loss"  # derecognition / termination gain or loss
    IMPAIRMENT_LOSS = "impairment_loss"  # ROU asset impairment (ASC 360 / IAS 36)
    OWNED_ASSET = "owned_asset"  # property and equipment when a purchase option is exercised


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One journal line; exactly one of debit/credit is non-zero."""

    role: AccountRole
    debit: Decimal
    credit: Decimal
    memo: str


@dataclass(frozen=True, slots=True)
class PaymentFlows:
    """Monthly cash flows: `advance[k]` at the start, `arrears[k]` at the end of month k, and
    (actual days only) `inside[k]`: payments inside month k as (amount, day offset, days in
    the month); offset 10 of 31 is the start of the 11th."""

    advance: list[Decimal] = field(default_factory=list)
    arrears: list[Decimal] = field(default_factory=list)
    inside: dict[int, list[tuple[Decimal, int, int]]] = field(default_factory=dict)
