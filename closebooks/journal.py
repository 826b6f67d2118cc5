"""Turn a period's posting lines into journal entries: detail or summary, split at 1,000 lines.

Split rule: an entry never has more than ``MAX_LINES`` lines and every part balances on its own.
Parts are built only from whole balanced groups, never by adding a plug line:

* detail — one entry per lease; a lease's month always balances, so it is one group;
* summary — lines of one subsidiary and currency are summed by (account, department, class,
  location, side). If that is more than ``MAX_LINES`` lines, leases (in code order) are packed
  greedily into parts, each part summed the same way, starting a new part when the next lease
  would take the part past the limit.

Debits and credits are summed separately (never netted), so summary totals equal detail totals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import groupby
from operator import attrgetter

from closebooks.keys import catchup_key, change_key, detail_key, summary_key
from leases.selectors import PostingLine

MAX_LINES = 1000  # NetSuite's limit of lines per journal entry
ZERO = Decimal(0)


@dataclass(slots=True)
class DraftLine:
    """A journal line before it is frozen (a plain slots class: a close builds one per line,
    and a frozen dataclass's __init__ costs twice as much)."""

    account_number: str
    account_name: str
    debit: Decimal
    credit: Decimal
    memo: str = ""
    department: str = ""
    lease_class: str = ""
    location: str = ""
    lease_code: str = ""


@dataclass
class DraftEntry:
    """A journal entry before it is frozen."""

    external_key: str
    subsidiary: str
    currency: str
    memo: str
    lines: list[DraftLine] = field(default_factory=list)
    lease_id: int | None = None
    lease_code: str = ""
    sequence: int = 1
    kind: str = "periodic"  # periodic | change | catch_up (a lease change's own entries)
    change_kind: str = ""  # the engine's ChangeKind for change and catch-up entries
    reason: str = ""  # why a change or catch-up entry exists, shown in the close preview
    tran_date: date | None = None  # None: the period's last day (the go-live entry: its first)

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)


class SplitError(ValueError):
    """A single balanced group is larger than a journal entry may be."""


def _draft_line(line: PostingLine) -> DraftLine:
    return DraftLine(
        line.account_number,
        line.account_name,
        line.debit,
        line.credit,
        line.memo,
        line.department,
        line.lease_class,
        line.location,
        line.lease_code,
    )


_LEASE_ORDER = attrgetter("lease_code", "lease_id")
_LEASE = attrgetter("lease_id")


def _by_lease(lines: Iterable[PostingLine]) -> list[list[PostingLine]]:
    """Lines grouped per lease, leases in code order, each lease's lines in engine order."""
    ordered = sorted(lines, key=_LEASE_ORDER)
    return [list(group) for _, group in groupby(ordered, key=_LEASE)]


def _aggregate_key(line: PostingLine) -> tuple:
    side = "D" if line.debit > 0 else "C"
    return (line.account_number, line.department, line.lease_class, line.location, side)


def _aggregate(leases: list[list[PostingLine]], label: str) -> list[DraftLine]:
    """Sum lines by account, segments and side, in a fixed order."""
    totals: dict[tuple, list] = {}
    for lease_lines in leases:
        for line in lease_lines:
            slot = totals.setdefault(_aggregate_key(line), [line.account_name, ZERO, ZERO])
            slot[1] += line.debit
            slot[2] += line.credit
    return [
        DraftLine(
            account_number=key[0],
            account_name=name,
            debit=debit,
            credit=credit,
            memo=f"Lease accounting {label}",
            department=key[1],
            lease_class=key[2],
            location=key[3],
        )
        for key, (name, debit, credit) in sorted(totals.items(), key=lambda item: item[0])
    ]


def _pack(leases: list[list[PostingLine]], limit: int) -> list[list[list[PostingLine]]]:
    """Greedy, order-preserving packing of whole leases so each part sums to ≤ limit lines."""
    parts: list[list[list[PostingLine]]] = []
    current: list[list[PostingLine]] = []
    keys: set[tuple] = set()
    for lease_lines in leases:
        lease_keys = {_aggregate_key(line) for line in lease_lines}
        if len(lease_keys) > limit:
            raise SplitError(
                f"Lease {lease_lines[0].lease_code} alone has more than {limit} journal lines."
            )
        if current and len(keys | lease_keys) > limit:
            parts.append(current)
            current, keys = [], set()
        current.append(lease_lines)
        keys |= lease_keys
    if current:
        parts.append(current)
    return parts


def detail_entries(
    lines: Iterable[PostingLine],
    *,
    company_id: int,
    period: date,
    label: str,
    limit: int = MAX_LINES,
) -> list[DraftEntry]:
    """One entry per lease, memo naming the lease; a lease never needs splitting in practice."""
    entries = []
    for lease_lines in _by_lease(lines):
        first = lease_lines[0]
        if len(lease_lines) > limit:
            raise SplitError(f"Lease {first.lease_code} alone has more than {limit} lines.")
        entries.append(
            DraftEntry(
                external_key=detail_key(
                    company_id=company_id, period=period, lease_code=first.lease_code
                ),
                subsidiary=first.subsidiary,
                currency=first.currency,
                memo=f"Lease {first.lease_code} {first.lease_name} · {label}"[:300],
                lines=[_draft_line(line) for line in lease_lines],
                lease_id=first.lease_id,
                lease_code=first.lease_code,
            )
        )
    return entries


def summary_entries(
    lines: Iterable[PostingLine],
    *,
    company_id: int,
    period: date,
    label: str,
    limit: int = MAX_LINES,
) -> list[DraftEntry]:
    """One entry per subsidiary and currency, split on lease boundaries past the line limit."""
    ordered = sorted(lines, key=lambda line: (line.subsidiary, line.currency))
    entries = []
    for (subsidiary, currency), group in groupby(
        ordered, key=lambda line: (line.subsidiary, line.currency)
    ):
        leases = _by_lease(group)
        whole = _aggregate(leases, label)
        parts = (
            [whole]
            if len(whole) <= limit
            else [_aggregate(part, label) for part in _pack(leases, limit)]
        )
        for sequence, part_lines in enumerate(parts, start=1):
            part = sequence if len(parts) > 1 else None
            suffix = f" (part {sequence} of {len(parts)})" if part else ""
            entries.append(
                DraftEntry(
                    external_key=summary_key(
                        company_id=company_id,
                        period=period,
                        subsidiary=subsidiary,
                        currency=currency,
                        part=part,
                    ),
                    subsidiary=subsidiary,
                    currency=currency,
                    memo=f"Lease accounting {label} · {subsidiary} {currency}{suffix}"[:300],
                    lines=part_lines,
                    sequence=sequence,
                )
            )
    return entries


def build_entries(
    lines: Iterable[PostingLine], *, granularity: str, company_id: int, period: date, label: str
) -> list[DraftEntry]:
    """The entries of a period in the company's granularity; lease changes get their own."""
    lines = list(lines)
    regular = [x for x in lines if getattr(x, "entry_kind", "periodic") == "periodic"]
    builder = summary_entries if granularity == "summary" else detail_entries
    entries = builder(regular, company_id=company_id, period=period, label=label)
    return change_entries(lines, company_id=company_id, period=period, label=label) + entries


def change_entries(
    lines: Iterable[PostingLine], *, company_id: int, period: date, label: str
) -> list[DraftEntry]:
    """One entry per lease change posted in the month and one catch-up per lease (any granularity:
    an auditor ties each to its change)."""
    groups: dict[tuple, list] = {}
    for line in lines:
        kind = getattr(line, "entry_kind", "periodic")
        if kind != "periodic":
            groups.setdefault((line.lease_code, line.lease_id, kind, line.entry_ref), []).append(
                line
            )
    entries = []
    for (code, lease_id, kind, ref), group in sorted(
        groups.items(), key=lambda g: g[0][:1] + g[0][2:]
    ):
        first = group[0]
        if kind == "change":
            key = change_key(company_id=company_id, period=period, lease_code=code, reference=ref)
            memo = f"Lease change {ref} · lease {code} · {first.reason} · {label}"
        else:
            key = catchup_key(company_id=company_id, period=period, lease_code=code)
            memo = f"Catch-up · {first.reason} · booked in {label}"
        entries.append(
            DraftEntry(
                external_key=key,
                subsidiary=first.subsidiary,
                currency=first.currency,
                memo=memo[:300],
                lines=[_draft_line(line) for line in group],
                lease_id=lease_id,
                lease_code=code,
                kind=kind,
                change_kind=first.change_kind,
                reason=first.reason,
            )
        )
    return entries
