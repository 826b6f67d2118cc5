"""Go-live: bring a lease that commenced before the company's go-live in with its balances.

A company starts closing in the product at its go-live month. A lease that commenced earlier
is not replayed from commencement: it enters at go-live with an opening liability and ROU asset,
found one of four ways, and runs off from there.

* ``asc840`` — ASC 840 → ASC 842, modified retrospective at the effective date with the package
  of practical expedients (ASC 842-10-65-1): classification and initial direct costs are not
  reassessed; the liability is the present value of the remaining payments at the rate at the
  transition date; the ROU asset is that liability less accrued (deferred) rent plus prepaid
  rent, less unamortized incentives. No equity effect. An ASC 840 capital lease keeps its
  carrying amounts, so it comes in with ``opening_balances``.
* ``ifrs16_liability`` — IAS 17 → IFRS 16, C5(b) with C8(b)(ii): liability as above, ROU equal
  to the liability adjusted by prepaid or accrued payments. No equity effect.
* ``ifrs16_retrospective`` — C5(b) with C8(b)(i): the ROU asset at its carrying amount as if
  IFRS 16 had always applied, discounted at the rate at the date of initial application; the
  difference goes to opening retained earnings.
* ``opening_balances`` — balances from a previous lease system (liability, ROU asset,
  accumulated amortization, deferred rent); the schedule continues from them exactly.

From go-live on, every month is as in `schedule`: the liability accretes at the monthly rate and
each balance is rounded once, so the posted liability after go-live equals the one of the same
lease computed from commencement to the cent. An ASC 842 operating lease's remaining single
cost is the remaining payments plus the ROU asset less the liability, straight-line over the
remaining term (ASC 842-10-65-1(g)); a finance or IFRS 16 ROU asset is amortized straight-line
over its remaining amortization months.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from dataclasses import replace as dc_replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from types import SimpleNamespace

from .changes import (
    ChangedSchedule,
    LeaseChange,
    Mode,
    anniversary_flows,
    original_flows,
)
from .dates import add_months, month_start, months_between, term_months_through
from .payments import cents, expand_flows, lease_end
from .restoration import ProvisionMonth, provision_month
from .schedule import (
    ENGINE_CONTEXT,
    amortization_months,
    build_schedule,
    is_prorated,
    monthly_rate,
)
from .types import (
    ZERO,
    AccountRole,
    DayCount,
    Frequency,
    JournalLine,
    LeaseTerms,
    LeaseTermsError,
    PaymentFlows,
    ScheduleMonth,
    Standard,
    TermsIssue,
)
from .validation import check_terms

# Largest gap, in currency units, between a previous system's liability and the present value
# of the remaining payments that is taken as that system's rounding (into the first interest).
LIABILITY_TOLERANCE = Decimal(1)


class TransitionMethod(enum.StrEnum):
    """How a lease that commenced before go-live gets its opening balances."""

    ASC_840 = "asc840"
    IFRS16_LIABILITY = "ifrs16_liability"  # C8(b)(ii)
    IFRS16_RETROSPECTIVE = "ifrs16_retrospective"  # C8(b)(i)
    OPENING_BALANCES = "opening_balances"


@dataclass(frozen=True, slots=True)
class OpeningBalances:
    """Balances at the start of the go-live month, as another lease system left them."""

    liability: Decimal
    rou_asset: Decimal  # net carrying amount (cost less accumulated amortization)
    accumulated_amortization: Decimal = ZERO  # finance / IFRS 16: kept on its contra account


@dataclass(frozen=True, slots=True)
class GoLive:
    """The go-live inputs of one lease."""

    go_live: date  # any day of the go-live month
    method: TransitionMethod
    # The rate at the transition date (ASC 840 / IAS 17 methods); None keeps the lease's own.
    transition_rate: Decimal | None = None
    # Straight-line rent accrued (+, a liability) or prepaid (−, an asset) under ASC 840 / IAS 17
    # just before go-live; cleared into the ROU asset by the go-live entry.
    deferred_rent: Decimal = ZERO
    unamortized_incentives: Decimal = ZERO  # ASC 840 lease incentive liability at go-live
    opening: OpeningBalances | None = None  # required for OPENING_BALANCES
    # IFRS 16 with IAS 37: the restoration provision's carrying amount at the start of the
    # go-live month (0: none brought in). It unwinds from there to the expected cost.
    restoration_provision: Decimal = ZERO

    @property
    def period(self) -> date:
        return month_start(self.go_live)


@dataclass(frozen=True, slots=True)
class GoLiveBalances:
    """What the go-live entry recognises (posted, rounded to the currency unit)."""

    liability: Decimal
    rou_cost: Decimal  # the ROU asset's gross amount
    accumulated_amortization: Decimal
    deferred_rent: Decimal  # + accrued rent derecognised (debit), − prepaid (credit)
    unamortized_incentives: Decimal
    # The balancing amount: + credited to retained earnings / transition, − debited.
    equity: Decimal
    restoration_provision: Decimal = ZERO  # credited to the provision by the go-live entry

    @property
    def rou_net(self) -> Decimal:
        return self.rou_cost - self.accumulated_amortization


def _issue(field: str, message: str) -> LeaseTermsError:
    return LeaseTermsError([TermsIssue(field, message)])


_ENDED_MESSAGE = "The lease ended before the go-live month; there is nothing to bring in."


class GoLiveSchedule:
    """The months of one lease from its go-live month to the end, rounded for posting.

    Duck-compatible with `Schedule` where the close and the reports read it: `start`, `terms`,
    `payments`, `posted_months()`, `period()`, `__len__`.
    """

    def __init__(self, terms: LeaseTerms, go_live: GoLive) -> None:
        check_terms(terms)
        self.terms = terms
        self.go_live = go_live
        self.start = go_live.period
        self.offset = months_between(terms.commencement, self.start)  # months already run
        if self.offset < 1:
            raise _issue(
                "go_live",
                "The lease commences in or after the go-live month: measure it from "
                "commencement instead of bringing it in with opening balances.",
            )
        # Actual days from inside a month, or an end date / payment day of its own: the months
        # after go-live are the calendar months of the schedule from commencement.
        self.days = is_prorated(terms) or terms.is_dated
        # (Under days the schedule from commencement says when it ends: `_remaining`.)
        if (
            not self.days
            and self.offset >= terms.term_months
            and self.offset >= amortization_months(terms)
        ):
            raise _issue("go_live", _ENDED_MESSAGE)
        rate_terms = terms
        if (
            go_live.transition_rate is not None
            and go_live.method is not TransitionMethod.OPENING_BALANCES
        ):
            rate_terms = replace(terms, annual_rate=go_live.transition_rate)
        self.rate = monthly_rate(rate_terms)
        self._unit = cents(terms.currency_decimals)
        self.rate_terms = rate_terms
        self.payments, closing, exact_liability = self._remaining(rate_terms)
        self.closing_full = closing  # full precision, for changes after go-live
        self.balances, full_rou = self._balances(rate_terms, exact_liability)
        q = self._q
        self.closing_liability = [q(c) for c in closing]
        self.rou_closing, self.straight_line = self._rou(full_rou)
        self._bring_in_provision(go_live.restoration_provision)

    def _bring_in_provision(self, provision: Decimal) -> None:
        """The restoration provision carried at go-live: credited by the go-live entry against
        transition equity, like the other balances brought in, then unwound monthly as for the
        lease from commencement (the first month takes any difference to that schedule)."""
        if not provision:
            return
        terms = self.terms
        if terms.standard is not Standard.IFRS_16 or terms.restoration_estimate <= 0:
            raise _issue(
                "restoration_provision",
                "A restoration provision is brought in for an IFRS 16 lease with the expected "
                "restoration cost (restoration_estimate) only.",
            )
        if provision < 0 or provision != self._q(provision):
            raise _issue(
                "restoration_provision",
                "Enter the provision's carrying amount at go-live: not negative, in currency "
                "units.",
            )
        b = self.balances
        self.balances = replace(b, equity=b.equity - provision, restoration_provision=provision)

    def provision_month(self, index: int) -> ProvisionMonth | None:
        """Month `index` from go-live of the restoration provision brought in, else None."""
        provision = self.balances.restoration_provision
        if not provision:
            return None
        month = provision_month(self.terms, self.offset + index)
        if month is None:
            return None
        if index == 0:
            opening = provision
            return ProvisionMonth(month.period, opening, month.closing - opening, month.closing)
        return month

    # -- construction -------------------------------------------------------------------------

    def _q(self, amount: Decimal) -> Decimal:
        return amount.quantize(self._unit, ROUND_HALF_UP)

    def _remaining(self, terms: LeaseTerms) -> tuple[list[Decimal], list[Decimal], Decimal]:
        """Payments and full-precision closing liabilities of the months from go-live on."""
        if self.days:
            # The schedule from commencement at the go-live rate: its calendar months from the
            # go-live month on (payments on their dates, interest accrued by days) and the
            # present value of what remains at the go-live month's start.
            reference = build_schedule(terms)
            self.reference = reference
            self.flows = None
            g = self.offset
            if g >= len(reference):
                raise _issue("go_live", _ENDED_MESSAGE)
            timeline = reference.timeline
            elapsed = g - timeline.origin  # months from commencement to the go-live month
            self.remaining_term = reference.term_time - elapsed
            months = reference.measurement.amortization_months
            self.remaining_amortization = timeline.span(terms.commencement, months) - elapsed
            return (
                list(reference.payments[g:]),
                list(reference.closing_liability[g:]),
                reference.closing_liability[g - 1],
            )
        flows = expand_flows(terms)
        self.flows = flows
        g, n = self.offset, terms.term_months
        months = max(n, amortization_months(terms)) - g
        payments = [ZERO] * months
        closing = [ZERO] * months
        with localcontext(ENGINE_CONTEXT):
            v = 1 / (1 + self.rate)
            balance = ZERO
            # The same backward recursion as `schedule`, so balances match it bit for bit.
            for k in range(n - 1, g - 1, -1):
                closing[k - g] = balance
                balance = (balance + flows.arrears[k]) * v + flows.advance[k]
                payments[k - g] = flows.advance[k] + flows.arrears[k]
        return payments, closing, balance if g < n else ZERO

    def _balances(self, terms: LeaseTerms, exact: Decimal) -> tuple[GoLiveBalances, Decimal]:
        """The go-live balances by method, and the ROU asset at full precision."""
        go, q = self.go_live, self._q
        method = go.method
        deferred, incentives = go.deferred_rent, go.unamortized_incentives
        if method is TransitionMethod.OPENING_BALANCES:
            opening = go.opening
            if opening is None:
                raise _issue("opening", "Enter the opening liability and ROU asset.")
            if abs(opening.liability - exact) > LIABILITY_TOLERANCE:
                raise _issue(
                    "opening.liability",
                    f"The opening liability {opening.liability:,} is not the present value of "
                    f"the remaining payments at the lease's rate ({q(exact):,}); check the rate "
                    "and payments the previous system used.",
                )
            if opening.rou_asset < 0 or opening.accumulated_amortization < 0:
                raise _issue("opening.rou_asset", "Opening balances cannot be negative.")
            liability, rou = q(opening.liability), q(opening.rou_asset)
            accumulated = q(opening.accumulated_amortization)
            cost = rou + accumulated
            equity = cost - accumulated - liability + deferred + incentives
            return GoLiveBalances(liability, cost, accumulated, deferred, incentives, equity), rou
        if method is TransitionMethod.ASC_840 and terms.standard is not Standard.ASC_842:
            raise _issue("method", "The ASC 840 transition applies to ASC 842 leases only.")
        if method is TransitionMethod.ASC_840 and not terms.is_operating:
            raise _issue(
                "method",
                "An ASC 840 capital lease keeps its carrying amounts under ASC 842: bring it in "
                "with opening balances (asset, obligation and accumulated amortization).",
            )
        if method is not TransitionMethod.ASC_840 and terms.standard is not Standard.IFRS_16:
            raise _issue("method", "The IFRS 16 transition applies to IFRS 16 leases only.")
        liability = q(exact)
        if method is TransitionMethod.IFRS16_RETROSPECTIVE:
            # C8(b)(i): carrying amount as if IFRS 16 had always applied, at today's rate.
            measured = build_schedule(terms).measurement
            months = measured.amortization_months
            with localcontext(ENGINE_CONTEXT):
                if self.days:
                    # Amortized by days to go-live: the share of the amortization time left.
                    span = (
                        self.remaining_amortization + self.offset - self.reference.timeline.origin
                    )
                    left = max(self.remaining_amortization, Fraction(0)) / span
                    full = measured.rou * left.numerator / left.denominator
                else:
                    full = measured.rou * max(months - self.offset, 0) / months
            rou = q(full)
            # The difference to the liability (after clearing accrued rent) is equity.
            equity = rou - liability + deferred + incentives
            return GoLiveBalances(liability, rou, ZERO, deferred, incentives, equity), rou
        # ASC 840 operating and C8(b)(ii): ROU = liability − accrued + prepaid − incentives.
        rou = liability - deferred - incentives
        if rou < 0:
            raise _issue(
                "deferred_rent",
                "Deferred rent and incentives exceed the lease liability; the ROU asset would be "
                "negative. Check the balances (an impairment is recognised before go-live).",
            )
        return GoLiveBalances(liability, rou, ZERO, deferred, incentives, ZERO), rou

    def _rou(self, rou: Decimal) -> tuple[list[Decimal], list[Decimal] | None]:
        """Posted ROU closing balances and, for an operating lease, the monthly single cost."""
        n = len(self.payments)
        q = self._q
        liability = self.balances.liability
        closing = []
        with localcontext(ENGINE_CONTEXT):
            if self.terms.is_operating:
                # Remaining cost = remaining payments + ROU − liability, straight-line; the ROU
                # asset is the plug (cost − accretion), so it ends at zero with the liability.
                term = self.terms.term_months - self.offset
                total = sum(self.payments, ZERO) + rou - liability
                if self.days:
                    # By days: whole months after go-live, the last one by its days.
                    cumulative = [
                        q(_part(total, min(k + 1, self.remaining_term) / self.remaining_term))
                        for k in range(n)
                    ]
                else:
                    cumulative = [q(total * (k + 1) / term) for k in range(n)]
                paid = ZERO
                for k in range(n):
                    paid += self.payments[k]
                    accreted = self.closing_liability[k] - liability + paid
                    closing.append(rou - cumulative[k] + accreted)
                cost = [cumulative[k] - (cumulative[k - 1] if k else ZERO) for k in range(n)]
                return closing, cost
            if self.days:
                span = self.remaining_amortization
                for k in range(n):
                    closing.append(
                        rou - q(_part(rou, min(k + 1, span) / span)) if span > 0 else ZERO
                    )
                return closing, None
            months = amortization_months(self.terms) - self.offset
            for k in range(n):
                closing.append(rou - q(rou * min(k + 1, months) / months) if months > 0 else ZERO)
            return closing, None

    # -- reading ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.payments)

    def period(self, index: int) -> date:
        return add_months(self.start, index)

    def opening_liability(self, index: int) -> Decimal:
        return self.balances.liability if index == 0 else self.closing_liability[index - 1]

    def rou_opening(self, index: int) -> Decimal:
        return self.balances.rou_net if index == 0 else self.rou_closing[index - 1]

    def interest_at(self, index: int) -> Decimal:
        """Accretion of month `index`: the difference of rounded balances plus the payment."""
        return self.closing_liability[index] - self.opening_liability(index) + self.payments[index]

    def posted_months(self) -> list[ScheduleMonth]:
        """The months from go-live on, every column rounded and tying to its balances."""
        rows = []
        for k in range(len(self)):
            interest = self.interest_at(k)
            rows.append(
                ScheduleMonth(
                    period=self.period(k),
                    opening_liability=self.opening_liability(k),
                    payment=self.payments[k],
                    interest=interest,
                    principal=self.payments[k] - interest,
                    closing_liability=self.closing_liability[k],
                    rou_opening=self.rou_opening(k),
                    rou_amortization=self.rou_opening(k) - self.rou_closing[k],
                    rou_closing=self.rou_closing[k],
                    straight_line_cost=None
                    if self.straight_line is None
                    else self.straight_line[k],
                )
            )
        return rows

    # -- journal ------------------------------------------------------------------------------

    def golive_lines(self) -> list[JournalLine]:
        """The go-live entry: the ROU asset and liability in, the old balances out, equity."""
        b = self.balances
        return _lines(
            (AccountRole.ROU_ASSET, b.rou_cost, "Go-live: right-of-use asset"),
            (
                AccountRole.ACCUMULATED_AMORTIZATION,
                -b.accumulated_amortization,
                "Go-live: accumulated amortization",
            ),
            (AccountRole.LEASE_LIABILITY, -b.liability, "Go-live: lease liability"),
            (AccountRole.DEFERRED_RENT, b.deferred_rent, "Go-live: deferred rent cleared"),
            (
                AccountRole.DEFERRED_RENT,
                b.unamortized_incentives,
                "Go-live: unamortized lease incentives cleared",
            ),
            (
                AccountRole.PROVISION,
                -b.restoration_provision,
                "Go-live: restoration provision",
            ),
            (AccountRole.TRANSITION_EQUITY, -b.equity, "Go-live: transition adjustment"),
        )

    def periodic_lines(self, index: int) -> list[JournalLine]:
        """Month `index` after go-live, as the engine's monthly entry (and the unwinding of a
        restoration provision brought in, on lines of its own)."""
        return self._lease_lines(index) + self.provision_lines(index)

    def provision_lines(self, index: int) -> list[JournalLine]:
        month = self.provision_month(index)
        amount = ZERO if month is None else month.unwinding
        memo = "Restoration provision: unwinding of the discount"
        return _lines(
            (AccountRole.PROVISION_UNWINDING, amount, memo),
            (AccountRole.PROVISION, -amount, memo),
        )

    def _lease_lines(self, index: int) -> list[JournalLine]:
        payment = self.payments[index]
        interest = self.interest_at(index)
        amortization = self.rou_opening(index) - self.rou_closing[index]
        if self.straight_line is not None:
            return _lines(
                (AccountRole.LEASE_EXPENSE, self.straight_line[index], "Straight-line lease cost"),
                (
                    AccountRole.LEASE_LIABILITY,
                    payment - interest,
                    "Lease liability: payment less accretion",
                ),
                (AccountRole.CASH_CLEARING, -payment, "Lease payment"),
                (
                    AccountRole.ROU_ASSET,
                    -amortization,
                    "ROU asset: straight-line cost less accretion",
                ),
            )
        return _lines(
            (AccountRole.INTEREST_EXPENSE, interest, "Interest on lease liability"),
            (
                AccountRole.LEASE_LIABILITY,
                payment - interest,
                "Lease liability: payment less interest",
            ),
            (AccountRole.CASH_CLEARING, -payment, "Lease payment"),
            (AccountRole.ROU_AMORTIZATION, amortization, "ROU asset amortization"),
            (AccountRole.ACCUMULATED_AMORTIZATION, -amortization, "ROU asset amortization"),
        )

    def journal_lines_for_month(self, period: date) -> list[JournalLine]:
        """The month's lines; nothing before go-live (the go-live entry is separate)."""
        index = months_between(self.start, period)
        if not 0 <= index < len(self):
            return []
        return self.periodic_lines(index)


def _part(amount: Decimal, share: Fraction) -> Decimal:
    """`amount` times an exact fraction (at engine precision); exact for a whole share."""
    if share == 1:
        return amount
    return amount * share.numerator / share.denominator


def _lines(*entries: tuple[AccountRole, Decimal, str]) -> list[JournalLine]:
    """Non-zero lines from (role, signed amount: + debit / − credit, memo)."""
    out = []
    for role, amount, memo in entries:
        if amount > 0:
            out.append(JournalLine(role, amount, ZERO, memo))
        elif amount < 0:
            out.append(JournalLine(role, ZERO, -amount, memo))
    return out


class _GoLiveBase:
    """A go-live schedule in the shape a `ChangedSchedule` reads as its original schedule: month
    0 is the go-live month, the terms run from there (remaining term, useful life and payments,
    the go-live rate, whole months)."""

    dated = False  # under actual days from inside a month: `_GoLiveDays`

    def __init__(self, golive: GoLiveSchedule) -> None:
        self.golive = golive
        self.start = golive.start
        g, terms = golive.offset, golive.rate_terms
        n = len(golive)
        if golive.days:
            self._days(golive, terms)
            return
        flows = golive.flows
        pad = [ZERO] * max(0, g + n - len(flows.advance))
        self.flows = PaymentFlows(
            advance=list(flows.advance[g:]) + pad, arrears=list(flows.arrears[g:]) + pad
        )
        self.closing_liability = golive.closing_full
        self.payments = golive.payments
        # Streams continue an extension from go-live: exact for level streams whose periods
        # start on a go-live month boundary; otherwise a longer term needs its payments.
        self.streams_exact = all(
            _level(stream) and g % int(stream.frequency) == 0 for stream in terms.payments
        )
        self.terms = replace(
            terms,
            commencement=golive.start,
            term_months=max(terms.term_months - g, 1),
            useful_life_months=None
            if terms.useful_life_months is None
            else max(terms.useful_life_months - g, 1),
            payments=tuple(replace(stream, rent_free_months=0) for stream in terms.payments),
            incentives=(),
            initial_direct_costs=ZERO,
            prepaid_rent=ZERO,
            restoration_cost=ZERO,
            # The provision brought in at go-live unwinds from the go-live schedule (below).
            restoration_estimate=ZERO,
            # A lease on whole anniversaries from the 1st keeps its day count, so a change
            # under actual days applies on its date (the go-live month starts on the 1st too).
            day_count=terms.day_count if _whole_periods(terms) else DayCount.WHOLE_MONTHS,
        )
        self.measurement = SimpleNamespace(
            monthly_rate=golive.rate,
            amortization_months=max(amortization_months(terms) - g, 1),
        )
        self.timeline = None

    def _days(self, golive: GoLiveSchedule, terms: LeaseTerms) -> None:
        """Actual days from inside a month, or stubs: the change engine's dated path, with the
        remaining payments on their dates (from the lease's own periods) and the remaining term
        and amortization counted by days from the go-live month."""
        self.dated = True
        self.flows = None
        end = lease_end(terms)
        frame = golive.start
        flows = original_flows(terms, frame) if terms.is_dated else anniversary_flows(terms, frame)
        self._flows = [flow for flow in flows if flow[0] >= 0]
        self.closing_liability = golive.closing_full
        self.payments = golive.payments
        # Escalations and useful lives keep counting from the lease's own commencement.
        self.streams_origin = self.life_origin = terms.commencement
        # An extension continues the streams exactly when they are level and monthly.
        self.streams_exact = all(
            _level(stream) and stream.frequency is Frequency.MONTHLY for stream in terms.payments
        )
        self.terms = replace(
            terms,
            commencement=frame,
            term_months=term_months_through(frame, end),
            end_date=end,
            payment_day=terms.payment_day or terms.commencement.day,
            incentives=(),
            initial_direct_costs=ZERO,
            prepaid_rent=ZERO,
            restoration_cost=ZERO,
            restoration_estimate=ZERO,
        )
        # The months a change's term counts from the original commencement, less these.
        self.term_shift = terms.term_months - self.terms.term_months
        remaining = golive.remaining_amortization
        self.measurement = SimpleNamespace(
            monthly_rate=golive.rate,
            amortization_months=max(-(-remaining.numerator // remaining.denominator), 1),
        )
        self.timeline = SimpleNamespace(origin=Fraction(0), span=lambda _c, _m: remaining)
        self._term_time = golive.remaining_term

    def dated_flows(self) -> list:
        """The remaining payments on their dates, months counted from the go-live month."""
        return list(self._flows)

    def __len__(self) -> int:
        return len(self.golive)

    @property
    def term_time(self) -> Fraction:
        """The remaining term in months from the go-live month (the last one by its days)."""
        if self.dated:
            return self._term_time
        return Fraction(self.terms.term_months)

    def posted(self) -> SimpleNamespace:
        g = self.golive
        return SimpleNamespace(
            liability=g.balances.liability,
            rou=g.balances.rou_net,
            closing_liability=g.closing_liability,
            rou_closing=g.rou_closing,
            straight_line_at=lambda k: None if g.straight_line is None else g.straight_line[k],
        )


def _whole_periods(terms: LeaseTerms) -> bool:
    """Commencing on the 1st, ending the day before an anniversary, paying on commencement's
    day: every month from go-live on is a whole month under either day count."""
    return terms.commencement.day == 1 and not terms.is_dated


def _level(stream) -> bool:
    return not (
        stream.escalations or stream.steps or stream.rent_free_months or stream.index_factor
    )


class GoLiveChangedSchedule(ChangedSchedule):
    """A lease brought in at go-live, followed by its changes (every kind), from its go-live
    balances: the months before the first change are the go-live schedule's, each change
    remeasures from the balances it finds, as for a lease measured from commencement.

    Changes apply from the first day of their month under whole months, on their date under
    actual days, and must fall after the go-live month; `term_months` and `useful_life_months`
    of a change count from the original commencement, as everywhere else.
    """

    def __init__(self, golive: GoLiveSchedule, changes: tuple[LeaseChange, ...]) -> None:
        self.golive = golive
        base = _GoLiveBase(golive)
        g = golive.offset
        issues = []
        relative = []
        for i, change in enumerate(changes):
            if months_between(golive.start, change.effective) < 1:
                issues.append(
                    TermsIssue(
                        f"changes[{i}].effective",
                        f"The lease came in at go-live ({golive.start:%b %Y}) with its opening "
                        "balances: a change takes effect after the go-live month (change the "
                        "opening balances for the go-live month itself).",
                    )
                )
            if (
                change.term_months is not None
                and change.payments is None
                and (change.term_months > golive.terms.term_months or base.dated)
                and not base.streams_exact
            ):
                issues.append(
                    TermsIssue(
                        f"changes[{i}].payments",
                        "Enter the payments of the longer term: this lease came in at go-live "
                        "and its payments are not level from the go-live month.",
                    )
                )
            if base.dated:
                # Terms count from go-live to the end date; useful lives keep their origin.
                shift = base.term_shift
                relative.append(
                    replace(
                        change,
                        term_months=None
                        if change.term_months is None
                        else change.term_months - shift,
                    )
                )
                continue
            relative.append(
                replace(
                    change,
                    term_months=None if change.term_months is None else change.term_months - g,
                    useful_life_months=None
                    if change.useful_life_months is None
                    else change.useful_life_months - g,
                )
            )
        if issues:
            raise LeaseTermsError(issues)
        self._opening_accumulated = golive.balances.accumulated_amortization
        super().__init__(base.terms, tuple(relative), base=base)  # type: ignore[arg-type]
        # Callers match events to the changes they passed in.
        originals = {id(r): c for r, c in zip(relative, changes, strict=True)}
        self.events = [dc_replace(e, change=originals[id(e.change)]) for e in self.events]
        self.changes = tuple(changes)

    def _provision(self, k: int) -> ProvisionMonth | None:
        """The restoration provision brought in at go-live (none otherwise)."""
        return self.golive.provision_month(k)

    def _base_point(self, k: int) -> tuple[Decimal, Decimal]:
        """The go-live schedule's posted balances at the end of month k (k = -1: at go-live)."""
        g = self.golive
        if k < 0:
            return g.balances.liability, g.balances.rou_net
        return g.closing_liability[k], g.rou_closing[k]

    def _apply(self, state, change) -> None:
        if self._opening_accumulated and not self._segments and not self.events:
            # The accumulated amortization brought in at go-live stays on its contra account
            # until a derecognition or reclassification takes it off.
            if state.mode is Mode.AMORTIZE:
                state.accumulated += self._opening_accumulated
            self._opening_accumulated = ZERO
        super()._apply(state, change)

    def periodic_lines(self, k: int) -> list[JournalLine]:
        if k < len(self) and self._segment_of(k) is None:
            lines = self.golive._lease_lines(k) if k < len(self.golive) else []
            lines += self._provision_lines(k)
            variable = self.variable.get(k, ZERO)
            return lines + _lines(
                (AccountRole.VARIABLE_EXPENSE, variable, "Variable lease cost (index review)"),
                (AccountRole.CASH_CLEARING, -variable, "Variable lease payment (index review)"),
            )
        return super().periodic_lines(k)

    def month_lines(self, k: int) -> list[JournalLine]:
        """Change entries, then the periodic entry (the go-live entry posts on its own)."""
        lines: list[JournalLine] = []
        for _, event in self.event_lines(k):
            lines += event
        return lines + self.periodic_lines(k)

    def journal_lines_for_month(self, period: date) -> list[JournalLine]:
        k = months_between(self.start, period)
        if not 0 <= k < len(self):
            return []
        return self.periodic_lines(k)


def build_golive_changed_schedule(
    golive: GoLiveSchedule, changes: tuple[LeaseChange, ...] | list[LeaseChange]
) -> GoLiveChangedSchedule:
    """A go-live lease with its changes, in effective order; raises `LeaseTermsError`."""
    return GoLiveChangedSchedule(golive, tuple(changes))


def build_golive_schedule(terms: LeaseTerms, go_live: GoLive) -> GoLiveSchedule:
    """Validate and bring `terms` in at `go_live`; raises `LeaseTermsError` with plain reasons."""
    return GoLiveSchedule(terms, go_live)


def commences_before(terms: LeaseTerms, go_live: date | None) -> bool:
    """Whether a lease must come in with opening balances rather than from commencement."""
    return go_live is not None and month_start(terms.commencement) < month_start(go_live)


def asc840_deferred_rent(terms: LeaseTerms, go_live: date) -> Decimal:
    """ASC 840 / IAS 17 straight-line rent accrued (+) or prepaid (−) just before go-live.

    Straight-line rent over the term (all fixed payments ÷ term) for the months already run,
    less the cash paid for them; what a lessee's ledger carries as deferred rent at go-live.
    """
    flows = expand_flows(terms)
    n = terms.term_months
    g = min(months_between(terms.commencement, month_start(go_live)), n)
    payments = [flows.advance[k] + flows.arrears[k] for k in range(n)]
    with localcontext(ENGINE_CONTEXT):
        straight_line = sum(payments, ZERO) * g / n
        accrued = straight_line - sum(payments[:g], ZERO)
    return accrued.quantize(cents(terms.currency_decimals), ROUND_HALF_UP)
