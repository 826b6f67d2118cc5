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
from dataclasses import dataclass, replace
from dataclasses import replace as dc_replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from .dates import (
    add_months,
    add_months_to_day,
    days_in_month,
    month_position,
    month_start,
    months_between,
    on_day,
    term_months_through,
)
from .payments import cash_by_month, cents, expand_flows, lease_end, payment_amount
from .schedule import (
    ENGINE_CONTEXT,
    Schedule,
    Timeline,
    _measurement,
    _shared,
    accrual_factor,
    is_prorated,
    monthly_rate,
)
from .types import (
    ZERO,
    AccountRole,
    Classification,
    DayCount,
    Frequency,
    Incentive,
    JournalLine,
    LeaseTerms,
    LeaseTermsError,
    PaymentFlows,
    ScheduleMonth,
    Standard,
    TermsIssue,
    Timing,
)
from .validation import check_rou, check_terms

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
        unit = cents(terms.currency_decimals)
        # Actual days from inside a month, or an end date / payment day of its own: each
        # payment in the calendar month it is paid, the cost by days (see `_days`).
        self.days = is_prorated(terms) or terms.is_dated
        if self.days:
            self.payments, cumulative = self._days(terms, unit)
            n = len(self.payments)
        else:
            flows = expand_flows(terms)
            n = terms.term_months
            self.payments = [flows.advance[k] + flows.arrears[k] for k in range(n)]
            total = sum(self.payments, ZERO)
            with localcontext(ENGINE_CONTEXT):
                cumulative = [(total * (k + 1) / n).quantize(unit, ROUND_HALF_UP) for k in range(n)]
        self.expense = [cumulative[k] - (cumulative[k - 1] if k else ZERO) for k in range(n)]

    @staticmethod
    def _days(terms: LeaseTerms, unit: Decimal) -> tuple[list[Decimal], list[Decimal]]:
        """Cash by calendar month (from the commencement month, on the payments' real dates)
        and the cumulative straight-line cost at each month end: all payments times the share
        of the term, commencement to the end date, elapsed by then, whole months counting 1 and
        part months their days over the month's days (as `schedule.Timeline`)."""
        cash = cash_by_month(terms)
        n = len(cash)
        after_end = lease_end(terms) + timedelta(days=1)
        timeline = Timeline(terms.commencement, n, (terms.term_months, after_end))
        term = timeline.span(terms.commencement, terms.term_months)
        total = sum(cash, ZERO)
        with localcontext(ENGINE_CONTEXT):
            cumulative = [
                _shared(total, share).quantize(unit, ROUND_HALF_UP)
                for share in timeline.shares(term, n)
            ]
        return cash, cumulative

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

    def month_parts(self, index: int) -> list[tuple[list[JournalLine], bool]]:
        """The month's lines, each part with whether it is the exempt lease's (its payments
        settle no liability)."""
        if not 0 <= index < len(self):
            return []
        return [(self.periodic_lines(index), True)]

    def liability_payments(self) -> list[Decimal]:
        """The payments that settle a lease liability, by month: none while exempt."""
        return [ZERO] * len(self)


def build_exempt_schedule(terms: LeaseTerms, exemption: Exemption) -> ExemptSchedule:
    """Validate and spread an exempt lease's payments straight-line over its term."""
    return ExemptSchedule(terms, exemption)


# -- changes to an exempt lease -------------------------------------------------------------

# Kinds an exempt lease cannot take (it has no asset, no liability and no classification).
_NO_ASSET = {
    "impairment": "An exempt lease has no right-of-use asset to impair.",
    "reclassification": "An exempt lease is not classified; it has no asset or liability.",
    "purchase_option": (
        "A lease with a purchase option the lessee exercises is not short-term: record the "
        "purchase, or end the exemption with a term change first."
    ),
}


class ExemptChangedSchedule(ExemptSchedule):
    """An exempt lease followed by its changes.

    Under IFRS 16.7 a change to a short-term lease makes it a new lease from the change date,
    still exempt when its term counted from the change is 12 months or less; a low-value lease
    stays exempt whatever its new term (IFRS 16.5(b), B3-B8: the asset's value decides). Under
    ASC 842-20-25-3 a short-term lease stays exempt unless the change makes the remaining term
    extend more than 12 months beyond the end of the previously determined term (then it is
    recognised as if the change date were its commencement date); a purchase option becoming
    reasonably certain, the other trigger there, is refused as a kind (see `_NO_ASSET`). While
    it stays exempt, the remaining payments, less the rent already accrued (or plus the rent
    prepaid), are spread straight-line over the remaining months, however many. When the
    exemption ends, the lease is recognised from the change (liability = present value of the
    remaining payments at the rate at the change; ROU asset = that liability plus the payment
    made then, less rent accrued or plus rent prepaid, which the recognition entry clears), and
    runs as any recognised lease from there, later changes included. A termination releases
    the accrued or prepaid rent against the termination payment.

    Changes apply from the first day of their month under whole months, on their date under
    actual days (`_apply_on_dates`, also for a lease from the 1st without part months once a
    change while it is exempt falls after the 1st of its month; the recognised lease counts
    the company's days too, so its own later changes apply on their dates); `term_months` of a
    change counts from the original commencement. Quarterly and yearly payments take changes on
    their dates too (`_apply_on_dates`), except one that recognises the lease with payments not
    monthly: on the month grid it is taken from the 1st of its month.
    """

    def __init__(self, exempt: ExemptSchedule, changes: tuple) -> None:
        from .changes import ChangeEvent, ChangeKind, build_changed_schedule
        from .schedule import build_schedule

        self.__dict__.update(exempt.__dict__)
        self.exempt_base = exempt
        terms = exempt.terms
        self.changes = tuple(changes)
        self.events: list = []
        self.recognised = None  # the recognised lease from `recognised_from` on
        self.recognised_from: int | None = None
        self._event_lines: dict[int, list] = {}
        if exempt.days and changes:
            self._apply_on_dates(ChangeEvent, ChangeKind, grid=False)
            return
        on_dates = _takes_dates(terms, changes)
        unit = cents(terms.currency_decimals)
        cash = list(self.payments)
        expense = list(self.expense)
        term = len(cash)
        streams, anchor = terms.payments, 0
        ordered = sorted(enumerate(changes), key=lambda item: item[1].effective)
        issues: list[TermsIssue] = []
        for position, (i, change) in enumerate(ordered):
            f = f"changes[{i}]"
            s = months_between(self.start, change.effective)
            kind = change.kind
            if on_dates and change.effective.day != 1:
                # Actual days: a change inside a month while the lease is exempt takes effect
                # on its date (ASC 842-20-25-3, IFRS 16.7: as of the date of the change), so
                # the lease's changes are taken on their dates, the earlier ones too.
                so_far = self.events, self._event_lines
                self.events, self._event_lines = [], {}
                try:
                    self._apply_on_dates(ChangeEvent, ChangeKind, grid=True)
                    return
                except _MonthGrid:
                    # Recognised from a day with payments not monthly: from the 1st, as before.
                    self.events, self._event_lines = so_far
                    on_dates = False
            if kind.value in _NO_ASSET:
                issues.append(TermsIssue(f"{f}.kind", _NO_ASSET[kind.value]))
                break
            if not 1 <= s < term:
                issues.append(
                    TermsIssue(
                        f"{f}.effective",
                        "A change must take effect after the commencement month and before the "
                        "lease ends.",
                    )
                )
                break
            accrued = sum(expense[:s], ZERO) - sum(cash[:s], ZERO)
            before_cost = expense[s - 1]
            if kind is ChangeKind.TERMINATION:
                paid = change.amount
                # The accrued (or prepaid) rent goes with the lease; the payment is the cost.
                lines = _lines(
                    (AccountRole.SHORT_TERM_EXPENSE, paid - accrued, "Termination payment"),
                    (AccountRole.DEFERRED_RENT, accrued, "Accrued / prepaid rent released"),
                    (AccountRole.CASH_CLEARING, -paid, "Termination payment"),
                )
                cash, expense, term = cash[:s], expense[:s], s
                self._record(ChangeEvent, change, s, lines, before_cost, None, ZERO, ZERO, ZERO)
                if position + 1 < len(ordered):
                    issues.append(
                        TermsIssue(f"{f}.effective", "The lease ends here; no change can follow.")
                    )
                break
            new_term = change.term_months or term
            if new_term <= s:
                issues.append(
                    TermsIssue(f"{f}.term_months", "The new term must end after the change.")
                )
                break
            if change.payments is not None:
                streams, anchor = change.payments, s
            flows = _flows(terms, streams, self.period(anchor), new_term - anchor)
            cash = cash[:s] + [
                flows.advance[k - anchor] + flows.arrears[k - anchor] for k in range(s, new_term)
            ]
            previous_end, term = term, new_term
            remaining = term - s
            if not _exemption_ends(self.exemption, terms.standard, remaining, term - previous_end):
                # Still short-term: the rest of the cost, straight-line from the change.
                rest = sum(cash[s:], ZERO) - accrued
                with localcontext(ENGINE_CONTEXT):
                    cumulative = [
                        (rest * (j + 1) / remaining).quantize(unit, ROUND_HALF_UP)
                        for j in range(remaining)
                    ]
                expense = expense[:s] + [
                    cumulative[j] - (cumulative[j - 1] if j else ZERO) for j in range(remaining)
                ]
                self._record(ChangeEvent, change, s, [], before_cost, expense[s], ZERO, ZERO, ZERO)
                continue
            # No longer short-term: the exemption ends and the lease is recognised from here.
            if anchor != s and not all(
                _level(x) and (s - anchor) % int(x.frequency) == 0 for x in streams
            ):
                issues.append(
                    TermsIssue(
                        f"{f}.payments",
                        "Enter the payments from the change: the lease is recognised from then "
                        "on and its payments are not level.",
                    )
                )
                break
            if change.annual_rate is None:
                issues.append(
                    TermsIssue(
                        f"{f}.annual_rate",
                        "Enter the discount rate at the change: the lease is no longer "
                        "short-term and is recognised from the change date "
                        + (
                            "(ASC 842-20-25-3)."
                            if terms.standard is Standard.ASC_842
                            else "(IFRS 16.7, 26)."
                        ),
                    )
                )
                break
            classification = change.classification or terms.classification
            if terms.standard is Standard.ASC_842 and classification is None:
                classification = Classification.OPERATING
            relative = [
                replace(
                    later,
                    term_months=None if later.term_months is None else later.term_months - s,
                )
                for _, later in ordered[position + 1 :]
            ]
            new_terms = replace(
                terms,
                commencement=self.period(s),
                term_months=remaining,
                annual_rate=change.annual_rate,
                classification=classification if terms.standard is Standard.ASC_842 else None,
                payments=tuple(streams),
                # Rent accrued lowers the ROU asset, rent prepaid raises it (cleared below).
                incentives=(Incentive(accrued),) if accrued > 0 else (),
                prepaid_rent=-accrued if accrued < 0 else ZERO,
                initial_direct_costs=ZERO,
                restoration_cost=ZERO,
                purchase_option_reasonably_certain=False,
                ownership_transfers=False,
                # The company's count: from the 1st it gives the whole-month figures, and a
                # later change inside a month then applies on its date, as for any lease.
                day_count=terms.day_count,
                # Counted from the change on the month grid: the lease's own end date (on the
                # grid, or this path would not run) is the old term's, not the new lease's.
                end_date=None,
                payment_day=None,
            )
            try:
                base = build_schedule(new_terms)
                recognised = build_changed_schedule(new_terms, relative, base=base)
            except LeaseTermsError as error:
                issues.extend(
                    TermsIssue(f"{f}.{x.field.split('.')[-1]}", x.message) for x in error.issues
                )
                break
            lines = _recognition_lines(base)
            posted = base.posted()
            first = recognised.posted_months()[0]
            self._record(
                ChangeEvent,
                change,
                s,
                lines,
                before_cost,
                first.straight_line_cost
                if first.straight_line_cost is not None
                else first.interest + first.rou_amortization,
                posted.liability,
                posted.rou,
                change.annual_rate,
                classification=classification,
            )
            self.recognised, self.recognised_from = recognised, s
            # Later changes are the recognised lease's: their events, months counted from here.
            originals = {
                id(r): c
                for r, c in zip(relative, [c for _, c in ordered[position + 1 :]], strict=True)
            }
            for event in recognised.events:
                self.events.append(
                    dc_replace(event, change=originals[id(event.change)], index=event.index + s)
                )
                self._event_lines.setdefault(event.index + s, []).append(
                    (self.events[-1], list(event.lines))
                )
            cash, expense = cash[:s], expense[:s]
            break
        if issues:
            raise LeaseTermsError(issues)
        self.payments, self.expense = cash, expense

    def _apply_on_dates(self, event_cls, kinds, *, grid: bool) -> None:
        """Actual days: each change takes effect on its date as a new lease from that day.

        The cost to the change is the lease's so far, by days (`_days`), rounded; the rent
        accrued then is that cost less the cash paid before the change. A termination releases
        it against the termination payment. A term or payment change keeps the payment periods
        already begun (an extension in the final part period also pays the days from the old
        end to the next payment day, as a lease with stubs does) and prices the periods from
        the first payment day on or after the change to the new end; the remaining payments,
        less the rent accrued, are then spread by days from the change to the new end, so the
        cost still totals the cash and the accrued rent ends at zero. A change that ends the
        exemption (`_exemption_ends`, in days: more than 12 months from the change under IFRS
        16, beyond the previous end under ASC 842) recognises the lease from its date
        (`_recognise_on`), the cost to the day staying the exempt lease's.

        Quarterly and yearly payments keep their payment periods as monthly ones do: the period
        under way is paid as it was, new payments start when it ends (`next_start`), a last
        period cut short by the end pays its days (`_dated_flows`). A lease recognised from a
        day pays monthly on its dates: when its payments are not monthly, the lease on the month
        grid (`grid`) is taken from the 1st (`_MonthGrid`), one with part months is refused.
        """
        from .changes import moved_end

        terms = self.terms
        unit = cents(terms.currency_decimals)
        c, frame = terms.commencement, self.start
        day = terms.payment_day or c.day
        end = lease_end(terms)
        # The lease's payments as (date, amount, first day of their payment period or None,
        # the dated flow: calendar month from `frame`, where in it, amount, period start).
        payments = [
            (_flow_date(frame, flow), flow[2], flow[3], flow)
            for flow in _dated_flows(terms, terms.payments, c, c, end, frame)
        ]
        for incentive in terms.incentives:
            on = incentive.receivable_on or c
            where = month_position(on, frame)
            flow = (months_between(frame, on), where % 1, -incentive.amount, None)
            payments.append((on, -incentive.amount, None, flow))
        # Cumulative cost by days: pieces (from, day after the last, cost at from, cost over it).
        pieces = [(c, end + timedelta(days=1), ZERO, sum((p[1] for p in payments), ZERO))]
        streams, origin, term = terms.payments, c, terms.term_months

        def cost_at(on: date) -> Decimal:
            total = ZERO
            for start, stop, base, over in pieces:
                if start <= on:
                    span = month_position(stop, frame) - month_position(start, frame)
                    done = month_position(min(on, stop), frame) - month_position(start, frame)
                    total = base + (_shared(over, done / span) if span else over)
            return total

        def first_payment_day(on: date) -> date:
            first = on_day(on, day)
            return first if first >= on else on_day(add_months(on, 1), day)

        def next_start(on: date) -> date:
            """The first day on or after `on` that ends the payment periods under way."""
            latest = first_payment_day(on)
            for stream in streams:
                months = int(stream.frequency)
                if months > 1:
                    k = -(-months_between(origin, on) // months)  # ceil: periods begun
                    start = add_months_to_day(origin, k * months)
                    if start < on:
                        start = add_months_to_day(origin, (k + 1) * months)
                    latest = max(latest, start)
            return latest

        ordered = sorted(enumerate(self.changes), key=lambda item: item[1].effective)
        issues: list[TermsIssue] = []
        for position, (i, change) in enumerate(ordered):
            f, d, kind = f"changes[{i}]", change.effective, change.kind
            s = months_between(frame, d)
            if kind.value in _NO_ASSET:
                issues.append(TermsIssue(f"{f}.kind", _NO_ASSET[kind.value]))
                break
            if s < 1 or d > end:
                issues.append(
                    TermsIssue(
                        f"{f}.effective",
                        "A change must take effect after the commencement month and on or "
                        f"before the lease's last day ({end.isoformat()}).",
                    )
                )
                break
            with localcontext(ENGINE_CONTEXT):
                cost_to_d = cost_at(d).quantize(unit, ROUND_HALF_UP)
            paid_before = sum((p[1] for p in payments if p[0] < d), ZERO)
            accrued = cost_to_d - paid_before
            before_cost = self._month_cost(cost_at, s, unit)
            if kind is kinds.TERMINATION:
                paid = change.amount
                lines = _lines(
                    (AccountRole.SHORT_TERM_EXPENSE, paid - accrued, "Termination payment"),
                    (AccountRole.DEFERRED_RENT, accrued, "Accrued / prepaid rent released"),
                    (AccountRole.CASH_CLEARING, -paid, "Termination payment"),
                )
                payments = [p for p in payments if p[0] < d]
                pieces = [x for x in pieces if x[0] < d] + [(d, d, cost_to_d, ZERO)]
                end = d - timedelta(days=1)
                self._record(event_cls, change, s, lines, before_cost, None, ZERO, ZERO, ZERO, on=d)
                if position + 1 < len(ordered):
                    issues.append(
                        TermsIssue(f"{f}.effective", "The lease ends here; no change can follow.")
                    )
                break
            new_end, new_term = end, term
            if change.term_months is not None and change.term_months != term:
                new_end = moved_end(end, change.term_months - term, (c, term))
                new_term = change.term_months
            anchor = next_start(d)
            if new_end != end and (new_end < d or new_end + timedelta(days=1) < anchor):
                issues.append(
                    TermsIssue(
                        f"{f}.term_months",
                        f"The new term ends on {new_end.isoformat()}: it must end on or after "
                        f"the day before the next payment day after the change "
                        f"({(anchor - timedelta(days=1)).isoformat()}).",
                    )
                )
                break
            since = min(anchor, end + timedelta(days=1)) if new_end != end else anchor
            if change.payments is not None:
                streams, origin = change.payments, anchor
            ends = _exemption_ends_on(self.exemption, terms.standard, d, end, new_end)
            if ends and not all(x.frequency is Frequency.MONTHLY for x in streams):
                if grid:
                    raise _MonthGrid
                issues.append(
                    TermsIssue(
                        f"{f}.payments",
                        "The lease is recognised from the change date and pays on its dates: "
                        "enter its payments from the change as monthly payments.",
                    )
                )
                break
            if ends and change.annual_rate is None:
                issues.append(
                    TermsIssue(
                        f"{f}.annual_rate",
                        "Enter the discount rate at the change: the lease is no longer "
                        "short-term and is recognised from the change date "
                        + (
                            "(ASC 842-20-25-3)."
                            if terms.standard is Standard.ASC_842
                            else "(IFRS 16.7, 26)."
                        ),
                    )
                )
                break
            kept = [p for p in payments if p[2] is None or p[2] < since]
            new = [
                (_flow_date(frame, flow), flow[2], flow[3], flow)
                for flow in _dated_flows(terms, streams, origin, since, new_end, frame)
            ]
            payments = kept + new
            if ends:
                # No longer short-term: recognised from the change date, on its real dates.
                try:
                    self._recognise_on(
                        event_cls,
                        change,
                        d,
                        [p for p in payments if p[0] >= d],
                        accrued,
                        (streams, origin, new_end, new_term),
                        [later for _, later in ordered[position + 1 :]],
                        before_cost,
                    )
                except LeaseTermsError as error:
                    issues.extend(
                        TermsIssue(f"{f}.{x.field.split('.')[-1]}", x.message) for x in error.issues
                    )
                    break
                payments = [p for p in payments if p[0] < d]
                pieces = [x for x in pieces if x[0] < d] + [(d, d, cost_to_d, ZERO)]
                end = d - timedelta(days=1)
                break
            remaining = sum((p[1] for p in payments if p[0] >= d), ZERO)
            pieces = [x for x in pieces if x[0] < d] + [
                (d, new_end + timedelta(days=1), cost_to_d, remaining - accrued)
            ]
            end, term = new_end, new_term
            self._record(
                event_cls,
                change,
                s,
                [],
                before_cost,
                self._month_cost(cost_at, s, unit),
                ZERO,
                ZERO,
                ZERO,
                on=d,
            )
        if issues:
            raise LeaseTermsError(issues)
        n = months_between(frame, max([end] + [p[0] for p in payments])) + 1
        cash = [ZERO] * n
        for on, amount, *_ in payments:
            cash[months_between(frame, on)] += amount
        with localcontext(ENGINE_CONTEXT):
            cumulative = [
                cost_at(add_months(frame, k + 1)).quantize(unit, ROUND_HALF_UP) for k in range(n)
            ]
        self.payments = cash
        self.expense = [cumulative[k] - (cumulative[k - 1] if k else ZERO) for k in range(n)]

    def _recognise_on(
        self,
        event_cls,
        change,
        d: date,
        remaining: list,
        accrued: Decimal,
        new: tuple,
        later: list,
        cost_before: Decimal,
    ) -> None:
        """The lease recognised from `d` (a change inside a month under actual days, or on a
        lease with stubs), as ASC 842-20-25-3 and IFRS 16.7 have it: from the change date.

        The liability is the present value on `d` of the payments from `d` on, on their dates,
        discounted as the change engine discounts a change on any day (the first part month by
        the monthly rate x its days left; `_measure_on_dates`). The rent of the payment period
        under way was paid before the change (in advance) or is still to pay in full (in
        arrears): either way it is not a payment of a new stub; the rent accrued or prepaid to
        the day (the cost by days less the cash paid before it) goes into the ROU asset, so
        ROU = liability + a payment due on the day itself + prepaid rent - accrued rent. The
        recognised lease then runs as a lease with stubs from `d` (`changes.ChangedSchedule`'s
        dated path, later changes included)."""
        from .changes import build_changed_schedule

        terms = self.terms
        streams, origin, new_end, new_term = new
        frame = month_start(d)
        s = months_between(self.start, frame)
        start_of_d = month_position(d, frame)
        at_start, flows = ZERO, []
        for on, amount, _, flow in remaining:
            month, where, _, period = flow
            if on == d and month - s + where == start_of_d:
                at_start += amount  # paid on the day the lease is recognised: into the ROU
            else:
                flows.append((month - s, where, amount, period))
        classification = change.classification or terms.classification
        if terms.standard is Standard.ASC_842 and classification is None:
            classification = Classification.OPERATING
        life = terms.useful_life_months
        if life is not None and add_months_to_day(terms.commencement, life) <= new_end:
            raise LeaseTermsError(
                [
                    TermsIssue(
                        "useful_life_months",
                        "The asset's useful life ends before the new term on real dates, which "
                        "is not taken yet: end the lease the day before the change and enter "
                        "the new terms as a new lease.",
                    )
                ]
            )
        rec_terms = replace(
            terms,
            commencement=d,
            term_months=term_months_through(d, new_end),
            end_date=new_end,
            payment_day=terms.payment_day or terms.commencement.day,
            annual_rate=change.annual_rate,
            classification=classification if terms.standard is Standard.ASC_842 else None,
            payments=tuple(streams),
            # Rent accrued lowers the ROU asset, rent prepaid raises it (cleared below).
            incentives=(Incentive(accrued),) if accrued > 0 else (),
            prepaid_rent=-accrued if accrued < 0 else ZERO,
            initial_direct_costs=ZERO,
            restoration_cost=ZERO,
            restoration_estimate=ZERO,
            purchase_option_reasonably_certain=False,
            ownership_transfers=False,
            useful_life_months=None,
            day_count=DayCount.ACTUAL_DAYS,
        )
        check_terms(rec_terms)
        base = _OnDates.build(rec_terms, flows, at_start)
        base.streams_origin = origin
        # Term changes move the end date as the lease's own (from its commencement) and count
        # their months from it; useful lives too.
        base.life_origin = terms.commencement
        base.term_shift = new_term - rec_terms.term_months
        relative = [
            replace(
                c,
                term_months=None if c.term_months is None else c.term_months - base.term_shift,
            )
            for c in later
        ]
        recognised = build_changed_schedule(rec_terms, relative, base=base)
        rows = recognised.posted_months()
        after = rows[1] if len(rows) > 1 and d.day != 1 else rows[0]
        self._record(
            event_cls,
            change,
            s,
            _recognition_lines(base),
            cost_before,
            after.straight_line_cost
            if after.straight_line_cost is not None
            else after.interest + after.rou_amortization,
            base.posted().liability,
            base.posted().rou,
            change.annual_rate,
            classification=classification,
            on=d,
        )
        self.recognised, self.recognised_from = recognised, s
        originals = {id(r): c for r, c in zip(relative, later, strict=True)}
        for event in recognised.events:
            self.events.append(
                dc_replace(event, change=originals[id(event.change)], index=event.index + s)
            )
            self._event_lines.setdefault(event.index + s, []).append(
                (self.events[-1], list(event.lines))
            )

    def _month_cost(self, cost_at, k: int, unit: Decimal) -> Decimal:
        """Month k's cost as the pieces stand now (the event's cost before and after)."""
        with localcontext(ENGINE_CONTEXT):
            after = cost_at(self.period(k + 1)).quantize(unit, ROUND_HALF_UP)
            before = cost_at(self.period(k)).quantize(unit, ROUND_HALF_UP)
        return after - before

    def _record(
        self,
        event_cls,
        change,
        s: int,
        lines: list,
        cost_before,
        cost_after,
        liability_after,
        rou_after,
        rate_after,
        classification=None,
        on: date | None = None,
    ) -> None:
        event = event_cls(
            change=change,
            index=s,
            period=self.period(s),
            liability_before=ZERO,
            liability_after=liability_after,
            rou_before=ZERO,
            rou_after=rou_after,
            gain_loss=ZERO,
            monthly_cost_before=cost_before,
            monthly_cost_after=cost_after,
            rate_before=ZERO,
            rate_after=rate_after,
            classification_after=classification,
            remeasured=bool(lines),
            lines=tuple(lines),
            on=on,
        )
        self.events.append(event)
        if lines:
            self._event_lines.setdefault(s, []).append((event, list(lines)))

    # -- reading --------------------------------------------------------------------------

    def __len__(self) -> int:
        if self.recognised is not None:
            return self.recognised_from + len(self.recognised)
        return len(self.payments)

    @property
    def segment_starts(self) -> list[int]:
        return [0] + sorted({e.index for e in self.events})

    @property
    def closing_liability(self) -> list[Decimal]:
        return [r.closing_liability for r in self.posted_months()]

    @property
    def rou_closing(self) -> list[Decimal]:
        return [r.rou_closing for r in self.posted_months()]

    def opening_liability(self, index: int) -> Decimal:
        return self.posted_months()[index].opening_liability

    def rou_opening(self, index: int) -> Decimal:
        return self.posted_months()[index].rou_opening

    def posted_months(self) -> list[ScheduleMonth]:
        """Exempt months (no balances, the straight-line cost), then the recognised lease's."""
        rows = [
            ScheduleMonth(
                period=self.period(k),
                opening_liability=ZERO,
                payment=self.payments[k],
                interest=ZERO,
                principal=ZERO,
                closing_liability=ZERO,
                rou_opening=ZERO,
                rou_amortization=ZERO,
                rou_closing=ZERO,
                straight_line_cost=self.expense[k],
            )
            for k in range(len(self.payments))
        ]
        if self.recognised is not None:
            recognised = self.recognised.posted_months()
            if len(rows) > self.recognised_from:
                # Recognised inside the month: the month's row is the recognised lease's (from
                # the day, its liability at recognition as the opening), its straight-line cost
                # the exempt days' as the entry posts it: added to the recognised lease's single
                # cost (ASC 842 operating), or on its own beside the interest and amortization
                # from the day (IFRS 16, ASC 842 finance), so the row's costs are the entry's.
                exempt, first = rows.pop(), recognised[0]
                cost = exempt.straight_line_cost
                if first.straight_line_cost is not None:
                    cost += first.straight_line_cost
                recognised = [dc_replace(first, straight_line_cost=cost)] + recognised[1:]
            rows += recognised
        return rows

    def periodic_lines(self, index: int) -> list[JournalLine]:
        if self.recognised is not None and index >= self.recognised_from:
            lines = self.recognised.periodic_lines(index - self.recognised_from)
            if index < len(self.payments):
                # The days of the month before the recognition: their cost and cash.
                lines = super().periodic_lines(index) + lines
            return lines
        if index >= len(self.payments):
            return []
        return super().periodic_lines(index)

    def event_lines(self, index: int) -> list:
        return list(self._event_lines.get(index, []))

    def month_parts(self, index: int) -> list[tuple[list[JournalLine], bool]]:
        """`month_lines` split into the exempt lease's part (its cost and cash to the day the
        exemption ends, changes before it) and the recognised lease's (the recognition entry,
        its periodic lines, later changes), each with whether it is exempt."""
        if self.recognised is None or index < self.recognised_from:
            lines = [x for _, event in self.event_lines(index) for x in event]
            lines += self.periodic_lines(index)
            return [(lines, True)] if lines or index < len(self) else []
        exempt: list[JournalLine] = []
        recognised = [x for _, event in self.event_lines(index) for x in event]
        if index < len(self.payments):  # the days of the month before the recognition
            exempt = ExemptSchedule.periodic_lines(self, index)
        if index < len(self):
            recognised += self.recognised.periodic_lines(index - self.recognised_from)
        return [(exempt, True), (recognised, False)]

    def liability_payments(self) -> list[Decimal]:
        """The payments that settle the liability, by month: the recognised lease's rows (the
        exempt months' and the exempt days' rent settle none)."""
        if self.recognised is None:
            return [ZERO] * len(self)
        rows = self.posted_months()
        s = self.recognised_from
        return [ZERO] * s + [row.payment for row in rows[s:]]

    def month_lines(self, index: int) -> list[JournalLine]:
        lines: list[JournalLine] = []
        for _, event in self.event_lines(index):
            lines += event
        return lines + self.periodic_lines(index)

    def journal_lines_for_month(self, period: date) -> list[JournalLine]:
        """The month's regular entry; change entries post as entries of their own."""
        index = months_between(self.start, period)
        if not 0 <= index < len(self):
            return []
        return self.periodic_lines(index)

    def journal_lines(self) -> dict[date, list[JournalLine]]:
        last = max([len(self) - 1] + [e.index for e in self.events])
        return {self.period(k): self.month_lines(k) for k in range(last + 1)}


def _recognition_lines(base) -> list[JournalLine]:
    """The recognised lease's commencement entry, as the end of the exemption: the rent accrued
    or prepaid goes into the ROU asset from `DEFERRED_RENT`, memos `Exemption ends:`."""
    from .journal import commencement_lines

    lines = []
    for line in commencement_lines(base):
        if line.role in (AccountRole.PREPAID_RENT, AccountRole.CASH_CLEARING) and (
            line.memo.endswith("prepaid rent into ROU") or line.memo.endswith("incentives received")
        ):
            line = JournalLine(
                AccountRole.DEFERRED_RENT,
                line.debit,
                line.credit,
                "Exemption ends: accrued / prepaid rent into the ROU asset",
            )
        else:
            line = JournalLine(
                line.role,
                line.debit,
                line.credit,
                line.memo.replace("Commencement:", "Exemption ends:"),
            )
        lines.append(line)
    return lines


class _OnDates(Schedule):
    """A lease recognised from a day inside a month (the end of an exemption): its payments on
    their dates, as the change engine keeps a lease with stubs (`dated_flows`), measured by the
    day rules of `schedule._measure_days`."""

    dated = True  # `changes.ChangedSchedule` takes it on its dated path

    @classmethod
    def build(cls, terms: LeaseTerms, flows: list, at_start: Decimal) -> _OnDates:
        c, end = terms.commencement, lease_end(terms)
        frame = month_start(c)
        n = months_between(c, end)
        inside: dict[int, list[tuple[Decimal, int, int]]] = {}
        for month, where, amount, _ in flows:
            days = days_in_month(add_months(frame, month))
            offset = where * days
            inside.setdefault(month, []).append((amount, int(offset), days))
        rate = monthly_rate(terms)
        closing = [ZERO] * (n + 1)
        with localcontext(ENGINE_CONTEXT):
            balance = due = ZERO
            # Backwards, as `_measure_days`: each balance the present value of what remains.
            for k in range(n, -1, -1):
                closing[k] = balance
                due = balance + sum(
                    (p * accrual_factor(rate, t, dd) for p, t, dd in inside.get(k, ())), ZERO
                )
                if k:
                    balance = due / (1 + rate)
            liability = due / accrual_factor(rate, c.day - 1, days_in_month(c))
        at = PaymentFlows(advance=[at_start], arrears=[ZERO], inside=inside)
        measurement = _measurement(terms, at, liability, rate)
        check_rou(measurement.rou)
        payments = [sum((p for p, _, _ in inside.get(k, ())), ZERO) for k in range(n + 1)]
        schedule = cls(terms, measurement, payments, closing)
        schedule.timeline = Timeline(c, n + 1, (terms.term_months, end + timedelta(days=1)))
        schedule._flows = list(flows)
        return schedule

    def dated_flows(self) -> list:
        """The payments after the day of recognition, months counted from its month."""
        return list(self._flows)


def _takes_dates(terms: LeaseTerms, changes: tuple) -> bool:
    """Actual days, a lease on the month grid (no stubs): its changes are taken on their dates
    (`_apply_on_dates`), whatever its payments' frequency. Changes after the one that ends the
    exemption are the recognised lease's, which counts the company's days itself."""
    return terms.day_count is DayCount.ACTUAL_DAYS


class _MonthGrid(Exception):  # noqa: N818 - a signal, not an error: take the month grid
    """A change inside a month cannot be taken on its date; the lease is taken from the 1st."""


def _dated_flows(terms: LeaseTerms, streams, origin: date, since: date, end: date, frame: date):
    """`changes.stream_flows` for streams of any frequency: monthly streams as it prices them;
    a quarterly or yearly stream's payment periods run from `origin` (its first period's first
    day) every 3 or 12 months, and those starting from `since` through `end` pay, a last one
    cut short by the end its days over the period's days. Escalations and rent-free months
    count months from `origin`, as `payments.expand_flows` does."""
    from .changes import stream_flows

    monthly = tuple(x for x in streams if x.frequency is Frequency.MONTHLY)
    flows = stream_flows(terms, monthly, origin, since, end, frame) if monthly else []
    unit = cents(terms.currency_decimals)
    after = end + timedelta(days=1)
    for stream in streams:
        months = int(stream.frequency)
        if months == 1:
            continue
        k = 0
        while (start := add_months_to_day(origin, k * months)) <= end:
            stop = add_months_to_day(origin, (k + 1) * months)
            month, k = k * months, k + 1
            free = min(max(stream.rent_free_months - month, 0), months)
            if start < since or free == months:
                continue
            amount = payment_amount(terms, stream, month, on=start)
            if free:
                amount = amount * (months - free) / months
            if stop > after:
                amount = amount * (after - start).days / (stop - start).days
                stop = after
            amount = amount.quantize(unit, rounding=ROUND_HALF_UP)
            if not amount:
                continue
            if stream.timing is Timing.ADVANCE:
                on, offset = start, start.day - 1
            else:
                on = stop - timedelta(days=1)
                offset = on.day  # the end of its last day
            flows.append(
                (months_between(frame, on), Fraction(offset, days_in_month(on)), amount, start)
            )
    return flows


def _exemption_ends(
    exemption: Exemption, standard: Standard, remaining: int, beyond_previous_end: int
) -> bool:
    """Whether a change in the term ends the exemption.

    A low-value lease stays exempt whatever its term: the exemption rests on the value of the
    asset when new (IFRS 16.5(b), B3-B8), which a change in term does not move.

    IFRS 16.7: the changed lease is a new lease, short-term only if its term from the change is
    12 months or less. ASC 842-20-25-3: the lease stops being short-term only when the remaining
    term now extends more than 12 months beyond the end of the previously determined term (a
    12-month lease renewed in month 9 for 12 more months stays exempt; for 13 more it does not).
    """
    if exemption is Exemption.LOW_VALUE:
        return False
    if standard is Standard.ASC_842:
        return beyond_previous_end > SHORT_TERM_MONTHS
    return remaining > SHORT_TERM_MONTHS


def _exemption_ends_on(
    exemption: Exemption, standard: Standard, on: date, previous_end: date, new_end: date
) -> bool:
    """`_exemption_ends` on real dates: the new end more than 12 months after the change (IFRS
    16.7) or after the previously determined end (ASC 842-20-25-3); never for low value."""
    if exemption is Exemption.LOW_VALUE:
        return False
    since = previous_end + timedelta(days=1) if standard is Standard.ASC_842 else on
    return new_end > add_months_to_day(since, SHORT_TERM_MONTHS) - timedelta(days=1)


def _flow_date(frame: date, flow) -> date:
    """The day a dated flow (`changes.stream_flows`) is paid: an advance payment at the start
    of its period's first day, an arrears payment at the end of its period's last day."""
    month, where, _, start = flow
    opening = add_months(frame, month)
    offset = where * days_in_month(opening)
    on = opening + timedelta(days=int(offset))
    return on if on == start else on - timedelta(days=1)


def _level(stream) -> bool:
    return not (
        stream.escalations or stream.steps or stream.rent_free_months or stream.index_factor
    )


def _flows(terms: LeaseTerms, streams, start: date, months: int):
    return expand_flows(
        replace(
            terms,
            commencement=start,
            term_months=months,
            payments=tuple(streams),
            incentives=(),
            day_count=DayCount.WHOLE_MONTHS,
        )
    )


def _lines(*entries) -> list[JournalLine]:
    out = []
    for role, amount, memo in entries:
        if amount > 0:
            out.append(JournalLine(role, amount, ZERO, memo))
        elif amount < 0:
            out.append(JournalLine(role, ZERO, -amount, memo))
    return out


def build_exempt_changed_schedule(exempt: ExemptSchedule, changes) -> ExemptChangedSchedule:
    """An exempt lease with its changes, in effective order; raises `LeaseTermsError`."""
    return ExemptChangedSchedule(exempt, tuple(changes))
