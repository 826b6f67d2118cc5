"""Initial measurement and the monthly liability / ROU schedule."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from .dates import add_months, month_start
from .payments import cents, expand_flows
from .types import (
    ZERO,
    InitialMeasurement,
    LeaseTerms,
    PaymentFlows,
    RateConvention,
    ScheduleMonth,
    Standard,
)
from .validation import check_rou, check_terms

# Internal arithmetic: 34 significant digits (IEEE decimal128), far below a cent on any lease.
ENGINE_CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP, Emax=999999, Emin=-999999)
TWELFTH = Decimal(1) / Decimal(12)


def monthly_rate(terms: LeaseTerms) -> Decimal:
    """Periodic monthly rate under the lease's rate convention."""
    with localcontext(ENGINE_CONTEXT):
        if terms.rate_convention is RateConvention.NOMINAL:
            return terms.annual_rate / 12
        return (1 + terms.annual_rate) ** (Decimal(1) / 12) - 1


def amortization_months(terms: LeaseTerms) -> int:
    """Months over which the ROU asset is amortized (straight-line cost for operating leases)."""
    if terms.is_operating:
        return terms.term_months
    life = terms.useful_life_months
    if terms.ownership_transfers or terms.purchase_option_reasonably_certain:
        return life if life is not None else terms.term_months
    return min(terms.term_months, life) if life is not None else terms.term_months


def _measure(terms: LeaseTerms, flows: PaymentFlows) -> tuple[InitialMeasurement, list[Decimal]]:
    """Measurement plus the closing liability of every month of the term (full precision)."""
    rate = monthly_rate(terms)
    n = terms.term_months
    closing = [ZERO] * n
    with localcontext(ENGINE_CONTEXT):
        v = 1 / (1 + rate)
        adv, arr = flows.advance, flows.arrears
        balance = ZERO
        # Backward recursion: each balance is exactly the PV of the flows still to come, so the
        # last closing balance is zero by construction and interest is the balancing figure.
        for k in range(n - 1, -1, -1):
            closing[k] = balance
            balance = (balance + arr[k]) * v + adv[k]
        liability = balance - adv[0]
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
    return measurement, closing


def measure(terms: LeaseTerms) -> InitialMeasurement:
    """Validate `terms` and return the initial measurement (liability, ROU and its components)."""
    check_terms(terms)
    measurement, _ = _measure(terms, expand_flows(terms))
    check_rou(measurement.rou)
    return measurement


class Schedule:
    """A monthly schedule from one measurement, stored column-wise at full precision.

    A later remeasurement is a new `Schedule` starting at its own period with its own opening
    balances; history before it is never rewritten.
    """

    __slots__ = (
        "terms",
        "measurement",
        "start",
        "payments",
        "interest",
        "closing_liability",
        "rou_closing",
        "straight_line_cost",
        "_posted",
    )

    def __init__(
        self,
        terms: LeaseTerms,
        measurement: InitialMeasurement,
        payments: list[Decimal],
        interest: list[Decimal],
        closing_liability: list[Decimal],
        rou_closing: list[Decimal],
        straight_line_cost: Decimal | None,
    ) -> None:
        self.terms = terms
        self.measurement = measurement
        self.start = month_start(measurement.commencement)
        self.payments = payments
        self.interest = interest
        self.closing_liability = closing_liability
        self.rou_closing = rou_closing
        self.straight_line_cost = straight_line_cost
        self._posted: PostedSchedule | None = None

    def __len__(self) -> int:
        return len(self.payments)

    def period(self, index: int) -> date:
        """First day of month `index` of the schedule."""
        return add_months(self.start, index)

    @property
    def months(self) -> list[ScheduleMonth]:
        """Full-precision months (not rounded; for review and tests)."""
        return _rows(
            self,
            opening_liability=self.measurement.liability,
            rou_opening=self.measurement.rou,
            payments=self.payments,
            interest=self.interest,
            closing=self.closing_liability,
            rou_closing=self.rou_closing,
            straight_line=None
            if self.straight_line_cost is None
            else [self.straight_line_cost] * len(self),
        )

    def posted(self) -> PostedSchedule:
        """Posting figures rounded to the currency unit, with the last-period true-up (cached)."""
        if self._posted is None:
            self._posted = PostedSchedule.from_schedule(self)
        return self._posted

    def posted_months(self) -> list[ScheduleMonth]:
        """Rounded months: every column ties to its total and balances end at exactly zero."""
        p = self.posted()
        return _rows(
            self,
            opening_liability=p.liability,
            rou_opening=p.rou,
            payments=p.payments,
            interest=p.interest,
            closing=p.closing_liability,
            rou_closing=p.rou_closing,
            straight_line=p.straight_line_cost,
        )


class PostedSchedule:
    """Rounded posting columns derived from rounded balances, so totals tie exactly."""

    __slots__ = (
        "liability",
        "rou",
        "interest",
        "closing_liability",
        "rou_closing",
        "straight_line_cost",
        "components",
        "payments",
    )

    def __init__(self) -> None:
        self.liability = ZERO
        self.rou = ZERO
        self.interest: list[Decimal] = []
        self.closing_liability: list[Decimal] = []
        self.rou_closing: list[Decimal] = []
        self.straight_line_cost: list[Decimal] | None = None
        self.components: dict[str, Decimal] = {}
        self.payments: list[Decimal] = []

    @classmethod
    def from_schedule(cls, s: Schedule) -> PostedSchedule:
        """Round balances (half up) and derive each month's flows from the rounded balances."""
        p = cls()
        m = s.measurement
        unit = cents(s.terms.currency_decimals)
        q = unit.__class__.quantize
        with localcontext(ENGINE_CONTEXT):
            p.liability = q(m.liability, unit, ROUND_HALF_UP)
            # Components are whole currency units already (validated), the liability is rounded.
            p.components = {
                "liability": p.liability,
                "payments_at_commencement": m.payments_at_commencement,
                "prepaid_rent": m.prepaid_rent,
                "initial_direct_costs": m.initial_direct_costs,
                "incentives_received": m.incentives_received,
                "restoration_cost": m.restoration_cost,
            }
            p.rou = (
                p.liability
                + m.payments_at_commencement
                + m.prepaid_rent
                + m.initial_direct_costs
                - m.incentives_received
                + m.restoration_cost
            )
            closing = [q(c, unit, ROUND_HALF_UP) for c in s.closing_liability]
            # Payments are whole currency units already; quantize only to show the exponent.
            p.payments = [q(pay, unit) for pay in s.payments]
            interest = []
            opening = p.liability
            for close, pay in zip(closing, s.payments, strict=True):
                interest.append(close - opening + pay)
                opening = close
            p.closing_liability = closing
            p.interest = interest
            n = len(s)
            rou_closing = []
            if s.straight_line_cost is not None:
                # Operating: cumulative straight-line cost rounded, ROU is the plug against it.
                total = sum(s.payments, ZERO) + p.rou - p.liability
                term = s.terms.term_months
                sl = []
                previous = ZERO
                rou = p.rou
                for k in range(n):
                    cumulative = q(total * (k + 1) / term, unit, ROUND_HALF_UP)
                    cost = cumulative - previous
                    previous = cumulative
                    sl.append(cost)
                    rou = rou - (cost - interest[k])
                    rou_closing.append(rou)
                p.straight_line_cost = sl
            else:
                months = m.amortization_months
                for k in range(n):
                    amortized = q(p.rou * min(k + 1, months) / months, unit, ROUND_HALF_UP)
                    rou_closing.append(p.rou - amortized)
            p.rou_closing = rou_closing
        return p


def _rows(
    s: Schedule,
    *,
    opening_liability: Decimal,
    rou_opening: Decimal,
    payments: list[Decimal],
    interest: list[Decimal],
    closing: list[Decimal],
    rou_closing: list[Decimal],
    straight_line: list[Decimal] | None,
) -> list[ScheduleMonth]:
    """Materialize column lists into `ScheduleMonth` rows."""
    rows = []
    opening, rou_open = opening_liability, rou_opening
    with localcontext(ENGINE_CONTEXT):
        for k in range(len(payments)):
            pay, rate_interest, close, rou_close = (
                payments[k],
                interest[k],
                closing[k],
                rou_closing[k],
            )
            rows.append(
                ScheduleMonth(
                    period=s.period(k),
                    opening_liability=opening,
                    payment=pay,
                    interest=rate_interest,
                    principal=pay - rate_interest,
                    closing_liability=close,
                    rou_opening=rou_open,
                    rou_amortization=rou_open - rou_close,
                    rou_closing=rou_close,
                    straight_line_cost=None if straight_line is None else straight_line[k],
                )
            )
            opening, rou_open = close, rou_close
    return rows


def build_schedule(terms: LeaseTerms) -> Schedule:
    """Validate `terms`, measure at commencement and build the full monthly schedule."""
    check_terms(terms)
    flows = expand_flows(terms)
    measurement, closing = _measure(terms, flows)
    rou0 = measurement.rou
    check_rou(rou0)
    term = terms.term_months
    length = max(term, measurement.amortization_months)
    adv, arr = flows.advance, flows.arrears
    with localcontext(ENGINE_CONTEXT):
        # The payment at commencement sits in the ROU asset, never in the liability schedule.
        payments = [arr[0]] + [adv[k] + arr[k] for k in range(1, term)]
        interest = []
        opening = measurement.liability
        for close, pay in zip(closing, payments, strict=False):
            interest.append(close - opening + pay)
            opening = close
        if length > term:
            # ROU amortized over a useful life beyond the term: the liability is already settled.
            extra = length - term
            payments += [ZERO] * extra
            interest += [ZERO] * extra
            closing += [ZERO] * extra
        rou_closing = []
        straight_line = None
        if terms.is_operating:
            total = sum(payments, ZERO) + rou0 - measurement.liability
            straight_line = total / term
            rou = rou0
            for k in range(term - 1):
                rou = rou - (straight_line - interest[k])
                rou_closing.append(rou)
            rou_closing.append(ZERO)  # exact true-up of the last month's full-precision residue
        else:
            months = measurement.amortization_months
            rou_closing = [rou0 * max(months - k - 1, 0) / months for k in range(length)]
    return Schedule(terms, measurement, payments, interest, closing, rou_closing, straight_line)
