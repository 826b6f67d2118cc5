"""CSV and XLSX exports carry the posted schedule exactly."""

import csv
import io
from datetime import datetime
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from leases import engine
from leases.models import Lease
from leases.selectors import lease_terms, leases_with_terms
from tests.leases.factories import make_lease


def _posted(lease):
    lease = leases_with_terms(Lease.objects.filter(pk=lease.pk)).get()
    return engine.build_schedule(lease_terms(lease)).posted_months()


def test_the_csv_export_matches_the_posted_schedule(amy, personas, subsidiary):
    lease = make_lease(personas.company, term_months=12)
    response = amy.get(reverse("lease_schedule_csv", args=[lease.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    months = _posted(lease)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0][:3] == ["Period", "Opening liability", "Payment"]
    assert len(rows) == 13
    assert rows[1][0] == "2026-01"
    assert (rows[1][2], rows[2][2]) == ("0.00", "1000.00")
    assert rows[1][5] == str(months[0].closing_liability.quantize(Decimal("0.01")))
    assert rows[12][5] == "0.00" and rows[12][8] == "0.00"
    assert sum(Decimal(r[3]) for r in rows[1:]) == sum(m.interest for m in months)


def test_the_xlsx_export_has_numeric_amounts_with_two_decimals(amy, personas, subsidiary):
    lease = make_lease(personas.company, term_months=12)
    response = amy.get(reverse("lease_schedule_xlsx", args=[lease.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    months = _posted(lease)
    # A header block (title, what it holds, company, parameters, generated at, blank), the column
    # names frozen, 12 months, totals.
    header = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, max_row=7, values_only=True)}
    assert sheet["A1"].value == str(lease)
    assert sheet["A2"].value == f"Monthly schedule in {lease.currency}, amounts rounded as posted"
    assert header["Company"] == personas.company.name
    assert header["Standard"] == lease.get_standard_display()
    assert header["Discount rate"].endswith(" %")
    assert header["Generated"].endswith(" UTC")  # in the viewer's zone, named
    assert sheet["A9"].value == "Period" and sheet["A8"].value is None
    assert sheet.freeze_panes == "B10"
    assert sheet.max_row == 9 + 12 + 1
    # The month is a date in the cell, shown as the app names months.
    assert sheet["A10"].value == datetime(2026, 1, 1)
    assert sheet["A10"].number_format == "mmm yyyy"
    assert (sheet["C10"].value, sheet["C11"].value) == (0, 1000.0)
    assert sheet["C11"].number_format == "#,##0.00;(#,##0.00)"
    assert Decimal(str(sheet["F10"].value)) == months[0].closing_liability
    assert sheet["J10"].value == float(months[0].straight_line_cost)
    assert (sheet["A22"].value, sheet["C22"].value) == ("Total", "=SUM(C10:C21)")
    assert sheet["B22"].value is None  # balances are not added up


def test_an_incomplete_lease_cannot_be_exported(amy, personas, subsidiary):
    lease = make_lease(personas.company, status="draft", classification="")
    response = amy.get(reverse("lease_schedule_csv", args=[lease.pk]))
    assert response.status_code == 302
