"""CSV files: the layout NetSuite's CSV journal import accepts (one row per line).

Lines of one journal entry share an External ID, which is how the import groups them; header
fields (Date, Subsidiary, Currency, Memo) are repeated on every row. Account holds the account
number (NetSuite's "Use Account Numbers" preference must be on).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from django.http import StreamingHttpResponse

from closebooks.journal import DraftEntry
from closebooks.models import AccountingPeriod, JournalLine

HEADER = [
    "External ID",
    "Date",
    "Subsidiary",
    "Currency",
    "Memo",
    "Account",
    "Debit",
    "Credit",
    "Line Memo",
    "Department",
    "Class",
    "Location",
]


class _Echo:
    """A file-like object whose write returns the row, so csv.writer can stream."""

    def write(self, value: str) -> str:
        return value


def _amount(value: Decimal) -> str:
    return f"{value:.2f}" if value else ""


def _date(value: date) -> str:
    return value.strftime("%m/%d/%Y")


def _row(entry, line) -> list[str]:
    return [
        entry.external_key,
        _date(entry.tran_date),
        entry.subsidiary,
        entry.currency,
        entry.memo,
        line.account_number,
        _amount(line.debit),
        _amount(line.credit),
        line.memo,
        line.department,
        line.lease_class,
        line.location,
    ]


def frozen_rows(period: AccountingPeriod) -> Iterator[list[str]]:
    """Rows for the period's current entries, read in one streamed query."""
    lines = (
        JournalLine.objects.filter(entry__period=period, entry__close_version=period.close_version)
        .select_related("entry")
        .order_by("entry_id", "line_no")
    )
    for line in lines.iterator(chunk_size=2000):
        yield _row(line.entry, line)


class _DraftHeader:
    """A draft entry seen with the frozen entry's field names."""

    def __init__(self, entry: DraftEntry, tran_date: date):
        self.external_key = entry.external_key
        self.tran_date = tran_date
        self.subsidiary = entry.subsidiary
        self.currency = entry.currency
        self.memo = entry.memo


def draft_rows(entries: Iterable[DraftEntry], tran_date: date) -> Iterator[list[str]]:
    """Rows for previewed (not yet frozen) entries."""
    for entry in entries:
        header = _DraftHeader(entry, tran_date)
        for line in entry.lines:
            yield _row(header, line)


def csv_response(rows: Iterable[list[str]], filename: str) -> StreamingHttpResponse:
    """Stream rows as a CSV download, header first."""
    writer = csv.writer(_Echo())

    def content() -> Iterator[str]:
        yield writer.writerow(HEADER)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(content(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
