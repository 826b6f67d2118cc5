"""The tie-out: read a synced period back from NetSuite with SuiteQL and compare it with our books.

What is read (SuiteQL, paged, one table per query as the Records Catalog names them):
* ``accountingperiod`` — the posting period of the period's last day;
* ``transaction`` — every journal in that posting period (ours carry our external IDs);
* ``transactionaccountingline`` — their posted lines (account, debit, credit, amount);
* ``transactionline`` — the subsidiary of each transaction;
* ``account`` / ``subsidiary`` — internal IDs of our account numbers and subsidiary names;
* the balance of each lease account per subsidiary as of the period's end: the sum of posted
  accounting lines of any transaction type, joined to ``transaction`` (posting period) and
  ``transactionline`` (subsidiary), over the posting periods from go-live through the period.

Findings: our entries deleted or changed in NetSuite, amounts that differ, journals others posted
to our lease accounts, and lease-account balances per subsidiary that no longer agree with our
trial balance. Our books start at go-live, so balances are movements since go-live on both sides:
what NetSuite held before (a previous system's opening balances) is not compared.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Min
from django.utils import timezone

from audit.services import audit_record
from closebooks.models import AccountingPeriod, JournalEntry, JournalLine, PeriodStatus
from integrations.models import EntryStatus, NetSuiteConnection, SyncEntry
from integrations.netsuite.errors import NetSuiteError, QueryTooLargeError
from integrations.services.connection import netsuite_client
from integrations.services.references import (
    ReferenceResolver,
    UnresolvedReferenceError,
    suiteql_literal,
)
from integrations.services.sync import pinned_internal_ids, reference_mappings
from reports.models import FindingKind, TieOut, TieOutFinding, TieOutStatus, TieOutTrigger
from reports.selectors import trial_balance

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")
PAGE_SIZE = 1000  # NetSuite's largest page
MAX_ROWS = 100_000  # NetSuite answers at most this many rows for one query
ID_BATCH = 1000  # internal IDs per IN (…) list: Oracle's limit of expressions in a list


class TieOutNotPossible(Exception):
    """The tie-out cannot run; `user_message` says why and what to do."""

    def __init__(self, user_message: str) -> None:
        self.user_message = user_message
        super().__init__(user_message)


def _enqueue(tieout_id: int) -> None:
    from reports.tasks import tieout_task

    tieout_task.delay(tieout_id)


def sent_entries(period: AccountingPeriod) -> dict[int, SyncEntry]:
    """The latest successful send of each current entry of the period, by journal entry id."""
    sent: dict[int, SyncEntry] = {}
    rows = SyncEntry.objects.filter(
        run__period=period,
        journal_entry__close_version=period.close_version,
        status=EntryStatus.SENT,
    ).order_by("journal_entry_id", "-sent_at", "-id")
    for row in rows:
        sent.setdefault(row.journal_entry_id, row)
    return sent


def tieout_refusal(period: AccountingPeriod) -> str:
    """Why the period cannot be tied out now (what to do first), or "" when it can."""
    if not period.is_closed:
        return f"{period.label} is not closed: close it and sync it first."
    connection = NetSuiteConnection.objects.filter(company=period.company, enabled=True).first()
    if connection is None or not connection.has_credentials():
        return "NetSuite is not connected for this company, so there is nothing to compare with."
    if not sent_entries(period):
        return f"No entry of {period.label} is in NetSuite yet: press Sync on Closed Periods first."
    return ""


def tieout_start(
    *,
    period: AccountingPeriod,
    actor=None,
    trigger: str = TieOutTrigger.MANUAL,
    enqueue: Callable[[int], None] = _enqueue,
) -> TieOut:
    """Create a Running tie-out for a closed, synced period and queue it after commit."""
    refusal = tieout_refusal(period)
    if refusal:
        raise TieOutNotPossible(refusal)
    try:
        with transaction.atomic():
            tieout = TieOut.objects.create(
                company=period.company,
                period=period,
                close_version=period.close_version,
                trigger=trigger,
                started_by=actor,
            )
            audit_record(
                company=period.company,
                actor=actor,
                action="tieout.start",
                subject=tieout,
                after={"period": period.label, "trigger": trigger},
            )
            transaction.on_commit(lambda: enqueue(tieout.pk))
    except IntegrityError:
        # Already running for this period: that run answers this request too.
        return TieOut.objects.get(period=period, status=TieOutStatus.RUNNING)
    return tieout


@dataclass
class NetSuiteLine:
    transaction: str
    line: int  # transactionline: the journal's line ID, 0 for the first line we send
    account: str
    debit: Decimal
    credit: Decimal


def _dec(value) -> Decimal:
    return Decimal(value) if value not in (None, "") else ZERO


def _batches(values: list[str], size: int = ID_BATCH) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class Reader:
    """The SuiteQL reads of one tie-out; independent queries run side by side.

    Queries are built from integers and from strings quoted by ``suiteql_literal`` only.
    """

    def __init__(self, client, workers: int) -> None:
        self.client = client
        self.workers = max(1, workers)
        self.rows_read = 0

    def many(self, queries: list[str]) -> list[dict]:
        return [row for result in self.run_all(queries) for row in result]

    def run_all(self, queries: list[str]) -> list[list[dict]]:
        """Each query's rows, up to the connection's concurrency at once.

        The first page of every query is read first; its `totalResults` tells which offsets
        remain, and those pages are read side by side too (rows are put back in page order).
        """
        rest = getattr(self.client, "rest", None)
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            if rest is None:  # a client without page access: whole queries side by side
                results = list(pool.map(self.client.suiteql, queries))
            else:
                results = self._paged(rest, pool, queries)
        self.rows_read += sum(len(result) for result in results)
        return results

    def _paged(self, rest, pool, queries: list[str]) -> list[list[dict]]:
        size = PAGE_SIZE
        firsts = list(pool.map(lambda q: rest.suiteql_page(q, limit=size, offset=0), queries))
        rest_pages = []
        for index, (query, first) in enumerate(zip(queries, firsts, strict=True)):
            total = first.total_results
            if first.has_more and total is not None:
                if total > MAX_ROWS:
                    raise QueryTooLargeError(
                        f"SuiteQL query has more than {MAX_ROWS} rows", code="PAGE_CAP_EXCEEDED",
                        operation="suiteql",
                    )  # fmt: skip
                rest_pages += [(index, query, offset) for offset in range(size, int(total), size)]
            elif first.has_more:  # no total given: follow the pages one by one
                rest_pages.append((index, query, None))
        later = pool.map(
            lambda job: (job[0], job[2], self._remaining(rest, job[1], job[2])), rest_pages
        )
        results = [list(first.items) for first in firsts]
        for index, _offset, items in sorted(later, key=lambda r: (r[0], r[1] or 0)):
            results[index].extend(items)
        return results

    def _remaining(self, rest, query: str, offset: int | None) -> list[dict]:
        if offset is not None:
            return list(rest.suiteql_page(query, limit=PAGE_SIZE, offset=offset).items)
        rows: list[dict] = []
        for page in rest.iter_suiteql(query, page_size=PAGE_SIZE):
            if page.offset:
                rows.extend(page.items)
        return rows

    def posting_periods(
        self, period: AccountingPeriod, since: date
    ) -> tuple[str | None, list[str]]:
        """The posting period of the period's last day, and every posting period (adjustment
        periods too) from `since` through the period's end; read side by side."""
        day, first = period.end.isoformat(), since.isoformat()
        this, through = self.run_all(
            [
                "SELECT id FROM accountingperiod WHERE isyear = 'F' AND isquarter = 'F' "  # noqa: S608
                f"AND isadjust = 'F' AND startdate <= TO_DATE('{day}', 'YYYY-MM-DD') "
                f"AND enddate >= TO_DATE('{day}', 'YYYY-MM-DD')",
                "SELECT id FROM accountingperiod WHERE isyear = 'F' AND isquarter = 'F' "  # noqa: S608
                f"AND startdate >= TO_DATE('{first}', 'YYYY-MM-DD') "
                f"AND enddate <= TO_DATE('{day}', 'YYYY-MM-DD') ORDER BY id",
            ]
        )
        return (str(this[0]["id"]) if this else None), [str(r["id"]) for r in through]

    def journals(self, posting_period: str) -> list[dict]:
        return self.many(
            [
                "SELECT id, tranid, externalid, lastmodifieddate FROM transaction "  # noqa: S608
                "WHERE type = 'Journal' AND posting = 'T' "
                f"AND postingperiod = {int(posting_period)} "
                "ORDER BY id"
            ]
        )

    def by_external_id(self, keys: list[str]) -> list[dict]:
        return self.many(
            [
                "SELECT id, tranid, externalid, postingperiod FROM transaction "  # noqa: S608
                "WHERE externalid IN (" + ", ".join(suiteql_literal(k) for k in batch) + ")"
                for batch in _batches(keys, 200)
            ]
        )

    def lines_and_subsidiaries(
        self, ids: list[str], balances: BalanceQuery | None = None
    ) -> tuple[list[NetSuiteLine], dict[str, str], dict[tuple[str, str], Decimal]]:
        """The posted lines of these transactions and the subsidiary of each, and the lease
        accounts' balances per (subsidiary ID, account ID), all read together."""
        batches = list(_batches(ids))
        balance_queries = balances.queries() if balances else []
        line_queries = [
            # The IN list first: most rows fail it, and a failed AND needs nothing more.
            "SELECT transaction, transactionline, account, debit, credit FROM "  # noqa: S608
            f"transactionaccountingline WHERE transaction IN ({_ids_sql(batch)}) "
            "AND posting = 'T' AND accountingbook = 1 ORDER BY transaction, transactionline"
            for batch in batches
        ]
        subsidiary_queries = [
            "SELECT DISTINCT transaction, subsidiary FROM transactionline WHERE "  # noqa: S608
            f"transaction IN ({_ids_sql(batch)})"
            for batch in batches
        ]
        results = self.run_all(line_queries + subsidiary_queries + balance_queries)
        lines = [
            NetSuiteLine(str(r["transaction"]), int(r.get("transactionline") or 0),
                         str(r.get("account", "")), _dec(r.get("debit")), _dec(r.get("credit")))
            for result in results[: len(batches)]
            for r in result
        ]  # fmt: skip
        subsidiaries = {
            str(r["transaction"]): str(r.get("subsidiary", ""))
            for result in results[len(batches) : 2 * len(batches)]
            for r in result
        }
        balance: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        for result in results[2 * len(batches) :]:
            for r in result:  # several queries when the periods are many: their sums add up
                balance[(str(r.get("subsidiary", "")), str(r["account"]))] += _dec(r.get("balance"))
        return lines, subsidiaries, dict(balance)


@dataclass(frozen=True)
class BalanceQuery:
    """NetSuite's balance of accounts per subsidiary over posting periods: every posted
    accounting line of any transaction type in the primary book, joined to its transaction for
    the posting period and to its line for the subsidiary (the lines' key is both columns)."""

    accounts: list[str]
    subsidiaries: list[str]
    periods: list[str]

    def queries(self) -> list[str]:
        if not (self.accounts and self.subsidiaries and self.periods):
            return []
        return [
            "SELECT tl.subsidiary, tal.account, SUM(tal.amount) AS balance "  # noqa: S608
            "FROM transactionaccountingline tal "
            "INNER JOIN transaction t ON t.id = tal.transaction "
            "INNER JOIN transactionline tl ON tl.transaction = tal.transaction "
            "AND tl.id = tal.transactionline "
            f"WHERE tal.account IN ({_ids_sql(self.accounts)}) AND tal.posting = 'T' "
            f"AND tal.accountingbook = 1 AND t.postingperiod IN ({_ids_sql(batch)}) "
            f"AND tl.subsidiary IN ({_ids_sql(self.subsidiaries)}) "
            "GROUP BY tl.subsidiary, tal.account ORDER BY tl.subsidiary, tal.account"
            for batch in _batches(self.periods)
        ]


def books_start(period: AccountingPeriod) -> date:
    """The first day of our books: go-live, or the first period closed with entries."""
    company = period.company
    if company.go_live_date:
        return min(company.go_live_date.replace(day=1), period.start)
    first = JournalEntry.objects.filter(
        company=company,
        period__status=PeriodStatus.CLOSED,
        close_version=F("period__close_version"),
    ).aggregate(first=Min("period__start"))["first"]
    return min(first or period.start, period.start)


def _ids_sql(ids: list[str]) -> str:
    return ", ".join(str(int(i)) for i in ids)


@dataclass(frozen=True, slots=True)
class OurLine:
    line_no: int
    account_number: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True, slots=True)
class LineDifference:
    """One line of an entry that NetSuite no longer has as we sent it."""

    line_no: int | None  # ours; None for a line added in NetSuite
    account: str  # ours, or NetSuite's when the line is theirs only
    ours: Decimal | None  # net debit
    theirs: Decimal | None
    what: str


def line_differences(
    ours: list[OurLine], theirs: list[NetSuiteLine], account_label: Callable[[str], str]
) -> list[LineDifference]:
    """Our lines against NetSuite's, line by line.

    NetSuite gives each line of a journal we send an ID from 0 in the order sent, and keeps a
    line's ID while it exists (an edited line keeps it; a removed line's ID is not reused). So
    while the IDs are still 0…n−1 for our n lines, line i is our i-th line. Otherwise lines
    were removed or added there: identical lines pair first, then lines on the same account;
    what is left was removed or added.
    """
    theirs = sorted(theirs, key=lambda line: line.line)
    mine = [(o.line_no, o.account_number, o.debit, o.credit) for o in ours]
    other = [(t.line, account_label(t.account), t.debit, t.credit) for t in theirs]
    out: list[LineDifference] = []

    def differ(a, b) -> None:
        what = f"NetSuite has it on account {b[1]}" if a[1] != b[1] else "the amount was changed"
        out.append(LineDifference(a[0], a[1], a[2] - a[3], b[2] - b[3], what))

    if [t.line for t in theirs] == list(range(len(mine))):
        for a, b in zip(mine, other, strict=True):
            if a[1:] != b[1:]:
                differ(a, b)
        return out
    left = list(other)
    unmatched = []
    for a in mine:
        twin = next((b for b in left if b[1:] == a[1:]), None)
        if twin is None:
            unmatched.append(a)
        else:
            left.remove(twin)
    for a in unmatched:
        same_account = next((b for b in left if b[1] == a[1]), None)
        if same_account is not None:
            left.remove(same_account)
            differ(a, same_account)
        else:
            out.append(LineDifference(a[0], a[1], a[2] - a[3], None, "NetSuite no longer has it"))
    for b in left:
        out.append(LineDifference(None, b[1], None, b[2] - b[3], "it was added in NetSuite"))
    return out


def tieout_run(tieout_id: int, *, client=None) -> TieOut | None:
    """Read the period back from NetSuite and record every difference; safe to run twice."""
    claimed = TieOut.objects.filter(pk=tieout_id, status=TieOutStatus.RUNNING).update(
        finished_at=None
    )
    if not claimed:
        return None
    tieout = TieOut.objects.select_related("company", "period").get(pk=tieout_id)
    period, company = tieout.period, tieout.company
    connection = NetSuiteConnection.objects.get(company=company)
    client = client or netsuite_client(connection)
    entries = list(
        JournalEntry.objects.filter(period=period, close_version=tieout.close_version).order_by(
            "external_key"
        )
    )
    our_lines: dict[int, list[OurLine]] = defaultdict(list)
    for entry_id, line_no, number, debit, credit in (
        JournalLine.objects.filter(entry__in=[e.pk for e in entries])
        .order_by("entry_id", "line_no")
        .values_list("entry_id", "line_no", "account_number", "debit", "credit")
    ):
        our_lines[entry_id].append(OurLine(line_no, number, debit, credit))
    sent = sent_entries(period)
    reader = Reader(client, connection.concurrency_limit)
    resolver = ReferenceResolver(
        client, mappings=reference_mappings(company), pinned=pinned_internal_ids(company)
    )
    # Our balances as of the period's end, per subsidiary and account (over currencies): the trial
    # balance, whose accounts are every account we post to, in this period or before.
    since = books_start(period)
    ours_balance: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for row in trial_balance(company, period.start):
        ours_balance[(row.subsidiary, row.account_number)] += row.closing
    our_accounts = sorted(
        {line.account_number for lines in our_lines.values() for line in lines}
        | {account for _, account in ours_balance}
    )
    our_subsidiaries = sorted({e.subsidiary for e in entries} | {s for s, _ in ours_balance})
    try:
        with ThreadPoolExecutor(max_workers=1) as side:
            # Our account and subsidiary IDs are looked up while the period is read.
            lookups = side.submit(
                resolver.prefetch, {"account": our_accounts, "subsidiary": our_subsidiaries}
            )
            posting_period, through = reader.posting_periods(period, since)
            journals = reader.journals(posting_period) if posting_period else []
            lookups.result()
        account_ids = {n: resolver.resolve("account", n) for n in our_accounts}
        subsidiary_ids = {s: resolver.resolve("subsidiary", s) for s in our_subsidiaries}
        # Our entries are normally among the period's journals; only those that are not (moved
        # to another period, or deleted) are looked up by external ID.
        ours_found = {row["externalid"]: row for row in journals if row.get("externalid")}
        missing = [
            e.external_key for e in entries if e.pk in sent and e.external_key not in ours_found
        ]
        if missing:
            ours_found.update({row["externalid"]: row for row in reader.by_external_id(missing)})
        ids = sorted(
            {str(r["id"]) for r in journals} | {str(r["id"]) for r in ours_found.values()}, key=int
        )
        balances = BalanceQuery(
            accounts=sorted({i for i in account_ids.values() if i}, key=int),
            subsidiaries=sorted({i for i in subsidiary_ids.values() if i}, key=int),
            periods=through,
        )
        lines, line_subsidiary, theirs_by_id = reader.lines_and_subsidiaries(ids, balances)
    except NetSuiteError as error:
        message = f"{error.user_message()} {error.corrective_action()}".strip()
        return _finish(tieout, TieOutStatus.FAILED, f"NetSuite could not be read: {message}", [])
    except UnresolvedReferenceError as error:
        message = f"{error.user_message} {error.corrective_action}"
        return _finish(tieout, TieOutStatus.FAILED, f"NetSuite could not be read: {message}", [])

    number_of = {v: k for k, v in account_ids.items() if v}
    lease_account_ids = set(number_of)
    lines_by_tx: dict[str, list[NetSuiteLine]] = defaultdict(list)
    for line in lines:
        lines_by_tx[line.transaction].append(line)

    findings: list[TieOutFinding] = []

    def finding(kind, message, **fields) -> None:
        findings.append(TieOutFinding(tieout=tieout, kind=kind, message=message, **fields))

    def account_label(account_id: str) -> str:
        return number_of.get(account_id, f"NetSuite account {account_id}")

    # 1. Our entries: deleted, changed, amounts that differ.
    ours_keys = set()
    for entry in entries:
        if entry.pk not in sent:
            continue
        ours_keys.add(entry.external_key)
        sync_entry = sent[entry.pk]
        row = ours_found.get(entry.external_key)
        base = dict(
            journal_entry=entry, external_key=entry.external_key, subsidiary=entry.subsidiary
        )
        if row is None:
            finding(
                FindingKind.ENTRY_DELETED,
                f"Entry {entry.external_key} was sent to NetSuite (internal ID "
                f"{sync_entry.netsuite_internal_id or '—'}) but NetSuite no longer has it. "
                "Sync the period again to put it back, or find out who deleted it.",
                netsuite_id=sync_entry.netsuite_internal_id,
                ours=entry.total_debit,
                **base,
            )
            continue
        ns_id = str(row["id"])
        link = dict(netsuite_id=ns_id, netsuite_tranid=row.get("tranid", ""),
                    netsuite_url=client.journal_entry_url(ns_id))  # fmt: skip
        moved_to = str(row.get("postingperiod", posting_period))
        if posting_period and moved_to != str(posting_period):
            finding(
                FindingKind.ENTRY_CHANGED,
                f"Entry {entry.external_key} was moved in NetSuite ({row.get('tranid', ns_id)}) "
                f"to another posting period (internal ID {moved_to}); ours is dated in "
                f"{period.label}. Move it back in NetSuite, or sync the period again.",
                **base,
                **link,
            )
        differences = line_differences(
            our_lines[entry.pk], lines_by_tx.get(ns_id, []), account_label
        )
        if not differences:
            continue
        theirs_lines = lines_by_tx.get(ns_id, [])
        ours_debit = entry.total_debit
        theirs_debit = sum((line.debit for line in theirs_lines), ZERO)
        finding(
            FindingKind.ENTRY_CHANGED,
            f"Entry {entry.external_key} was changed in NetSuite ({row.get('tranid', ns_id)}): "
            f"{len(differences)} of its lines no longer match what we sent. Debits: ours "
            f"{ours_debit:,.2f}, NetSuite {theirs_debit:,.2f}. Sync the period again to restore "
            "it, or book the change in the lease so both agree.",
            ours=ours_debit,
            theirs=theirs_debit,
            **base,
            **link,
        )
        for diff in differences:
            where = f"Line {diff.line_no}" if diff.line_no is not None else "A line"
            ours_text = f"{diff.ours:,.2f}" if diff.ours is not None else "none"
            theirs_text = f"{diff.theirs:,.2f}" if diff.theirs is not None else "none"
            finding(
                FindingKind.AMOUNT_DIFFERS,
                f"{where} of {entry.external_key} on account {diff.account}: {diff.what}. "
                f"Ours {ours_text}, NetSuite {theirs_text} (debit − credit).",
                line_no=diff.line_no,
                account_number=diff.account[:40],
                ours=diff.ours,
                theirs=diff.theirs,
                **base,
                **link,
            )

    # 2. Journals others posted to our lease accounts in the period.
    subsidiary_names = {v: k for k, v in subsidiary_ids.items() if v}
    for row in journals:
        if row.get("externalid") in ours_keys:
            continue
        ns_id = str(row["id"])
        touched = [line for line in lines_by_tx.get(ns_id, []) if line.account in lease_account_ids]
        if not touched:
            continue
        net = sum((line.debit - line.credit for line in touched), ZERO)
        accounts = ", ".join(sorted({account_label(line.account) for line in touched}))
        finding(
            FindingKind.MANUAL_ENTRY,
            f"Journal {row.get('tranid', ns_id)} in NetSuite posts to lease account(s) {accounts} "
            f"({net:,.2f} net debit) and did not come from this product. Book it as a lease "
            "change here, or reverse it in NetSuite.",
            netsuite_id=ns_id,
            netsuite_tranid=row.get("tranid", ""),
            netsuite_url=client.journal_entry_url(ns_id),
            account_number=accounts[:40],
            subsidiary=subsidiary_names.get(line_subsidiary.get(ns_id, ""), ""),
            theirs=net,
        )

    # 3. Lease-account balances per subsidiary as of the period's end, since go-live: our trial
    # balance against every posting in NetSuite (any transaction type) from go-live through it.
    theirs_balance: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for (subsidiary_id, account_id), amount in theirs_by_id.items():
        if subsidiary_id in subsidiary_names and account_id in number_of:
            theirs_balance[(subsidiary_names[subsidiary_id], number_of[account_id])] += amount
    as_of = f"{period.end:%d %b %Y}".lstrip("0")
    for key in sorted(set(ours_balance) | set(theirs_balance)):
        mine, theirs = ours_balance.get(key, ZERO), theirs_balance.get(key, ZERO)
        if mine != theirs:
            finding(
                FindingKind.BALANCE_DIFFERS,
                f"Account {key[1]} for {key[0]} as of {as_of}, movements since go-live "
                f"({since:%b %Y}): ours {mine:,.2f}, NetSuite {theirs:,.2f}, difference "
                f"{theirs - mine:,.2f} (net debit). NetSuite's general ledger no longer agrees "
                "with the lease books on this account: something was posted to it in NetSuite "
                "outside this product (of any kind, in this or an earlier period), or one of our "
                "entries is missing or changed there. Check the account's postings in NetSuite "
                "since go-live and that every closed period is synced; book a real change as a "
                "lease change here, or reverse the posting in NetSuite.",
                subsidiary=key[0],
                account_number=key[1],
                ours=mine,
                theirs=theirs,
            )

    tieout.entries_checked = len(ours_keys)
    tieout.lines_read = reader.rows_read
    status = TieOutStatus.FINDINGS if findings else TieOutStatus.AGREES
    unsent = len(entries) - len(ours_keys)
    note = (
        f" {unsent} entr{'y is' if unsent == 1 else 'ies are'} not in NetSuite yet."
        if unsent
        else ""
    )
    summary = (
        f"{len(findings)} difference(s) with NetSuite." if findings
        else f"{period.label} agrees with NetSuite's general ledger."
    ) + note  # fmt: skip
    return _finish(tieout, status, summary, findings)


def _finish(tieout: TieOut, status: str, message: str, findings: list[TieOutFinding]) -> TieOut:
    with transaction.atomic():
        locked = TieOut.objects.select_for_update().get(pk=tieout.pk)
        if locked.status != TieOutStatus.RUNNING:
            return locked  # finished by another execution
        TieOutFinding.objects.bulk_create(findings, batch_size=1000)
        tieout.status = status
        tieout.message = message
        tieout.finished_at = timezone.now()
        tieout.save(
            update_fields=["status", "message", "finished_at", "entries_checked", "lines_read"]
        )
        audit_record(
            company=tieout.company,
            actor=None,
            action=f"tieout.{status}",
            subject=tieout,
            after={"findings": len(findings), "period": tieout.period.label},
        )
    return tieout


def tieout_after_sync(*, period_id: int) -> TieOut | None:
    """The sync hook: start a tie-out of the period unless it cannot run."""
    period = AccountingPeriod.objects.select_related("company").filter(pk=period_id).first()
    if period is None:
        return None
    try:
        return tieout_start(period=period, trigger=TieOutTrigger.SYNC)
    except TieOutNotPossible as error:
        log.info("tie-out after sync skipped for period %s: %s", period_id, error)
        return None
