"""Books vs schedule: do the closed periods' frozen entries still hold what the schedules say?

A closed period's entries never change. The schedules they were posted from can: a release that
computes a figure differently, or lease data entered differently since. Then a lease's balances
in the frozen entries through the last closed period differ from its schedule's posted balances
at that period's end, and nothing else would say so (the roll-forward's reconciliation shows a
subsidiary's total only). This module compares, per lease and balance:

* **frozen**: the net debit of the closed periods' current entries (every close version's
  latest) on the balance's accounts, through the period;
* **schedule**: what the close posts for those months from the lease's schedule as the close
  builds it (`leases.selectors.lease_schedule`: from commencement, from go-live with its
  opening balances, or exempt; with the approved changes *booked* by the period): the go-live
  entry's lines, then each month's regular lines and change entries from go-live (or from
  commencement) through the period.

A change booked in a later close and dated in a closed month posts the months before as a
catch-up in its booking period, so at the period the books still hold the schedule without
it: compared with that schedule, a change approved but not yet booked (its catch-up waits for
the first open period) is no difference; it is listed apart (`PendingCatchUp`).

Balances are compared, not accounts: the ROU asset's carrying amount (cost less accumulated
amortization, on one account or two), the lease liability (with its current portion, whose
split moves between the two accounts when a change is booked), prepaid rent, deferred / accrued
rent, the restoration provision, an owned asset, the transition adjustment. Balances whose
accounts share one account are one balance. A balance whose account also takes another role's
lines (an expense or clearing account mapped to it) is not compared: its frozen net is not the
schedule's alone. Summary entries carry no lease: where an account of a subsidiary and currency
has lines without a lease, its balances are compared for the subsidiary and currency as a whole.
Amounts are never added across currencies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import F, Sum
from django.db.models.functions import Coalesce

from closebooks.models import AccountingPeriod, JournalLine, PeriodStatus
from leases import engine
from leases.change_selectors import BookedChange, changes_in_books, with_changes
from leases.engine.dates import months_between
from leases.engine.fast import month_posting
from leases.engine.transition import GoLiveSchedule
from leases.models import ACCOUNT_FIELDS, GLAccount, Lease, LeaseStatus, posting_role
from leases.selectors import (
    PostingProblem,
    accounting_defaults,
    company_go_live,
    lease_go_live,
    lease_schedule,
    lease_terms,
)
from reports.subledger import _load

ZERO = Decimal(0)
CENT = Decimal("0.01")
MONEY0 = Decimal("0.00")
Role = engine.AccountRole


@dataclass(frozen=True)
class Balance:
    """A balance-sheet balance the lease entries build: its engine roles and natural side."""

    key: str
    label: str
    roles: frozenset[str]
    credit: bool  # shown as a credit balance (positive when the entries credit it)


BALANCES = (
    Balance(
        "rou",
        "Right-of-use asset",
        frozenset({Role.ROU_ASSET, Role.ACCUMULATED_AMORTIZATION}),
        credit=False,
    ),
    Balance(
        "liability",
        "Lease liability",
        frozenset({Role.LEASE_LIABILITY, Role.CURRENT_LEASE_LIABILITY}),
        credit=True,
    ),
    Balance("prepaid_rent", "Prepaid rent", frozenset({Role.PREPAID_RENT}), credit=False),
    Balance("deferred_rent", "Deferred rent", frozenset({Role.DEFERRED_RENT}), credit=False),
    Balance("provision", "Restoration provision", frozenset({Role.PROVISION}), credit=True),
    Balance("owned_asset", "Owned asset", frozenset({Role.OWNED_ASSET}), credit=False),
    Balance(
        "transition_equity",
        "Transition adjustment (equity)",
        frozenset({Role.TRANSITION_EQUITY}),
        credit=True,
    ),
)
BALANCE_ROLES = frozenset().union(*(b.roles for b in BALANCES))
# The roles the engine's lines carry; the finance set is only where an ASC 842 finance lease's
# ROU asset and liability lines land (`posting_role`), never a line's own role.
ENGINE_ROLES = tuple(
    r for r in Role if r not in (Role.FINANCE_ROU_ASSET, Role.FINANCE_LEASE_LIABILITY)
)


@dataclass(frozen=True)
class Group:
    """One or more balances whose accounts a lease's mapping shares, compared as one."""

    balances: tuple[Balance, ...]
    accounts: frozenset[str]
    comparable: bool  # no other role's lines land on its accounts

    @property
    def label(self) -> str:
        return " + ".join(b.label for b in self.balances)

    @property
    def credit(self) -> bool:
        return self.balances[0].credit

    @property
    def roles(self) -> frozenset[str]:
        return frozenset().union(*(b.roles for b in self.balances))


@dataclass
class Finding:
    """A balance whose frozen entries differ from the schedule by a cent or more."""

    subsidiary: str
    currency: str
    balance: str
    accounts: tuple[str, ...]
    frozen: Decimal  # on the balance's natural side (a liability as a credit)
    schedule: Decimal
    lease_id: int | None = None  # None: a subsidiary and currency compared as a whole
    lease_code: str = ""
    lease_name: str = ""
    leases: int = 1  # leases in the comparison

    @property
    def difference(self) -> Decimal:
        """Frozen entries less the schedule."""
        return self.frozen - self.schedule

    @property
    def by_lease(self) -> bool:
        return self.lease_id is not None


@dataclass(frozen=True)
class PendingCatchUp:
    """An approved change dated in a closed month, not yet booked: its catch-up posts with
    the first open period's close, so it is not a difference in the closed periods."""

    lease_id: int
    lease_code: str
    reference: str
    kind: str
    effective_date: date


@dataclass
class DriftCheck:
    """The comparison at the end of one closed period."""

    period: AccountingPeriod | None
    findings: list[Finding] = field(default_factory=list)
    pending: list[PendingCatchUp] = field(default_factory=list)
    problems: list[PostingProblem] = field(default_factory=list)
    leases_checked: int = 0
    compared: int = 0  # balances compared (a lease's, or a subsidiary and currency's)
    not_compared: int = 0  # balances whose accounts take other roles' lines too

    @property
    def lease_count(self) -> int:
        """Leases with a difference (summary comparisons count each of their leases once)."""
        return len({f.lease_id for f in self.findings if f.by_lease})

    @property
    def pooled(self) -> list[Finding]:
        return [f for f in self.findings if not f.by_lease]


def last_closed_period(company) -> AccountingPeriod | None:
    return (
        AccountingPeriod.objects.filter(company=company, status=PeriodStatus.CLOSED)
        .order_by("-start")
        .first()
    )


# -- the mapping: which account each role lands on, and the balances compared -----------------


class _Mapping:
    """A lease's balance groups, resolved once per distinct set of account overrides."""

    id_fields = tuple(f"{name}_id" for name in ACCOUNT_FIELDS.values())

    def __init__(self, company, defaults) -> None:
        self.defaults = defaults
        self.numbers = dict(GLAccount.objects.filter(company=company).values_list("pk", "number"))
        self.cache: dict[tuple, tuple[Group, ...]] = {}

    def groups(self, lease: Lease) -> tuple[Group, ...]:
        row = lease.__dict__
        key = (lease.standard, lease.classification, *map(row.get, self.id_fields))
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._resolve(lease)
        return found

    def _account(self, lease: Lease, role: Role) -> str | None:
        name = ACCOUNT_FIELDS[
            posting_role(role, standard=lease.standard, classification=lease.classification)
        ]
        pk = getattr(lease, f"{name}_id") or getattr(self.defaults, f"{name}_id")
        return self.numbers.get(pk) if pk is not None else None

    def _resolve(self, lease: Lease) -> tuple[Group, ...]:
        accounts = {role: self._account(lease, role) for role in ENGINE_ROLES}
        # Balances sharing an account are one balance (merged until nothing overlaps).
        merged: list[tuple[list[Balance], set[str]]] = []
        for balance in BALANCES:
            own = {accounts[r] for r in balance.roles if accounts[r] is not None}
            if not own:
                continue
            group = ([balance], own)
            for other in [m for m in merged if m[1] & own]:
                merged.remove(other)
                group = (other[0] + group[0], other[1] | group[1])
            merged.append(group)
        out = []
        for balances, numbers in merged:
            roles = frozenset().union(*(b.roles for b in balances))
            foreign = any(
                number in numbers for role, number in accounts.items() if role not in roles
            )
            ordered = tuple(b for b in BALANCES if b in balances)
            out.append(Group(ordered, frozenset(numbers), comparable=not foreign))
        return tuple(out)


# -- the schedule side -----------------------------------------------------------------------


def _add(totals: dict, lines) -> None:
    for line in lines:
        if line.role in BALANCE_ROLES:
            totals[line.role] += line.debit - line.credit


def schedule_balances(schedule, *, through: date, go_live: date | None) -> dict[str, Decimal]:
    """Net debit per engine role of what the close posts for the lease from `schedule` (built
    with the changes booked by `through`): the go-live entry, then each month's regular lines
    and change entries, from the go-live month (nothing posts before it) through `through`."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    # A lease brought in at go-live (with changes or not) posts its go-live entry first.
    golive = schedule if isinstance(schedule, GoLiveSchedule) else getattr(schedule, "golive", None)
    if isinstance(golive, GoLiveSchedule) and go_live is not None and go_live <= through:
        _add(totals, golive.golive_lines())
    last = months_between(schedule.start, through)
    first = max(months_between(schedule.start, go_live), 0) if go_live is not None else 0
    regular = getattr(schedule, "journal_lines_for_month", None)
    events = getattr(schedule, "event_lines", None)
    for k in range(first, last + 1):
        period = schedule.period(k)
        if regular is not None:
            _add(totals, regular(period))
        else:
            _add(totals, engine.journal_lines_for_month(schedule, period))
        if events is not None:
            for _, lines in events(k):
                _add(totals, lines)
    return totals


def _plain_balances(lease: Lease, through: date) -> dict[str, Decimal]:
    """`schedule_balances` of a lease measured from commencement with no change, from its
    posted balances at the month's end (`fast.month_posting`, what the close posts from):
    the commencement and monthly lines telescope to them."""
    schedule = month_posting(lease_terms(lease), through)
    k = months_between(schedule.start, through)
    if k < 0:
        return {}
    p = schedule.posted()
    inside = k < len(schedule)
    rou = p.rou_closing[k] if inside else ZERO
    liability = p.closing_liability[k] if inside else ZERO
    out = {Role.LEASE_LIABILITY: -liability}
    if schedule.terms.is_operating:  # ASC 842 operating: the ROU asset is credited with the plug
        out[Role.ROU_ASSET] = rou
    else:  # amortization builds up on its contra account
        out[Role.ROU_ASSET] = p.rou
        out[Role.ACCUMULATED_AMORTIZATION] = rou - p.rou
    prepaid = p.components["prepaid_rent"]
    if prepaid:
        out[Role.PREPAID_RENT] = -prepaid
    return out


def _is_plain(lease: Lease, go_live: date | None, changes: list) -> bool:
    """A lease the close posts from `fast.month_posting`: no exemption, no go-live balances, no
    change, no restoration provision (its unwinding has lines of its own)."""
    return (
        not changes
        and not lease.exemption
        and not lease.restoration_estimate
        and not lease.restoration_cost
        and lease_go_live(lease, go_live) is None
    )


# -- the frozen side -------------------------------------------------------------------------


def frozen_balances(company, period: AccountingPeriod, accounts: set[str]) -> dict[tuple, Decimal]:
    """Net debit per (lease id or None, subsidiary, currency, account) of the closed periods'
    current entries through `period`, on these accounts (one grouped query)."""
    rows = (
        JournalLine.objects.filter(
            entry__company=company,
            entry__period__status=PeriodStatus.CLOSED,
            entry__close_version=F("entry__period__close_version"),
            entry__period__start__lte=period.start,
            account_number__in=sorted(accounts),
        )
        .values("entry__lease_id", "entry__subsidiary", "entry__currency", "account_number")
        .order_by()
        .annotate(debit=Coalesce(Sum("debit"), MONEY0), credit=Coalesce(Sum("credit"), MONEY0))
    )
    return {
        (
            r["entry__lease_id"],
            r["entry__subsidiary"],
            r["entry__currency"],
            r["account_number"],
        ): r["debit"] - r["credit"]
        for r in rows
    }


# -- the comparison --------------------------------------------------------------------------


@dataclass
class _LeaseSide:
    lease: Lease
    subsidiary: str
    groups: tuple[Group, ...]
    expected: dict[str, Decimal]  # net debit per engine role


def books_vs_schedule(company, period: AccountingPeriod | None = None) -> DriftCheck:
    """Every active lease's frozen balances against its schedule at the end of `period` (a
    closed period; default: the last one closed)."""
    period = period or last_closed_period(company)
    check = DriftCheck(period=period)
    if period is None or not period.is_closed:
        return check
    go_live = company_go_live(company)
    defaults = accounting_defaults(company)
    company._state.fields_cache["accounting_defaults"] = defaults  # the leases' component split
    mapping = _Mapping(company, defaults)
    in_books = changes_in_books(company, period.start)
    booked: dict[int, list[BookedChange]] = {}
    pending: list[BookedChange] = []
    for lease_id, changes in in_books.items():
        booked[lease_id] = [c for c in changes if c.booking_period is not None]
        pending += [c for c in changes if c.booking_period is None]
    leases = Lease.objects.filter(company=company, status=LeaseStatus.ACTIVE)
    sides: list[_LeaseSide] = []
    for lease in _load(company, leases):
        mine = booked.get(lease.pk, [])
        try:
            if _is_plain(lease, go_live, mine):
                expected = _plain_balances(lease, period.start)
            else:
                schedule = lease_schedule(lease, go_live, defaults=defaults)
                if mine:
                    schedule = with_changes(lease, schedule, mine)
                expected = schedule_balances(schedule, through=period.start, go_live=go_live)
        except engine.LeaseTermsError as error:
            check.problems.append(PostingProblem(lease.pk, lease.code, f"Lease terms: {error}"))
            continue
        sides.append(_LeaseSide(lease, lease.subsidiary.name, mapping.groups(lease), expected))
    check.leases_checked = len(sides)
    codes = {side.lease.pk: side.lease.code for side in sides}
    check.pending = sorted(
        (
            PendingCatchUp(
                c.lease_id,
                codes.get(c.lease_id, ""),
                c.reference,
                engine.KIND_LABELS[engine.ChangeKind(c.kind)],
                c.effective_date,
            )
            for c in pending
            if c.lease_id in codes
        ),
        key=lambda p: (p.lease_code, p.reference),
    )
    accounts = {n for side in sides for g in side.groups for n in g.accounts}
    frozen = frozen_balances(company, period, accounts) if accounts else {}
    check.findings = _compare(sides, frozen, check)
    return check


def _natural(group: Group, net_debit: Decimal) -> Decimal:
    return -net_debit if group.credit else net_debit


def _compare(
    sides: list[_LeaseSide], frozen: dict[tuple, Decimal], check: DriftCheck
) -> list[Finding]:
    # Subsidiary, currency and account with lines of no lease (summary entries): compared as a
    # whole for the subsidiary and currency.
    pooled = {key[1:] for key in frozen if key[0] is None}
    findings: list[Finding] = []
    pools: dict[tuple[str, str], list[tuple[_LeaseSide, Group]]] = defaultdict(list)
    for side in sides:
        lease = side.lease
        for group in side.groups:
            if any((side.subsidiary, lease.currency, n) in pooled for n in group.accounts):
                pools[(side.subsidiary, lease.currency)].append((side, group))
                continue
            if not group.comparable:
                check.not_compared += 1
                continue
            check.compared += 1
            ours = sum((side.expected.get(r, ZERO) for r in group.roles), ZERO)
            books = sum(
                (
                    frozen.get((lease.pk, side.subsidiary, lease.currency, n), ZERO)
                    for n in group.accounts
                ),
                ZERO,
            )
            if abs(books - ours) >= CENT:
                findings.append(
                    Finding(
                        subsidiary=side.subsidiary,
                        currency=lease.currency,
                        balance=group.label,
                        accounts=tuple(sorted(group.accounts)),
                        frozen=_natural(group, books),
                        schedule=_natural(group, ours),
                        lease_id=lease.pk,
                        lease_code=lease.code,
                        lease_name=lease.name,
                    )
                )
    for (subsidiary, currency), members in sorted(pools.items()):
        findings += _compare_pool(subsidiary, currency, members, frozen, check)
    return findings


def _compare_pool(
    subsidiary: str, currency: str, members: list, frozen: dict, check: DriftCheck
) -> list[Finding]:
    """The leases' balances of one subsidiary and currency as a whole, merged where their
    accounts overlap."""
    merged: list[dict] = []
    for side, group in members:
        item = {
            "groups": [group],
            "accounts": set(group.accounts),
            "ours": sum((side.expected.get(r, ZERO) for r in group.roles), ZERO),
            "leases": {side.lease.pk},
        }
        for other in [m for m in merged if m["accounts"] & item["accounts"]]:
            merged.remove(other)
            item["groups"] += other["groups"]
            item["accounts"] |= other["accounts"]
            item["ours"] += other["ours"]
            item["leases"] |= other["leases"]
        merged.append(item)
    out = []
    for item in merged:
        groups = item["groups"]
        if not all(g.comparable for g in groups):
            check.not_compared += 1
            continue
        check.compared += 1
        books = sum(
            (
                amount
                for (_, sub, cur, number), amount in frozen.items()
                if sub == subsidiary and cur == currency and number in item["accounts"]
            ),
            ZERO,
        )
        if abs(books - item["ours"]) < CENT:
            continue
        labels = list(dict.fromkeys(b for g in groups for b in g.balances))
        label = " + ".join(b.label for b in BALANCES if b in labels)
        first = groups[0]
        out.append(
            Finding(
                subsidiary=subsidiary,
                currency=currency,
                balance=label,
                accounts=tuple(sorted(item["accounts"])),
                frozen=_natural(first, books),
                schedule=_natural(first, item["ours"]),
                leases=len(item["leases"]),
            )
        )
    return sorted(out, key=lambda f: f.balance)
