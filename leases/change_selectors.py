"""Reads of lease changes: the engine's view of them and the journal lines a period posts.

Which changes a period's close includes (see docs/leases.md, "Changes after commencement"):
an approved change is *booked* in the first period closed after its approval whose month is not
before the change's own month (`LeaseChange.booking_period`, set by that close). Period P posts
the schedule with every change booked up to P. A change booked in P but effective in an earlier
(closed) month also posts a **catch-up** in P: everything the new schedule posts for the months
before P minus what the books already hold for them (the schedule with the changes booked
before P). Closed periods never change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from leases import engine
from leases.engine.dates import month_start, months_between
from leases.engine.exemptions import ExemptSchedule, build_exempt_changed_schedule
from leases.engine.jsonio import change_from_json, stored_change
from leases.engine.transition import GoLiveSchedule, build_golive_changed_schedule
from leases.models import (
    ACCOUNT_FIELDS,
    ACCOUNT_LABELS,
    SEGMENT_FIELDS,
    Lease,
    LeaseChange,
    LeaseIncentive,
    LeasePayment,
    RentStep,
)
from leases.models import LeaseChangeStatus as Status
from leases.selectors import (
    PostingLine,
    PostingProblem,
    accounting_defaults,
    company_go_live,
    lease_posting_role,
    lease_schedule,
    leases_with_terms,
    mapped_account,
    mapped_segment,
)

ZERO = Decimal(0)
NOT_SUPPORTED = engine.TermsIssue(
    "changes", "this lease's schedule cannot take changes; withdraw them"
)


@dataclass(frozen=True, slots=True)
class ChangePostingLine(PostingLine):
    """A posting line of a lease with changes, tagged with the entry it belongs to."""

    entry_kind: str = "periodic"  # periodic | change | catch_up
    entry_ref: str = ""  # the change's reference (CH3) for change entries
    change_kind: str = ""  # engine ChangeKind value, for change and catch-up entries
    reason: str = ""  # why the entry exists, in words (shown in the close preview)


# Columns the engine never reads: loading thousands of leases without them halves the time.
NOT_FOR_THE_ENGINE = (
    *ACCOUNT_FIELDS.values(),
    *SEGMENT_FIELDS.values(),
    "description",
    "landlord",
    "activated_at",
    "activated_by",
    "changes_pending_since",
    "changes_pending_by",
    "created_at",
    "updated_at",
)


def leases_for_changes(leases: QuerySet[Lease], *, company=None) -> list[Lease]:
    """Leases with just what the engine needs and their approved changes (no GL mapping), in
    four flat queries: the bulk import checks thousands of leases this way, and Django's
    per-lease prefetch machinery would cost more than the reads themselves. `company`, when
    given, is set on every lease instead of being loaded with each one."""
    rows = list(leases.defer(*NOT_FOR_THE_ENGINE))
    ids = [lease.pk for lease in rows]
    payments: dict[int, list[LeasePayment]] = {pk: [] for pk in ids}
    incentives: dict[int, list[LeaseIncentive]] = {pk: [] for pk in ids}
    approved: dict[int, list[LeaseChange]] = {pk: [] for pk in ids}
    steps: dict[int, list[RentStep]] = {}
    for payment in LeasePayment.objects.filter(lease_id__in=ids):
        payments[payment.lease_id].append(payment)
        steps[payment.pk] = []
    if steps:
        for step in RentStep.objects.filter(payment__lease_id__in=ids):
            steps[step.payment_id].append(step)
    for incentive in LeaseIncentive.objects.filter(lease_id__in=ids):
        incentives[incentive.lease_id].append(incentive)
    for change in LeaseChange.objects.filter(lease_id__in=ids, status=Status.APPROVED):
        approved[change.lease_id].append(change)
    for lease in rows:
        if company is not None:
            lease.company = company
        for payment in payments[lease.pk]:
            payment._prefetched_objects_cache = {"steps": steps[payment.pk]}
        # What prefetch_related leaves behind: `lease.payments.all()` reads these lists.
        lease._prefetched_objects_cache = {
            "payments": payments[lease.pk],
            "incentives": incentives[lease.pk],
            "changes": approved[lease.pk],
        }
    return rows


def engine_change(change: LeaseChange) -> engine.LeaseChange:
    """The engine's view of a stored change."""
    data = dict(change.details)
    data.update(
        kind=change.kind, effective=change.effective_date.isoformat(), reference=change.reference
    )
    return change_from_json(data)


@dataclass(eq=False, slots=True)
class BookedChange:
    """An approved change as a close reads it: the columns it needs, not a model instance (a
    close after a yearly index review reads one per lease)."""

    pk: int
    lease_id: int
    number: int
    kind: str
    effective_date: date
    booking_period: date | None
    details: dict
    lease_standard: str
    figures: dict  # kept at approval for the close (`LeaseChange.figures`); may be empty
    _engine: engine.LeaseChange | None = None

    @property
    def reference(self) -> str:
        return f"CH{self.number}"

    def as_engine(self) -> engine.LeaseChange:
        """The engine's view, read without validating again: the change was checked when it
        was saved and approved. Built once, however many schedules use it."""
        if self._engine is None:
            data = dict(self.details)
            data.update(
                kind=self.kind, effective=self.effective_date.isoformat(), reference=self.reference
            )
            self._engine = stored_change(data)
        return self._engine


def _booked_engine_change(change: BookedChange | LeaseChange) -> engine.LeaseChange:
    if isinstance(change, BookedChange):
        return change.as_engine()
    return engine_change(change)


def lease_changes(lease: Lease) -> QuerySet[LeaseChange]:
    """Every change of a lease, oldest first, with who made and decided it."""
    return lease.changes.select_related("created_by", "decided_by", "separate_lease").order_by(
        "number"
    )


def pending_changes(company) -> QuerySet[LeaseChange]:
    """Changes waiting for approval, for the close wizard and the lease list."""
    return (
        LeaseChange.objects.filter(company=company, status=Status.PENDING)
        .select_related("lease", "created_by")
        .order_by("effective_date", "pk")
    )


def _booked_by(changes: list, period: date, *, before: bool) -> list:
    """Approved changes in the books up to `period` (or strictly before it)."""
    out = []
    for c in changes:
        booked = c.booking_period or max(month_start(c.effective_date), period)
        if c.booking_period is None and month_start(c.effective_date) > period:
            continue  # waits for its own month
        if (booked < period) if before else (booked <= period):
            out.append(c)
    return out


def approved_changes_schedule(lease: Lease, through: date | None = None):
    """The lease's schedule with its approved changes (up to the period `through`, if given)."""
    changes = [c for c in lease.changes.all() if c.status == Status.APPROVED]
    if through is not None:
        changes = _booked_by(changes, through, before=False)
    return changed_schedule(lease_base_schedule(lease), [engine_change(c) for c in changes])


def lease_base_schedule(lease: Lease):
    """The lease's own schedule before any change: from commencement, from go-live, or the
    straight-line expense of an exempt lease."""
    return lease_schedule(lease, company_go_live(lease.company))


def changed_schedule(base, changes: list[engine.LeaseChange]):
    """`base` (a schedule from commencement, from go-live, or an exempt lease's) followed by
    `changes`."""
    if isinstance(base, GoLiveSchedule):
        return build_golive_changed_schedule(base, changes)
    if isinstance(base, ExemptSchedule):
        return build_exempt_changed_schedule(base, changes)
    if isinstance(base, engine.Schedule):
        return engine.build_changed_schedule(base.terms, changes, base=base)
    raise engine.LeaseTermsError([NOT_SUPPORTED])


def origin(schedule):
    """The schedule a changed schedule starts from (to build it again with other changes)."""
    for name in ("golive", "exempt_base"):
        found = getattr(schedule, name, None)
        if found is not None:
            return found
    return schedule.base


# Schedules built while one period is posted, shared by `period_postings` (regular lines) and
# `change_postings` (change entries, catch-up) so each changed lease is measured once.
_SHARED: ContextVar[dict | None] = ContextVar("changed_schedules", default=None)


# Where a flat close leaves its resolved GL mapping of the leases (`resolved_for(lease)`: engine
# role -> (mapping field, account), and the segments' names) for the change entries.
MAPPING = "mapping"


@contextmanager
def shared_schedules() -> Iterator[None]:
    """Within the block, a lease's changed schedule is built once for the period's postings."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def changes_in_books(company, period: date) -> dict[int, list[BookedChange]]:
    """Approved changes in the books by `period`, by lease (one flat query, once per posting)."""
    shared = _SHARED.get()
    key = ("in_books", company.pk, period)
    if shared is not None and key in shared:
        return shared[key]
    out: dict[int, list[BookedChange]] = {}
    rows = (
        LeaseChange.objects.filter(
            company=company, status=Status.APPROVED, effective_date__lt=_next(period)
        )
        .order_by("lease_id", "number")
        .values_list(
            "pk",
            "lease_id",
            "number",
            "kind",
            "effective_date",
            "booking_period",
            "details",
            "lease__standard",
            "figures",
        )
    )
    approved = [BookedChange(*row) for row in rows]
    for change in _booked_by(approved, period, before=False):
        out.setdefault(change.lease_id, []).append(change)
    if shared is not None:
        shared[key] = out
    return out


def change_supported(lease: Lease) -> bool:
    """Every active lease takes changes: from commencement, from go-live, or exempt."""
    return True


def _changed_schedule(lease: Lease, changes: list[BookedChange], base=None):
    shared = _SHARED.get()
    key = (lease.pk, tuple(c.pk for c in changes))
    if shared is not None and key in shared:
        return shared[key]
    schedule = changed_schedule(
        lease_base_schedule(lease) if base is None else base,
        [_booked_engine_change(c) for c in changes],
    )
    if shared is not None:
        shared[key] = schedule
    return schedule


def with_changes(lease: Lease, schedule, changes: list[BookedChange]):
    """The lease's schedule followed by its changes (the original schedule is reused)."""
    if not isinstance(schedule, engine.Schedule | GoLiveSchedule | ExemptSchedule):
        raise engine.LeaseTermsError([NOT_SUPPORTED])
    shared = _SHARED.get()
    if shared is not None:
        shared[("lease", lease.pk)] = lease  # loaded with its GL mapping: change_postings reuses it
    return _changed_schedule(lease, changes, base=schedule)


@dataclass
class ChangePostings:
    lines: list[ChangePostingLine] = field(default_factory=list)
    problems: list[PostingProblem] = field(default_factory=list)
    newly_booked: list[int] = field(default_factory=list)  # change ids the close books in P


def _next(period: date) -> date:
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def _net(lines: list[engine.JournalLine], sign: int, into: dict) -> None:
    for line in lines:
        key = (line.role, line.memo)
        into[key] = into.get(key, ZERO) + sign * (line.debit - line.credit)


def _catch_up_totals(now, then, first: int, end: int) -> dict:
    """(role, memo) -> signed amount: what `now` posts for months first..end-1 minus `then`."""
    totals: dict = {}
    for m in range(first, end):
        _net(now.month_lines(m), 1, totals)
        _net(then.month_lines(m), -1, totals)
    return totals


def catch_up_lines(now, then, first: int, end: int) -> list[engine.JournalLine]:
    """The catch-up entry's lines (netted per role and memo; debits equal credits)."""
    lines = []
    for (role, memo), amount in _catch_up_totals(now, then, first, end).items():
        if amount:
            lines.append(
                engine.JournalLine(
                    role,
                    amount if amount > 0 else ZERO,
                    -amount if amount < 0 else ZERO,
                    f"Catch-up: {memo}",
                )
            )
    return lines


def _has_entries(new: list[BookedChange], period: date) -> bool:
    """Whether changes booked in `period` post anything of their own: an ASC 842 index review
    dated in the month posts only variable cost, which is part of the regular entry."""
    for c in new:
        if month_start(c.effective_date) < period:
            return True  # a catch-up
        if not (c.kind == "index" and c.lease_standard == "asc842"):
            return True
    return False


def change_postings(company, period: date) -> ChangePostings:
    """The entries of the changes a close of `period` books: each change's own entry in its month
    and, for a change dated in an earlier (closed) month, one catch-up entry per lease. The
    month's regular lines of leases with changes come from `period_postings`."""
    out = ChangePostings()
    in_books = changes_in_books(company, period)
    new_by_lease = {
        lease_id: [c for c in changes if c.booking_period in (None, period)]
        for lease_id, changes in in_books.items()
    }
    out.newly_booked = [
        c.pk for changes in new_by_lease.values() for c in changes if c.booking_period is None
    ]
    new_by_lease = {k: v for k, v in new_by_lease.items() if v and _has_entries(v, period)}
    if not new_by_lease:
        return out
    defaults = accounting_defaults(company)
    shared = _SHARED.get() or {}
    leases = [shared[("lease", pk)] for pk in new_by_lease if ("lease", pk) in shared]
    missing = [pk for pk in new_by_lease if ("lease", pk) not in shared]
    if missing:
        leases += list(
            leases_with_terms(
                Lease.objects.filter(company=company, status="active", pk__in=missing)
            )
        )
    for lease in leases:
        booked = in_books[lease.pk]
        new = new_by_lease[lease.pk]
        earlier = [c for c in booked if c not in new]
        try:
            if not change_supported(lease):
                raise engine.LeaseTermsError([NOT_SUPPORTED])
            late = [c for c in new if month_start(c.effective_date) < period]
            now = _changed_schedule(lease, booked)
            # What the books hold already: needed only for a catch-up.
            then = changed_schedule(origin(now), [c.as_engine() for c in earlier]) if late else None
        except engine.LeaseTermsError as error:
            out.problems.append(PostingProblem(lease.pk, lease.code, f"Lease change: {error}"))
            continue
        k = months_between(now.start, period)
        drafts: list[tuple[engine.JournalLine, str, str, str, str]] = []
        new_refs = {c.reference for c in new}
        for event, lines in now.event_lines(k) if k >= 0 else []:
            ref = event.change.reference
            if ref not in new_refs:
                continue
            reason = f"{event.label}; lease {lease.code}"
            drafts += [(x, "change", ref, event.change.kind.value, reason) for x in lines]
        if late and then is not None:
            first = min(months_between(now.start, c.effective_date) for c in late)
            names = ", ".join(
                f"{c.reference} {engine.KIND_LABELS[engine.ChangeKind(c.kind)]} "
                f"effective {c.effective_date.isoformat()}"
                for c in late
            )
            reason = (
                f"Catch-up for lease {lease.code}: {names}, for closed months from "
                f"{now.period(first):%b %Y}"
            )
            kind = late[0].kind if len(late) == 1 else "several"
            for line in catch_up_lines(now, then, first, k):
                drafts.append((line, "catch_up", "", kind, reason))
        _map_change_lines(lease, defaults, drafts, out, shared.get(MAPPING))
    return out


def _map_change_lines(
    lease: Lease, defaults, drafts: list, out: ChangePostings, mapping=None
) -> None:
    """Resolve accounts and segments; a lease with an unmapped account posts none of them.

    `mapping`: a flat close's mapping of the same leases (the same rule, resolved once per set
    of overrides) instead of resolving each line through the lease's relations."""
    posting = None
    if mapping is not None and ("lease", lease.pk) in (_SHARED.get() or {}):
        posting, names = mapping.resolved_for(lease)
        segments = dict(zip(SEGMENT_FIELDS.values(), names, strict=True))
    else:
        segments = {f: (mapped_segment(lease, defaults, f) or "") for f in SEGMENT_FIELDS.values()}
    missing: set[str] = set()
    lease_lines = []
    for line, entry_kind, ref, change_kind, reason in drafts:
        if posting is not None:
            field_name, account = posting[line.role]
        else:
            field_name = ACCOUNT_FIELDS[lease_posting_role(lease, line.role)]
            account = mapped_account(lease, defaults, field_name)
        if account is None:
            missing.add(field_name)
            continue
        lease_lines.append(
            ChangePostingLine(
                lease_id=lease.pk,
                lease_code=lease.code,
                lease_name=lease.name,
                subsidiary=lease.subsidiary.name,
                currency=lease.currency,
                role=line.role,
                account_number=account.number,
                account_name=account.name,
                debit=line.debit,
                credit=line.credit,
                memo=line.memo,
                department=str(segments["department"]),
                lease_class=str(segments["lease_class"]),
                location=str(segments["location"]),
                entry_kind=entry_kind,
                entry_ref=ref,
                change_kind=change_kind,
                reason=reason,
            )
        )
    for name in sorted(missing):
        out.problems.append(
            PostingProblem(
                lease.pk,
                lease.code,
                f"No “{ACCOUNT_LABELS[name]}” account is mapped. Set it on the lease or in the "
                "company's GL defaults.",
            )
        )
    if not missing:
        out.lines += lease_lines
