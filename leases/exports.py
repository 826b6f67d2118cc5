"""The posted (rounded) monthly schedule of a lease as CSV and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from leases.engine import ScheduleMonth

SCHEDULE_COLUMNS = [
    ("Period", "period"),
    ("Opening liability", "opening_liability"),
    ("Payment", "payment"),
    ("Interest", "interest"),
    ("Principal", "principal"),
    ("Closing liability", "closing_liability"),
    ("ROU opening", "rou_opening"),
    ("ROU amortization", "rou_amortization"),
    ("ROU closing", "rou_closing"),
    ("Straight-line cost", "straight_line_cost"),
]
TWO_PLACES = Decimal("0.01")


def _amount(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(TWO_PLACES)


def schedule_rows(months: list[ScheduleMonth]) -> list[list]:
    """Rows of the schedule: the month as YYYY-MM, amounts with two decimals."""
    return [
        [m.period.strftime("%Y-%m")]
        + [_amount(getattr(m, attr)) for _, attr in SCHEDULE_COLUMNS[1:]]
        for m in months
    ]


def schedule_csv(months: list[ScheduleMonth]) -> str:
    """The schedule as CSV text (header row first; blank when a column does not apply)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for label, _ in SCHEDULE_COLUMNS])
    for row in schedule_rows(months):
        writer.writerow(["" if v is None else f"{v}" for v in row])
    return out.getvalue()


# Columns that add up over the term; balances (opening, closing) do not.
TOTALLED = {"payment", "interest", "principal", "rou_amortization", "straight_line_cost"}


def schedule_xlsx(
    months: list[ScheduleMonth],
    *,
    title: str,
    subtitle: str = "",
    details: Sequence[tuple[str, str]] = (),
) -> bytes:
    """The schedule as an XLSX workbook: a header block (title, what it holds, then each detail
    such as the company, the lease's parameters and when it was generated), frozen column names,
    totals at the end."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Schedule"
    sheet.append([title])
    sheet.append([subtitle or "Monthly schedule, amounts rounded as posted"])
    for label, value in details:
        sheet.append([label, value])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.append([])
    sheet["A1"].font = Font(bold=True, size=14)
    header_rows = 2 + len(details) + 1  # max_row does not count the blank line
    sheet.append([label for label, _ in SCHEDULE_COLUMNS])
    for cell in sheet[header_rows + 1]:
        cell.font = Font(bold=True)
    first = header_rows + 2
    for m, row in zip(months, schedule_rows(months), strict=True):
        # Excel has no decimal type; two-decimal amounts survive the float round trip exactly.
        sheet.append([m.period] + [None if v is None else float(v) for v in row[1:]])
        # The month is a real date in the cell, shown as the app names it (Jul 2026).
        sheet.cell(sheet.max_row, 1).number_format = "mmm yyyy"
    last = sheet.max_row
    totals = ["Total"]
    for index, (_, attr) in enumerate(SCHEDULE_COLUMNS[1:], start=2):
        letter = get_column_letter(index)
        totals.append(f"=SUM({letter}{first}:{letter}{last})" if attr in TOTALLED else None)
    sheet.append(totals)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for cells in sheet.iter_rows(min_row=first, min_col=2):
        for cell in cells:
            cell.number_format = "#,##0.00;(#,##0.00)"
    for letter in "ABCDEFGHIJ":
        sheet.column_dimensions[letter].width = 18
    # The column names stay in view while scrolling.
    sheet.freeze_panes = f"B{first}"
    book.properties.title = title[:200]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
