"""Initial measurement and the monthly liability / ROU schedule."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction

from .dates import (
    add_months,
    add_months_to_day,
    days_in_month,
    month_position,
    month_start,
    months_between,
)
from .payments import cents, dated_flows, dated_payments, expand_flows, lease_end
from .types import (
    ZERO,
    DayCount,
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


def is_prorated(terms: LeaseTerms) -> bool:
    """True when the lease counts actual days and commences after the 1st of its month: its
    first and last calendar months are partial and its payments fall inside months."""
    return terms.day_count is DayCount.ACTUAL_DAYS and terms.commencement.day != 1


class Timeline:
    """Actual days: where each calendar month end falls, in months from commencement.

    A month counts 1, a partial month its days over the month's days (17 of 31 days = 17/31),
    so a lease that commences on 15 January and ends on 14 January counts 17/31 + ... + 14/31.
    The straight-line cost and the ROU amortization of a month are their totals times the
    month's share of this time.
    """

    __slots__ = ("origin", "ends", "term")

    def __init__(
        self, commencement: date, months: int, term: tuple[int, date] | None = None
    ) -> None:
        self.origin = month_position(commencement, commencement)
        # Calendar month k ends where month k + 1 starts.
        self.ends = [k + 1 - self.origin for k in range(months)]
        # A lease with an end date: (term months, the day after the end date).
        self.term = term

    def span(self, commencement: date, months: int) -> Fraction:
        """Time from commencement to `months` anniversaries later (the end of a term), or to the
        end date when `months` is the term of a lease with one."""
        if self.term is not None and months == self.term[0]:
            end = self.term[1]
        else:
            end = add_months_to_day(commencement, months)
        return month_position(end, commencement) - self.origin

    def shares(self, total: Fraction, count: int) -> list[Fraction]:
        """Cumulative share of `total` at the end of each of the first `count` months."""
        return [min(end, total) / total for end in self.ends[:count]]


def _shared(amount: Decimal, share: Fraction) -> Decimal:
    """`amount` times an exact fraction (at engine precision)."""
    if share == 1:
        return amount
    return amount * share.numerator / share.denominator


def _measure(terms: LeaseTerms, flows: PaymentFlows) -> tuple[InitialMeasurement, list[Decimal]]:
    """Measurement plus the closing liability of every month of the term (full precision)."""
    if is_prorated(terms) or terms.is_dated:
        return _measure_days(terms, flows)
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


def _measurement(
    terms: LeaseTerms, flows: PaymentFlows, liability: Decimal, rate: Decimal
) -> InitialMeasurement:
    received = sum(
        (
            i.amount
            for i in terms.incentives
            if i.receivable_on is None or (terms.is_dated and i.receivable_on == terms.commencement)
        ),
        ZERO,
    )
    return InitialMeasurement(
        commencement=terms.commencement,
        liability=liability,
        payments_at_commencement=flows.advance[0],
        prepaid_rent=terms.prepaid_rent,
        initial_direct_costs=terms.initial_direct_costs,
        incentives_received=received,
        restoration_cost=terms.restoration_cost if terms.standard is Standard.IFRS_16 else ZERO,
        monthly_rate=rate,
        amortization_months=amortization_months(terms),
    )


def accrual_factor(rate: Decimal, offset: int, days: int) -> Decimal:
    """Growth from day `offset` of a month to its end: 1 + monthly rate x remaining days / days
    in the month (interest accrues day by day and is added to the liability at month end)."""
    return 1 + rate * (days - offset) / days


def _measure_days(
    terms: LeaseTerms, flows: PaymentFlows
) -> tuple[InitialMeasurement, list[Decimal]]:
    """Actual days: the liability at commencement and at each calendar month end.

    Flows sit on their dates (`dated_flows`). Within a month interest accrues daily at the
    monthly rate / days in the month on the balance outstanding that day, and is added at the
    month end; so a month with opening balance O and payments p_i on day offsets t_i closes at
    O(1 + r) - sum p_i (1 + r (D - t_i) / D). The first month starts at the commencement's
    offset. Computed backwards, so each balance is exactly the PV of what remains.
    """
    rate = monthly_rate(terms)
    if terms.is_dated:
        # Stubs: the flows are dated already, the schedule ends in the end date's month.
        n = months_between(terms.commencement, lease_end(terms))
        inside = flows.inside
    else:
        n = terms.term_months
        inside = dated_flows(terms.commencement, [ZERO, *flows.advance[1:]], flows.arrears)
    closing = [ZERO] * (n + 1)
    with localcontext(ENGINE_CONTEXT):
        balance = ZERO
        for k in range(n, -1, -1):
            closing[k] = balance
            due = balance + sum(
                (p * accrual_factor(rate, t, d) for p, t, d in inside.get(k, ())), ZERO
            )
            if k:
                balance = due / (1 + rate)
        c = terms.commencement
        start = accrual_factor(rate, c.day - 1, days_in_month(c))
        liability = due / start
    return _measurement(terms, flows, liability, rate), closing


def measure(terms: LeaseTerms) -> InitialMeasurement:
    """Validate `terms` and return the initial measurement (liability, ROU and its components)."""
    check_terms(terms)
    flows = dated_payments(terms) if terms.is_dated else expand_flows(terms)
    measurement, _ = _measure(terms, flows)
    check_rou(measurement.rou)
    return measurement


class Schedule:
    """A monthly schedule from one measurement, stored column-wise at full precision.

    Only payments and closing liabilities are stored; interest and ROU columns are derived on
    demand, which keeps 10,000 leases x 120 months well inside a gigabyte. A later remeasurement
    is a new `Schedule` starting at its own period with its own opening balances; history before
    it is never rewritten.
    """

    __slots__ = (
        "terms",
        "measurement",
        "start",
        "payments",
        "closing_liability",
        "_posted",
        "flows",
        "timeline",
    )

    def __init__(
        self,
        terms: LeaseTerms,
        measurement: InitialMeasurement,
        payments: list[Decimal],
        closing_liability: list[Decimal],
    ) -> None:
        self.terms = terms
        self.measurement = measurement
        self.start = month_start(measurement.commencement)
        self.payments = payments  # settled against the liability, in whole currency units
        self.closing_liability = closing_liability
        self._posted: PostedSchedule | None = None
        self.flows: PaymentFlows | None = None  # the expanded cash flows, kept for changes
        self.timeline: Timeline | None = None  # actual days with partial months, else None

    def __len__(self) -> int:
        return len(self.payments)

    def period(self, index: int) -> date:
        """First day of month `index` of the schedule."""
        return add_months(self.start, index)

    @property
    def straight_line_cost(self) -> Decimal | None:
        """Monthly single lease cost of an ASC 842 operating lease (full precision), else None.
        With partial months, the cost of a whole month (a partial one costs its share)."""
        if not self.terms.is_operating:
            return None
        with localcontext(ENGINE_CONTEXT):
            if self.timeline is not None:
                return _shared(self.total_lease_cost, 1 / self.term_time)
            return self.total_lease_cost / self.terms.term_months

    @property
    def term_time(self) -> Fraction:
        """The term in months, partial months counted by their days."""
        if self.timeline is None:
            return Fraction(self.terms.term_months)
        return self.timeline.span(self.terms.commencement, self.terms.term_months)

    def cost_shares(self, count: int | None = None) -> list[Fraction]:
        """Cumulative share of the term elapsed at each month end (straight-line cost)."""
        count = len(self) if count is None else count
        if self.timeline is None:
            term = self.terms.term_months
            return [Fraction(min(k + 1, term), term) for k in range(count)]
        return self.timeline.shares(self.term_time, count)

    def amortization_shares(self, count: int | None = None) -> list[Fraction]:
        """Cumulative share of the amortization period elapsed at each month end."""
        count = len(self) if count is None else count
        months = self.measurement.amortization_months
        if self.timeline is None:
            return [Fraction(min(k + 1, months), months) for k in range(count)]
        span = self.timeline.span(self.terms.commencement, months)
        return self.timeline.shares(span, count)

    def monthly_costs(self) -> list[Decimal] | None:
        """Full-precision straight-line cost of each month (operating leases), else None."""
        cost = self.straight_line_cost
        if cost is None or self.timeline is None:
            return None if cost is None else [cost] * len(self)
        total = self.total_lease_cost
        with localcontext(ENGINE_CONTEXT):
            cumulative = [_shared(total, f) for f in self.cost_shares()]
            pairs = zip(cumulative, cumulative[1:], strict=False)
            return [cumulative[0]] + [b - a for a, b in pairs]

    @property
    def total_lease_cost(self) -> Decimal:
        """Total payments (incl. at/before commencement) + IDC - incentives received."""
        m = self.measurement
        with localcontext(ENGINE_CONTEXT):
            return sum(self.payments, ZERO) + m.rou - m.liability - m.restoration_cost

    @property
    def interest(self) -> list[Decimal]:
        """Full-precision accretion per month: the balancing figure between balances."""
        return _interest(self.measurement.liability, self.closing_liability, self.payments)

    @property
    def rou_closing(self) -> list[Decimal]:
        """Full-precision ROU balance at each month end; the last one is exactly zero."""
        rou0 = self.measurement.rou
        with localcontext(ENGINE_CONTEXT):
            if self.terms.is_operating:
                costs = self.monthly_costs()
                out = []
                rou = rou0
                for cost, interest in zip(costs, self.interest[:-1], strict=False):
                    rou = rou - (cost - interest)
                    out.append(rou)
                out.append(ZERO)  # exact true-up of the last month's full-precision residue
                return out
            if self.timeline is not None:
                return [rou0 - _shared(rou0, f) for f in self.amortization_shares()]
            months = self.measurement.amortization_months
            return [rou0 * max(months - k - 1, 0) / months for k in range(len(self))]

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
            straight_line=self.monthly_costs(),
        )

    def posted(self) -> PostedSchedule:
        """Posting figures rounded to the currency unit, with the last-period true-up (cached)."""
        if self._posted is None:
            self._posted = PostedSchedule.from_schedule(self)
        return self._posted

    def posted_months(self) -> list[ScheduleMonth]:
        """Rounded months: every column ties to its total and balances end at exactly zero."""
        p = self.posted()
        unit = cents(self.terms.currency_decimals)
        return _rows(
            self,
            opening_liability=p.liability,
            rou_opening=p.rou,
            payments=[pay.quantize(unit) for pay in self.payments],
            interest=_interest(p.liability, p.closing_liability, self.payments),
            closing=p.closing_liability,
            rou_closing=p.rou_closing,
            straight_line=p.straight_line_cost,
        )


def _interest(opening: Decimal, closing: list[Decimal], payments: list[Decimal]) -> list[Decimal]:
    """Interest as closing - opening + payment, month by month (telescopes to the exact total)."""
    out = []
    with localcontext(ENGINE_CONTEXT):
        for close, pay in zip(closing, payments, strict=True):
            out.append(close - opening + pay)
            opening = close
    return out


class PostedSchedule:
    """Rounded posting balances; monthly flows are differences of rounded balances, so they tie."""

    __slots__ = ("liability", "rou", "components", "closing_liability", "rou_closing", "_sl")

    def __init__(
        self,
        liability: Decimal,
        rou: Decimal,
        components: dict[str, Decimal],
        closing_liability: list[Decimal],
        rou_closing: list[Decimal],
        straight_line_cumulative: list[Decimal] | None,
    ) -> None:
        self.liability = liability
        self.components = components
        self.rou = rou
        self.closing_liability = closing_liability
        self.rou_closing = rou_closing
        self._sl = straight_line_cumulative

    @classmethod
    def from_schedule(cls, s: Schedule, months: int | None = None) -> PostedSchedule:
        """Round balances half up; the final balances are exactly zero.

        `months` keeps only the first months (a report that needs a year of balances need not
        round a ten-year schedule); each kept month is exactly as in the full posting."""
        m = s.measurement
        unit = cents(s.terms.currency_decimals)
        q = Decimal.quantize
        with localcontext(ENGINE_CONTEXT):
            liability = q(m.liability, unit, ROUND_HALF_UP)
            # Components other than the liability are whole currency units already (validated).
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
            closing = [q(c, unit, ROUND_HALF_UP) for c in s.closing_liability[:n]]
            rou_closing = []
            cumulative_sl = None
            if s.terms.is_operating:
                # Operating: cumulative straight-line cost rounded; the ROU is the plug against it,
                # so each month's entry balances and the ROU ends at zero with the liability.
                total = sum(s.payments, ZERO) + rou0 - liability
                term = s.terms.term_months
                if s.timeline is None:
                    cumulative_sl = [
                        q(total * (k + 1) / term, unit, ROUND_HALF_UP) for k in range(n)
                    ]
                else:
                    cumulative_sl = [
                        q(_shared(total, f), unit, ROUND_HALF_UP) for f in s.cost_shares(n)
                    ]
                paid = ZERO
                for k in range(n):
                    paid += s.payments[k]
                    # ROU = opening ROU - (cumulative cost - cumulative accretion)
                    accreted = closing[k] - liability + paid
                    rou_closing.append(rou0 - cumulative_sl[k] + accreted)
            elif s.timeline is not None:
                for f in s.amortization_shares(n):
                    rou_closing.append(rou0 - q(_shared(rou0, f), unit, ROUND_HALF_UP))
            else:
                months = m.amortization_months
                for k in range(n):
                    amortized = q(rou0 * min(k + 1, months) / months, unit, ROUND_HALF_UP)
                    rou_closing.append(rou0 - amortized)
        return cls(liability, rou0, components, closing, rou_closing, cumulative_sl)

    def opening_liability(self, index: int) -> Decimal:
        """Rounded liability at the start of month `index`."""
        return self.liability if index == 0 else self.closing_liability[index - 1]

    def rou_opening(self, index: int) -> Decimal:
        """Rounded ROU asset at the start of month `index`."""
        return self.rou if index == 0 else self.rou_closing[index - 1]

    def interest_at(self, index: int, payment: Decimal) -> Decimal:
        """Posted accretion of month `index` (difference of rounded balances)."""
        return self.closing_liability[index] - self.opening_liability(index) + payment

    def straight_line_at(self, index: int) -> Decimal | None:
        """Posted straight-line cost of month `index` (operating leases), else None."""
        if self._sl is None:
            return None
        return self._sl[index] - (self._sl[index - 1] if index else ZERO)

    @property
    def straight_line_cost(self) -> list[Decimal] | None:
        """Posted straight-line cost per month (operating leases), else None."""
        if self._sl is None:
            return None
        return [self.straight_line_at(k) for k in range(len(self._sl))]


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
    if terms.is_dated:
        return _build_dated(terms)
    flows = expand_flows(terms)
    measurement, closing = _measure(terms, flows)
    check_rou(measurement.rou)
    term = terms.term_months
    adv, arr = flows.advance, flows.arrears
    if is_prorated(terms):
        # Actual days: month k holds the payments dated in it (the payment at commencement
        # sits in the ROU asset); the term ends inside month `term`, one month more.
        inside = dated_flows(terms.commencement, [ZERO, *adv[1:]], arr)
        payments = [sum((p for p, _, _ in inside.get(k, ())), ZERO) for k in range(term + 1)]
        extra = measurement.amortization_months - term
        if extra > 0:
            payments += [ZERO] * extra
            closing += [ZERO] * extra
        schedule = Schedule(terms, measurement, payments, closing)
        schedule.flows = flows
        schedule.timeline = Timeline(terms.commencement, len(payments))
        return schedule
    # The payment at commencement sits in the ROU asset, never in the liability schedule.
    payments = [arr[0]] + [adv[k] + arr[k] for k in range(1, term)]
    extra = measurement.amortization_months - term
    if extra > 0:
        # ROU amortized over a useful life beyond the term: the liability is already settled.
        payments += [ZERO] * extra
        closing += [ZERO] * extra
    schedule = Schedule(terms, measurement, payments, closing)
    schedule.flows = flows
    return schedule


def _build_dated(terms: LeaseTerms) -> Schedule:
    """A lease with stubs (an end date or payment day off the anniversary rule): month k holds
    the payments dated in it, the schedule runs from the commencement month through the end
    date's month (longer when the ROU is amortized past the term)."""
    flows = dated_payments(terms)
    measurement, closing = _measure(terms, flows)
    check_rou(measurement.rou)
    inside = flows.inside
    payments = [sum((p for p, _, _ in inside.get(k, ())), ZERO) for k in range(len(closing))]
    months = measurement.amortization_months
    if months != terms.term_months:
        last = add_months_to_day(terms.commencement, months) - timedelta(days=1)
        extra = months_between(terms.commencement, last) + 1 - len(payments)
        if extra > 0:
            payments += [ZERO] * extra
            closing += [ZERO] * extra
    schedule = Schedule(terms, measurement, payments, closing)
    # No anniversary flows: changes are not taken on such leases (docs/engine.md).
    schedule.flows = None
    end = lease_end(terms) + timedelta(days=1)
    schedule.timeline = Timeline(terms.commencement, len(payments), (terms.term_months, end))
    return schedule
