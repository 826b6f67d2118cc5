"""Portfolio import of leases with real dates: the end_date and payment_day columns take what the
lease form takes (docs/engine.md "Real dates"), derive the term from the end date, and refuse what
the form refuses with the form's own sentence, by sheet, line and column."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from companies.models import Company
from leases import engine
from leases.forms import LeaseEditor
from leases.models import Lease
from leases.portfolio import SHEETS, portfolio_import, portfolio_template_xlsx, read_portfolio
from leases.selectors import lease_terms, leases_with_terms
from tests.leases.forms_data import lease_post

# The lease of tests/leases/test_end_date_leases.py, entered through the form there: 15 January
# 2026 to 31 December 2030, rent 3,100.00 due on the 1st, 6 % nominal, ASC 842 operating.
STUB_LEASE = {
    "code": "ST-1",
    "name": "Stub office",
    "subsidiary": "Acme US",
    "commencement_date": "2026-01-15",
    "end_date": "2030-12-31",
    "payment_day": 1,
    "standard": "asc842",
    "classification": "operating",
    "discount_rate": "6",
    "status": "active",
}
STUB_STREAM = {"lease_code": "ST-1", "amount": "3100.00", "frequency": "monthly"}


def workbook(**sheets) -> io.BytesIO:
    """A workbook with each sheet's full header and the given rows (dicts by column)."""
    book = Workbook()
    book.remove(book.active)
    for sheet, columns in SHEETS.items():
        ws = book.create_sheet(sheet)
        ws.append([name for name, _ in columns])
        for row in sheets.get(sheet, []):
            ws.append([row.get(name, "") for name, _ in columns])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _errors(plan) -> list[str]:
    return [str(e) for e in plan.errors]


def test_the_template_shows_end_date_and_payment_day_and_still_imports(personas, subsidiary):
    company = personas.company
    data = portfolio_template_xlsx(company)
    sheet = load_workbook(io.BytesIO(data))["leases"]
    header = [cell.value for cell in sheet[1]]
    example = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert header[7:10] == ["term_months", "end_date", "payment_day"]
    start = date.fromisoformat(example["commencement_date"])
    # The end the 60-month term gives and the commencement's day: no part months.
    assert (example["term_months"], example["payment_day"]) == (60, start.day)
    assert example["end_date"] == (date(start.year + 5, start.month, 1) - timedelta(1)).isoformat()
    plan = read_portfolio(io.BytesIO(data), company=company)
    assert _errors(plan) == []
    portfolio_import(company=company, actor=personas.accountant.user, plan=plan)
    lease = Lease.objects.get(company=company, code="EX-001")
    assert (lease.term_months, lease.payment_day) == (60, start.day)
    assert lease.end_date == date.fromisoformat(example["end_date"])
    assert not lease_terms(leases_with_terms(Lease.objects.filter(pk=lease.pk)).get()).is_dated


def test_a_lease_with_stubs_imports_with_the_term_its_end_date_gives(personas, subsidiary):
    company = personas.company
    assert company.day_count == "actual_days" and company.go_live_date is None
    plan = read_portfolio(
        workbook(leases=[STUB_LEASE], payment_streams=[STUB_STREAM]), company=company
    )
    assert _errors(plan) == []
    assert plan.leases["ST-1"]["term_months"] == 60  # 15 Jan 2026-31 Dec 2030, a part month = 1
    portfolio_import(company=company, actor=personas.accountant.user, plan=plan)
    lease = leases_with_terms(Lease.objects.filter(company=company, code="ST-1")).get()
    assert (lease.term_months, lease.end_date, lease.payment_day) == (60, date(2030, 12, 31), 1)
    terms = lease_terms(lease)
    assert terms.is_dated
    schedule = engine.build_schedule(terms)
    # The figures the lease form gives the same lease (test_end_date_leases.py): 17 of 31 days of
    # January's rent paid at commencement, and the liability measured on the real dates.
    assert schedule.measurement.payments_at_commencement == Decimal("1700.00")
    assert schedule.posted().liability == Decimal("158406.90")
    again = read_portfolio(
        workbook(leases=[STUB_LEASE], payment_streams=[STUB_STREAM]), company=company
    )
    assert again.ok and again.unchanged == ["ST-1"]
    moved = read_portfolio(
        workbook(leases=[dict(STUB_LEASE, payment_day=5)], payment_streams=[STUB_STREAM]),
        company=company,
    )
    assert [e.column for e in moved.errors] == ["code"]  # an active lease changes by Change lease


def test_every_date_problem_is_said_by_sheet_line_and_column_and_nothing_is_saved(
    personas, subsidiary
):
    company = personas.company
    rows = [
        dict(STUB_LEASE, code="A", term_months=12),  # line 2: 60 months by its end date
        dict(STUB_LEASE, code="B", end_date="2026-01-15"),  # 3: not after commencement
        dict(STUB_LEASE, code="C", end_date="", payment_day=32),  # 4: no term, no such day
        dict(STUB_LEASE, code="D", end_date="31/12/2030"),  # 5: not a date
        dict(STUB_LEASE, code="E", term_months="sixty"),  # 6: not a number
        dict(STUB_LEASE, code="F"),  # 7: quarterly rent with stubs
        dict(STUB_LEASE, code="G", term_months="9" * 5000),  # 8: no column holds it
    ]
    streams = [dict(STUB_STREAM, lease_code=r["code"]) for r in rows]
    streams[5]["frequency"] = "quarterly"
    plan = read_portfolio(workbook(leases=rows, payment_streams=streams), company=company)
    assert _errors(plan) == [
        "Sheet leases, line 2, column end_date: The end date gives a 60-month term (a part "
        "month counts as one), but the term says 12.",
        "Sheet leases, line 3, column end_date: The end date must be after the commencement date.",
        "Sheet leases, line 4, column payment_day: The payment day is a day of the month, from "
        "1 to 31.",
        "Sheet leases, line 4, column term_months: Enter the term in months, or the end date.",
        "Sheet leases, line 5, column end_date: “31/12/2030” is not a date (YYYY-MM-DD).",
        "Sheet leases, line 5, column term_months: Enter the term in months, or the end date.",
        "Sheet leases, line 6, column term_months: “sixty” is not a whole number.",
        f"Sheet leases, line 8, column term_months: “{'9' * 40}” must be between 0 and "
        "2,147,483,647.",
    ]
    assert not Lease.objects.exists()
    # Once the leases sheet is clean the engine checks the terms: the quarterly stream is
    # refused on its own line of the payment_streams sheet.
    plan = read_portfolio(workbook(leases=rows[5:6], payment_streams=streams[5:6]), company=company)
    assert _errors(plan) == [
        "Sheet payment_streams, line 2, column frequency: With an end date or payment day off "
        "the monthly anniversary of commencement, payments must be monthly."
    ]


def _form_errors(company, subsidiary, fields: dict) -> dict[str, list[str]]:
    """The lease form's errors for the same lease, entered by hand."""
    editor = LeaseEditor(lease_post(subsidiary, **fields), company=company)
    assert not editor.is_valid()
    return {name: list(errors) for name, errors in editor.form.errors.items()}


def _import_errors(company, fields: dict) -> dict[str, list[str]]:
    base = {"commencement_date": "2026-01-01", "term_months": "12", "end_date": "",
            "payment_day": ""}  # fmt: skip
    row = STUB_LEASE | base | fields
    plan = read_portfolio(workbook(leases=[row], payment_streams=[STUB_STREAM]), company=company)
    found: dict[str, list[str]] = {}
    for error in plan.errors:
        assert (error.sheet, error.line) == ("leases", 2)
        found.setdefault(error.column, []).append(error.message)
    return found


# The lease form's cases in test_end_date_leases.py: a 12-month lease from 1 January 2026.
@pytest.mark.parametrize(
    ("company_change", "fields"),
    [
        ({"day_count": "whole_months"}, {"payment_day": "15"}),
        (
            {"go_live_date": date(2026, 6, 1), "day_count": "whole_months"},
            {"payment_day": "15", "exemption": "short_term"},
        ),
    ],
    ids=["whole-months-company", "whole-months-exempt-before-go-live"],
)
def test_a_lease_the_engine_cannot_compute_yet_is_refused_with_the_forms_sentence(
    personas, subsidiary, company_change, fields
):
    Company.objects.filter(pk=personas.company.pk).update(**company_change)
    company = Company.objects.get(pk=personas.company.pk)
    by_import = _import_errors(company, fields)
    assert by_import == _form_errors(company, subsidiary, fields)
    assert by_import  # refused, not silently taken
    assert not Lease.objects.exists()


@pytest.mark.parametrize(
    ("company_change", "fields"),
    [
        ({}, {"payment_day": "15", "exemption": "low_value"}),
        ({"go_live_date": date(2026, 6, 1)}, {"end_date": "2026-12-15", "term_months": ""}),
    ],
    ids=["exempt", "before-go-live"],
)
def test_exempt_leases_and_leases_before_go_live_with_stubs_are_taken(
    personas, subsidiary, company_change, fields
):
    """Exempt leases are expensed by days and go-live balances come from the schedule on real
    dates, so the import and the form take both."""
    Company.objects.filter(pk=personas.company.pk).update(**company_change)
    company = Company.objects.get(pk=personas.company.pk)
    assert _import_errors(company, fields) == {}
    assert LeaseEditor(lease_post(subsidiary, **fields), company=company).is_valid()


def test_the_pages_take_a_lease_with_stubs_from_upload_to_import(
    personas, subsidiary, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    amy = Client()
    amy.force_login(personas.accountant.user)
    bad = workbook(leases=[dict(STUB_LEASE, payment_day="first")], payment_streams=[STUB_STREAM])
    refused = amy.post(
        reverse("portfolio_upload"), {"file": SimpleUploadedFile("p.xlsx", bad.getvalue())}
    )
    assert refused.status_code == 200
    assert (
        "Sheet leases, line 2, column payment_day: “first” is not a whole number."
        in refused.content.decode()
    )
    good = workbook(leases=[STUB_LEASE], payment_streams=[STUB_STREAM])
    preview = amy.post(
        reverse("portfolio_upload"), {"file": SimpleUploadedFile("p.xlsx", good.getvalue())}
    )
    assert preview.status_code == 200 and preview.context["plan"].ok
    assert not Lease.objects.exists()
    done = amy.post(reverse("portfolio_confirm"))
    assert done.status_code == 302
    lease = Lease.objects.get(company=personas.company)
    assert (lease.code, lease.term_months, lease.end_date, lease.payment_day) == (
        "ST-1",
        60,
        date(2030, 12, 31),
        1,
    )


def test_the_preview_totals_are_the_go_live_balances_of_the_lease_once_saved(personas, subsidiary):
    from closebooks.services import company_go_live_set
    from leases.engine.transition import build_golive_schedule
    from leases.selectors import company_go_live, lease_go_live

    company = company_go_live_set(
        company=personas.company, actor=personas.settings_admin.user, go_live=date(2026, 7, 1)
    )
    assert company.day_count == "actual_days"
    # Commenced mid-month before go-live, on monthly anniversaries (no stubs): the preview reads
    # it as the saved lease will be read (the company's day count, no end date, no payment day).
    row = dict(STUB_LEASE, commencement_date="2024-01-15", end_date="", payment_day="",
               term_months=60)  # fmt: skip
    plan = read_portfolio(
        workbook(
            leases=[row],
            payment_streams=[STUB_STREAM],
            opening_balances=[{"lease_code": "ST-1", "method": "asc840"}],
        ),
        company=company,
    )
    assert _errors(plan) == []
    portfolio_import(company=company, actor=personas.accountant.user, plan=plan)
    lease = leases_with_terms(Lease.objects.filter(company=company, code="ST-1")).get()
    balances = build_golive_schedule(
        lease_terms(lease), lease_go_live(lease, company_go_live(company))
    ).balances
    totals = plan.totals[("Acme US", "USD")]
    assert (totals.opening_liability, totals.opening_rou) == (balances.liability, balances.rou_net)
