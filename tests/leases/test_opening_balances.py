"""Editing a go-live lease's opening balances before the first close, and its schedule export."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from closebooks.models import AccountingPeriod
from closebooks.services import company_go_live_set, period_close, periods_ensure
from leases.models import Lease, LeaseOpeningBalance
from tests.leases.factories import make_lease, set_up_accounting
from tests.permissions import AM, OP, A, M, R, Route, X, check_matrix

# A finance lease from Jul 2024 (48 months of 1,000.00 in advance at 6 %) as a previous system
# left it at the Jul 2026 go-live: the liability is the present value of the 24 payments left
# (the same figures as tests/closebooks/test_golive.py).
BALANCES = {
    "method": "opening_balances",
    "transition_rate": "",
    "deferred_rent": "",
    "unamortized_incentives": "",
    "liability": "22675.68",
    "rou_asset": "21396.61",
    "accumulated_amortization": "21396.61",
}


@pytest.fixture
def old_lease(personas):
    set_up_accounting(personas.company)
    lease = make_lease(
        personas.company,
        code="OLD-FIN",
        commencement=date(2024, 7, 1),
        term_months=48,
        classification="finance",
        useful_life_months=48,
        status="draft",
    )
    company_go_live_set(
        company=personas.company, actor=personas.settings_admin.user, go_live=date(2026, 7, 1)
    )
    personas.company.refresh_from_db()
    return lease


def _client(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def _url(lease) -> str:
    return reverse("lease_opening_balances", args=[lease.pk])


def test_the_accountant_enters_balances_from_the_previous_system(personas, old_lease):
    amy = _client(personas.accountant)
    page = amy.get(reverse("lease_detail", args=[old_lease.pk])).content.decode()
    assert "Edit opening balances" in page and "not in this product" in page
    assert "balances at go-live do not fit its terms yet" in page
    # Before any balance is entered the page says why the company's method does not fit.
    form = amy.get(_url(old_lease)).content.decode()
    assert "The company&#x27;s method: ASC 840 → ASC 842" in form
    assert "bring it in with opening balances" in form
    response = amy.post(_url(old_lease), BALANCES)
    assert response.status_code == 302
    opening = LeaseOpeningBalance.objects.get(lease=old_lease)
    assert (opening.liability, opening.rou_asset, opening.accumulated_amortization) == (
        Decimal("22675.68"),
        Decimal("21396.61"),
        Decimal("21396.61"),
    )
    event = AuditEvent.objects.get(action="lease.opening_balances")
    assert not event.before and event.after["liability"] == "22675.68"
    page = amy.get(reverse("lease_detail", args=[old_lease.pk])).content.decode()
    # The asset at cost: net 21,396.61 plus accumulated amortization 21,396.61.
    assert "42,793.22 USD" in page and "22,675.68 USD" in page
    # The audit trail reads as sentences, fields by name.
    assert "Changed the lease&#x27;s opening balances" in page
    assert "<b>Opening lease liability</b>: — → 22,675.68" in page


def test_a_liability_that_is_not_the_remaining_payments_value_is_refused_beside_it(
    personas, old_lease
):
    amy = _client(personas.accountant)
    response = amy.post(_url(old_lease), BALANCES | {"liability": "30000.00"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "is not the present value of the remaining payments" in body
    assert not LeaseOpeningBalance.objects.filter(lease=old_lease).exists()
    assert not AuditEvent.objects.filter(action="lease.opening_balances").exists()


def test_on_an_active_lease_a_colleague_approves_the_new_balances(personas, old_lease):
    Lease.objects.filter(pk=old_lease.pk).update(status="active")
    _client(personas.accountant).post(_url(old_lease), BALANCES)
    old_lease.refresh_from_db()
    assert old_lease.changes_pending_by == personas.accountant.user
    assert old_lease.changes_pending_since is not None


def test_once_the_go_live_month_is_closed_the_balances_are_frozen(personas, old_lease):
    amy = _client(personas.accountant)
    amy.post(_url(old_lease), BALANCES)
    Lease.objects.filter(pk=old_lease.pk).update(status="active")
    periods_ensure(company=personas.company, through=date(2026, 7, 1))
    july = AccountingPeriod.objects.get(company=personas.company, start=date(2026, 7, 1))
    period_close(period=july, actor=personas.accountant.user)
    before = AuditEvent.objects.count()
    page = amy.get(_url(old_lease)).content.decode()
    assert (
        "Jul 2026, the go-live month, is closed" in page and "<form" not in page.split("<main")[1]
    )
    response = amy.post(_url(old_lease), BALANCES | {"liability": "22675.00"})
    assert response.status_code == 200
    assert LeaseOpeningBalance.objects.get(lease=old_lease).liability == Decimal("22675.68")
    assert AuditEvent.objects.count() == before
    detail = amy.get(reverse("lease_detail", args=[old_lease.pk])).content.decode()
    assert "Edit opening balances" not in detail and "is closed" in detail


def test_a_lease_measured_from_commencement_has_no_opening_balances(personas, old_lease):
    new = make_lease(personas.company, code="NEW", commencement=date(2026, 8, 1))
    amy = _client(personas.accountant)
    page = amy.get(_url(new)).content.decode()
    assert "measured from commencement and has no opening balances" in page
    amy.post(_url(new), BALANCES)
    assert not LeaseOpeningBalance.objects.filter(lease=new).exists()
    assert (
        "Edit opening balances"
        not in amy.get(reverse("lease_detail", args=[new.pk])).content.decode()
    )


def test_only_lease_accountants_of_the_company_reach_the_page(personas, old_lease):
    people = {A: 403, AM: 200, OP: 403, R: 200, M: 403, X: 404}
    routes = [Route("opening balances", lambda p: _url(old_lease), people)]
    routes.append(Route("opening balances (POST)", lambda p: _url(old_lease), people, "post"))
    assert check_matrix(personas, routes) == []
    assert not LeaseOpeningBalance.objects.exists()


def test_the_schedule_export_of_a_go_live_lease_starts_at_go_live_and_says_so(personas, old_lease):
    amy = _client(personas.accountant)
    amy.post(_url(old_lease), BALANCES)
    rows = list(
        csv.reader(
            io.StringIO(
                amy.get(reverse("lease_schedule_csv", args=[old_lease.pk])).content.decode()
            )
        )
    )
    assert rows[1][0] == "2026-07" and len(rows) == 1 + 24
    assert rows[1][1] == "22675.68"  # the opening liability brought in
    response = amy.get(reverse("lease_schedule_xlsx", args=[old_lease.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, max_row=9, values_only=True)}
    assert header["Brought in at go-live"] == (
        "Commenced 1 Jul 2024; the schedule starts at go-live (Jul 2026). "
        "The months before were in the previous books."
    )
