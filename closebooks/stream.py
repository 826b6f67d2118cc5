"""Writing a close's journal entries with COPY, and streaming them while the close computes.

`JournalRows` turns drafts into the COPY text of their entries and lines (the values
`bulk_create` would send; a test compares both writers row for row). `EntryStream` is the
detail close's writer on PostgreSQL: every 1,250 leases (`postings.PART_LEASES`) the entries of
the leases just computed are built, their text handed to a thread that COPYs them on the
close's own connection and transaction, and the foreign keys of the journal tables are checked
as each COPY ends instead of at the commit. So the server stores and checks one part while
Python computes the next (the server is another process: it has the second core), and the
commit has little left.

A refused close (a lease's problem, a changed entry count) has streamed rows already: the
close's one transaction rolls them back with everything else. The entry ids are drawn from
the table's sequence before the first lease (the go-live and change entries, computed last,
take the first ids, so the entries keep the order a sequential close gives them; an unused id
is a gap).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from decimal import Decimal
from operator import attrgetter

from django.db import connection
from django.db.models.base import ModelState
from django.utils import timezone

from closebooks.copy_text import Escaped, chunks, column_formats, rows_text
from closebooks.journal import ZERO, DraftEntry, SplitError, detail_entries
from closebooks.models import AccountingPeriod, JournalEntry, JournalLine

logger = logging.getLogger(__name__)

# JournalLine's columns as the close writes them (id comes from the table's identity).
LINE_COLUMNS = (
    "entry_id",
    "line_no",
    "account_number",
    "account_name",
    "debit",
    "credit",
    "memo",
    "department",
    "lease_class",
    "location",
    "lease_code",
)


def reserve_ids(count: int) -> list[int]:
    """`count` new journal entry ids from the table's sequence, ascending (one query)."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            # The sequence is looked up once, not once per id.
            "SELECT nextval(seq) FROM (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq)"
            " AS found, generate_series(1, %s)",
            [JournalEntry._meta.db_table, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


class JournalRows:
    """The COPY statements and text of drafts' entries and lines, and the entries as model
    instances built from the same rows (one per close: text and dates are escaped once)."""

    def __init__(self, company, period: AccountingPeriod) -> None:
        self.company_id, self.period_id = company.pk, period.pk
        self.version, self.period_end = period.close_version, period.end
        self.fields = JournalEntry._meta.concrete_fields
        self.attnames = [f.attname for f in self.fields]
        self.now = timezone.now()
        self.escaped = Escaped()
        self.formats = column_formats(self.fields, self.escaped)
        self.db = connection.alias  # a lookup through the connection proxy: once
        columns = ", ".join(f.column for f in self.fields)
        self.entry_copy = f"COPY {JournalEntry._meta.db_table} ({columns}) FROM STDIN"
        self.line_copy = f"COPY {JournalLine._meta.db_table} ({', '.join(LINE_COLUMNS)}) FROM STDIN"

    def entry_rows(self, ids: Iterable[int], drafts: list[DraftEntry]) -> list[list]:
        """Each entry's values in `self.attnames` order (a new field to fill: KeyError)."""
        rows = []
        for pk, draft in zip(ids, drafts, strict=True):
            values = {
                "id": pk,
                "company_id": self.company_id,
                "period_id": self.period_id,
                "close_version": self.version,
                "external_key": draft.external_key,
                "subsidiary": draft.subsidiary,
                "currency": draft.currency,
                "tran_date": draft.tran_date or self.period_end,
                "memo": draft.memo,
                "lease_id": draft.lease_id,
                "lease_code": draft.lease_code,
                "sequence": draft.sequence,
                "kind": draft.kind,
                "change_kind": draft.change_kind,
                "line_count": len(draft.lines),
                "total_debit": draft.total_debit,
                "total_credit": draft.total_credit,
                "created_at": self.now,
            }
            rows.append([values[name] for name in self.attnames])
        return rows

    def entry_text(self, rows: list[list]) -> Iterable[str]:
        return rows_text(rows, self.formats)

    def line_text(self, ids: Iterable[int], drafts: list[DraftEntry]) -> Iterable[str]:
        """Each draft line as COPY text in `LINE_COLUMNS` order (`_line_values` in the
        services: the test of both writers compares every stored value)."""
        e = self.escaped
        for pk, draft in zip(ids, drafts, strict=True):
            for n, x in enumerate(draft.lines, start=1):
                yield (
                    f"{pk}\t{n}\t{e[x.account_number]}\t{e[x.account_name]}\t{x.debit!s}\t"
                    f"{x.credit!s}\t{e[x.memo[:300]]}\t{e[x.department]}\t"
                    f"{e[x.lease_class]}\t{e[x.location]}\t{e[x.lease_code]}\n"
                )

    def instances(self, rows: list[list]) -> list[JournalEntry]:
        """`JournalEntry.from_db(alias, attnames, row)` without a descriptor call per field."""
        attnames, db = self.attnames, self.db
        entries = []
        for row in rows:
            entry = JournalEntry.__new__(JournalEntry)
            entry.__dict__.update(zip(attnames, row, strict=True))
            entry._state = ModelState()
            entry._state.adding = False
            entry._state.db = db
            entries.append(entry)
        return entries


class _Writer:
    """A thread sending COPY jobs, in order, on the close's psycopg connection. It holds
    `lock` for each job; the close's own queries take it too (`EntryStream`), so the
    connection is never used by both at once. The first error stops it (the transaction is
    aborted then) and is kept for the close to raise."""

    def __init__(self, raw_connection, lock: threading.Lock) -> None:
        self.raw = raw_connection
        self.lock = lock
        self.error: BaseException | None = None
        self.stopping = False
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="close-entries-writer", daemon=True)
        self._thread.start()

    def send(self, job: list[tuple[str, list[str]]]) -> None:
        """COPY each (statement, pieces of text) of `job`, after the jobs sent before."""
        self._jobs.put(job)

    def join(self) -> None:
        """Wait until every job sent is written (or skipped after an error or `stop`)."""
        self._jobs.put(None)
        self._thread.join()

    def _run(self) -> None:
        cursor = self.raw.cursor()
        try:
            while (job := self._jobs.get()) is not None:
                if self.error is not None or self.stopping:
                    continue
                with self.lock:
                    try:
                        self.write(cursor, job)
                    except BaseException as error:  # raised by the close, in its own thread
                        self.error = error
        finally:
            cursor.close()

    def write(self, cursor, job: list[tuple[str, list[str]]]) -> None:
        for statement, pieces in job:
            with cursor.copy(statement) as copy:
                for piece in pieces:
                    copy.write(piece)


class EntryStream:
    """A detail close's entries, written while it computes (`closebooks.postings.RegularSink`).

    Use it as a context manager around the computing: leaving it on an error stops the writer
    (after the job it is on) before the close's transaction is rolled back."""

    def __init__(self, *, company, period: AccountingPeriod, head_entries: int) -> None:
        """`head_entries`: how many entries known before streaming precede the leases' own
        (the go-live entries; the change entries' bound is told by `begin`)."""
        self.company_id, self.start, self.label = company.pk, period.start, period.label
        self.rows = JournalRows(company, period)
        self.head_entries = head_entries
        self.entries: list[JournalEntry] = []
        self.debits: dict[str, Decimal] = {}
        self.split_error: SplitError | None = None
        self.count = 0  # the leases' entries built so far
        self._ids: list[int] = []
        self._next = 0
        self._head_ids: list[int] = []
        self.head_bound = 0
        self._deferred: list[str] = []
        self._lock = threading.Lock()
        self._writer: _Writer | None = None
        self._wrapper = None

    def __enter__(self) -> EntryStream:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if self._writer is not None:
            self._writer.stopping = error is not None
            self._writer.join()
            self._writer = None
        if self._wrapper is not None:
            self._wrapper.__exit__(None, None, None)
            self._wrapper = None

    def begin(self, *, leases: int, change_entries_at_most: int) -> None:
        """Reserve the ids, check the journal's foreign keys as each COPY ends, start the
        writer, and from now on let the close's queries wait for the writer's current job."""
        head = self.head_bound = self.head_entries + change_entries_at_most
        ids = reserve_ids(head + leases)
        self._head_ids, self._ids = ids[:head], ids[head:]
        self._deferred = _deferred_foreign_keys()
        if self._deferred:
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS {', '.join(self._deferred)} IMMEDIATE")
        self._wrapper = connection.execute_wrapper(self._after_writer)
        self._wrapper.__enter__()
        self._writer = _Writer(connection.connection, self._lock)

    def _after_writer(self, execute, sql, params, many, context):
        with self._lock:
            self.raise_writer_error()
            return execute(sql, params, many, context)

    def raise_writer_error(self) -> None:
        """Raise what stopped the writer, as Django's database error."""
        error = self._writer.error if self._writer is not None else None
        if error is not None:
            with connection.wrap_database_errors:
                raise error

    def leases(self, lines: list) -> None:
        """The next leases' lines: their entries built, their text sent to the writer."""
        if self.split_error is not None:
            return
        try:
            drafts = detail_entries(
                lines, company_id=self.company_id, period=self.start, label=self.label
            )
        except SplitError as error:
            self.split_error = error  # refused once the problems are known: nothing more sent
            return
        if not drafts:
            return
        self.raise_writer_error()
        ids = self._ids[self._next : self._next + len(drafts)]
        self._next += len(drafts)
        self.count += len(drafts)
        self._tally(drafts)
        self._send(ids, drafts)

    def _send(self, ids: list[int], drafts: list[DraftEntry]) -> None:
        rows = self.rows.entry_rows(ids, drafts)
        entry_text = "".join(self.rows.entry_text(rows))
        line_text = list(chunks(self.rows.line_text(ids, drafts)))
        self._writer.send([(self.rows.entry_copy, [entry_text]), (self.rows.line_copy, line_text)])
        self.entries += self.rows.instances(rows)

    def _tally(self, drafts: list[DraftEntry]) -> None:
        debits = self.debits
        for draft in drafts:
            debits[draft.currency] = debits.get(draft.currency, ZERO) + draft.total_debit

    def finish(self, head: list[DraftEntry]) -> list[JournalEntry]:
        """Write `head` (the go-live and change entries, before the leases' own), wait for the
        writer, and defer the foreign keys again; every entry, in id order."""
        if self._writer is None:  # no lease was computed (a month before go-live)
            self.begin(leases=0, change_entries_at_most=len(head) - self.head_entries)
        ids = self._head_ids[: len(head)]
        if len(head) > self.head_bound:
            # More than the bound: the rest take ids after the leases' (order only differs).
            logger.warning("close: %s head entries over the bound of %s", len(head), len(ids))
            ids += reserve_ids(len(head) - len(ids))
        self._tally(head)
        streamed, self.entries = self.entries, []
        self._send(ids, head)
        entries = self.entries + streamed
        if len(head) > self.head_bound:
            entries.sort(key=attrgetter("id"))
        writer = self._writer
        writer.join()
        self._writer = None
        if writer.error is not None:
            with connection.wrap_database_errors:
                raise writer.error
        if self._deferred:
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS {', '.join(self._deferred)} DEFERRED")
        return entries


def _deferred_foreign_keys() -> list[str]:
    """The journal tables' foreign keys that PostgreSQL checks at the commit, quoted."""
    quote: Callable[[str], str] = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) "
            "AND contype = 'f' AND condeferrable AND condeferred ORDER BY conname",
            [[JournalEntry._meta.db_table, JournalLine._meta.db_table]],
        )
        return [quote(name) for (name,) in cursor.fetchall()]
