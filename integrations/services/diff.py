"""What NetSuite holds for a period against what our books now say: update, add or remove.

The ledger is the first source: every row sent (`SyncEntry`, status sent) says which lines it put
in NetSuite under which external ID, so folding a period's rows in the order they were sent gives,
per entry key, the lines NetSuite holds. A key's *group* is the entry itself (external ID = key)
plus its reversals (`key:R<version>`) and adjustments (`key:A<version>`); what NetSuite holds for
the key is the sum of the group's lines. The worker confirms the fold with a SuiteQL read-back of
the period's external IDs before it sends anything (`confirm_with_netsuite`): an entry someone
deleted inside NetSuite is added again, and a write whose answer was lost counts as done.

The plan for each key, given our current entry (or none):

- no entry now, NetSuite holds nothing: nothing;
- no entry now: **delete** it (company setting, the entry alone in its group, its NetSuite period
  open), else post a **reversal** of what NetSuite holds, dated in the first open NetSuite period
  on or after the entry's own;
- an entry, NetSuite holds nothing: **add**;
- an entry, NetSuite holds it unchanged: nothing;
- an entry that changed: **update** it in place, unless its NetSuite period is closed or it was
  already reversed or adjusted; then post an **adjustment** of the difference, line by line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from closebooks.models import AccountingPeriod, JournalEntry
from closebooks.selectors import current_entries
from integrations.models import (
    EntryAction,
    EntryStatus,
    NetSuiteRecord,
    RecordType,
    RemovalMethod,
    SyncEntry,
)
from integrations.netsuite.errors import NetSuiteError

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
SEGMENTS = ("account", "department", "class", "location")
REVERSAL, ADJUSTMENT = "R", "A"
KEY_SEPARATOR = ":"  # never in our entry keys (closebooks.keys), so a group is unambiguous


# --- Lines ------------------------------------------------------------------------------------


def entry_lines(entry: JournalEntry) -> list[dict]:
    """A frozen entry's lines in our names, as the ledger stores them."""
    return [
        {
            "account": line.account_number,
            "department": line.department,
            "class": line.lease_class,
            "location": line.location,
            "debit": str(line.debit),
            "credit": str(line.credit),
            "memo": line.memo,
        }
        for line in entry.lines.all()
    ]


def net_of(groups: Iterable[list[dict]]) -> dict[tuple, Decimal]:
    """Debit minus credit per account and segments, over every line given; zeros dropped."""
    net: dict[tuple, Decimal] = {}
    for lines in groups:
        for line in lines:
            where = tuple(line.get(name, "") for name in SEGMENTS)
            amount = Decimal(line.get("debit") or 0) - Decimal(line.get("credit") or 0)
            net[where] = net.get(where, ZERO) + amount
    return {where: amount for where, amount in net.items() if amount}


def lines_from_net(net: dict[tuple, Decimal], memo: str) -> list[dict]:
    """Balanced lines that post exactly `net` (positive: debit, negative: credit)."""
    lines = []
    for where, amount in sorted(net.items()):
        line = dict(zip(SEGMENTS, where, strict=True))
        line.update(
            debit=str(amount if amount > 0 else ZERO),
            credit=str(-amount if amount < 0 else ZERO),
            memo=memo[:300],
        )
        lines.append(line)
    return lines


def debit_total(lines: list[dict]) -> Decimal:
    return sum((Decimal(line.get("debit") or 0) for line in lines), ZERO)


def fingerprint(entry: JournalEntry, lines: list[dict]) -> str:
    """Everything an in-place update would change; equal means nothing to send."""
    header = [entry.subsidiary, entry.currency, entry.tran_date.isoformat(), entry.memo]
    return json.dumps([header, lines], sort_keys=True)


# --- NetSuite's periods -----------------------------------------------------------------------


@dataclass(frozen=True)
class NetSuitePeriod:
    internal_id: str
    name: str
    start: date
    end: date
    closed: bool


@dataclass
class NetSuiteCalendar:
    """NetSuite's posting periods, from a SuiteQL read or our refreshed copy (may be empty)."""

    periods: list[NetSuitePeriod] = field(default_factory=list)

    @classmethod
    def from_copy(cls, company) -> NetSuiteCalendar:
        records = NetSuiteRecord.objects.filter(
            company=company, record_type=RecordType.PERIOD, missing_since__isnull=True
        )
        return cls(
            [
                NetSuitePeriod(
                    r.internal_id,
                    r.key,
                    date.fromisoformat(r.extra["startdate"]),
                    date.fromisoformat(r.extra.get("enddate") or r.extra["startdate"]),
                    bool(r.extra.get("closed") or r.extra.get("alllocked")),
                )
                for r in records
                if r.extra.get("startdate")
                and r.extra.get("isposting", True)
                and not r.extra.get("isadjust")
            ]
        )

    def containing(self, day: date) -> NetSuitePeriod | None:
        return next((p for p in self.periods if p.start <= day <= p.end), None)

    def by_id(self, internal_id: str | None) -> NetSuitePeriod | None:
        return next((p for p in self.periods if p.internal_id == str(internal_id)), None)

    def is_closed(self, day: date | None, internal_id: str | None = None) -> bool:
        period = self.by_id(internal_id) if internal_id else None
        period = period or (self.containing(day) if day else None)
        return bool(period and period.closed)

    def first_open_from(self, day: date) -> NetSuitePeriod | None:
        """The first open posting period that ends on or after `day`."""
        candidates = sorted((p for p in self.periods if not p.closed and p.end >= day), key=_start)
        return candidates[0] if candidates else None


def _start(period: NetSuitePeriod) -> date:
    return period.start


# --- What NetSuite holds (from the ledger) ----------------------------------------------------


@dataclass
class Held:
    """What NetSuite holds for one entry key, folded from the ledger."""

    base_key: str
    base_lines: list[dict] | None = None  # None: the entry itself is not in NetSuite
    base_fingerprint: str = ""
    base_internal_id: str = ""
    base_tran_date: date | None = None
    base_period_id: str = ""  # from the read-back, when confirmed
    journal_entry: JournalEntry | None = None  # the version last sent (or last removed)
    extras: list[SyncEntry] = field(default_factory=list)  # reversals and adjustments sent

    @property
    def net(self) -> dict[tuple, Decimal]:
        groups = [self.base_lines or []] + [extra.lines for extra in self.extras]
        return net_of(groups)

    @property
    def extra_keys(self) -> set[str]:
        return {extra.external_key for extra in self.extras}


def base_key_of(external_key: str) -> str:
    return external_key.split(KEY_SEPARATOR, 1)[0]


def _row_lines(row: SyncEntry) -> list[dict]:
    # Rows written before the ledger kept lines are the entry's own upserts.
    return row.lines or entry_lines(row.journal_entry)


def apply_row(held: dict[str, Held], row: SyncEntry) -> None:
    """Fold one sent ledger row into what NetSuite holds."""
    key = row.base_key or base_key_of(row.external_key)
    state = held.setdefault(key, Held(key))
    if row.action in (EntryAction.ADD, EntryAction.UPDATE):
        state.base_lines = _row_lines(row)
        state.base_fingerprint = fingerprint(row.journal_entry, state.base_lines)
        state.base_internal_id = row.netsuite_internal_id
        state.base_tran_date = row.journal_entry.tran_date
        state.journal_entry = row.journal_entry
    elif row.action == EntryAction.DELETE:
        state.base_lines = None
        state.base_internal_id = ""
        state.journal_entry = row.journal_entry
    else:
        state.extras = [e for e in state.extras if e.external_key != row.external_key] + [row]
        state.journal_entry = row.journal_entry  # a later removal refers to it


def ledger_rows(period: AccountingPeriod, keys: list[str] | None = None):
    """The period's ledger rows of every run, oldest first, with what the fold needs.

    With `keys`, only the rows of those entry keys (their reversals and adjustments included).
    A row carries its own lines; only a row written before the ledger kept them reads its
    entry's lines (`_row_lines`), so they are not prefetched for every row.
    """
    rows = (
        SyncEntry.objects.filter(run__period=period)
        .select_related("journal_entry")
        .order_by("sent_at", "id")
    )
    return rows if keys is None else of_keys(rows, keys)


def of_keys(rows, keys: list[str]):
    """Ledger rows whose entry key is one of `keys` (rows from before base_key: their own key)."""
    return rows.filter(Q(base_key__in=keys) | Q(base_key="", external_key__in=keys))


def held_from_ledger(period: AccountingPeriod, keys: list[str] | None = None) -> dict[str, Held]:
    held: dict[str, Held] = {}
    for row in ledger_rows(period, keys).filter(status=EntryStatus.SENT):
        apply_row(held, row)
    return held


# --- A period a chunk of keys at a time ---------------------------------------------------------

# Entry keys planned at a time: the ledger's rows, our entries and their lines are read for this
# many keys, planned, and let go, so a plan's memory is that of a chunk (and of its steps), not of
# the period's whole ledger. Keys are matched exactly (IN), never by range, so the database's
# collation cannot put a key in another chunk than Python's sort did.
PLAN_CHUNK = 200


def period_keys(period: AccountingPeriod, also: Iterable[str] = ()) -> list[str]:
    """Every entry key of the period, sorted: our current entries', the ledger's, and `also`'s."""
    keys = set(current_entries(period).order_by().values_list("external_key", flat=True).iterator())
    ledger = SyncEntry.objects.filter(run__period=period).values_list("base_key", "external_key")
    for base_key, external_key in ledger.iterator(chunk_size=2000):
        keys.add(base_key or base_key_of(external_key))
    keys.update(base_key_of(key) for key in also)
    return sorted(keys)


def key_chunks(keys: list[str], size: int | None = None) -> Iterator[list[str]]:
    size = size or PLAN_CHUNK
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def entries_of(period: AccountingPeriod, keys: list[str]) -> list[JournalEntry]:
    """Our current entries of these keys, with their lines."""
    return list(
        current_entries(period)
        .filter(external_key__in=keys)
        .prefetch_related("lines")
        .order_by("external_key")
    )


def let_go(entries: list[JournalEntry]) -> None:
    """Drop the entries' prefetched lines once planned.

    Each prefetched line points back at its entry, a cycle that only the cyclic collector frees:
    without this, chunk after chunk would wait for it, and memory would grow with the period.
    """
    for entry in entries:
        getattr(entry, "_prefetched_objects_cache", {}).clear()


# --- The plan ---------------------------------------------------------------------------------


@dataclass
class Step:
    """One write the sync will make, as a ledger row to be."""

    action: str
    base_key: str
    external_key: str
    journal_entry: JournalEntry
    lines: list[dict]
    tran_date: date | None = None
    netsuite_period: str = ""
    note: str = ""

    @property
    def amount(self) -> Decimal:
        return debit_total(self.lines) if self.lines else self.journal_entry.total_debit


@dataclass
class Plan:
    steps: list[Step]
    unchanged: int
    problems: list[str] = field(default_factory=list)

    def count(self, *actions: str) -> int:
        return sum(1 for step in self.steps if step.action in actions)

    @property
    def to_update(self) -> int:
        return self.count(EntryAction.UPDATE, EntryAction.ADJUST)

    @property
    def to_add(self) -> int:
        return self.count(EntryAction.ADD)

    @property
    def to_remove(self) -> int:
        return self.count(EntryAction.DELETE, EntryAction.REVERSE)

    @property
    def reversals_forced(self) -> list[Step]:
        return [s for s in self.steps if s.action == EntryAction.REVERSE and "closed" in s.note]

    @property
    def adjustments(self) -> list[Step]:
        return [s for s in self.steps if s.action == EntryAction.ADJUST]

    def summary(self) -> str:
        parts = [
            f"{n} to {word}"
            for n, word in (
                (self.to_update, "update"),
                (self.to_add, "add"),
                (self.to_remove, "remove"),
            )
            if n
        ]
        return ", ".join(parts) if parts else "nothing to send"


def _free_key(base_key: str, kind: str, version: int, taken: set[str]) -> str:
    """A reversal's or adjustment's own stable key; a second one in a version gets `.2`."""
    key = f"{base_key}{KEY_SEPARATOR}{kind}{version}"
    number = 1
    while key in taken:
        number += 1
        key = f"{base_key}{KEY_SEPARATOR}{kind}{version}.{number}"
    return key


def _elsewhere(calendar: NetSuiteCalendar, day: date) -> tuple[date, str]:
    """The date and name of the first open NetSuite period from `day` on."""
    period = calendar.first_open_from(day)
    if period is None:
        return day, ""
    return max(day, period.start), period.name


def build_plan(
    *,
    period: AccountingPeriod,
    held: dict[str, Held],
    calendar: NetSuiteCalendar,
    removal_method: str,
    entries: list[JournalEntry] | None = None,
    taken_keys: set[str] | None = None,
) -> Plan:
    """Compare our current entries with what NetSuite holds; see the module doc for the rules."""
    version = period.close_version
    ours = {
        e.external_key: e
        for e in (
            entries
            if entries is not None
            else current_entries(period).prefetch_related("lines").order_by("external_key")
        )
    }
    taken = set(taken_keys or ())
    for state in held.values():
        taken |= state.extra_keys
    steps: list[Step] = []
    unchanged = 0
    problems: list[str] = []
    for key in sorted(set(ours) | set(held)):
        entry = ours.get(key)
        state = held.get(key) or Held(key)
        net = state.net
        base_closed = calendar.is_closed(state.base_tran_date, state.base_period_id)
        base_period = calendar.by_id(state.base_period_id) or (
            calendar.containing(state.base_tran_date) if state.base_tran_date else None
        )
        period_name = base_period.name if base_period else ""
        if entry is None:
            alone = state.base_lines is not None and not state.extras
            if removal_method == RemovalMethod.DELETE and alone and not base_closed:
                was = f" (NetSuite #{state.base_internal_id})" if state.base_internal_id else ""
                steps.append(
                    Step(
                        EntryAction.DELETE,
                        key,
                        key,
                        state.journal_entry,
                        [],
                        note=f"Deletes {key}{was}: it is no longer in our books.",
                    )
                )
                continue
            if not net:
                continue  # not in NetSuite, or already reversed: nothing to take out
            day, name = _elsewhere(calendar, state.base_tran_date or period.end)
            why = (
                f"NetSuite's period {period_name} is closed, so it cannot be deleted"
                if base_closed
                else "as the company's setting asks"
                if removal_method == RemovalMethod.REVERSE
                else "it was adjusted before, so it is reversed rather than deleted"
            )
            reversal_key = _free_key(key, REVERSAL, version, taken)
            taken.add(reversal_key)
            steps.append(
                Step(
                    EntryAction.REVERSE,
                    key,
                    reversal_key,
                    state.journal_entry,
                    lines_from_net({k: -v for k, v in net.items()}, f"Reversal of {key}"),
                    tran_date=day,
                    netsuite_period=name,
                    note=f"Reverses {key}"
                    + (f" (NetSuite #{state.base_internal_id})" if state.base_internal_id else "")
                    + f": {why}.",
                )
            )
            continue
        lines = entry_lines(entry)
        own_closed = calendar.is_closed(entry.tran_date)
        if state.base_lines is None and not state.extras and not own_closed:
            steps.append(Step(EntryAction.ADD, key, key, entry, lines))
            continue
        if not state.extras and state.base_lines is not None:
            if fingerprint(entry, lines) == state.base_fingerprint:
                unchanged += 1
                continue
            if not base_closed:
                steps.append(Step(EntryAction.UPDATE, key, key, entry, lines))
                continue
        wanted = net_of([lines])
        difference = {
            where: wanted.get(where, ZERO) - net.get(where, ZERO)
            for where in set(wanted) | set(net)
        }
        difference = {where: amount for where, amount in difference.items() if amount}
        if not difference:
            unchanged += 1
            continue
        day, name = (
            (entry.tran_date, period_name)
            if not base_closed and not own_closed and state.base_lines is not None
            else _elsewhere(calendar, entry.tran_date)
        )
        adjustment_key = _free_key(key, ADJUSTMENT, version, taken)
        taken.add(adjustment_key)
        own = calendar.containing(entry.tran_date)
        why = (
            f"NetSuite's period {period_name} is closed, so the entry cannot be updated there"
            if base_closed
            else f"NetSuite's period {own.name if own else ''} is closed, so the entry cannot "
            "be added there"
            if own_closed and state.base_lines is None
            else "the entry was reversed or adjusted before"
        )
        steps.append(
            Step(
                EntryAction.ADJUST,
                key,
                adjustment_key,
                entry,
                lines_from_net(difference, f"Adjustment of {key}"),
                tran_date=day,
                netsuite_period=name,
                note=f"Adjusts {key} by the difference line by line: {why}.",
            )
        )
    return Plan(steps, unchanged, problems)


def period_plan(period: AccountingPeriod, *, removal_method: str) -> Plan:
    """The plan from the ledger and our copy of NetSuite's periods (no NetSuite call).

    Planned a chunk of keys at a time (`PLAN_CHUNK`): what is kept is the steps.
    """
    calendar = NetSuiteCalendar.from_copy(period.company)
    plan = Plan([], 0)
    for keys in key_chunks(period_keys(period)):
        entries = entries_of(period, keys)
        part = build_plan(
            period=period,
            held=held_from_ledger(period, keys),
            calendar=calendar,
            removal_method=removal_method,
            entries=entries,
        )
        let_go(entries)
        plan.steps += part.steps
        plan.unchanged += part.unchanged
        plan.problems += part.problems
    return plan


def describe_step(step: Step) -> str:
    """One line for the page: what will happen to this entry in NetSuite."""
    if step.action == EntryAction.ADD:
        return "Add"
    if step.action == EntryAction.UPDATE:
        return "Update in place"
    if step.action == EntryAction.DELETE:
        return "Delete in NetSuite"
    where = f" in {step.netsuite_period}" if step.netsuite_period else ""
    kind = "Reversal" if step.action == EntryAction.REVERSE else "Adjustment"
    return f"{kind}{where} dated {step.tran_date:%d %b %Y}"


# --- Confirmed with NetSuite: a SuiteQL read-back by external ID -------------------------------


@dataclass
class Confirmation:
    """The ledger's fold corrected by what NetSuite returned, and rows it proved were written."""

    held: dict[str, Held]
    calendar: NetSuiteCalendar
    in_netsuite: dict[str, tuple[str, str]]  # external ID -> (internal ID, posting period ID)
    proven_sent: list[tuple[SyncEntry, str]]  # rows whose answer was lost, and internal IDs
    missing: list[str]  # keys the ledger says are in NetSuite but are not (deleted there)


def key_prefix(period: AccountingPeriod) -> str | None:
    """`LA-<company>-<YYYYMM>-`, the start shared by every key of the period (closebooks.keys)."""
    key = JournalEntry.objects.filter(period=period).values_list("external_key", flat=True).first()
    if not key:
        return None
    return "-".join(key.split("-")[:3]) + "-"


_PERIOD_COLUMNS = ("id", "periodname", "startdate", "enddate", "closed", "alllocked", "isposting",
                   "isadjust")  # fmt: skip
_CALENDAR_FROM = "FROM accountingperiod WHERE isyear = 'F' AND isquarter = 'F'"
_CALENDAR_QUERY = f"SELECT {', '.join(_PERIOD_COLUMNS)} {_CALENDAR_FROM}"
# Accounts whose SuiteQL refused the one-query read (UNION ALL): read in two from then on.
_read_in_two: set[str] = set()


def _posting_period(row: dict) -> NetSuitePeriod | None:
    """A posting period from an accountingperiod row (None for an adjustment or non-posting one)."""
    from integrations.services.discovery import _flag, _parse_date

    start, end = _parse_date(row.get("startdate")), _parse_date(row.get("enddate"))
    if not start or not _flag(row.get("isposting", "T")) or _flag(row.get("isadjust")):
        return None
    return NetSuitePeriod(
        str(row["id"]),
        str(row.get("periodname") or row["id"]),
        date.fromisoformat(start),
        date.fromisoformat(end or start),
        _flag(row.get("closed")) or _flag(row.get("alllocked")),
    )


def read_netsuite_calendar(client) -> NetSuiteCalendar:
    """NetSuite's posting periods (one SuiteQL query)."""
    periods = [_posting_period(row) for row in client.suiteql(_CALENDAR_QUERY)]
    return NetSuiteCalendar([p for p in periods if p is not None])


def _entries_from(prefix: str) -> str:
    from integrations.services.references import suiteql_literal

    # The only value in the query is quoted by suiteql_literal.
    like = suiteql_literal(prefix + "%")
    return f"FROM transaction WHERE recordtype = 'journalentry' AND externalid LIKE {like}"


class _EntriesRead:
    """Collects the period's entries from SuiteQL rows: external ID -> (internal ID, period ID).

    Each of its few posting periods is kept as one string: a period's read-back is this dict
    only, built page by page, not a list of rows too."""

    def __init__(self) -> None:
        self.in_netsuite: dict[str, tuple[str, str]] = {}
        self._periods: dict[str, str] = {}

    def add(self, row: dict) -> None:
        if row.get("externalid"):
            period_id = str(row.get("postingperiod") or "")
            period_id = self._periods.setdefault(period_id, period_id)
            self.in_netsuite[str(row["externalid"])] = (str(row["id"]), period_id)


def read_netsuite_entries(client, prefix: str) -> dict[str, tuple[str, str]]:
    """Every journal entry of the period in NetSuite: external ID -> (internal ID, period ID)."""
    read = _EntriesRead()
    query = f"SELECT id, externalid, postingperiod {_entries_from(prefix)}"  # noqa: S608
    for row in client.iter_suiteql_rows(query):
        read.add(row)
    return read.in_netsuite


def read_netsuite(client, prefix: str | None) -> tuple[NetSuiteCalendar, dict]:
    """NetSuite's periods and the period's entries: HTTP only, no database (runs in a thread).

    One query (UNION ALL), so the read takes one request and one of the account's slots, not
    two; where NetSuite refuses it, two queries, for the rest of the process's life."""
    if not prefix:
        return read_netsuite_calendar(client), {}
    account = client.credentials.realm
    if account not in _read_in_two:
        try:
            return _read_both(client, prefix)
        except NetSuiteError as error:
            # 400 on the query itself: this account's SuiteQL does not take the compound form.
            if error.status_code != 400 or error.field_path != "q":
                raise
            logger.warning("NetSuite %s refused the one-query read; reading in two", account)
            _read_in_two.add(account)
    return read_netsuite_calendar(client), read_netsuite_entries(client, prefix)


def _read_both(client, prefix: str) -> tuple[NetSuiteCalendar, dict]:
    """The calendar and the entries as one SuiteQL compound query: the first column says which
    a row is, NULLs stand for the other's columns (the columns are named as in the first part)."""
    nulls = ", ".join(["NULL"] * len(_PERIOD_COLUMNS[1:]))
    query = (
        f"SELECT 'P' AS kind, {', '.join(_PERIOD_COLUMNS)}, NULL AS externalid, "
        f"NULL AS postingperiod {_CALENDAR_FROM} UNION ALL "
        f"SELECT 'E', id, {nulls}, externalid, postingperiod {_entries_from(prefix)}"  # noqa: S608
    )
    periods = []
    read = _EntriesRead()
    for row in client.iter_suiteql_rows(query):
        if row.get("kind") == "E":
            read.add(row)
        elif (period := _posting_period(row)) is not None:
            periods.append(period)
    return NetSuiteCalendar(periods), read.in_netsuite


def _row_id(row: SyncEntry) -> int:
    return row.pk


def of_entry_keys(in_netsuite: dict) -> Callable[[list[str]], dict]:
    """NetSuite's entries of a chunk of entry keys, the entries themselves and their reversals
    and adjustments (kept aside, as they are few: no index of every entry is built)."""
    extras: dict[str, list[str]] = {}
    for external_id in in_netsuite:
        if KEY_SEPARATOR in external_id:
            extras.setdefault(base_key_of(external_id), []).append(external_id)

    def chunk(keys: list[str]) -> dict:
        ids = [key for key in keys if key in in_netsuite]
        ids += [extra for key in keys for extra in extras.get(key, ())]
        return {external_id: in_netsuite[external_id] for external_id in ids}

    return chunk


def confirm_with_netsuite(
    period: AccountingPeriod,
    calendar: NetSuiteCalendar,
    in_netsuite: dict,
    keys: list[str] | None = None,
) -> Confirmation:
    """Fold the ledger, then correct it with NetSuite's own list of the period's entries.

    With `keys`, for those entry keys only: `in_netsuite` then holds NetSuite's entries of
    those keys (`of_entry_keys`), and the ledger's rows of other keys are not read.
    """
    rows = list(ledger_rows(period, keys))
    held: dict[str, Held] = {}
    sent_keys: set[str] = set()
    for row in rows:
        if row.status == EntryStatus.SENT:
            apply_row(held, row)
            sent_keys.add(row.external_key)
    missing = []
    for key, state in held.items():
        if state.base_lines is not None and key not in in_netsuite:
            state.base_lines = None  # deleted inside NetSuite: the plan adds it again
            missing.append(key)
        state.extras = [e for e in state.extras if e.external_key in in_netsuite]
        if key in in_netsuite:
            state.base_internal_id, state.base_period_id = in_netsuite[key]
    proven: list[tuple[SyncEntry, str]] = []
    latest = {row.external_key: row for row in sorted(rows, key=_row_id)}  # the newest row
    for external_id, (internal_id, period_id) in in_netsuite.items():
        key = base_key_of(external_id)
        state = held.setdefault(key, Held(key))
        if external_id in sent_keys and (
            state.base_lines is not None or external_id in state.extra_keys
        ):
            continue
        row = latest.get(external_id)
        if row is not None and row.status != EntryStatus.SENT and row.action != EntryAction.DELETE:
            # Written by an attempt whose answer never came back: it counts as sent.
            row.status = EntryStatus.SENT
            row.netsuite_internal_id = internal_id
            apply_row(held, row)
            proven.append((row, internal_id))
        elif external_id == key and state.base_lines is None:
            # In NetSuite, unknown to the ledger: assume the latest version of ours we have.
            entry = (
                JournalEntry.objects.filter(period=period, external_key=key)
                .prefetch_related("lines")
                .order_by("-close_version")
                .first()
            )
            if entry is not None:
                state.base_lines = entry_lines(entry)
                state.base_fingerprint = ""  # content not proven: update it in place
                state.base_tran_date = entry.tran_date
                state.journal_entry = entry
        if external_id == key:
            state.base_internal_id, state.base_period_id = internal_id, period_id
    for row in rows:
        if (
            row.status != EntryStatus.SENT
            and row.action == EntryAction.DELETE
            and latest.get(row.external_key) is row
            and row.external_key not in in_netsuite
            and held.get(row.base_key) is not None
            and held[row.base_key].journal_entry is not None
            and row.external_key in sent_keys
        ):
            # A delete whose answer was lost: the entry is gone, so the delete happened.
            row.status = EntryStatus.SENT
            proven.append((row, ""))
    return Confirmation(held, calendar, in_netsuite, proven, missing)
