"""One month of a lease with one index review, without building its whole changed schedule.

A yearly index review gives every lease of a portfolio one approved change of kind INDEX: new
level rent from the first of a month, nothing else. A close of month `period` reads, of such a
lease's `ChangedSchedule`, only that month's regular lines, the change's own entry (in its
month) and thirteen closing balances (the current-portion split). `month_index_review(base,
changes, period)` computes just those, with the same operations in the same order as
`changes.py`, so every figure is identical:

* under ASC 842 the review is not remeasured (ASC 842-10-35-5): the month is the original
  schedule's plus, as variable lease cost, the new rent less the rent measured;
* under IFRS 16 the liability is remeasured at the unchanged rate (IFRS 16.42-43): one backward
  pass over the new payments gives the remeasured liability and every closing balance of the
  segment after it; only the balances the month reads are rounded. Of the original schedule
  that needs only the posted liability and ROU asset before the review: `review_figures` keeps
  them when the review is approved, and `month_index_review_stored` starts from them without
  measuring the original schedule again (while the lease's terms are the ones they came from).

Anything else (several changes, other kinds, a rate or term in the change, rent that is not
level, actual days, part months, a base that is not `fast.month_schedule`'s) returns None: the
caller builds the reference `ChangedSchedule`. `tests/closebooks/test_close_fast_changes.py` and
`test_close_stored_review.py` compare the paths month by month on random leases and reviews.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .changes import (
    KIND_LABELS,
    ChangeKind,
    LeaseChange,
    _monthly,
)
from .dates import add_months, months_between
from .journal import commencement_lines, periodic_lines
from .payments import cents
from .restoration import restoration_lines
from .schedule import ENGINE_CONTEXT, Schedule, amortization_months, is_prorated
from .types import ZERO, AccountRole, DayCount, JournalLine, Standard, Timing


@dataclass(frozen=True, slots=True)
class ReviewEvent:
    """The review's own entry, as `ChangedSchedule.event_lines` gives it to a close."""

    change: LeaseChange
    index: int
    lines: tuple[JournalLine, ...]

    @property
    def label(self) -> str:
        ref = f" ({self.change.reference})" if self.change.reference else ""
        return f"{KIND_LABELS[self.change.kind]}{ref} from {self.change.effective.isoformat()}"


def _level(stream) -> bool:
    return not (
        stream.escalations or stream.steps or stream.rent_free_months or stream.index_factor
    )


def _exact_sum(amount: Decimal) -> bool:
    return not (amount.is_zero() and amount.is_signed()) and amount.adjusted() < 20


def _level_flows(streams, n: int, unit: Decimal) -> tuple[list[Decimal], list[Decimal]]:
    """`ChangedSchedule._expand` for level streams: advance and arrears of months 0..n-1."""
    advance, arrears = [ZERO] * n, [ZERO] * n
    for number, stream in enumerate(streams):
        amount = stream.amount.quantize(unit, rounding=ROUND_HALF_UP)
        period = int(stream.frequency)
        if number == 0 and _exact_sum(amount):
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
    return advance, arrears


def _level_month(streams, n: int, unit: Decimal, j: int) -> tuple[Decimal, Decimal]:
    """Month j of `_level_flows(streams, n, unit)` (advance, arrears), the same additions in
    the same order, without the other months."""
    advance = arrears = ZERO
    for number, stream in enumerate(streams):
        amount = stream.amount.quantize(unit, rounding=ROUND_HALF_UP)
        period = int(stream.frequency)
        written = number == 0 and _exact_sum(amount)  # written into an empty month, not added
        if stream.timing is Timing.ADVANCE:
            if j % period == 0:
                advance = amount if written else advance + amount
        elif (j + 1) % period == 0 or (j == n - 1 and n % period):
            arrears = amount if written else arrears + amount
    return advance, arrears


def _line(role: AccountRole, amount: Decimal, memo: str) -> JournalLine | None:
    if amount > 0:
        return JournalLine(role, amount, ZERO, memo)
    if amount < 0:
        return JournalLine(role, ZERO, -amount, memo)
    return None


def _lines(*entries: tuple[AccountRole, Decimal, str]) -> list[JournalLine]:
    return [line for role, amount, memo in entries if (line := _line(role, amount, memo))]


def _variable_lines(amount: Decimal) -> list[JournalLine]:
    return _lines(
        (AccountRole.VARIABLE_EXPENSE, amount, "Variable lease cost (index review)"),
        (AccountRole.CASH_CLEARING, -amount, "Variable lease payment (index review)"),
    )


def _taken(base, changes, period: date) -> tuple[LeaseChange, int, int] | None:
    """(the review, its month, the close's month) when the fast path computes this lease."""
    if len(changes) != 1 or not isinstance(base, Schedule):
        return None
    posted = getattr(base, "_posted", None)
    if posted is None or getattr(base, "timeline", None) is not None or base.flows is None:
        return None
    # The posted months cover the close's month and twelve more, up to the schedule's end: the
    # month lies inside them exactly when it lies inside the schedule.
    return _review_taken(base.terms, changes[0], base.start, len(posted.closing_liability), period)


def _review_taken(
    terms, change: LeaseChange, start: date, length: int, period: date
) -> tuple[LeaseChange, int, int] | None:
    """`_taken` for the original schedule's terms, first month and length."""
    if (
        change.kind is not ChangeKind.INDEX
        or not change.payments
        or change.term_months is not None
        or change.annual_rate is not None
        or change.scope_fraction is not None
        or change.classification is not None
        or change.useful_life_months is not None
        or not all(_level(stream) for stream in change.payments)
        or is_prorated(terms)
        or terms.is_dated
        or (terms.day_count is DayCount.ACTUAL_DAYS and change.effective.day != 1)
    ):
        return None
    s = months_between(start, change.effective)
    k = months_between(start, period)
    if not (1 <= s <= k < length and s < terms.term_months):
        return None
    # What `validate_changes` would still find wrong with one index review the checks above
    # let through (a test holds both to the same answer): the reference path says it.
    if change.restoration_paid is not None or not all(
        stream.amount.is_finite() and stream.amount >= 0 for stream in change.payments
    ):
        return None
    return change, s, k


def month_index_review(base: Schedule, changes, period: date):
    """The month `period` of `base` followed by `changes`, or None (see the module)."""
    taken = _taken(base, changes, period)
    if taken is None:
        return None
    change, s, k = taken
    if base.terms.standard is Standard.ASC_842:
        return IndexReviewUnmeasured(base, change, s, k)
    return IndexReviewRemeasured(base, change, s, k)


def terms_digest(terms) -> str:
    """A fingerprint of a lease's terms (every field, as the engine reads them): figures stored
    for one set of terms are used only while the lease still has exactly those terms."""
    return hashlib.blake2b(repr(terms).encode(), digest_size=16).hexdigest()


def review_figures(base: Schedule, change: LeaseChange) -> dict[str, object] | None:
    """What the close of any month from an IFRS 16 index review on reads of the original
    schedule, kept with the change when it is approved: the posted liability and ROU asset at
    the end of the month before the review, and the terms they come from. None when the month
    path does not take the review. `base` is `fast.month_schedule(terms, review month)`."""
    if base.terms.standard is not Standard.IFRS_16:
        return None
    taken = _taken(base, (change,), date(change.effective.year, change.effective.month, 1))
    if taken is None:
        return None
    s = taken[1]
    posted = base.posted()
    return {
        "terms": terms_digest(base.terms),
        "month": s,
        "liability_before": str(posted.closing_liability[s - 1]),
        "rou_before": str(posted.rou_closing[s - 1]),
    }


class StoredOrigin:
    """The original schedule of a lease whose review stored its balances before the review:
    only its terms, first month and length, read without measuring it again."""

    __slots__ = ("terms", "start", "length")

    def __init__(self, terms) -> None:
        self.terms = terms
        self.start = date(terms.commencement.year, terms.commencement.month, 1)
        # A schedule's months: the term, or the ROU asset's amortization when longer.
        self.length = max(terms.term_months, amortization_months(terms))

    def __len__(self) -> int:
        return self.length

    def period(self, index: int) -> date:
        return add_months(self.start, index)


def month_index_review_stored(terms, changes, period: date, figures: dict | None):
    """`month_index_review(month_schedule(terms, period), changes, period)` for an IFRS 16 lease
    whose one review stored `review_figures` when approved, without measuring the original
    schedule; None when there are no such figures, they were computed for other terms, or the
    month path does not take the review (the caller measures the schedule then)."""
    if (
        not figures
        or len(changes) != 1
        or terms.standard is not Standard.IFRS_16
        or figures.get("terms") != terms_digest(terms)
    ):
        return None
    origin = StoredOrigin(terms)
    taken = _review_taken(terms, changes[0], origin.start, origin.length, period)
    if taken is None or figures.get("month") != taken[1]:
        return None
    change, s, k = taken
    before = (Decimal(figures["liability_before"]), Decimal(figures["rou_before"]))
    return IndexReviewRemeasured(origin, change, s, k, before=before)


class ReviewMonth:
    """What a close reads of a `ChangedSchedule` for one month."""

    base: Schedule
    change: LeaseChange
    review: int
    length: int

    @property
    def start(self) -> date:
        return self.base.start

    @property
    def terms(self):
        return self.base.terms

    def __len__(self) -> int:
        return self.length

    def period(self, index: int) -> date:
        return self.base.period(index)

    def journal_lines_for_month(self, period: date) -> list[JournalLine]:
        k = months_between(self.start, period)
        if not 0 <= k < self.length:
            return []
        return (commencement_lines(self.base) if k == 0 else []) + self.periodic_lines(k)

    def event_lines(self, k: int) -> list[tuple[ReviewEvent, list[JournalLine]]]:
        lines = self.event_entry() if k == self.review else ()
        if not lines:
            return []
        return [(ReviewEvent(self.change, self.review, tuple(lines)), list(lines))]

    def event_entry(self) -> list[JournalLine]:
        return []

    def entry_only(self) -> ReviewEntry:
        """What a close keeps of this month for the change entries, once the month is posted:
        the review's own entry, without the schedules behind it (thousands of them would be
        kept alive to the end of the close)."""
        return ReviewEntry(self.start, self.review, self.event_lines(self.review))

    def closing_liability_at(self, k: int) -> Decimal:
        return self.base.posted().closing_liability[k]

    def periodic_lines(self, k: int) -> list[JournalLine]:
        raise NotImplementedError


class ReviewEntry:
    """`ReviewMonth.event_lines` of one review, kept apart from its schedules."""

    __slots__ = ("start", "review", "_events")

    def __init__(self, start: date, review: int, events: list) -> None:
        self.start, self.review, self._events = start, review, events

    def event_lines(self, k: int) -> list[tuple[ReviewEvent, list[JournalLine]]]:
        if k != self.review:
            return []
        return [(event, list(lines)) for event, lines in self._events]


class IndexReviewUnmeasured(ReviewMonth):
    """ASC 842: the original schedule, and the rent paid beyond it as variable lease cost."""

    def __init__(self, base: Schedule, change: LeaseChange, s: int, k: int) -> None:
        self.base, self.change, self.review, self.length = base, change, s, len(base)

    def periodic_lines(self, k: int) -> list[JournalLine]:
        if k >= self.length:
            return []
        lines = periodic_lines(self.base, k)
        terms = self.base.terms
        j, n = k - self.review, terms.term_months - self.review
        if 0 <= j < n:
            cash_adv, cash_arr = _level_month(
                self.change.payments, n, cents(terms.currency_decimals), j
            )
            flows = self.base.flows
            # ChangedSchedule._build: cash advance + cash arrears - measured advance - arrears.
            diff = cash_adv + cash_arr - flows.advance[k] - flows.arrears[k]
            if diff:
                lines += _variable_lines(diff)
        return lines


class IndexReviewRemeasured(ReviewMonth):
    """IFRS 16: the liability remeasured from the review's month, the ROU asset adjusted, and a
    segment amortized straight-line from there (ChangedSchedule._apply and _Segment)."""

    def __init__(
        self,
        base: Schedule | StoredOrigin,
        change: LeaseChange,
        s: int,
        k: int,
        *,
        before: tuple[Decimal, Decimal] | None = None,
    ) -> None:
        """`before`: the original schedule's posted liability and ROU asset at the end of month
        s - 1, when stored (`review_figures`); else read from `base`, a measured schedule. A
        `StoredOrigin` base serves the review's month and those after it only."""
        self.base, self.change, self.review = base, change, s
        terms = base.terms
        unit = self.unit = cents(terms.currency_decimals)
        if before is None:
            posted = base.posted()
            before = (posted.closing_liability[s - 1], posted.rou_closing[s - 1])
        liability_before, rou_before = self._before = before
        term = terms.term_months
        remaining = term - s
        adv, arr = _level_flows(change.payments, remaining, unit)
        rate = _monthly(terms.annual_rate, terms.rate_convention)
        # One backward pass: every closing balance of the segment, and (last) the remeasured
        # liability, which `_pv` computes with the same operations.
        closing = [ZERO] * remaining
        with localcontext(ENGINE_CONTEXT):
            v = 1 / (1 + rate)
            balance = ZERO
            for j in range(remaining - 1, -1, -1):
                closing[j] = balance
                a, r = adv[j], arr[j]
                due = balance if r is ZERO else balance + r
                balance = due * v if a is ZERO else due * v + a
        self._full = balance
        self._closing = closing
        new_liability = balance.quantize(unit, rounding=ROUND_HALF_UP)
        delta = new_liability - liability_before
        rou_delta = max(delta, -rou_before)
        self._delta, self._rou_delta = delta, rou_delta
        self.opening_liability = new_liability
        self.opening_rou = rou_before + rou_delta
        if terms.useful_life_months is None:
            amortization = remaining
        else:
            life_left = max(terms.useful_life_months - s, 1)
            owned = terms.ownership_transfers or terms.purchase_option_reasonably_certain
            amortization = life_left if owned else min(remaining, life_left)
        self._amortization = amortization
        self._adv, self._arr, self._remaining = adv, arr, remaining
        self._segment_length = max(remaining, amortization, 1)
        self.length = s + self._segment_length
        self._rounded: dict[int, tuple[Decimal, Decimal]] = {}

    def event_entry(self) -> list[JournalLine]:
        kind, ref = self.change.kind, self.change.reference
        memo = KIND_LABELS[kind] + (f" ({ref})" if ref else "")
        delta, rou_delta = self._delta, self._rou_delta
        lines = _lines(
            (AccountRole.ROU_ASSET, rou_delta, f"Remeasurement: ROU asset · {memo}"),
            (AccountRole.LEASE_LIABILITY, -delta, f"Remeasurement: lease liability · {memo}"),
        )
        if rou_delta != delta:
            excess = rou_delta - delta
            lines += _lines(
                (
                    AccountRole.MODIFICATION_GAIN_LOSS,
                    -excess,
                    f"Gain: remeasurement beyond the ROU asset · {memo}",
                )
            )
        return lines

    def _segment_month(self, j: int) -> tuple[Decimal, Decimal]:
        """(posted closing liability, posted closing ROU) of the segment's month j."""
        found = self._rounded.get(j)
        if found is None:
            unit, amortization = self.unit, self._amortization
            rou0 = self.opening_rou
            with localcontext(ENGINE_CONTEXT):
                full = self._closing[j] if j < self._remaining else ZERO
                liability = full.quantize(unit, rounding=ROUND_HALF_UP)
                done = min(j + 1, amortization)
                rou = rou0 - (rou0 * done / amortization).quantize(unit, rounding=ROUND_HALF_UP)
            found = self._rounded[j] = (liability, rou)
        return found

    def _payment(self, j: int) -> Decimal:
        if j >= self._remaining:
            return ZERO
        with localcontext(ENGINE_CONTEXT):
            return self._adv[j] + self._arr[j]

    def closing_liability_at(self, k: int) -> Decimal:
        if k == self.review - 1:
            return self._before[0]  # the original schedule's, read or stored (the split's)
        if k < self.review:
            return self.base.posted().closing_liability[k]
        return self._segment_month(k - self.review)[0]

    def periodic_lines(self, k: int) -> list[JournalLine]:
        if k >= self.length:
            return []
        if k < self.review:
            return periodic_lines(self.base, k)
        j = k - self.review
        if j == 0:
            opening, rou_open = self.opening_liability - ZERO, self.opening_rou - ZERO
        else:
            opening, rou_open = self._segment_month(j - 1)
        liability, rou = self._segment_month(j)
        payment = self._payment(j)
        interest = liability - opening + payment
        amortization = rou_open - rou
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
        ) + restoration_lines(self.terms, k)
