"""Report pages: who may see them, every format, links to what is behind each figure."""

from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

PAGES = [
    ("reports_index", ""),
    ("reports_rollforward", "?start=2026-01&end=2026-03&group=subsidiary"),
    ("reports_rollforward", "?start=2026-01&end=2026-03&group=lease"),
    ("reports_disclosures", "?year=2026"),
    ("reports_register", "?start=2026-01&end=2026-03"),
    ("reports_trial_balance", "?period=2026-03"),
    ("reports_tieout_list", ""),
]


def login(client, membership):
    client.force_login(membership.user)
    return client


@pytest.mark.parametrize(("name", "query"), PAGES)
def test_the_accountant_sees_every_report_and_others_are_refused(client, books, name, query):
    from django.urls import reverse

    url = reverse(name) + query
    assert login(client, books.accountant).get(url).status_code == 200
    client.logout()
    assert login(client, books.integrations_operator).get(url).status_code == 403
    client.logout()
    assert login(client, books.read_only).get(url).status_code == 403


def test_rollforward_page_says_it_reconciles_and_links_each_group_to_its_leases(client, books):
    page = login(client, books.accountant).get(
        "/accounting/reports/roll-forward/?start=2026-01&end=2026-03"
    )
    text = page.content.decode()
    assert "equal the posted journal entries" in text
    assert "group=lease" in text and "subsidiary=Acme+US" in text
    assert "journal-register/?start=2026-01&amp;end=2026-03" in text


@pytest.mark.parametrize(
    ("path", "sheets"),
    [
        ("roll-forward/?start=2026-01&end=2026-03", ["Roll-forward", "Reconciliation"]),
        ("disclosures/?year=2026", ["ASC 842 USD", "Maturity ASC 842 USD"]),
        ("journal-register/?start=2026-01&end=2026-03", ["Entries", "Lines"]),
        ("trial-balance/?period=2026-03", ["Trial balance"]),
    ],
)
def test_every_report_exports_a_workbook_with_parameters_and_frozen_headers(
    client, books, path, sheets
):
    response = login(client, books.accountant).get(f"/accounting/reports/{path}&format=xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == sheets
    sheet = book[sheets[0]]
    assert sheet["A2"].value == "Company" and sheet["B2"].value == books.company.name
    assert sheet.freeze_panes is not None and sheet.freeze_panes != "A1"


def test_disclosure_figures_link_to_the_leases_behind_them(client, books):
    page = login(client, books.accountant).get("/accounting/reports/disclosures/?year=2026")
    text = page.content.decode()
    assert "group=lease&amp;classification=operating" in text
    assert "classification=finance&amp;sort=-closing_liability" in text  # the maturity figures
    assert "No short-term lease cost recorded" in text


def test_print_view_renders_without_the_export_links(client, books):
    page = login(client, books.accountant).get(
        "/accounting/reports/trial-balance/?period=2026-03&format=print"
    )
    assert b"print-layout" in page.content


def test_bad_parameters_get_a_sentence_not_an_error(client, books):
    page = login(client, books.accountant).get(
        "/accounting/reports/roll-forward/?start=2026-05&end=2026-01"
    )
    assert page.status_code == 400
    assert "must not be after" in page.content.decode()


def test_register_lists_entries_with_lines_in_a_fixed_number_of_queries(client, books):
    login(client, books.accountant)
    url = "/accounting/reports/journal-register/?start=2026-01&end=2026-03"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    from tests.reports.conftest import APR, close_through

    close_through(books.company, APR, books.accountant.user)
    with CaptureQueriesContext(connection) as more:
        client.get(url.replace("2026-03", "2026-04"))
    assert len(more) == len(few) <= 12


def test_ifrs16_variable_expense_links_to_the_leases_and_entries_behind_it(client, personas):
    from datetime import date
    from decimal import Decimal

    from leases.models import VariablePayment
    from tests.leases.factories import make_lease, set_up_accounting

    set_up_accounting(personas.company)
    lease = make_lease(personas.company, code="R-1", standard="ifrs16", classification="")
    kind = VariablePayment._meta.get_field("kind").choices[0][0]
    VariablePayment.objects.create(lease=lease, period=date(2026, 2, 1), kind=kind,
                                   amount=Decimal("250.00"))  # fmt: skip
    page = login(client, personas.accountant).get("/accounting/reports/disclosures/?year=2026")
    text = page.content.decode()
    row = text[text.index("Expense relating to variable lease payments") :].split("</tr>")[0]
    from django.urls import reverse

    assert "group=lease&amp;classification=ifrs16" in row and "250.00</a>" in row
    assert reverse("reports_register") in row and ">1 lease</a>" in row
