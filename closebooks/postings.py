"""The lines a close posts, read flat and computed one month at a time.

`close_postings_flat(company, start)` returns exactly what `closebooks.changes.close_postings`
returns (the reference path, still used by the preview), faster on a large portfolio:

* one query per table (leases, payment streams, rent steps, incentives, accounts, segments,
  subsidiaries) instead of the ORM's prefetch, which builds every related object through its
  descriptors; payment streams, steps and incentives are plain rows;
* each lease's liability is still measured over its whole term, but only the month being
  closed (and the twelve after it, for the current-portion split) is rounded for posting
  (`leases.engine.fast.month_schedule`);
* the stored lease goes through the same `lease_terms`, line and GL-mapping functions as the
  reference path, so the lines and the problems are the same, in the same order.

Leases the flat reader does not cover take the reference path, lease by lease: leases with
approved changes in the books, exempt leases, leases brought in at go-live, and leases whose
payments are split between lease and non-lease components. A month before go-live posts nothing,
as in the reference.
"""

from __future__ import annotations

import copy
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from operator import attrgetter, itemgetter
from types import SimpleNamespace
from typing import Protocol

from django.db.models.base import ModelState

from closebooks.changes import ClosePostings
from leases import engine
from leases.change_selectors import (
    _SHARED,
    MAPPING,
    change_postings,
    changes_in_books,
    shared_schedules,
    with_changes,
)
from leases.engine.changes import ChangedSchedule
from leases.engine.dates import month_start
from leases.engine.exemptions import ExemptSchedule
from leases.engine.fast import month_posting, month_schedule
from leases.engine.fast_changes import (
    IndexReviewRemeasured,
    ReviewMonth,
    month_index_review,
    month_index_review_stored,
)
from leases.models import (
    ACCOUNT_FIELDS,
    ACCOUNT_LABELS,
    SEGMENT_FIELDS,
    AccountingDefaults,
    GLAccount,
    Lease,
    LeaseIncentive,
    LeaseOpeningBalance,
    LeasePayment,
    LeaseStatus,
    RentStep,
    Segment,
    Subsidiary,
    posting_role,
)
from leases.selectors import (
    PostingLine,
    PostingProblem,
    _month_lines,
    company_go_live,
    current_split_lines,
    lease_go_live,
    lease_schedule,
    lease_terms,
    non_lease_lines,
    variable_lines_by_lease,
)

MAPPING_FIELDS = [*ACCOUNT_FIELDS.values(), *SEGMENT_FIELDS.values()]
# A lease's standard, classification and mapping overrides: what its accounts depend on, read
# from the row the lease was built from (a foreign key's `_id` attribute is a descriptor).
_mapping_key = itemgetter("standard", "classification", *[f"{f}_id" for f in MAPPING_FIELDS])
SEGMENT_NAMES = set(SEGMENT_FIELDS.values())
# Each mapping field, its column, and whether it names a segment (else an account).
_MAPPING_COLUMNS = [(f, f"{f}_id", f in SEGMENT_NAMES) for f in MAPPING_FIELDS]
PROGRESS_EVERY = 500
# A streamed close sends its regular lines every this many leases: fewer, larger parts wake its
# writer thread less often (each wake-up takes Python's lock from the computing thread, which
# cost more than the overlap gained on a machine with no idle core: 500-lease parts were 0.1 s
# slower than no streaming there, 1,250-lease parts 0.2 s faster).
PART_LEASES = 1250
# The lease columns a close reads: not its description, landlord or the times and people of its
# activation, last edit and pending changes (read, a Lease built without one would fetch it).
_NOT_POSTED = {
    "description",
    "landlord",
    "activated_at",
    "activated_by",
    "changes_pending_since",
    "changes_pending_by",
    "created_at",
    "updated_at",
}
_LEASE_COLUMNS = [f.attname for f in Lease._meta.concrete_fields if f.name not in _NOT_POSTED]


class _Rows(list):
    """Rows standing in for a related manager: `lease.payments.all()` reads them."""

    def all(self) -> _Rows:
        return self


def _grouped(rows, key: str, extra=None) -> dict[int, _Rows]:
    out: dict[int, _Rows] = {}
    for row in rows:
        item = SimpleNamespace(**row, **(extra(row) if extra else {}))
        out.setdefault(row[key], _Rows()).append(item)
    return out


def _lease(row, db: str) -> Lease:
    """A Lease from its row (a dict, or (column, value) pairs), as `Model.from_db` builds it,
    without a descriptor per field."""
    lease = Lease.__new__(Lease)
    lease.__dict__.update(row)
    lease._state = ModelState()
    lease._state.adding = False
    lease._state.db = db
    return lease


class RegularSink(Protocol):
    """Where a streamed close sends the regular lines while it computes the next leases."""

    def begin(self, *, leases: int, change_entries_at_most: int) -> None:
        """Told once, before the first lease is computed."""

    def leases(self, lines: list[PostingLine]) -> None:
        """The regular lines of the next `PART_LEASES` leases (or fewer, the last ones), in
        lease code order, each lease's lines in engine order."""


def close_postings_flat(
    company, start: date, *, progress=None, sink: RegularSink | None = None
) -> ClosePostings:
    """`close_postings(company, start)`, read with one query per table and one month computed.

    `progress(done, total)` is told every `PROGRESS_EVERY` leases. With a `sink`, the leases are
    computed in code order and their regular lines go to it every `PART_LEASES` leases, until
    a lease has a problem (the close is refused then: nothing more is sent), instead of being
    returned: the returned lines are the change entries' alone. The problems are returned in
    the same order either way."""
    go_live = company_go_live(company)
    # The collector resumes only after the shared schedules are freed: its first pass then walks
    # what the close keeps (the lines), not every schedule built for the month.
    with no_cycle_collection(), shared_schedules():
        changed = changes_in_books(company, start)
        if go_live is not None and start < go_live:
            regular_lines, regular_problems = [], []
        else:
            regular_lines, regular_problems = _regular(
                company, start, go_live, changed, progress or (lambda done, total: None), sink
            )
        changes = change_postings(company, start)
    return ClosePostings(
        lines=[*changes.lines, *regular_lines],
        problems=[*regular_problems, *changes.problems],
        newly_booked=changes.newly_booked,
    )


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while the month is computed: the schedules kept for the
    change entries grow with the portfolio, and every full collection walked all of them again
    (a tenth of a close with changes). Nothing computed here needs collecting before the end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _regular(
    company, start: date, go_live, changed, progress, sink: RegularSink | None = None
) -> tuple[list, list]:
    """Every active lease's regular lines and problems, in lease order (the reference order);
    with a `sink`, the lines go to it instead (`close_postings_flat`)."""
    active = Lease.objects.filter(company=company, status=LeaseStatus.ACTIVE)
    leases = [
        _lease(zip(_LEASE_COLUMNS, row, strict=True), active.db)
        for row in active.values_list(*_LEASE_COLUMNS)
    ]
    by_lease: dict[int, tuple[list, list]] = {}
    if sink is not None:
        _streamed(company, start, active, leases, by_lease, go_live, changed, progress, sink)
    elif leases:
        _flat_postings(company, start, active, leases, by_lease, go_live, changed, progress)
    lines: list[PostingLine] = []
    problems: list[PostingProblem] = []
    for lease in leases:
        lease_lines, lease_problems = by_lease.get(lease.id, ((), ()))
        lines.extend(lease_lines)
        problems.extend(lease_problems)
    return lines, list(dict.fromkeys(problems))


# The order detail entries take (`closebooks.journal`): a streamed close computes in it.
_CODE_ORDER = attrgetter("code", "id")


def _streamed(company, start, active, leases, by_lease, go_live, changed, progress, sink) -> None:
    """`_flat_postings` in lease code order, each `PART_LEASES` leases' lines sent to the
    sink (and dropped here) as soon as they are computed, while no lease has a problem."""
    in_code_order = sorted(leases, key=_CODE_ORDER)
    sink.begin(leases=len(leases), change_entries_at_most=_change_entries_at_most(changed, start))
    refused = False

    def computed(done: list[Lease]) -> None:
        nonlocal refused
        lines: list[PostingLine] = []
        for lease in done:
            lease_lines, problems = by_lease.get(lease.id, ((), ()))
            refused = refused or bool(problems)
            lines.extend(lease_lines)
            by_lease[lease.id] = ((), problems)
        if not refused:
            sink.leases(lines)

    if leases:
        _flat_postings(
            company, start, active, in_code_order, by_lease, go_live, changed, progress, computed
        )


def _change_entries_at_most(changed: dict, start: date) -> int:
    """How many change and catch-up entries the close can post (`change_postings`): one per
    change booked in the month, and one catch-up per lease."""
    most = 0
    for changes in changed.values():
        new = sum(1 for c in changes if c.booking_period is None or c.booking_period == start)
        most += new + 1 if new else 0
    return most


def _flat_postings(
    company,
    start: date,
    active,
    leases: list[Lease],
    by_lease: dict,
    go_live: date | None,
    changed: dict,
    progress=None,
    computed: Callable[[list[Lease]], None] | None = None,
) -> None:
    """The month's lines of every active lease, into `by_lease`; `computed(leases)` is told
    after every `PART_LEASES` leases and after the last (the leases just computed)."""
    steps = _grouped(
        RentStep.objects.filter(payment__lease__in=active).order_by("effective").values(),
        "payment_id",
    )
    payments = _grouped(
        LeasePayment.objects.filter(lease__in=active).order_by("pk").values(),
        "lease_id",
        lambda row: {"steps": steps.get(row["id"], _Rows())},
    )
    incentives = _grouped(
        LeaseIncentive.objects.filter(lease__in=active).order_by("pk").values(), "lease_id"
    )
    accounts = {a.pk: a for a in GLAccount.objects.filter(company=company)}
    segments = {s.pk: s for s in Segment.objects.filter(company=company)}
    subsidiaries = {s.pk: s for s in Subsidiary.objects.filter(company=company)}
    defaults = _defaults(company, accounts, segments)
    # The leases' company, with what `lease.company.accounting_defaults` reads (split
    # components) already there: a copy, so the caller's company keeps no stale row.
    lease_company = copy.copy(company)
    if defaults.pk is not None:
        lease_company._state.fields_cache["accounting_defaults"] = defaults
    openings = {}
    if go_live is not None:
        # Opening balances of the leases that commenced before go-live (one query).
        early = active.filter(commencement_date__lt=go_live)
        openings = {o.lease_id: o for o in LeaseOpeningBalance.objects.filter(lease__in=early)}
    variable = variable_lines_by_lease(active, start)  # a superset: read for these leases only
    mapping = _Mapping(defaults, accounts, segments)
    shared = _SHARED.get()
    if shared is not None:
        shared[MAPPING] = mapping  # `change_postings` maps the change entries with it

    def own_accounts(lease: Lease) -> None:
        """Change entries and catch-ups map the lease's own accounts through its relations."""
        row, cache = lease.__dict__, lease._state.fields_cache
        for field, column, segment in _MAPPING_COLUMNS:
            pk = row[column]
            found = (segments if segment else accounts).get(pk)
            if pk is None or found is not None:
                cache[field] = found

    total = len(leases)
    for number, lease in enumerate(leases):
        if computed is not None and number and number % PART_LEASES == 0:
            computed(leases[number - PART_LEASES : number])
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number, total)
        # What the reference path's select_related and prefetch_related would have loaded.
        lease._prefetched_objects_cache = {
            "payments": payments.get(lease.id, _Rows()),
            "incentives": incentives.get(lease.id, _Rows()),
        }
        cache = lease._state.fields_cache
        cache["company"] = lease_company
        cache["subsidiary"] = subsidiaries[lease.subsidiary_id]
        cache["opening"] = openings.get(lease.id)
        lease_changes = changed.get(lease.id)
        try:
            schedule = None
            if lease_changes is not None:
                schedule = _stored_review(lease, lease_changes, start, go_live, own_accounts)
            if schedule is None:
                schedule = _schedule(lease, start, go_live, defaults, lease_changes is None)
            if lease_changes is not None and not isinstance(schedule, ReviewMonth):
                # Only the months up to the close are read from the changed schedule.
                schedule = _with_changes(lease, schedule, lease_changes, start, own_accounts)
        except engine.LeaseTermsError as error:
            by_lease[lease.id] = (
                [],
                [PostingProblem(lease.id, lease.code, f"Lease terms: {error}")],
            )
            continue
        month = (
            (
                schedule.journal_lines_for_month(start)
                if isinstance(schedule, ReviewMonth)
                else _month_lines(schedule, start)
            )
            + non_lease_lines(lease, start)
            + variable.get(lease.id, [])
        )
        if defaults.post_current_split and not isinstance(schedule, ExemptSchedule):
            month += current_split_lines(_split_view(schedule), start)
        by_lease[lease.id] = mapping.lines(lease, month)
    if computed is not None and total:
        computed(leases[(total - 1) // PART_LEASES * PART_LEASES :])


def _booked_now(changes: list, start: date) -> tuple[bool, bool]:
    """(whether a change is booked in this close, whether one of those is for an earlier month:
    a catch-up over the months before)."""
    booked_now = late = False
    for c in changes:
        if c.booking_period is None or c.booking_period == start:
            booked_now = True
            late = late or month_start(c.effective_date) < start
    return booked_now, late


def _stored_review(lease: Lease, changes: list, start: date, go_live: date | None, own_accounts):
    """The month of an IFRS 16 lease whose one index review kept, when approved, the original
    schedule's balances before it (`fast_changes.review_figures`): the review's month path
    without measuring the original schedule again. None when the figures are missing (older
    rows), were computed for other terms, or the lease takes another path: the caller measures
    the schedule then."""
    if (
        len(changes) != 1
        or not changes[0].figures
        or lease.standard != "ifrs16"
        or lease.exemption
        or lease_go_live(lease, go_live) is not None
    ):
        return None
    booked_now, late = _booked_now(changes, start)
    if late:
        return None
    terms = lease_terms(lease)
    fast = month_index_review_stored(terms, [changes[0].as_engine()], start, changes[0].figures)
    if fast is not None:
        _keep_for_entries(lease, changes, fast, booked_now, own_accounts)
    return fast


def _with_changes(lease: Lease, schedule, changes: list, start: date, own_accounts):
    """`with_changes`, or for a lease whose one change is an index review, just the month being
    closed (`leases.engine.fast_changes`): the same lines, entries and balances. A review booked
    now for an earlier month posts a catch-up over the months before, so it takes the
    reference path. `own_accounts(lease)` readies a lease that `change_postings` will map."""
    booked_now, late = _booked_now(changes, start)
    fast = None if late else month_index_review(schedule, [c.as_engine() for c in changes], start)
    if fast is None:
        own_accounts(lease)
        return with_changes(lease, schedule, changes)
    _keep_for_entries(lease, changes, fast, booked_now, own_accounts)
    return fast


def _keep_for_entries(lease: Lease, changes: list, fast, booked_now: bool, own_accounts) -> None:
    shared = _SHARED.get()
    # Booked now, an IFRS 16 review posts its own entry: `change_postings` finds the lease and
    # its month where `with_changes` leaves them: only that entry, not the schedules behind it
    # (kept to the end of the close, thousands of schedules cost more memory than computing).
    # Nothing else is kept (an ASC 842 review in its month posts no entry of its own).
    if shared is not None and booked_now and isinstance(fast, IndexReviewRemeasured):
        own_accounts(lease)
        shared[("lease", lease.pk)] = lease
        shared[(lease.pk, tuple(c.pk for c in changes))] = fast.entry_only()


def _schedule(
    lease: Lease, start: date, go_live: date | None, defaults: AccountingDefaults, alone: bool
):
    """`lease_schedule`, with a lease measured from commencement posted for one month only;
    `alone` (no changes built on it): rounded only where that month reads it."""
    if lease.exemption or lease_go_live(lease, go_live) is not None:
        return lease_schedule(lease, go_live, defaults=defaults)
    terms = lease_terms(lease)
    return month_posting(terms, start) if alone else month_schedule(terms, start)


class _Closing:
    """A changed schedule's posted closing liabilities, month by month as they are read."""

    def __init__(self, schedule: ChangedSchedule | ReviewMonth) -> None:
        self.schedule = schedule

    def __len__(self) -> int:
        return len(self.schedule)

    def __getitem__(self, k: int):
        return self.schedule.closing_liability_at(k)


def _split_view(schedule):
    """What `current_split_lines` reads of the schedule: a changed schedule's thirteen months
    are read one by one instead of building all of its posted months."""
    if not isinstance(schedule, ChangedSchedule | ReviewMonth):
        return schedule
    closing = _Closing(schedule)
    return SimpleNamespace(
        start=schedule.start, posted=lambda: SimpleNamespace(closing_liability=closing)
    )


def _defaults(company, accounts: dict, segments: dict) -> AccountingDefaults:
    """The company's GL defaults (`accounting_defaults`) without joining every mapped account:
    the accounts and segments read already fill its relations."""
    found = AccountingDefaults.objects.filter(company=company).first()
    if found is None:
        return AccountingDefaults(company=company)
    cache = found._state.fields_cache
    for field in ACCOUNT_FIELDS.values():
        pk = getattr(found, f"{field}_id")
        cache[field] = accounts.get(pk) if pk is not None else None
    for field in SEGMENT_FIELDS.values():
        pk = getattr(found, f"{field}_id")
        cache[field] = segments.get(pk) if pk is not None else None
    return found


class _Mapping:
    """`leases.selectors._map_lines` for many leases: a lease's accounts and segments are
    resolved once per distinct set of overrides, standard and classification."""

    def __init__(self, defaults: AccountingDefaults, accounts: dict, segments: dict) -> None:
        self.defaults = defaults
        self.accounts = accounts
        self.segments = segments
        self.resolved: dict[tuple, tuple[dict, tuple[str, str, str]]] = {}
        # For `lines`: per key, engine role -> (account number, account name) or None, beside
        # `resolved_for`'s answer (the number and name read once, not once per line).
        self.numbered: dict[tuple, tuple[dict, dict, tuple[str, str, str]]] = {}

    def _resolve(self, lease: Lease, key: tuple) -> tuple[dict, tuple[str, str, str]]:
        d = self.defaults
        # mapped_account / mapped_segment: the lease's own choice, else the company default.
        own: dict[str, object] = {}
        for field in MAPPING_FIELDS:
            pk = getattr(lease, f"{field}_id")
            if pk is not None:
                found = (self.segments if field in SEGMENT_NAMES else self.accounts).get(pk)
                own[field] = found or getattr(lease, field)  # not the company's: read it
        posting = {}
        # Every engine role: some (the provision's unwinding) post to another role's account.
        for role in engine.AccountRole:
            field = ACCOUNT_FIELDS[posting_role(role, standard=key[0], classification=key[1])]
            posting[role] = (field, own.get(field) or getattr(d, field))
        names = [str(own.get(f) or getattr(d, f) or "") for f in SEGMENT_FIELDS.values()]
        return posting, (names[0], names[1], names[2])

    def resolved_for(self, lease: Lease) -> tuple[dict, tuple[str, str, str]]:
        """(engine role -> (mapping field, account or None), the segments' names)."""
        key = _mapping_key(lease.__dict__)
        resolved = self.resolved.get(key)
        if resolved is None:
            resolved = self.resolved[key] = self._resolve(lease, key)
        return resolved

    def lines(self, lease: Lease, engine_lines: list) -> tuple[list, list]:
        """The lease's posting lines, or none and one problem per unmapped account."""
        key = _mapping_key(lease.__dict__)
        found = self.numbered.get(key)
        if found is None:
            posting, names = self.resolved_for(lease)
            numbers = {
                role: None if account is None else (account.number, account.name)
                for role, (_, account) in posting.items()
            }
            found = self.numbered[key] = (numbers, posting, names)
        numbers, posting, (department, lease_class, location) = found
        subsidiary = lease.subsidiary.name
        lease_id, code, name, currency = lease.id, lease.code, lease.name, lease.currency
        out = []
        append = out.append
        missing: set[str] = set()
        for line in engine_lines:
            role = line.role
            account = numbers[role]
            if account is None:
                missing.add(posting[role][0])
                continue
            append(
                PostingLine(
                    lease_id,
                    code,
                    name,
                    subsidiary,
                    currency,
                    role,
                    account[0],
                    account[1],
                    line.debit,
                    line.credit,
                    line.memo,
                    department,
                    lease_class,
                    location,
                )
            )
        if missing:
            # A lease with any unmapped line contributes nothing: a partial entry would not
            # balance (the same rule and words as the reference path).
            return [], [
                PostingProblem(
                    lease.id,
                    lease.code,
                    f"No “{ACCOUNT_LABELS[field]}” account is mapped. Set it on the lease "
                    "or in the company's GL defaults.",
                )
                for field in sorted(missing)
            ]
        return out, []
