"""XLSX exports: a sheet per section, the parameters on the first rows, frozen headers, totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MONEY_FORMAT = "#,##0.00;[Red]-#,##0.00"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Section:
    """One sheet: a title, column headers, rows, and which columns are money to total."""

    title: str
    headers: Sequence[str]
    rows: list[Sequence]
    money_columns: set[int] = field(default_factory=set)  # 0-based
    total: bool = True


def workbook(parameters: list[tuple[str, str]], sections: list[Section]) -> bytes:
    """The workbook's bytes; every sheet starts with the report's parameters."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for section in sections:
        sheet = book.create_sheet(section.title[:31])
        for label, value in parameters:
            sheet.append([label, value])
            sheet.cell(sheet.max_row, 1).font = bold
        sheet.append([])
        sheet.append(list(section.headers))
        header_row = sheet.max_row
        for cell in sheet[header_row]:
            cell.font = bold
        sheet.freeze_panes = sheet.cell(header_row + 1, 1)
        first = header_row + 1
        for row in section.rows:
            sheet.append(list(row))
        last = sheet.max_row
        if section.total and section.money_columns and last >= first:
            totals = ["Total"] + [None] * (len(section.headers) - 1)
            for column in section.money_columns:
                letter = get_column_letter(column + 1)
                totals[column] = f"=SUM({letter}{first}:{letter}{last})"
            sheet.append(totals)
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        for column in section.money_columns:
            for (cell,) in sheet.iter_rows(
                min_row=first, max_row=sheet.max_row, min_col=column + 1, max_col=column + 1
            ):
                cell.number_format = MONEY_FORMAT
        for index, _ in enumerate(section.headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = 18 if index > 1 else 34
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, parameters, sections) -> HttpResponse:
    response = HttpResponse(workbook(parameters, sections), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
