"""Portfolio import: template imports as-is, errors by sheet/line/column, all or nothing, re-run."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import Workbook

from audit.models import AuditEvent
from closebooks.services import company_go_live_set
from leases.engine.restoration import provision_months
from leases.forms import LeaseForm
from leases.models import (
    Lease,
    LeaseOpeningBalance,
    LeasePayment,
    RentStep,
    Subsidiary,
    VariablePayment,
)
from leases.portfolio import (
    SHEETS,
    _all_terms,
    portfolio_import,
    portfolio_template_xlsx,
    read_portfolio,
)
from leases.selectors import golive_postings
from tests.leases.forms_data import lease_post


@pytest.fixture
def company(personas, subsidiary):
    return company_go_live_set(
        company=personas.company, actor=personas.settings_admin.user, go_live=date(2026, 7, 1)
    )


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


LEASE = {
    "code": "BOS-1",
    "name": "Boston office",
    "subsidiary": "Acme US",
    "commencement_date": "2024-01-01",
    "term_months": 60,
    "standard": "asc842",
    "classification": "operating",
    "discount_rate": "6",
    "status": "active",
}
STREAM = {"lease_code": "BOS-1", "amount": "5000.00", "steps": "2025-01-01=5200.00"}


def test_the_downloaded_template_imports_as_is(company, personas):
    plan = read_portfolio(io.BytesIO(portfolio_template_xlsx(company)), company=company)
    assert [str(e) for e in plan.errors] == []
    assert plan.counts["leases"] == 1 and plan.created == ["EX-001"]
    portfolio_import(company=company, actor=personas.accountant.user, plan=plan)
    lease = Lease.objects.get(company=company, code="EX-001")
    assert lease.payments.get().escalation_value == D("3")
    assert VariablePayment.objects.get(lease=lease).amount == D("450.00")
    assert LeaseOpeningBalance.objects.get(lease=lease).deferred_rent == D("1200.00")


def test_the_template_of_a_company_without_go_live_imports_as_is(personas, subsidiary):
    company = personas.company
    assert company.go_live_date is None
    plan = read_portfolio(io.BytesIO(portfolio_template_xlsx(company)), company=company)
    assert [str(e) for e in plan.errors] == []
    portfolio_import(company=company, actor=personas.accountant.user, plan=plan)
    lease = Lease.objects.get(company=company, code="EX-001")
    assert lease.commencement_date.day == 1
    assert not LeaseOpeningBalance.objects.filter(lease=lease).exists()
    assert VariablePayment.objects.get(lease=lease).period == lease.commencement_date


def test_every_problem_is_reported_by_sheet_line_and_column_and_nothing_is_saved(company):
    bad_lease = dict(LEASE, code="BAD-1", discount_rate="six", subsidiary="Nowhere Ltd")
    plan = read_portfolio(
        workbook(
            leases=[LEASE, bad_lease, dict(LEASE)],
            payment_streams=[STREAM, {"lease_code": "GHOST", "amount": "1"}],
            variable_payments=[
                {"lease_code": "BOS-1", "month": "2026-05", "kind": "cam", "amount": "10"}
            ],
        ),  # fmt: skip
        company=company,
    )
    assert [str(e) for e in plan.errors] == [
        "Sheet leases, line 3, column subsidiary: No subsidiary is named “Nowhere Ltd”.",
        "Sheet leases, line 3, column discount_rate: “six” is not a number.",
        "Sheet leases, line 4, column code: BOS-1 is already on line 2.",
        "Sheet payment_streams, line 3, column lease_code: No lease GHOST on the leases sheet.",
        "Sheet variable_payments, line 2, column month: May 2026 is before go-live; nothing is "
        "posted before it.",
    ]
    assert not Lease.objects.filter(company=company).exists()


def test_opening_balances_are_checked_by_the_engine_and_totals_are_per_subsidiary(company):
    opening = {"lease_code": "BOS-1", "method": "opening_balances", "liability": "1.00",
               "rou_asset": "1.00"}  # fmt: skip
    plan = read_portfolio(
        workbook(leases=[LEASE], payment_streams=[STREAM], opening_balances=[opening]),
        company=company,
    )
    assert len(plan.errors) == 1
    assert str(plan.errors[0]).startswith(
        "Sheet opening_balances, line 2, column opening.liability: The opening liability 1.00"
    )
    plan = read_portfolio(
        workbook(
            leases=[LEASE],
            payment_streams=[STREAM],
            opening_balances=[{"lease_code": "BOS-1", "method": "asc840", "deferred_rent": "900"}],
        ),
        company=company,
    )
    assert plan.ok
    totals = plan.totals[("Acme US", "USD")]
    assert totals.leases == 1
    # 30 remaining payments of 5,200 in advance at 6 % nominal; ROU = liability − 900 accrued.
    assert totals.opening_rou == totals.opening_liability - D("900.00")
    assert D("140000") < totals.opening_liability < D("156000")


def test_a_restoration_provision_without_an_expected_cost_is_refused_with_a_sentence(company):
    """The provision brought in at go-live unwinds to the lease's expected restoration cost: a
    lease row without one gets the cell named with what to do."""
    ifrs = dict(LEASE, standard="ifrs16", classification="")
    rows = [
        {"lease_code": "BOS-1", "method": "ifrs16_liability", "restoration_provision": "8000.00"}
    ]
    plan = read_portfolio(
        workbook(leases=[ifrs], payment_streams=[STREAM], opening_balances=rows), company=company
    )
    assert [str(e) for e in plan.errors] == [
        "Sheet opening_balances, line 2, column restoration_provision: A restoration provision "
        "is brought in only for an IFRS 16 lease with an expected restoration cost: give the "
        "lease's restoration_estimate on the leases sheet, or leave this blank."
    ]
    rows = [{"lease_code": "BOS-1", "method": "ifrs16_liability", "restoration_provision": "-1"}]
    plan = read_portfolio(
        workbook(leases=[ifrs], payment_streams=[STREAM], opening_balances=rows), company=company
    )
    assert [str(e) for e in plan.errors] == [
        "Sheet opening_balances, line 2, column restoration_provision: The restoration "
        "provision cannot be negative."
    ]
    rows = [{"lease_code": "BOS-1", "method": "ifrs16_liability", "restoration_provision": ""}]
    plan = read_portfolio(
        workbook(leases=[ifrs], payment_streams=[STREAM], opening_balances=rows), company=company
    )
    assert plan.ok and plan.opening["BOS-1"]["restoration_provision"] == 0


def test_the_restoration_columns_are_refused_in_the_lease_forms_sentences(company):
    ifrs = dict(LEASE, standard="ifrs16", classification="")
    rows = [
        dict(ifrs, restoration_rate="150"),
        dict(ifrs, code="BOS-2", restoration_rate="5.1234567"),
        dict(ifrs, code="BOS-3", restoration_estimate="-10.00"),
        dict(LEASE, code="BOS-4", restoration_estimate="10000.00"),
    ]
    streams = [dict(STREAM, lease_code=code) for code in ("BOS-1", "BOS-2", "BOS-3", "BOS-4")]
    plan = read_portfolio(workbook(leases=rows, payment_streams=streams), company=company)
    assert [str(e) for e in plan.errors] == [
        "Sheet leases, line 2, column restoration_rate: Enter the restoration discount rate in "
        "percent, from 0 to below 100 (6 for 6 %).",
        "Sheet leases, line 3, column restoration_rate: Enter the restoration discount rate with "
        "at most 6 decimals.",
    ]
    plan = read_portfolio(workbook(leases=rows[2:], payment_streams=streams[2:]), company=company)
    assert [str(e) for e in plan.errors] == [
        "Sheet leases, line 2, column restoration_estimate: Enter the expected cost as a positive "
        "amount with at most 2 decimals.",
        "Sheet leases, line 3, column restoration_estimate: A restoration provision is added to "
        "the right-of-use asset only under IFRS 16; under ASC 842 record an asset retirement "
        "obligation instead.",
    ]
    # The lease form says the same of the rate.
    form = LeaseForm(
        data=lease_post(Subsidiary.objects.get(company=company), restoration_rate="150"),
        company=company,
    )
    assert form.errors["restoration_rate"] == [
        "Enter the restoration discount rate in percent, from 0 to below 100 (6 for 6 %)."
    ]


def _golive_lines(company, code: str) -> list[tuple]:
    entry = golive_postings(company, leases=Lease.objects.filter(company=company, code=code))
    assert entry.problems == []
    return sorted((x.role, x.account_number, x.debit, x.credit) for x in entry.lines)


def test_a_restoration_provision_imports_and_the_go_live_entry_credits_it_as_by_the_form(
    company, personas, client
):
    """An IFRS 16 lease commenced 1 Jan 2024 for 60 months, 10,000 expected at the end at 5 % a
    year: 30 months in, at go-live (1 Jul 2026), the provision is 10,000 / (1 + 5 %/12)^30 by the
    engine's rule. The imported lease and the same lease entered by the lease form and the
    Opening balances page give the same go-live entry, which credits the provision."""
    ifrs = dict(
        LEASE,
        standard="ifrs16",
        classification="",
        restoration_estimate="10000.00",
        restoration_rate="5",
    )
    stream = {"lease_code": "BOS-1", "amount": "5000.00"}
    plan = read_portfolio(workbook(leases=[ifrs], payment_streams=[stream]), company=company)
    assert plan.ok, [str(e) for e in plan.errors]
    terms = _all_terms(plan.leases["BOS-1"], plan.streams["BOS-1"], company.day_count)
    provision = provision_months(terms)[29].closing
    expected = (D("10000") / (1 + D("0.05") / 12) ** 30).quantize(D("0.01"))
    assert provision == expected == D("8827.26")
    opening = {"lease_code": "BOS-1", "method": "ifrs16_liability",
               "restoration_provision": str(provision)}  # fmt: skip
    plan = read_portfolio(
        workbook(leases=[ifrs], payment_streams=[stream], opening_balances=[opening]),
        company=company,
    )
    assert plan.ok, [str(e) for e in plan.errors]
    portfolio_import(company=company, actor=personas.accountant.user, plan=plan)
    imported = Lease.objects.get(company=company, code="BOS-1")
    assert (imported.restoration_estimate, imported.restoration_rate) == (D("10000"), D("5"))
    assert LeaseOpeningBalance.objects.get(lease=imported).restoration_provision == provision
    by_file = _golive_lines(company, "BOS-1")
    assert [x[3] for x in by_file if x[0] == "provision"] == [provision]

    client.force_login(personas.accountant.user)
    subsidiary = Subsidiary.objects.get(company=company)
    created = client.post(
        reverse("lease_create"),
        lease_post(
            subsidiary,
            code="BOS-F",
            commencement_date="2024-01-01",
            term_months="60",
            standard="ifrs16",
            classification="",
            restoration_estimate="10000.00",
            restoration_rate="5",
            **{"payments-0-amount": "5000.00"},
        ),
    )
    assert created.status_code == 302, created.content.decode()
    by_form = Lease.objects.get(company=company, code="BOS-F")
    saved = client.post(
        reverse("lease_opening_balances", args=[by_form.pk]),
        {"method": "ifrs16_liability", "transition_rate": "", "deferred_rent": "",
         "unamortized_incentives": "", "liability": "", "rou_asset": "",
         "accumulated_amortization": "", "restoration_provision": str(provision)},
    )  # fmt: skip
    assert saved.status_code == 302, saved.content.decode()
    Lease.objects.filter(pk=by_form.pk).update(status="active")  # approval is tested elsewhere
    assert _golive_lines(company, "BOS-F") == by_file


def test_a_re_run_updates_by_code_and_refuses_to_rewrite_an_active_lease(company, personas):
    actor = personas.accountant.user
    first = read_portfolio(workbook(leases=[LEASE], payment_streams=[STREAM]), company=company)
    portfolio_import(company=company, actor=actor, plan=first)
    again = read_portfolio(
        workbook(
            leases=[LEASE],
            payment_streams=[STREAM],
            variable_payments=[
                {"lease_code": "BOS-1", "month": "2026-08", "kind": "cam", "amount": "99.00"}
            ],
        ),  # fmt: skip
        company=company,
    )
    assert again.ok and again.unchanged == ["BOS-1"]
    portfolio_import(company=company, actor=actor, plan=again)
    assert Lease.objects.filter(company=company).count() == 1
    assert LeasePayment.objects.count() == 1 and RentStep.objects.count() == 1
    assert VariablePayment.objects.get().amount == D("99.00")
    changed = read_portfolio(
        workbook(leases=[dict(LEASE, term_months=72)], payment_streams=[STREAM]), company=company
    )
    assert [e.column for e in changed.errors] == ["code"]
    assert "is active and its terms differ" in changed.errors[0].message
    assert AuditEvent.objects.filter(action="portfolio.import").count() == 2


def test_a_file_that_is_not_a_workbook_is_refused(company):
    from leases.portfolio import FileRejected

    with pytest.raises(FileRejected, match="not an Excel workbook"):
        read_portfolio(io.BytesIO(b"code,name\n"), company=company)


def test_the_pages_preview_then_import_and_an_outsider_gets_nothing(
    company, personas, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    settings.VAR_DIR = tmp_path
    amy, oscar = Client(), Client()
    amy.force_login(personas.accountant.user)
    oscar.force_login(personas.outsider.user)
    template = amy.get(reverse("portfolio_template"))
    assert template.status_code == 200
    upload = SimpleUploadedFile("p.xlsx", template.content)
    preview = amy.post(reverse("portfolio_upload"), {"file": upload})
    assert preview.status_code == 200 and preview.context["plan"].ok
    assert not Lease.objects.filter(company=company).exists()  # a preview saves nothing
    assert oscar.post(reverse("portfolio_confirm")).status_code in (302, 403, 404)
    assert not Lease.objects.exists()
    done = amy.post(reverse("portfolio_confirm"))
    assert done.status_code == 302
    assert list(Lease.objects.filter(company=company).values_list("code", flat=True)) == ["EX-001"]
    assert list(tmp_path.glob("portfolio-uploads/*.xlsx")) == []


def test_purchase_option_and_standalone_prices_import_and_are_checked(company, personas):
    lease = dict(
        LEASE,
        code="FIN-1",
        commencement_date="2026-08-01",
        classification="finance",
        useful_life_months=72,
        purchase_option_price="8000.00",
        purchase_option_reasonably_certain="yes",
        lease_component_price="90000",
        non_lease_component_price="10000",
    )
    stream = dict(STREAM, lease_code="FIN-1", steps="")
    missing_date = read_portfolio(
        workbook(leases=[lease], payment_streams=[stream]), company=company
    )
    assert [str(e) for e in missing_date.errors] == [
        "Sheet leases, line 2: purchase_option_date: give the date of the purchase option."
    ]
    lease["purchase_option_date"] = "2031-07-31"
    plan = read_portfolio(workbook(leases=[lease], payment_streams=[stream]), company=company)
    assert plan.ok, [str(e) for e in plan.errors]
    portfolio_import(company=company, actor=personas.accountant.user, plan=plan)
    stored = Lease.objects.get(company=company, code="FIN-1")
    assert (stored.purchase_option_price, stored.purchase_option_date) == (
        D("8000.00"),
        date(2031, 7, 31),
    )
    assert stored.non_lease_component_price == D("10000")
    again = read_portfolio(workbook(leases=[lease], payment_streams=[stream]), company=company)
    assert again.unchanged == ["FIN-1"]
