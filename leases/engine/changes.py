"""Lease changes after commencement: a schedule is the original measurement plus segments.

Convention: under whole months a change takes effect from the first day of the month that
contains its effective date. Under actual days it takes effect on its date: the liability accrues
to that day at the old rate (monthly rate x days / days in the month), is remeasured there, and
the month's figures are the days before the change plus the days after it (docs/engine.md "Real
dates"). The months before it are the previous segment's and never move. A change remeasures
the liability (present value of the remaining payments at the segment's rate) and carries the
ROU asset on from its posted balance, adjusted as the kind of change requires. Every posted
figure is a difference of rounded balances, so every entry balances and every balance ends at
exactly zero.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from itertools import accumulate
from operator import add

from .dates import (
    add_months,
    add_months_to_day,
    anniversary_end,
    days_in_month,
    month_position,
    months_between,
    on_day,
    term_months_through,
)
from .journal import commencement_lines, periodic_lines
from .payments import cents, expand_flows, lease_end, payment_amount, payment_pieces
from .restoration import ProvisionMonth, provision_month
from .schedule import ENGINE_CONTEXT, Schedule, build_schedule, is_prorated
from .types import (
    ZERO,
    AccountRole,
    Classification,
    DayCount,
    Frequency,
    JournalLine,
    LeaseTerms,
    LeaseTermsError,
    PaymentFlows,
    PaymentStream,
    RateConvention,
    ScheduleMonth,
    Standard,
    TermsIssue,
    Timing,
)
from .validation import MAX_TERM_MONTHS

ONE = Decimal(1)
# A lease with stubs (`terms.is_dated`): one payment on its date, as (calendar month from the
# commencement month, where in the month, amount, first day of its payment period; None for an
# incentive receivable).
DatedFlow = tuple[int, Fraction, Decimal, date | None]
NO_STUB = (ZERO, ZERO, ZERO)  # a segment that starts on the 1st has no days before it


class ChangeKind(enum.StrEnum):
    """What happened to the lease; decides the rate rule and where the difference goes."""

    TERM = "term"  # extension or reduction (option exercised, reassessed or negotiated)
    CONSIDERATION = "consideration"  # new payments from a date, nothing else
    INDEX = "index"  # index or rate review (CPI): new payments from the review date
    DECREASE_SCOPE = "decrease_scope"  # part of the asset given back (partial termination)
    INCREASE_SCOPE = "increase_scope"  # more of the asset, not a separate lease: remeasure
    RECLASSIFICATION = "reclassification"  # ASC 842 modification that changes classification
    TERMINATION = "termination"  # full early termination, with or without a payment
    PURCHASE_OPTION = "purchase_option"  # the lessee buys the asset
    IMPAIRMENT = "impairment"  # ROU asset impairment (ASC 360 / IAS 36)


KIND_LABELS = {
    ChangeKind.TERM: "Term extension or reduction",
    ChangeKind.CONSIDERATION: "Change in consideration",
    ChangeKind.INDEX: "Index or rate review",
    ChangeKind.DECREASE_SCOPE: "Decrease in scope",
    ChangeKind.INCREASE_SCOPE: "Increase in scope",
    ChangeKind.RECLASSIFICATION: "Reclassification",
    ChangeKind.TERMINATION: "Early termination",
    ChangeKind.PURCHASE_OPTION: "Purchase option exercised",
    ChangeKind.IMPAIRMENT: "ROU asset impairment",
}

# Kinds measured again at a revised rate: IFRS 16.40 and 16.45, ASC 842-20-35-5 and
# 842-10-35-4. An index review keeps the rate under IFRS 16 (16.42-43).
REVISED_RATE_KINDS = frozenset(
    {
        ChangeKind.TERM,
        ChangeKind.CONSIDERATION,
        ChangeKind.DECREASE_SCOPE,
        ChangeKind.INCREASE_SCOPE,
        ChangeKind.RECLASSIFICATION,
    }
)
ENDING_KINDS = frozenset({ChangeKind.TERMINATION, ChangeKind.PURCHASE_OPTION})


@dataclass(frozen=True, slots=True)
class LeaseChange:
    """One change to a lease, effective from `effective` (applied from that month's start).

    `payments`, when given, replace every payment from the effective month on; their month 0 is
    the effective month (escalations count from it). `term_months` is the new total term from
    commencement. `amount` is the termination payment, the purchase price or the impairment
    loss, by kind. `scope_fraction` is the share of the asset given back (0.5 for half).
    """

    kind: ChangeKind
    effective: date
    term_months: int | None = None
    payments: tuple[PaymentStream, ...] | None = None
    annual_rate: Decimal | None = None
    scope_fraction: Decimal | None = None
    amount: Decimal = ZERO
    classification: Classification | None = None
    useful_life_months: int | None = None
    separate_lease: bool = False
    reference: str = ""  # the caller's name for the change; carried into memos
    # A termination of an IFRS 16 lease with a restoration provision: the restoration cost paid
    # on the termination date (None: settled at the provision's carrying amount).
    restoration_paid: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """What a change did at the start of its month, in posted (rounded) figures."""

    change: LeaseChange
    index: int  # month of the schedule the change takes effect in
    period: date
    liability_before: Decimal
    liability_after: Decimal
    rou_before: Decimal
    rou_after: Decimal
    gain_loss: Decimal  # positive = gain in profit or loss, negative = loss
    monthly_cost_before: Decimal | None  # total lease cost of the month before and the first after
    monthly_cost_after: Decimal | None
    rate_before: Decimal  # annual rates (fractions)
    rate_after: Decimal
    classification_after: Classification | None
    remeasured: bool  # False: an ASC 842 index review expensed as variable lease cost
    lines: tuple[JournalLine, ...]
    on: date | None = None  # the day it took effect (actual days); None: the 1st of `period`

    @property
    def liability_adjustment(self) -> Decimal:
        return self.liability_after - self.liability_before

    @property
    def rou_adjustment(self) -> Decimal:
        return self.rou_after - self.rou_before

    @property
    def label(self) -> str:
        """Plain name of the change, e.g. "Change in consideration (CH-3) from 2026-03-15"."""
        ref = f" ({self.change.reference})" if self.change.reference else ""
        return f"{KIND_LABELS[self.change.kind]}{ref} from {self.change.effective.isoformat()}"


@dataclass(frozen=True, slots=True)
class _PostedView:
    closing_liability: list[Decimal]
    rou_closing: list[Decimal]


class Mode(enum.StrEnum):
    """How a segment turns balances into cost."""

    STRAIGHT_LINE = "straight_line"  # ASC 842 operating: one straight-line cost, ROU is the plug
    AMORTIZE = "amortize"  # finance / IFRS 16: interest + straight-line ROU amortization
    # ASC 842 operating after an impairment (ASC 842-20-35-10): accretion plus straight-line
    # amortization of the remaining ROU, posted as one lease cost.
    OPERATING_IMPAIRED = "operating_impaired"


@dataclass
class _State:
    """The lease at the start of month `index`, as the next change finds it."""

    index: int
    term: int  # months from commencement to the end of the term
    adv: list[Decimal]  # measured flows by absolute month (start / end of month)
    arr: list[Decimal]
    cash_adv: list[Decimal]  # flows paid (differ from measured after an ASC 842 index review)
    cash_arr: list[Decimal]
    streams: tuple[PaymentStream, ...]  # the streams paid now, and the month they start from
    streams_anchor: int
    annual_rate: Decimal
    mode: Mode
    classification: Classification | None
    liability_full: Decimal
    liability: Decimal  # posted
    rou: Decimal  # posted, net of accumulated amortization
    accumulated: Decimal  # posted accumulated amortization (AMORTIZE only)
    useful_life: int | None  # months from commencement
    owned: bool  # ownership transfers or purchase reasonably certain
    # Actual days: how far into month `index` the change falls (0 on the 1st), and what the
    # days of that month before it did (liability and ROU movement, payments), summed over
    # every change earlier in the same month.
    offset: Fraction = Fraction(0)
    stub: tuple[Decimal, Decimal, Decimal] = NO_STUB
    # A lease with stubs: its payments on their dates (measured and paid), the last day of the
    # lease, and the first day of the current streams' first payment period.
    dated: list[DatedFlow] | None = None
    cash_dated: list[DatedFlow] | None = None
    end: date | None = None
    streams_origin: date | None = None


class _Segment:
    """Posted figures of the months from one change to the next (or the end).

    The month-by-month arrays are computed on first use: a preview needs only the change's own
    figures and the first month's cost, which come from the opening balances directly.
    """

    __slots__ = (
        "start",
        "mode",
        "opening_liability",
        "opening_rou",
        "opening_accumulated",
        "_adv",
        "_arr",
        "_rate",
        "_remaining",
        "_amortization",
        "_length",
        "_unit",
        "_liability_full",
        "_arrays",
        "offset",
        "stub",
        "_inside",
        "_spans",
        "_limit",
    )

    def __init__(
        self,
        start: int,
        mode: Mode,
        opening_liability: Decimal,
        opening_rou: Decimal,
        opening_accumulated: Decimal,
        *,
        adv: list[Decimal] = (),  # type: ignore[assignment]
        arr: list[Decimal] = (),  # type: ignore[assignment]
        rate: Decimal = ZERO,
        remaining: int = 0,
        amortization: int = 0,
        unit: Decimal = ONE,
        liability_full: Decimal = ZERO,
        offset: Fraction = Fraction(0),
        stub: tuple[Decimal, Decimal, Decimal] = NO_STUB,
        inside: list[list[tuple[Decimal, Fraction]]] | None = None,
        spans: tuple[Fraction, Fraction] | None = None,
        limit: int | None = None,
    ) -> None:
        self.start, self.mode = start, mode
        # Posted figures are rounded for the first `limit` months only (a close reads one month
        # and the twelve after it); the liability is still measured over the whole term.
        self._limit = limit
        # Actual days with partial months: month j's payments inside the month (amount, where
        # in the month), and the term's and the amortization's ends counted from the start of
        # month 0 (a whole number of months otherwise).
        self._inside = inside
        self._spans = spans
        # Actual days: the segment starts `offset` into its first month; `stub` is what that
        # month did before it (liability and ROU movement, payments), posted with the month.
        self.offset, self.stub = offset, stub
        self.opening_liability, self.opening_rou = opening_liability, opening_rou
        self.opening_accumulated = opening_accumulated
        self._adv, self._arr, self._rate = adv, arr, rate
        self._remaining, self._amortization = remaining, amortization
        if spans is None:
            self._length = max(remaining, amortization, 1 if offset else 0)
        else:
            ends = [-(-span.numerator // span.denominator) for span in spans]  # ceilings
            self._length = max(remaining, *ends, 1)
        self._unit, self._liability_full = unit, liability_full
        self._arrays: tuple | None = None

    def __len__(self) -> int:
        return self._length

    @property
    def payments(self) -> list[Decimal]:
        return self._materialize()[0]

    @property
    def closing_full(self) -> list[Decimal]:
        return self._materialize()[1]

    @property
    def closing_liability(self) -> list[Decimal]:
        return self._materialize()[2]

    @property
    def rou_closing(self) -> list[Decimal]:
        return self._materialize()[3]

    @property
    def cost(self) -> list[Decimal] | None:
        return self._materialize()[4]

    def first_cost(self) -> Decimal:
        """The first month's total lease cost, from the opening balances alone."""
        unit, remaining = self._unit, self._remaining
        with localcontext(ENGINE_CONTEXT):
            if self.mode is Mode.STRAIGHT_LINE:
                total = (
                    sum(self._adv[:remaining], ZERO)
                    + sum(self._arr[:remaining], ZERO)
                    + self.opening_rou
                    - self.opening_liability
                )
                return _q(total / remaining, unit)
            payment = (self._adv[0] + self._arr[0]) if remaining else ZERO
            closing = (
                (self._liability_full - self._adv[0]) * (1 + self._rate) - self._arr[0]
                if remaining > 1
                else ZERO
            )
            interest = _q(closing, unit) - self.opening_liability + payment
            rou0 = self.opening_rou
            return interest + _q(rou0 / self._amortization, unit)

    def _materialize(self) -> tuple:
        if self._arrays is not None:
            return self._arrays
        unit, remaining, length = self._unit, self._remaining, self._length
        adv, arr = self._adv, self._arr
        with localcontext(ENGINE_CONTEXT):
            v = 1 / (1 + self._rate)
            closing = [ZERO] * length
            balance = ZERO
            # Backwards, so each balance is exactly the PV of what remains and the last is zero.
            inside = self._inside
            # Adding the ZERO constant (exponent 0) changes neither a balance's value nor its
            # exponent, so it is skipped (as in `fast._backward`); a computed 0.00 is added.
            for j in range(remaining - 1, -1, -1):
                closing[j] = balance
                if j == 0 and self.offset:
                    break  # the change date: `liability_full` is this month's opening
                a, r = adv[j], arr[j]
                due = balance if r is ZERO else balance + r
                if inside is not None:
                    for amount, where in inside[j]:
                        # Paid inside the month: accrues interest until then, not after.
                        due += amount * (1 + self._rate * _dec(1 - where))
                balance = due * v if a is ZERO else due * v + a
            payments = [adv[j] + arr[j] if j < remaining else ZERO for j in range(length)]
            if inside is not None:
                for j, flows in enumerate(inside[:length]):
                    for amount, _ in flows:
                        payments[j] += amount
            count = length if self._limit is None else min(length, self._limit)
            rounded = [_q(c, unit) for c in closing[:count]]
            rou0, liability0 = self.opening_rou, self.opening_liability
            rou_closing: list[Decimal] = []
            cost = None
            if self.mode is Mode.STRAIGHT_LINE:
                # ASC 842-20-35-3: remaining payments plus (ROU - liability) after the change,
                # straight-line over the remaining term; the ROU is the plug.
                total = sum(payments, ZERO) + rou0 - liability0
                if self.offset or self._spans is not None:
                    cumulative = [_q(_part(total, f), unit) for f in self.shares(0)[:count]]
                elif remaining:
                    cumulative = [_q(total * (j + 1) / remaining, unit) for j in range(count)]
                else:
                    cumulative = [ZERO] * count  # ended on its first day
                cost = [cumulative[0]] + [
                    cumulative[j] - cumulative[j - 1] for j in range(1, count)
                ]
                paid = ZERO
                for j in range(count):
                    paid += payments[j]
                    rou_closing.append(rou0 - cumulative[j] + rounded[j] - liability0 + paid)
            else:
                amortization = self._amortization
                if self.offset or self._spans is not None:
                    for f in self.shares(1)[:count]:
                        rou_closing.append(rou0 - _q(_part(rou0, f), unit))
                else:
                    for j in range(count):
                        done = min(j + 1, amortization)
                        rou_closing.append(rou0 - _q(rou0 * done / amortization, unit))
        self._arrays = (payments, closing, rounded, rou_closing, cost)
        return self._arrays

    def span(self, which: int) -> Fraction:
        """From the change to the end of the term (0) or of the amortization (1), in months."""
        if self._spans is not None:
            return self._spans[which] - self.offset
        return (self._remaining if which == 0 else self._amortization) - self.offset

    def shares(self, which: int) -> list[Fraction]:
        """Actual days: cumulative share of the term (0) or of the amortization (1) elapsed at
        each month end, counting from the change date."""
        span = self.span(which)
        if span <= 0:
            return [Fraction(1)] * self._length
        return [min(j + 1 - self.offset, span) / span for j in range(self._length)]

    def at(self, j: int, offset: Fraction) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """Actual days: (full and posted liability, posted ROU, payments of the month so far)
        `offset` into month j of the segment, before anything that happens on that day."""
        payments, closing, rounded, rou_closing, cost = self._materialize()
        unit, remaining = self._unit, self._remaining
        start = self.offset if j == 0 else Fraction(0)
        flows: list[tuple[Decimal, Fraction]] = []
        if j < remaining:
            if not start:
                # A payment at the start of the month is paid by now (the segment's own first
                # month, when it starts inside the month, has none).
                flows.append((self._adv[j], Fraction(0)))
            if self._inside is not None:
                flows.extend(self._inside[j])
        opening = self._liability_full if j == 0 else closing[j - 1]
        full, paid_now = _accrue(opening, self._rate, start, offset, flows)
        if j >= remaining:
            full = ZERO
        with localcontext(ENGINE_CONTEXT):
            posted = _q(full, unit)
            rou0, liability0 = self.opening_rou, self.opening_liability
            elapsed = j + offset - self.offset
            if self.mode is Mode.STRAIGHT_LINE:
                total = sum(payments, ZERO) + rou0 - liability0
                span = self.span(0)
                done = _q(_part(total, min(elapsed, span) / span), unit) if span > 0 else ZERO
                paid = sum(payments[:j], ZERO) + paid_now
                rou = rou0 - done + posted - liability0 + paid
            else:
                span = self.span(1)
                share = min(elapsed, span) / span if span > 0 else Fraction(1)
                rou = rou0 - _q(_part(rou0, share), unit)
        return full, posted, rou, paid_now


def _accrue(
    opening: Decimal,
    rate: Decimal,
    start: Fraction,
    until: Fraction,
    flows: list[tuple[Decimal, Fraction]],
) -> tuple[Decimal, Decimal]:
    """Actual days: the balance `until` into a month that opened with `opening` at `start`,
    with interest accrued day by day (monthly rate x days / days in the month) on what was
    owed each day; and the payments made in between. A payment at `until` is not made yet."""
    paid = ZERO
    with localcontext(ENGINE_CONTEXT):
        balance = opening * (1 + rate * _dec(until - start))
        for amount, where in flows:
            if start <= where < until and amount:
                balance -= amount * (1 + rate * _dec(until - where))
                paid += amount
    return balance, paid


def _dec(value: Fraction) -> Decimal:
    """An exact fraction as a Decimal at engine precision."""
    with localcontext(ENGINE_CONTEXT):
        return Decimal(value.numerator) / value.denominator


def _part(amount: Decimal, share: Fraction) -> Decimal:
    """`amount` times an exact fraction; exact for a whole share."""
    if share == 1:
        return amount
    with localcontext(ENGINE_CONTEXT):
        return amount * share.numerator / share.denominator


def _level(stream: PaymentStream) -> bool:
    """A stream with one amount throughout (no escalation, steps, rent-free months or index)."""
    return not (
        stream.escalations or stream.steps or stream.rent_free_months or stream.index_factor
    )


def _exact_sum(amount: Decimal) -> bool:
    """Whether ZERO + amount gives `amount` exactly, digits and exponent (not for -0 or for
    more digits than the default context keeps)."""
    return not (amount.is_zero() and amount.is_signed()) and amount.adjusted() < 20


def _cumulative(payments: list[Decimal]) -> list[Decimal]:
    """Running totals ZERO + p0, + p1, …: the same additions as a loop, in C."""
    running = accumulate(payments, add, initial=ZERO)
    next(running)
    return list(running)


_MONTHLY: dict[tuple[str, RateConvention], Decimal] = {}


def _monthly(annual: Decimal, convention: RateConvention) -> Decimal:
    """The monthly rate, computed once per rate as written (a portfolio repeats its rates, and
    the twelfth root costs more than the rest of a change)."""
    key = (str(annual), convention)
    rate = _MONTHLY.get(key)
    if rate is None:
        with localcontext(ENGINE_CONTEXT):
            if convention is RateConvention.NOMINAL:
                rate = annual / 12
            else:
                rate = (1 + annual) ** (ONE / 12) - 1
        if len(_MONTHLY) > 10_000:
            _MONTHLY.clear()
        _MONTHLY[key] = rate
    return rate


def _pv_at(
    adv: list[Decimal],
    arr: list[Decimal],
    start: int,
    offset: Fraction,
    end: int,
    rate: Decimal,
) -> Decimal:
    """Present value `offset` into month `start` (actual days): the value at the next month
    start plus the month's arrears, discounted by the monthly rate x the days left."""
    if not offset:
        return _pv(adv, arr, start, end, rate)
    if start >= end:
        return ZERO
    with localcontext(ENGINE_CONTEXT):
        return (_pv(adv, arr, start + 1, end, rate) + arr[start]) / (1 + rate * _dec(1 - offset))


def _pv(adv: list[Decimal], arr: list[Decimal], start: int, end: int, rate: Decimal) -> Decimal:
    """Present value at the start of month `start` of the flows of months start..end-1."""
    with localcontext(ENGINE_CONTEXT):
        v = 1 / (1 + rate)
        balance = ZERO
        for k in range(end - 1, start - 1, -1):
            balance = (balance + arr[k]) * v + adv[k]
        return balance


def _line(role: AccountRole, amount: Decimal, memo: str) -> JournalLine | None:
    if amount > 0:
        return JournalLine(role, amount, ZERO, memo)
    if amount < 0:
        return JournalLine(role, ZERO, -amount, memo)
    return None


def _lines(*entries: tuple[AccountRole, Decimal, str]) -> list[JournalLine]:
    return [line for role, amount, memo in entries if (line := _line(role, amount, memo))]


def _q(value: Decimal, unit: Decimal) -> Decimal:
    return value.quantize(unit, rounding=ROUND_HALF_UP)


class ChangedSchedule:
    """The original schedule followed by one segment per change, in posted figures.

    Months before the first change are exactly the original `Schedule`'s. `events` lists what
    each change did, in effective order; `segment_starts` the months where a segment begins.
    `len()` counts months with periodic figures; a termination's event sits in month `len()`.
    """

    def __init__(
        self,
        terms: LeaseTerms,
        changes: tuple[LeaseChange, ...] = (),
        *,
        base: Schedule | None = None,
    ) -> None:
        self.terms = terms
        self.changes = tuple(changes)
        # `base` saves a second build when the caller has the original schedule already.
        self.base: Schedule = base if base is not None else build_schedule(terms)
        self.start = self.base.start
        self.unit = cents(terms.currency_decimals)
        self.events: list[ChangeEvent] = []
        self._segments: list[_Segment] = []
        self.variable: dict[int, Decimal] = {}  # month -> variable lease cost (ASC 842 index)
        self._len = len(self.base)
        self._unmeasured_from: int | None = None  # first month with an unmeasured index review
        self._paid: list[Decimal] | None = None  # cumulative original payments (operating)
        self._points: dict[int, tuple[Decimal, Decimal]] = {}  # _base_point's, by month
        # A termination settled the restoration provision: (its month, the unwinding of the
        # days before it, posted with that month).
        self._settled: tuple[int, Decimal] | None = None
        self._prorated = is_prorated(terms)  # actual days, commencing after the 1st
        # An end date or payment day off the anniversary rule (or a lease brought in at go-live
        # under actual days from inside a month): payments on their own dates.
        self._dated = terms.is_dated or getattr(self.base, "dated", False)
        # A base posted for one month only (`fast.month_schedule`: that month and the twelve
        # after it): the segments are rounded only as far, nothing later is read.
        posted = getattr(self.base, "_posted", None)
        months = None if posted is None else len(posted.closing_liability)
        self._through = months if months is not None and months < len(self.base) else None
        self._build()

    def __len__(self) -> int:
        return self._len

    def period(self, index: int) -> date:
        return add_months(self.start, index)

    @property
    def segment_starts(self) -> list[int]:
        return [0] + [s.start for s in self._segments]

    # -- construction ------------------------------------------------------------------

    def _build(self) -> None:
        terms = self.terms
        issues = validate_changes(terms, self.changes)
        if issues:
            raise LeaseTermsError(issues)
        if not self.changes:
            return
        if self._dated:
            for i, change in enumerate(self.changes):
                for j, stream in enumerate(change.payments or ()):
                    if stream.frequency is not Frequency.MONTHLY:
                        raise LeaseTermsError(
                            [
                                TermsIssue(
                                    f"changes[{i}].payments[{j}].frequency",
                                    "This lease pays on its own dates with part periods: "
                                    "new payments must be monthly.",
                                )
                            ]
                        )
        base = self.base
        if self._dated:
            adv, arr = [], []  # the payments are on their dates (`state.dated`)
        else:
            flows = base.flows or expand_flows(terms)
            horizon = max(
                [len(base), terms.term_months] + [c.term_months or 0 for c in self.changes]
            )
            if is_prorated(terms):
                horizon += 1  # the term ends inside the month after its last payment month
            pad = [ZERO] * (horizon - terms.term_months)
            # The payment at commencement is in the ROU, never in the liability: drop it here.
            adv = [ZERO] + list(flows.advance[1:]) + pad
            arr = list(flows.arrears) + pad
        ordered = sorted(self.changes, key=lambda c: c.effective)
        first = months_between(base.start, ordered[0].effective)
        before_liability, before_rou = self._base_point(first - 1)
        rou_at_commencement = self._base_point(-1)[1]
        operating = terms.is_operating
        state = _State(
            index=first,
            term=terms.term_months,
            adv=adv,
            arr=arr,
            cash_adv=list(adv),
            cash_arr=list(arr),
            streams=terms.payments,
            streams_anchor=0,
            annual_rate=terms.annual_rate,
            mode=Mode.STRAIGHT_LINE if operating else Mode.AMORTIZE,
            classification=terms.classification,
            liability_full=base.closing_liability[first - 1],
            liability=before_liability,
            rou=before_rou,
            accumulated=ZERO if operating else rou_at_commencement - before_rou,
            useful_life=terms.useful_life_months,
            owned=terms.ownership_transfers or terms.purchase_option_reasonably_certain,
        )
        if self._dated:
            state.dated = self._original_dated_flows()
            state.cash_dated = list(state.dated)
            state.end = lease_end(terms)
            state.streams_origin = getattr(base, "streams_origin", terms.commencement)
        for change in ordered:
            index = months_between(base.start, change.effective)
            if index >= self._len and self.events:
                raise LeaseTermsError(
                    [TermsIssue("changes", f"{_name(change)} falls after the lease has ended.")]
                )
            self._move_to(state, index, self._offset(change.effective))
            self._apply(state, change)
        # Cash different from what was measured is variable lease cost (ASC 842 index review).
        first_unmeasured = self._unmeasured_from
        end = min(self._len, len(state.adv)) if first_unmeasured is not None else 0
        if self._through is not None:
            end = min(end, self._through)  # nothing later is read from a one-month base
        if self._dated and first_unmeasured is not None:
            self._dated_variable(state, first_unmeasured)
            end = 0
        for k in range(first_unmeasured or 0, end):
            if self._prorated:
                # Partial months: month k holds payment month k's advance and k - 1's arrears.
                diff = state.cash_adv[k] - state.adv[k]
                if k:
                    diff += state.cash_arr[k - 1] - state.arr[k - 1]
            else:
                diff = state.cash_adv[k] + state.cash_arr[k] - state.adv[k] - state.arr[k]
            if diff:
                self.variable[k] = diff

    def _offset(self, day: date) -> Fraction:
        """How far into its month a change falls: 0 under whole months or on the 1st."""
        if self.terms.day_count is not DayCount.ACTUAL_DAYS or day.day == 1:
            return Fraction(0)
        return Fraction(day.day - 1, days_in_month(day))

    # -- leases with stubs (an end date or payment day of their own) -----------------------

    def _position(self, day: date) -> Fraction:
        """Where `day` starts, in months from the start of the commencement month."""
        return month_position(day, self.start)

    def _payment_day(self) -> int:
        return self.terms.payment_day or self.terms.commencement.day

    def _first_payment_day(self, day: date) -> date:
        """The lease's payment day on or after `day`: where the first payment period that
        starts on or after `day` begins."""
        first = on_day(day, self._payment_day())
        return first if first >= day else on_day(add_months(day, 1), self._payment_day())

    def _dated_stream_flows(
        self, streams: tuple[PaymentStream, ...], origin: date, since: date, end: date
    ) -> list[DatedFlow]:
        return stream_flows(self.terms, streams, origin, since, end, self.start)

    def _original_dated_flows(self) -> list[DatedFlow]:
        if hasattr(self.base, "dated_flows"):
            return self.base.dated_flows()  # a lease brought in at go-live: from go-live on
        return original_flows(self.terms, self.start)

    @staticmethod
    def _replace_flows(
        flows: list[DatedFlow], new: list[DatedFlow], since: date, until: Fraction
    ) -> list[DatedFlow]:
        """`flows` without the payment periods from `since` on and without anything after
        `until` (the end of the term, in months), plus `new`."""
        return [f for f in flows if (f[3] is None or f[3] < since) and f[0] + f[1] <= until] + new

    def _dated_set_term(self, state: _State, term: int, effective: date) -> None:
        """New end of term for a lease with stubs: the end date moves by the months the term
        gains or loses (a month end stays a month end), the payment day stays. The payment
        periods from the first payment day on or after the change are priced again to the new
        end (its part period prorated by days); a period already begun keeps what it pays. An
        extension agreed in the final part period also pays the days from the old end to the
        next payment day as a part period of their own."""
        old_end = state.end
        origin = getattr(self.base, "life_origin", self.terms.commencement)
        shift = getattr(self.base, "term_shift", 0)
        end = moved_end(old_end, term - state.term, (origin, state.term + shift))
        anchor = self._first_payment_day(effective)
        if end + timedelta(days=1) < anchor:
            raise LeaseTermsError(
                [
                    TermsIssue(
                        "term_months",
                        f"The new term ends on {end.isoformat()}, inside the payment period "
                        f"under way on {effective.isoformat()}: on a lease with stubs a shorter "
                        f"term must end on or after the day before the next payment day "
                        f"({(anchor - timedelta(days=1)).isoformat()}).",
                    )
                ]
            )
        since = min(anchor, old_end + timedelta(days=1))
        new = self._dated_stream_flows(state.streams, state.streams_origin, since, end)
        until = self._position(end + timedelta(days=1))
        state.dated = self._replace_flows(state.dated, new, since, until)
        state.cash_dated = self._replace_flows(state.cash_dated, list(new), since, until)
        state.term, state.end = term, end

    def _dated_set_payments(
        self, state: _State, streams: tuple[PaymentStream, ...], effective: date, *, measured: bool
    ) -> None:
        """New payments from the first payment period that starts on or after the change."""
        anchor = self._first_payment_day(effective)
        new = self._dated_stream_flows(streams, anchor, anchor, state.end)
        until = self._position(state.end + timedelta(days=1))
        state.cash_dated = self._replace_flows(state.cash_dated, new, anchor, until)
        if measured:
            state.dated = self._replace_flows(state.dated, list(new), anchor, until)
        state.streams, state.streams_origin = streams, anchor

    def _pv_dated(
        self, flows: list[DatedFlow], start: int, offset: Fraction, rate: Decimal
    ) -> Decimal:
        """Present value `offset` into calendar month `start` of the payments from then on."""
        by_month: dict[int, list[tuple[Decimal, Fraction]]] = {}
        for month, where, amount, _ in flows:
            if (month, where) >= (start, offset) and amount:
                by_month.setdefault(month, []).append((amount, where))
        if not by_month:
            return ZERO
        balance = ZERO
        with localcontext(ENGINE_CONTEXT):
            for month in range(max(by_month), start - 1, -1):
                for amount, where in by_month.get(month, ()):
                    balance += amount * (1 + rate * _dec(1 - where))
                growth = 1 + rate * _dec(1 - offset) if month == start else 1 + rate
                balance = balance / growth
        return balance

    def _dated_variable(self, state: _State, first: int) -> None:
        """Cash different from what was measured (an ASC 842 index review), month by month."""
        diff: dict[int, Decimal] = {}
        for sign, flows in ((1, state.cash_dated), (-1, state.dated)):
            for month, _, amount, _ in flows:
                diff[month] = diff.get(month, ZERO) + (amount if sign > 0 else -amount)
        end = self._len if self._through is None else min(self._len, self._through)
        for k in range(first, end):
            if diff.get(k):
                self.variable[k] = diff[k]

    def _open_stub_segment(self, state: _State) -> None:
        """A lease with stubs: the segment's payments sit on their dates inside its calendar
        months, and its term ends on the end date (the amortization at the end of the useful
        life, counted in anniversaries of commencement, when that comes first or the asset is
        owned)."""
        s = state.index
        # Useful lives count anniversaries of the lease's own commencement.
        c = getattr(self.base, "life_origin", self.terms.commencement)
        last = months_between(self.start, state.end)
        months = max(last - s + 1, 1)
        inside: list[list[tuple[Decimal, Fraction]]] = [[] for _ in range(months)]
        for month, where, amount, _ in state.dated:
            if amount and s <= month < s + months and (month > s or where >= state.offset):
                inside[month - s].append((amount, where))
        term_span = self._position(state.end + timedelta(days=1)) - s
        amortization_span = term_span
        if state.mode is Mode.AMORTIZE and state.useful_life is not None:
            life_span = self._position(add_months_to_day(c, state.useful_life)) - s
            amortization_span = life_span if state.owned else min(term_span, life_span)
        ceiling = -(-amortization_span.numerator // amortization_span.denominator)
        self._segments.append(
            _Segment(
                s,
                state.mode,
                state.liability,
                state.rou,
                state.accumulated,
                adv=[ZERO] * months,
                arr=[ZERO] * months,
                rate=_monthly(state.annual_rate, self.terms.rate_convention),
                remaining=months,
                amortization=max(ceiling, 1),
                unit=self.unit,
                liability_full=state.liability_full,
                offset=state.offset,
                stub=state.stub,
                inside=inside,
                spans=(term_span, amortization_span),
            )
        )
        self._len = s + len(self._segments[-1])

    def _where(self, month: int) -> Fraction:
        """Partial months: where in calendar month `month` its monthly anniversary of
        commencement falls (payments, ends of term); 0 otherwise (the 1st)."""
        if not self._prorated:
            return Fraction(0)
        on = add_months_to_day(self.terms.commencement, month)
        return Fraction(on.day - 1, days_in_month(on))

    def _liability_months(self, term: int) -> int:
        """Calendar months with a liability: a term that ends inside a month has one more."""
        return term + 1 if self._prorated else term

    def _month_flows(
        self, adv: list[Decimal], arr: list[Decimal], month: int
    ) -> list[tuple[Decimal, Fraction]]:
        """Payments inside calendar `month` before its end, as (amount, where in the month).

        Partial months: the advance payment of payment month k and the arrears payment of
        payment month k - 1 both fall on anniversary k, inside calendar month k."""
        if not self._prorated:
            return [(adv[month], Fraction(0))] if month < len(adv) else []
        amount = (adv[month] if month < len(adv) else ZERO) + (
            arr[month - 1] if 0 < month <= len(arr) else ZERO
        )
        return [(amount, self._where(month))]

    def _anchor(self, state: _State) -> int:
        """The first payment month that starts on or after the change date."""
        if not state.offset:
            return state.index
        return (
            state.index
            if state.offset <= self._where(state.index) and self._prorated
            else (state.index + 1)
        )

    def _pv_at(
        self,
        adv: list[Decimal],
        arr: list[Decimal],
        start: int,
        offset: Fraction,
        term: int,
        rate: Decimal,
    ) -> Decimal:
        """Present value at `offset` into calendar month `start` of the payments from then to
        the end of `term`."""
        if not self._prorated:
            return _pv_at(adv, arr, start, offset, term, rate)
        balance = ZERO
        with localcontext(ENGINE_CONTEXT):
            for month in range(term, start - 1, -1):
                for amount, where in self._month_flows(adv[:term], arr[:term], month):
                    if amount and (month > start or where >= offset):
                        balance += amount * (1 + rate * _dec(1 - where))
                growth = 1 + rate * _dec(1 - offset) if month == start else 1 + rate
                balance = balance / growth
        return balance

    def _move_to(self, state: _State, index: int, offset: Fraction = Fraction(0)) -> None:
        """Bring the state's balances to month `index` (`offset` into it, actual days)."""
        previous_index, previous_offset = state.index, state.offset
        state.index, state.offset = index, offset
        if offset:
            self._move_inside(state, index, offset, previous_index, previous_offset)
            return
        state.stub = NO_STUB
        if not self._segments:
            if (index, offset) != (previous_index, previous_offset):
                # Still in the original schedule, a later month than the state was made for
                # (after an ASC 842 index review, which opens no segment): its balances.
                state.liability_full = self.base.closing_liability[index - 1]
                state.liability, state.rou = self._base_point(index - 1)
                if not self.terms.is_operating:
                    state.accumulated = self._base_point(-1)[1] - state.rou
            return
        seg = self._segments[-1]
        j = index - seg.start - 1
        if j < 0:
            return  # a second change in the same month starts from the first one's result
        state.liability_full = seg.closing_full[j]
        state.liability = seg.closing_liability[j]
        state.rou = seg.rou_closing[j]
        if seg.mode is Mode.AMORTIZE:
            state.accumulated = seg.opening_accumulated + seg.opening_rou - state.rou

    def _move_inside(
        self,
        state: _State,
        index: int,
        offset: Fraction,
        previous_index: int,
        previous_offset: Fraction,
    ) -> None:
        """Actual days: balances on the change date, accrued from the month start (or from an
        earlier change that month) at the old rate, and what those days did (the stub)."""
        unit = self.unit
        carried = NO_STUB
        if not self._segments:
            base = self.base
            rate = base.measurement.monthly_rate
            flows = None if self._dated else (base.flows or expand_flows(self.terms))
            prev_liability, prev_rou = self._base_point(index - 1)
            if self._dated:
                month_flows = [(a, w) for m, w, a, _ in state.dated if m == index]
                ended = index > months_between(self.start, lease_end(self.terms))
            else:
                adv = [ZERO, *flows.advance[1:]]
                month_flows = self._month_flows(adv, flows.arrears, index)
                ended = index >= self._liability_months(self.terms.term_months)
            full, paid_now = _accrue(
                base.closing_liability[index - 1], rate, Fraction(0), offset, month_flows
            )
            if ended:
                full = ZERO
            with localcontext(ENGINE_CONTEXT):
                posted = _q(full, unit)
                liability0, rou0 = self._base_point(-1)
                # Where the change falls, in months from commencement (partial months by days).
                elapsed = index + offset - (base.timeline.origin if base.timeline else 0)
                if self.terms.is_operating:
                    if self._paid is None:
                        self._paid = _cumulative(base.payments)
                    span = base.term_time
                    total = self._paid[-1] + rou0 - liability0
                    done = _q(_part(total, min(elapsed, span) / span), unit)
                    paid = (self._paid[index - 1] if index else ZERO) + paid_now
                    rou = rou0 - done + posted - liability0 + paid
                else:
                    months = base.measurement.amortization_months
                    span = (
                        base.timeline.span(self.terms.commencement, months)
                        if base.timeline
                        else Fraction(months)
                    )
                    rou = rou0 - _q(_part(rou0, min(elapsed, span) / span), unit)
            if not self.terms.is_operating:
                state.accumulated = rou0 - rou
        else:
            seg = self._segments[-1]
            j = index - seg.start
            full, posted, rou, paid_now = seg.at(j, offset)
            if j == 0:
                prev_liability, prev_rou = seg.opening_liability, seg.opening_rou
                carried = seg.stub
            else:
                prev_liability, prev_rou = seg.closing_liability[j - 1], seg.rou_closing[j - 1]
            if seg.mode is Mode.AMORTIZE:
                state.accumulated = seg.opening_accumulated + seg.opening_rou - rou
        if (previous_index, previous_offset) == (index, offset) and self.events:
            return  # a second change on the same day starts from the first one's result
        state.stub = (
            carried[0] + posted - prev_liability,
            carried[1] + rou - prev_rou,
            carried[2] + paid_now,
        )
        state.liability_full, state.liability, state.rou = full, posted, rou

    def _expand(self, streams: tuple[PaymentStream, ...], anchor: int, end: int):
        """Flows of `streams` starting at month `anchor`, for months anchor..end-1."""
        n = end - anchor
        if all(_level(stream) for stream in streams):
            # Level rent (the common index review): every period pays the same rounded amount.
            advance, arrears = [ZERO] * n, [ZERO] * n
            for number, stream in enumerate(streams):
                amount = stream.amount.quantize(self.unit, rounding=ROUND_HALF_UP)
                period = int(stream.frequency)
                if number == 0 and _exact_sum(amount):
                    # The first stream fills months that hold nothing yet (each period's month
                    # once): ZERO + amount is amount itself, so it is written, not added.
                    count = len(range(0, n, period))
                    if stream.timing is Timing.ADVANCE:
                        advance[0:n:period] = [amount] * count
                    else:
                        arrears[period - 1 : n : period] = [amount] * (n // period)
                        if n % period:
                            arrears[n - 1] = amount
                    continue
                for start in range(0, n, period):
                    if stream.timing is Timing.ADVANCE:
                        advance[start] += amount
                    else:
                        arrears[min(start + period, n) - 1] += amount
            return PaymentFlows(advance=advance, arrears=arrears)
        sub = dataclasses.replace(
            self.terms,
            commencement=self.period(anchor),
            term_months=end - anchor,
            payments=streams,
            incentives=(),
        )
        return expand_flows(sub)

    def _set_payments(
        self,
        state: _State,
        streams: tuple[PaymentStream, ...],
        anchor: int,
        start: int,
        end: int,
        *,
        measured: bool,
    ) -> None:
        """Cash (and, when `measured`, measured) flows of months start..end-1 from `streams`."""
        if end <= start:
            return
        flows = self._expand(streams, anchor, end)
        if end > len(state.adv):
            raise IndexError("list assignment index out of range")
        advance = flows.advance[start - anchor : end - anchor]
        arrears = flows.arrears[start - anchor : end - anchor]
        state.cash_adv[start:end], state.cash_arr[start:end] = advance, arrears
        if measured:
            state.adv[start:end], state.arr[start:end] = advance, arrears

    def _set_term(self, state: _State, term: int) -> None:
        """New end of term: later months lose their payments; an extension continues the rent."""
        if term < state.term:
            for lists in (state.adv, state.arr, state.cash_adv, state.cash_arr):
                for k in range(term, len(lists)):
                    lists[k] = ZERO
        elif term > state.term:
            self._set_payments(
                state, state.streams, state.streams_anchor, state.term, term, measured=True
            )
        state.term = term

    def _cost_at(self, k: int) -> Decimal:
        """Total lease cost posted in month `k` (interest + amortization, or straight line)."""
        seg = self._segment_of(k)
        if seg is None:
            opening, rou_open = self._base_point(k - 1)
            liability, rou = self._base_point(k)
            return liability - opening + self.base.payments[k] + rou_open - rou
        if k == seg.start and not seg.offset and not self._prorated and not self._dated:
            return seg.first_cost()
        opening, rou_open = self._opening(k)
        liability, rou, payment, _, _ = self._month(k)
        return liability - opening + payment + rou_open - rou

    def _base_point(self, k: int) -> tuple[Decimal, Decimal]:
        """Posted liability and ROU of the original schedule at the end of month k (k = -1: at
        commencement), by the same formulas as `PostedSchedule`, without computing every month."""
        found = self._points.get(k)
        if found is None:
            # A change reads the same month's balances several times (before it, its cost).
            found = self._points[k] = self._base_point_computed(k)
        return found

    def _base_point_computed(self, k: int) -> tuple[Decimal, Decimal]:
        base, unit = self.base, self.unit
        posted = getattr(base, "_posted", None)
        if posted is not None and k < len(posted.closing_liability):
            # Posted already (`fast.month_schedule` posts the months up to the close): the
            # same figures, digit for digit, as the formulas below.
            if k < 0:
                return posted.liability, posted.rou
            return posted.closing_liability[k], posted.rou_closing[k]
        m = base.measurement
        if self._prorated or self._dated:
            posted = base.posted()
            if k >= 0 and self._paid is None:
                self._paid = _cumulative(base.payments)
            if k < 0:
                return posted.liability, posted.rou
            return posted.closing_liability[k], posted.rou_closing[k]
        with localcontext(ENGINE_CONTEXT):
            liability0 = _q(m.liability, unit)
            rou0 = (
                liability0
                + m.payments_at_commencement
                + m.prepaid_rent
                + m.initial_direct_costs
                - m.incentives_received
                + m.restoration_cost
            )
            if k < 0:
                return liability0, rou0
            closing = _q(base.closing_liability[k], unit)
            if self.terms.is_operating:
                if self._paid is None:
                    self._paid = _cumulative(base.payments)
                total = self._paid[-1] + rou0 - liability0
                cumulative = _q(total * (k + 1) / self.terms.term_months, unit)
                return closing, rou0 - cumulative + closing - liability0 + self._paid[k]
            months = m.amortization_months
            return closing, rou0 - _q(rou0 * min(k + 1, months) / months, unit)

    def _apply(self, state: _State, change: LeaseChange) -> None:
        """Post the change at the start of `state.index` and open the next segment."""
        kind, s, unit = change.kind, state.index, self.unit
        memo = KIND_LABELS[kind] + (f" ({change.reference})" if change.reference else "")
        cost_before = self._cost_at(s - 1) if s - 1 < self._len else None
        liability_before, rou_before = state.liability, state.rou
        rate_before = state.annual_rate
        contra = AccountRole.ACCUMULATED_AMORTIZATION
        lines: list[JournalLine] = []
        gain = ZERO
        remeasured = True

        def derecognize(fraction: Decimal) -> Decimal:
            """Take `fraction` of the ROU asset off the books; return the net amount removed."""
            if state.mode is Mode.AMORTIZE:
                gross = _q((state.rou + state.accumulated) * fraction, unit)
                accumulated = _q(state.accumulated * fraction, unit)
                lines.extend(
                    _lines(
                        (AccountRole.ROU_ASSET, -gross, f"Derecognition: ROU asset · {memo}"),
                        (contra, accumulated, f"Derecognition: accumulated amortization · {memo}"),
                    )
                )
                state.accumulated -= accumulated
                removed = gross - accumulated
            else:
                removed = _q(state.rou * fraction, unit)
                lines.extend(
                    _lines((AccountRole.ROU_ASSET, -removed, f"Derecognition: ROU asset · {memo}"))
                )
            state.rou -= removed
            return removed

        if kind in ENDING_KINDS:
            paid = change.amount
            lines.extend(
                _lines(
                    (
                        AccountRole.LEASE_LIABILITY,
                        state.liability,
                        f"Derecognition: lease liability · {memo}",
                    )
                )
            )
            removed = derecognize(ONE)
            if kind is ChangeKind.PURCHASE_OPTION:
                # The asset is now owned: its cost is the ROU carried plus any price paid beyond
                # the liability settled (reclassified to property and equipment).
                lines.extend(
                    _lines(
                        (
                            AccountRole.OWNED_ASSET,
                            removed + paid - state.liability,
                            f"Purchase: asset now owned · {memo}",
                        ),
                        (AccountRole.CASH_CLEARING, -paid, f"Purchase price · {memo}"),
                    )
                )
            else:
                gain = state.liability - removed - paid
                lines.extend(
                    _lines(
                        (AccountRole.CASH_CLEARING, -paid, f"Termination payment · {memo}"),
                        (
                            AccountRole.MODIFICATION_GAIN_LOSS,
                            -gain,
                            f"Gain or loss on termination · {memo}",
                        ),
                    )
                )
                gain += self._settle_provision(state, change, memo, lines)
            state.liability = state.liability_full = ZERO
            state.accumulated = ZERO
            inside = 1 if state.offset else 0  # actual days: the month's days before it post
            # Payments made before the change stay paid: at the start of the month, or (partial
            # months) on an anniversary before the change date.
            if self._dated:
                # Payments on or after the change date are not made.
                instant = (s, state.offset)
                state.dated = [f for f in state.dated if (f[0], f[1]) < instant]
                state.cash_dated = [f for f in state.cash_dated if (f[0], f[1]) < instant]
            anchor = self._anchor(state)
            after = anchor - 1 if self._prorated else s
            for lists, first in (
                (state.adv, anchor),
                (state.cash_adv, anchor),
                (state.arr, after),
                (state.cash_arr, after),
            ):
                for k in range(first, len(lists)):
                    lists[k] = ZERO
            state.term = s
            self._len = s + inside
            self._segments.append(
                _Segment(
                    s,
                    state.mode,
                    ZERO,
                    ZERO,
                    ZERO,
                    unit=unit,
                    offset=state.offset,
                    stub=state.stub,
                )
            )
            self._record(
                change,
                state,
                lines,
                gain,
                liability_before,
                rou_before,
                rate_before,
                cost_before,
                remeasured,
            )
            return

        if kind is ChangeKind.IMPAIRMENT:
            loss = change.amount
            if loss > state.rou:
                raise LeaseTermsError(
                    [
                        TermsIssue(
                            "amount",
                            f"{_name(change)}: the impairment ({loss}) is larger than the ROU "
                            f"asset ({state.rou}).",
                        )
                    ]
                )
            credit = contra if state.mode is Mode.AMORTIZE else AccountRole.ROU_ASSET
            lines.extend(
                _lines(
                    (AccountRole.IMPAIRMENT_LOSS, loss, f"Impairment: ROU asset · {memo}"),
                    (credit, -loss, f"Impairment: ROU asset · {memo}"),
                )
            )
            if state.mode is Mode.AMORTIZE:
                state.accumulated += loss
            else:
                state.mode = Mode.OPERATING_IMPAIRED
            state.rou -= loss
            gain = -loss
            self._open_segment(state)
            self._record(
                change,
                state,
                lines,
                gain,
                liability_before,
                rou_before,
                rate_before,
                cost_before,
                remeasured,
            )
            return

        old_adv, old_arr, old_term = list(state.adv), list(state.arr), state.term
        old_end = state.end
        if change.term_months is not None:
            if self._dated:
                self._dated_set_term(state, change.term_months, change.effective)
            else:
                self._set_term(state, change.term_months)
        kept_flows = state.dated  # the payments kept for a shorter term, before new ones
        asc_index = kind is ChangeKind.INDEX and self.terms.standard is Standard.ASC_842
        if change.payments is not None and self._dated:
            self._dated_set_payments(
                state, change.payments, change.effective, measured=not asc_index
            )
        elif change.payments is not None:
            # New payments start with the first payment period from the change date: the
            # change's month under whole months, the next month start under actual days.
            anchor = self._anchor(state)
            self._set_payments(
                state, change.payments, anchor, anchor, state.term, measured=not asc_index
            )
            state.streams, state.streams_anchor = change.payments, anchor
        if asc_index:
            # ASC 842-10-35-5: an index change alone is not remeasured; the difference is
            # variable lease cost until another event remeasures the lease.
            remeasured = False
            if self._unmeasured_from is None or s < self._unmeasured_from:
                self._unmeasured_from = s
            self._record(
                change,
                state,
                lines,
                gain,
                liability_before,
                rou_before,
                rate_before,
                cost_before,
                remeasured,
            )
            return

        # Everything paid from now on is measured, including any earlier index review.
        state.adv[s:] = state.cash_adv[s:]
        state.arr[s:] = state.cash_arr[s:]
        if self._dated:
            state.dated = [f for f in state.dated if f[0] < s] + [
                f for f in state.cash_dated if f[0] >= s
            ]
        if change.classification is not None and change.classification != state.classification:
            if state.mode is Mode.AMORTIZE and state.accumulated:
                # Finance → operating: an operating ROU asset carries no contra account.
                lines.extend(
                    _lines(
                        (contra, state.accumulated, f"Reclassification: accumulated · {memo}"),
                        (AccountRole.ROU_ASSET, -state.accumulated, f"Reclassification · {memo}"),
                    )
                )
                state.accumulated = ZERO
            state.classification = change.classification
            if change.classification is Classification.FINANCE:
                state.mode = Mode.AMORTIZE
            elif state.mode is Mode.AMORTIZE:
                state.mode = Mode.STRAIGHT_LINE
        if change.useful_life_months is not None:
            state.useful_life = change.useful_life_months
        if change.annual_rate is not None and kind in REVISED_RATE_KINDS:
            state.annual_rate = change.annual_rate

        if kind is ChangeKind.DECREASE_SCOPE:
            if change.scope_fraction is not None:
                # IFRS 16 IE Example 17: ROU and liability fall in proportion to what is given up.
                fraction = change.scope_fraction
                cut = _q(state.liability * fraction, unit)
            else:
                # A shorter term for the same asset (IFRS 16 IE Example 18): the ROU falls with
                # the remaining term given up, the liability to the PV of the payments kept at the
                # rate before the change.
                rate = _monthly(rate_before, self.terms.rate_convention)
                if self._dated:
                    day_after = timedelta(days=1)
                    old_stop = self._position(old_end + day_after)
                    new_stop = self._position(state.end + day_after)
                    fraction = _dec((old_stop - new_stop) / (old_stop - s - state.offset))
                    kept = self._pv_dated(kept_flows, s, state.offset, rate)
                else:
                    old_stop = old_term + self._where(old_term)
                    new_stop = state.term + self._where(state.term)
                    fraction = _dec((old_stop - new_stop) / (old_stop - s - state.offset))
                    kept = self._pv_at(old_adv, old_arr, s, state.offset, state.term, rate)
                cut = state.liability - _q(kept, unit)
            removed = derecognize(fraction)
            gain = cut - removed
            lines.extend(
                _lines(
                    (AccountRole.LEASE_LIABILITY, cut, f"Derecognition: lease liability · {memo}"),
                    (
                        AccountRole.MODIFICATION_GAIN_LOSS,
                        -gain,
                        f"Gain or loss on decrease in scope · {memo}",
                    ),
                )
            )
            state.liability -= cut

        rate = _monthly(state.annual_rate, self.terms.rate_convention)
        if self._dated:
            full = self._pv_dated(state.dated, s, state.offset, rate)
        else:
            full = self._pv_at(state.adv, state.arr, s, state.offset, state.term, rate)
        new_liability = _q(full, unit)
        delta = new_liability - state.liability
        rou_delta = max(delta, -state.rou)
        lines.extend(
            _lines(
                (AccountRole.ROU_ASSET, rou_delta, f"Remeasurement: ROU asset · {memo}"),
                (AccountRole.LEASE_LIABILITY, -delta, f"Remeasurement: lease liability · {memo}"),
            )
        )
        if rou_delta != delta:
            # A decrease beyond the ROU carrying amount goes to profit or loss (IFRS 16.39,
            # ASC 842-20-35-4 through -5: the ROU asset does not go below zero).
            excess = rou_delta - delta
            gain += excess
            lines.extend(
                _lines(
                    (
                        AccountRole.MODIFICATION_GAIN_LOSS,
                        -excess,
                        f"Gain: remeasurement beyond the ROU asset · {memo}",
                    )
                )
            )
        state.liability_full, state.liability = full, new_liability
        state.rou += rou_delta
        self._open_segment(state)
        self._record(
            change,
            state,
            lines,
            gain,
            liability_before,
            rou_before,
            rate_before,
            cost_before,
            remeasured,
        )

    def _provision(self, k: int) -> ProvisionMonth | None:
        """Month k of the restoration provision (IFRS 16 with IAS 37), None without one."""
        return provision_month(self.terms, k)

    def _settle_provision(
        self, state: _State, change: LeaseChange, memo: str, lines: list[JournalLine]
    ) -> Decimal:
        """A full early termination settles the restoration provision on its date: the
        unwinding stops (the days of the month before it still unwind), the provision comes off
        at its carrying amount against the restoration cost paid, the difference to profit or
        loss (IAS 37.59-61: the estimate is revised to what was paid and the provision used).
        Returns the gain (+) or loss (−)."""
        month = self._provision(state.index)
        if month is None:
            return ZERO
        before = _q(_part(month.unwinding, state.offset), self.unit) if state.offset else ZERO
        carrying = month.opening + before
        paid = carrying if change.restoration_paid is None else change.restoration_paid
        gain = carrying - paid
        lines.extend(
            _lines(
                (AccountRole.PROVISION, carrying, f"Restoration provision settled · {memo}"),
                (AccountRole.CASH_CLEARING, -paid, f"Restoration cost paid · {memo}"),
                (
                    AccountRole.MODIFICATION_GAIN_LOSS,
                    -gain,
                    f"Gain or loss on settling the restoration provision · {memo}",
                ),
            )
        )
        self._settled = (state.index, before)
        return gain

    def _provision_lines(self, k: int) -> list[JournalLine]:
        """Month k's unwinding of the restoration provision, on lines of its own; after a
        termination settled it, only the days of its month before the termination."""
        if self._settled is not None and k >= self._settled[0]:
            amount = self._settled[1] if k == self._settled[0] else ZERO
        else:
            month = self._provision(k)
            amount = ZERO if month is None else month.unwinding
        memo = "Restoration provision: unwinding of the discount"
        return _lines(
            (AccountRole.PROVISION_UNWINDING, amount, memo),
            (AccountRole.PROVISION, -amount, memo),
        )

    def _amortization_months(self, state: _State) -> int:
        """Months from the change over which the ROU asset is amortized."""
        remaining = state.term - state.index
        if state.mode is not Mode.AMORTIZE or state.useful_life is None:
            return remaining
        life_left = max(state.useful_life - state.index, 1)
        return life_left if state.owned else min(remaining, life_left)

    def _open_segment(self, state: _State) -> None:
        """The segment from `state.index` on, from the state's opening balances (arrays lazy)."""
        s = state.index
        if self._dated:
            self._open_stub_segment(state)
            return
        # A change in the amortization months after the term (ownership transfers) finds no
        # liability left to measure.
        remaining = max(state.term - s, 0)
        if not remaining and state.mode is not Mode.AMORTIZE:
            # Only an asset amortized past the term (owned) has months left after it.
            raise LeaseTermsError(
                [TermsIssue("changes", "The change must take effect before the lease term ends.")]
            )
        amortization = self._amortization_months(state)
        if self._prorated:
            self._open_dated_segment(state, remaining, amortization)
            return
        adv = state.adv[s : state.term]
        if state.offset and adv:
            adv[0] = ZERO  # paid on the 1st, before the change
        self._segments.append(
            _Segment(
                s,
                state.mode,
                state.liability,
                state.rou,
                state.accumulated,
                adv=adv,
                arr=state.arr[s : state.term],
                rate=_monthly(state.annual_rate, self.terms.rate_convention),
                remaining=remaining,
                amortization=amortization,
                unit=self.unit,
                liability_full=state.liability_full,
                offset=state.offset,
                stub=state.stub,
                limit=None if self._through is None else max(self._through - s, 1),
            )
        )
        self._len = s + max(remaining, amortization, 1)

    def _open_dated_segment(self, state: _State, remaining: int, amortization: int) -> None:
        """Partial months: the segment's payments sit inside its calendar months (one each, on
        the anniversary of commencement), and its term ends inside month `remaining`."""
        s = state.index
        months = remaining + 1
        inside: list[list[tuple[Decimal, Fraction]]] = []
        for month in range(s, state.term + 1):
            flows = []
            for amount, where in self._month_flows(
                state.adv[: state.term], state.arr[: state.term], month
            ):
                if amount and (month > s or where >= state.offset):
                    flows = [(amount, where)]
            inside.append(flows)
        end = s + amortization
        self._segments.append(
            _Segment(
                s,
                state.mode,
                state.liability,
                state.rou,
                state.accumulated,
                adv=[ZERO] * months,
                arr=[ZERO] * months,
                rate=_monthly(state.annual_rate, self.terms.rate_convention),
                remaining=months,
                amortization=amortization,
                unit=self.unit,
                liability_full=state.liability_full,
                offset=state.offset,
                stub=state.stub,
                inside=inside,
                spans=(remaining + self._where(state.term), amortization + self._where(end)),
            )
        )
        self._len = s + len(self._segments[-1])

    def _record(
        self,
        change: LeaseChange,
        state: _State,
        lines: list[JournalLine],
        gain: Decimal,
        liability_before: Decimal,
        rou_before: Decimal,
        rate_before: Decimal,
        cost_before: Decimal | None,
        remeasured: bool,
    ) -> None:
        s = state.index
        self.events.append(
            ChangeEvent(
                change=change,
                index=s,
                period=self.period(s),
                liability_before=liability_before,
                liability_after=state.liability,
                rou_before=rou_before,
                rou_after=state.rou,
                gain_loss=gain,
                monthly_cost_before=cost_before,
                monthly_cost_after=self._cost_after(change, state),
                rate_before=rate_before,
                rate_after=state.annual_rate,
                classification_after=state.classification,
                remeasured=remeasured,
                lines=tuple(lines),
                on=change.effective if state.offset else None,
            )
        )

    def _cost_after(self, change: LeaseChange, state: _State) -> Decimal | None:
        """The first full month's cost after the change (None once the lease has ended)."""
        if change.kind in ENDING_KINDS:
            return None
        k = state.index + (1 if state.offset else 0)
        if k >= self._len:
            k = state.index
        return self._cost_at(k) if k < self._len else None

    # -- reading -----------------------------------------------------------------------

    def _segment_of(self, k: int) -> _Segment | None:
        found = None
        for seg in self._segments:
            if seg.start <= k:
                found = seg
            else:
                break
        return found

    def _month(self, k: int) -> tuple[Decimal, Decimal, Decimal, Mode, Decimal | None]:
        """(closing liability, closing ROU, payment, mode, straight-line cost) of month k."""
        seg = self._segment_of(k)
        if seg is None:
            p = self.base.posted()
            return (
                p.closing_liability[k],
                p.rou_closing[k],
                self.base.payments[k],
                Mode.STRAIGHT_LINE if self.terms.is_operating else Mode.AMORTIZE,
                p.straight_line_at(k),
            )
        j = k - seg.start
        cost = seg.cost[j] if seg.cost is not None else None
        payment = seg.payments[j]
        if j == 0 and seg.offset:
            # The days before the change: their payments, and their cost (accretion plus the
            # ROU reduction, whatever the segment before it was).
            stub_liability, stub_rou, stub_paid = seg.stub
            payment = payment + stub_paid
            if cost is not None:
                cost = cost + stub_liability + stub_paid - stub_rou
        return seg.closing_liability[j], seg.rou_closing[j], payment, seg.mode, cost

    def _opening(self, k: int) -> tuple[Decimal, Decimal]:
        """Liability and ROU at the start of month k, after any change in that month."""
        seg = self._segment_of(k)
        if seg is not None and seg.start == k:
            # A change inside the month: the row opens at the month-start balance plus the
            # change's adjustment, so the month's interest covers the days before it too.
            return seg.opening_liability - seg.stub[0], seg.opening_rou - seg.stub[1]
        if k == 0:
            p = self.base.posted()
            return p.liability, p.rou
        liability, rou, *_ = self._month(k - 1)
        return liability, rou

    def posted_months(self) -> list[ScheduleMonth]:
        """Rounded months with segment openings after each change; balances end at zero."""
        rows = []
        for k in range(self._len):
            opening, rou_open = self._opening(k)
            liability, rou, payment, mode, cost = self._month(k)
            interest = liability - opening + payment
            if mode is Mode.OPERATING_IMPAIRED:
                cost = interest + rou_open - rou
            rows.append(
                ScheduleMonth(
                    period=self.period(k),
                    opening_liability=opening,
                    payment=payment,
                    interest=interest,
                    principal=payment - interest,
                    closing_liability=liability,
                    rou_opening=rou_open,
                    rou_amortization=rou_open - rou,
                    rou_closing=rou,
                    straight_line_cost=cost,
                )
            )
        return rows

    def periodic_lines(self, k: int) -> list[JournalLine]:
        """Month k's entry (payment, accretion, cost), plus variable cost of an index review."""
        if k >= self._len:
            return []
        seg = self._segment_of(k)
        if seg is None:
            lines = periodic_lines(self.base, k)
        else:
            opening, rou_open = self._opening(k)
            liability, rou, payment, mode, cost = self._month(k)
            interest = liability - opening + payment
            amortization = rou_open - rou
            if mode is Mode.AMORTIZE:
                lines = _lines(
                    (AccountRole.INTEREST_EXPENSE, interest, "Interest on lease liability"),
                    (
                        AccountRole.LEASE_LIABILITY,
                        payment - interest,
                        "Lease liability: payment less interest",
                    ),
                    (AccountRole.CASH_CLEARING, -payment, "Lease payment"),
                    (AccountRole.ROU_AMORTIZATION, amortization, "ROU asset amortization"),
                    (
                        AccountRole.ACCUMULATED_AMORTIZATION,
                        -amortization,
                        "ROU asset amortization",
                    ),
                )
            else:
                single = cost if mode is Mode.STRAIGHT_LINE else interest + amortization
                label = (
                    "Straight-line lease cost"
                    if mode is Mode.STRAIGHT_LINE
                    else "Lease cost: accretion plus ROU amortization (after impairment)"
                )
                lines = _lines(
                    (AccountRole.LEASE_EXPENSE, single, label),
                    (
                        AccountRole.LEASE_LIABILITY,
                        payment - interest,
                        "Lease liability: payment less accretion",
                    ),
                    (AccountRole.CASH_CLEARING, -payment, "Lease payment"),
                    (AccountRole.ROU_ASSET, -amortization, "ROU asset: lease cost less accretion"),
                )
        variable = self.variable.get(k, ZERO)
        lines += _lines(
            (AccountRole.VARIABLE_EXPENSE, variable, "Variable lease cost (index review)"),
            (AccountRole.CASH_CLEARING, -variable, "Variable lease payment (index review)"),
        )
        if seg is not None:
            # The restoration provision unwinds on its own, whatever the lease's changes, until
            # a termination settles it.
            lines += self._provision_lines(k)
        return lines

    def event_lines(self, k: int) -> list[tuple[ChangeEvent, list[JournalLine]]]:
        """The change entries posted in month k, one per change, in effective order."""
        return [(e, list(e.lines)) for e in self.events if e.index == k and e.lines]

    def month_lines(self, k: int) -> list[JournalLine]:
        """Everything month k posts: commencement, change entries, then the periodic entry."""
        lines = commencement_lines(self.base) if k == 0 else []
        for _, event in self.event_lines(k):
            lines += event
        return lines + self.periodic_lines(k)

    def journal_lines_for_month(self, period: date) -> list[JournalLine]:
        """The month's regular entry (commencement, periodic, variable), without the change
        entries, which post as entries of their own (see `event_lines`)."""
        k = months_between(self.start, period)
        if not 0 <= k < self._len:
            return []
        return (commencement_lines(self.base) if k == 0 else []) + self.periodic_lines(k)

    @property
    def payments(self) -> list[Decimal]:
        """Payments settled against the liability, month by month (as `Schedule.payments`)."""
        return [row.payment for row in self.posted_months()]

    def closing_liability_at(self, k: int) -> Decimal:
        """Month k's posted closing liability: `posted().closing_liability[k]` without
        building every other month (a close reads thirteen of them)."""
        return self._month(k)[0]

    def posted(self) -> _PostedView:
        """Posted closing balances month by month (what `Schedule.posted()` offers readers)."""
        rows = self.posted_months()
        return _PostedView(
            closing_liability=[r.closing_liability for r in rows],
            rou_closing=[r.rou_closing for r in rows],
        )

    def journal_lines(self) -> dict[date, list[JournalLine]]:
        """Every month's lines keyed by period, including a termination's month."""
        last = max([self._len - 1] + [e.index for e in self.events])
        return {self.period(k): self.month_lines(k) for k in range(last + 1)}


def stream_flows(
    terms: LeaseTerms,
    streams: tuple[PaymentStream, ...],
    origin: date,
    since: date,
    end: date,
    frame: date,
) -> list[DatedFlow]:
    """Payments of `streams` (whose first payment period starts at `origin`) for the payment
    periods from `since` through `end`, months counted from `frame`'s month: a part period before
    the first payment day on or after `since` and one after the last full period pay their days,
    as `dated_payments` prices them; escalations and rent-free months count full periods from
    `origin`. Payment periods run from the lease's payment day (monthly streams)."""
    if since > end:
        return []
    day = terms.payment_day or terms.commencement.day
    unit = cents(terms.currency_decimals)

    def first_payment_day(on: date) -> date:
        first = on_day(on, day)
        return first if first >= on else on_day(add_months(on, 1), day)

    sub = dataclasses.replace(
        terms,
        commencement=since,
        end_date=end,
        payment_day=day,
        term_months=term_months_through(since, end),
        payments=streams,
        incentives=(),
        restoration_estimate=ZERO,
        restoration_cost=ZERO,
    )
    first = first_payment_day(since)
    shift = months_between(first_payment_day(origin), first)
    flows: list[DatedFlow] = []
    for stream in streams:
        for start, stop, share, index in payment_pieces(sub):
            # A part period before `since`'s first payment day belongs to the period before it
            # (at the lease's own start it pays the first period's rent).
            index += shift - (1 if start < first and shift else 0)
            if index < stream.rent_free_months:
                continue
            amount = payment_amount(sub, stream, index, on=start)
            amount = (amount * share.numerator / share.denominator).quantize(
                unit, rounding=ROUND_HALF_UP
            )
            if not amount:
                continue
            if stream.timing is Timing.ADVANCE:
                on, offset = start, start.day - 1
            else:
                on = stop - timedelta(days=1)
                offset = on.day  # the end of its last day
            where = Fraction(offset, days_in_month(on))
            flows.append((months_between(frame, on), where, amount, start))
    return flows


def original_flows(terms: LeaseTerms, frame: date) -> list[DatedFlow]:
    """A lease with stubs: its payments on their dates without the payment at commencement (it
    is in the ROU asset), each with its payment period, months counted from `frame`'s month."""
    c = terms.commencement
    at_start = (months_between(frame, c), Fraction(c.day - 1, days_in_month(c)))
    flows = [
        flow
        for flow in stream_flows(terms, terms.payments, c, c, lease_end(terms), frame)
        if not (flow[3] == c and flow[:2] == at_start)
    ]
    for incentive in terms.incentives:
        on = incentive.receivable_on
        if on is not None and on != c:
            where = Fraction(on.day - 1, days_in_month(on))
            flows.append((months_between(frame, on), where, -incentive.amount, None))
    return flows


def anniversary_flows(terms: LeaseTerms, frame: date) -> list[DatedFlow]:
    """Actual days from inside a month, on anniversaries: each payment month's flows on their
    anniversary of commencement (as `payments.dated_flows` places them), the payment at
    commencement left out, months counted from `frame`'s month."""
    flows = expand_flows(terms)
    c = terms.commencement
    out: list[DatedFlow] = []
    for i in range(terms.term_months):
        start = add_months_to_day(c, i)
        for k, amount in ((i, flows.advance[i] if i else ZERO), (i + 1, flows.arrears[i])):
            if amount:
                on = add_months_to_day(c, k)
                where = Fraction(on.day - 1, days_in_month(on))
                out.append((months_between(frame, on), where, amount, start))
    return out


def moved_end(end: date, months: int, anniversary: tuple[date, int] | None = None) -> date:
    """A lease's last day moved by `months` (a term change to a lease with an end date of its
    own): an end the day before an anniversary of commencement stays the day before one
    (`anniversary` = (commencement, term in months)); otherwise the same day of the month, the
    month's last day when it is shorter, and a month's last day stays its month's last day
    (31 December + 2 months = 28 or 29 February)."""
    if anniversary is not None:
        commencement, term = anniversary
        if end == anniversary_end(commencement, term):
            return anniversary_end(commencement, term + months)
    if end.day == days_in_month(end):
        moved = add_months(end, months)
        return moved.replace(day=days_in_month(moved))
    return add_months_to_day(end, months)


def _life_end(terms: LeaseTerms) -> date | None:
    """The last day of the useful life (anniversaries of commencement), if one is given."""
    life = terms.useful_life_months
    return None if life is None else anniversary_end(terms.commencement, life)


def _name(change: LeaseChange) -> str:
    ref = f" {change.reference}" if change.reference else ""
    return f"The {KIND_LABELS[change.kind].lower()}{ref} of {change.effective.isoformat()}"


def validate_changes(terms: LeaseTerms, changes: tuple[LeaseChange, ...]) -> list[TermsIssue]:
    """Plain-language problems with a list of changes, each keyed `changes[i].field`."""
    issues: list[TermsIssue] = []
    start = terms.commencement.replace(day=1)
    ended = None
    term = terms.term_months
    # A lease with stubs ends on its own day; a term change moves it (`moved_end`).
    end = lease_end(terms) if terms.is_dated else None
    for i, change in sorted(enumerate(changes), key=lambda item: item[1].effective):
        f = f"changes[{i}]"

        def add(field: str, message: str, f: str = f) -> None:
            issues.append(TermsIssue(f"{f}.{field}", message))

        kind = change.kind
        index = months_between(start, change.effective)
        if ended is not None:
            add("effective", f"The lease ended on {ended.isoformat()}; no change can follow.")
        if index < 1:
            add(
                "effective",
                "A change must take effect after the commencement month; change the lease's "
                "own terms instead.",
            )
        elif end is None and (
            index >= max(term, terms.useful_life_months or 0)
            or (index >= term and (kind in REVISED_RATE_KINDS or kind is ChangeKind.INDEX))
        ):
            # After the term only the asset amortized over its useful life is left: it can be
            # impaired, bought or given up, but has no payments to change.
            add("effective", "The change must take effect before the lease term ends.")
        elif end is not None and (
            change.effective > max(end, _life_end(terms) or end)
            or (change.effective > end and (kind in REVISED_RATE_KINDS or kind is ChangeKind.INDEX))
        ):
            # A lease with stubs ends on its own day, which may fall in a calendar month past
            # the term's count of months: a change up to that day is taken.
            add(
                "effective",
                f"The change must take effect on or before the lease's last day "
                f"({end.isoformat()}).",
            )
        if change.term_months is not None:
            new_end = (
                None
                if end is None
                else moved_end(end, change.term_months - term, (terms.commencement, term))
            )
            if change.term_months <= index or (new_end is not None and new_end < change.effective):
                add("term_months", "The new term must end after the change takes effect.")
            elif change.term_months > MAX_TERM_MONTHS:
                add("term_months", f"The term cannot exceed {MAX_TERM_MONTHS} months.")
            else:
                term, end = change.term_months, new_end
        rate = change.annual_rate
        if rate is not None and (not rate.is_finite() or not 0 <= rate < 1):
            add("annual_rate", "The discount rate is a fraction between 0 and 1 (0.05 for 5 %).")
        if kind in REVISED_RATE_KINDS and rate is None:
            add(
                "annual_rate",
                "Enter the discount rate at the change date: a modification or a change of term "
                "is measured at a revised rate (IFRS 16.40/45, ASC 842-20-35-5).",
            )
        if kind is ChangeKind.INDEX:
            if rate is not None:
                add(
                    "annual_rate",
                    "An index review keeps the discount rate (IFRS 16.43); under ASC 842 it is "
                    "not remeasured on its own. Leave the rate empty.",
                )
            if change.payments is None:
                add("payments", "Enter the payments after the review.")
        if kind in {ChangeKind.CONSIDERATION} and change.payments is None:
            add("payments", "Enter the new payments.")
        if kind is ChangeKind.TERM and change.term_months is None:
            add("term_months", "Enter the new lease term.")
        if kind is ChangeKind.INCREASE_SCOPE:
            if change.separate_lease:
                add(
                    "separate_lease",
                    "An increase in scope priced at its stand-alone price is a separate lease "
                    "(IFRS 16.44, ASC 842-10-25-8): add it as a new lease instead.",
                )
            if change.payments is None and change.term_months is None:
                add("payments", "Enter the payments for the larger scope.")
        if kind is ChangeKind.DECREASE_SCOPE:
            fraction = change.scope_fraction
            if fraction is None and change.term_months is None:
                add(
                    "scope_fraction",
                    "Enter the share of the asset given back (0.5 for half), or a shorter term.",
                )
            elif fraction is not None and not (0 < fraction < 1):
                add("scope_fraction", "The share given back is between 0 and 1 (0.5 for half).")
        if kind is ChangeKind.RECLASSIFICATION:
            if terms.standard is not Standard.ASC_842:
                add("classification", "IFRS 16 has one lessee model; nothing to reclassify.")
            elif change.classification is None:
                add("classification", "Choose the new classification.")
        if change.classification is not None and terms.standard is not Standard.ASC_842:
            add("classification", "Only ASC 842 leases are classified.")
        if kind in ENDING_KINDS or kind is ChangeKind.IMPAIRMENT:
            amount = change.amount
            if not amount.is_finite() or amount < 0:
                add("amount", "The amount cannot be negative.")
            elif amount != amount.quantize(Decimal(1).scaleb(-terms.currency_decimals)):
                add("amount", f"Enter the amount with at most {terms.currency_decimals} decimals.")
            elif kind is ChangeKind.IMPAIRMENT and amount == 0:
                add("amount", "Enter the impairment loss.")
        paid = change.restoration_paid
        if paid is not None:
            if kind is not ChangeKind.TERMINATION:
                add("restoration_paid", "Only a termination settles the restoration provision.")
            elif (
                not paid.is_finite()
                or paid < 0
                or paid != paid.quantize(Decimal(1).scaleb(-terms.currency_decimals))
            ):
                add(
                    "restoration_paid",
                    "Enter the restoration cost paid: not negative, with at most "
                    f"{terms.currency_decimals} decimals.",
                )
        if kind is ChangeKind.PURCHASE_OPTION and terms.is_operating:
            pass  # buying the asset ends the lease whatever its class
        for j, stream in enumerate(change.payments or ()):
            if stream.amount < 0 or not stream.amount.is_finite():
                add(f"payments[{j}].amount", "A payment cannot be negative.")
        if kind in ENDING_KINDS:
            ended = change.effective
    return issues


def build_changed_schedule(
    terms: LeaseTerms,
    changes: tuple[LeaseChange, ...] | list[LeaseChange] = (),
    *,
    base: Schedule | None = None,
) -> ChangedSchedule:
    """The original measurement followed by every change, in effective order."""
    return ChangedSchedule(terms, tuple(changes), base=base)
