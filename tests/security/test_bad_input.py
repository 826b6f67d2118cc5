"""Bad input that used to end in a server error now gets a sentence, and nothing is written."""

import io

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from leases.models import GLAccount, Lease
from leases.portfolio import SHEETS, read_portfolio
from occupier.cleaning import BadValue, CleanForm, check_url, clean_cell
from tests.factories import make_personas
from tests.leases.factories import set_up_accounting
from tests.leases.forms_data import lease_post

HEADER = "code,name,subsidiary,commencement_date,term_months,discount_rate,payment_amount"


@pytest.fixture
def amy(db):
    personas = make_personas()
    personas.subsidiary = set_up_accounting(personas.company)
    client = Client()
    client.force_login(personas.accountant.user)
    client.personas = personas
    return client


def upload(text: str) -> dict:
    return {"file": SimpleUploadedFile("leases.csv", text.encode(), "text/csv")}


def test_a_nul_byte_in_an_imported_cell_names_the_line_and_column(amy):
    rows = [HEADER, "W-1,Ware\x00house,Acme US,2026-01-01,12,6,1000", "W-2,Depot\x01,Acme US"]
    response = amy.post(reverse("lease_import"), upload("\n".join(rows)))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Line 2, column name: the value contains a NUL byte" in page
    assert "Line 3, column name: the value contains an invisible control character (code 1)" in page
    assert not Lease.objects.exists()


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ("12,6,1e309", "payment_amount", "“1e309” is too large: it must be below"),
        ("12,6,-1E+400", "payment_amount", "is too large"),
        ("12,6,NaN", "payment_amount", "is not a number"),
        ("12,123456,1000", "discount_rate", "“123456” is too large: it must be below 10,000"),
        ("99999999999,6,1000", "term_months", "must be between 0 and 2,147,483,647"),
        ("1²,6,1000", "term_months", "is not a whole number of months"),
    ],
)
def test_numbers_no_column_can_hold_are_refused_with_the_line_and_column(
    amy, cells, column, reason
):
    text = f"{HEADER}\nW-1,Warehouse,Acme US,2026-01-01,{cells}\n"
    response = amy.post(reverse("lease_import"), upload(text))
    assert response.status_code == 200
    assert f"Line 2, column {column}: " in response.content.decode()
    assert reason in response.content.decode()
    assert not Lease.objects.exists()


def test_a_nul_byte_in_the_chart_of_accounts_import_is_refused(amy):
    text = "number,name,type\n1999,Right-of-use\x00asset,Other Asset\n"
    response = amy.post(reverse("chart_of_accounts"), upload(text))
    assert response.status_code == 200
    assert "Line 2, column name: the value contains a NUL byte" in response.content.decode()
    assert not GLAccount.objects.filter(number="1999").exists()


def test_a_nul_byte_in_a_form_field_is_an_error_on_that_field(amy):
    subsidiary = amy.personas.subsidiary
    data = lease_post(subsidiary, name="New\x00York", **{"payments-0-amount": "1e309"})
    response = amy.post(reverse("lease_create"), data)
    assert response.status_code == 200
    assert "This value contains a NUL byte" in response.content.decode()
    assert not Lease.objects.exists()


@pytest.mark.parametrize(
    "field",
    ["payments-0-rent_free_months", "term_months", "payments-0-escalation_every_months"],
)
def test_a_whole_number_beyond_the_database_range_is_a_field_error(amy, field):
    data = lease_post(amy.personas.subsidiary, **{field: "99999999999"})
    response = amy.post(reverse("lease_create"), data)
    assert response.status_code == 200
    assert not Lease.objects.exists()


def test_a_nul_byte_in_a_select_never_reaches_the_database(amy):
    data = {**lease_post(amy.personas.subsidiary), "subsidiary": "\x00"}
    response = amy.post(reverse("lease_create"), data)
    assert response.status_code == 200 and "contains a NUL byte" in response.content.decode()


def test_a_nul_byte_in_the_address_gets_a_sentence(amy):
    response = amy.get(reverse("integration_log"), {"status": "fail\x00ed"})
    assert response.status_code == 400
    assert "invisible control character" in response.content.decode()


@pytest.mark.parametrize(
    "value", ["1e309", "-1e309", "99999999999999999999", "NaN", "Infinity", "9" * 5000]
)
def test_the_form_base_bounds_numbers_a_form_left_open(value):
    class Open(CleanForm):
        amount = forms.DecimalField(required=False)
        count = forms.IntegerField(required=False)

    form = Open({"amount": value, "count": value})
    assert not form.is_valid()
    assert set(form.errors) == {"amount", "count"}


def test_a_malformed_base_url_is_a_sentence_on_the_settings_page(db):
    personas = make_personas()
    client = Client()
    client.force_login(personas.settings_admin.user)
    for url in ("http://[::1", "https://1234567.app.netsuite.com:99999", "https://x\x00.com"):
        response = client.post(reverse("integration_settings"), {"base_url": url})
        assert response.status_code == 200
        page = response.content.decode()
        assert "is not a valid web address" in page or "contains a NUL byte" in page


def test_cells_and_urls_are_checked_by_the_shared_helpers():
    assert clean_cell("  Warehouse \t") == "Warehouse"
    with pytest.raises(BadValue, match="NUL byte"):
        clean_cell("a\x00")
    assert check_url("https://example.com:8443/x") == "https://example.com:8443/x"
    for bad in ("http://[::1", "https://x:99999", "example.com", "https://"):
        with pytest.raises(BadValue):
            check_url(bad)


def test_the_portfolio_workbook_names_numbers_no_column_can_hold(db):
    personas = make_personas()
    set_up_accounting(personas.company)
    book = Workbook()
    book.remove(book.active)
    for sheet, columns in SHEETS.items():
        ws = book.create_sheet(sheet)
        ws.append([name for name, _ in columns])
    row = {
        "code": "BOS-1",
        "name": "Boston office",
        "subsidiary": "Acme US",
        "commencement_date": "2024-01-01",
        "term_months": "99999999999",
        "useful_life_months": "1²",
        "discount_rate": "6",
    }
    book["leases"].append([row.get(name, "") for name, _ in SHEETS["leases"]])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)

    plan = read_portfolio(out, company=personas.company)

    errors = [str(e) for e in plan.errors]
    assert any("useful_life_months" in e and "is not a whole number" in e for e in errors), errors
    assert any("term_months" in e and "must be between 0 and" in e for e in errors), errors
    assert not Lease.objects.exists()
