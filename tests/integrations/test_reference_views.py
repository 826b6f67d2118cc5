"""Reference-data pages: who may see and change them, the picker, and pre-flight in the preview."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from closebooks.models import AccountingPeriod
from closebooks.services import periods_ensure
from integrations.models import ReferenceMapping, ReferenceRefresh, RefreshStatus
from integrations.services.discovery import reference_data_refresh
from tests.integrations.factories import add_lease, connect, set_up_netsuite_accounting
from tests.permissions import AM, A, R, Route, X, check_matrix, everyone


@pytest.fixture
def refreshed(personas, sandbox):
    """The personas' company with a lease in 'Legacy Ops' (inactive in NetSuite), refreshed."""
    company = personas.company
    set_up_netsuite_accounting(company)
    add_lease(company, "HQ-2", department="Legacy Ops")
    connect(company, sandbox)
    reference_data_refresh(company=company)
    return company


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_reference_data_views_answer_each_persona_as_expected(personas, refreshed):
    # Mappings decide where lines post: lease accounting or the settings role, never the
    # operator who only presses Sync (segregation of duties).
    editors = everyone(403, **{A: 200, AM: 200, R: 200, X: 200})
    routes = [
        Route("reference data", lambda p: reverse("reference_data"), editors),
        Route("refresh status", lambda p: reverse("reference_data_status"), editors),
        Route(
            "refresh",
            lambda p: reverse("reference_data_refresh"),
            everyone(403, **{A: 302, X: 302}),
            method="post",
        ),
        Route(
            "map with the picker",
            lambda p: reverse("reference_data"),
            everyone(403, **{A: 302, AM: 302, R: 302, X: 200}),
            method="post",
            data=lambda p: {
                "kind": "department",
                "our_value": "Legacy Ops",
                "netsuite_record": "Facilities (#2)",
            },
        ),
    ]
    assert check_matrix(personas, routes) == []
    # The outsider's company has no discovered records: nothing was mapped there.
    assert not ReferenceMapping.objects.filter(company=personas.other_company).exists()


def test_the_page_lists_the_inactive_department_and_the_picker_fixes_it(personas, refreshed):
    client = client_for(personas.accountant)
    page = client.get(reverse("reference_data")).content.decode()
    assert "Needs attention (1)" in page
    assert "Department &#x27;Legacy Ops&#x27; (internal ID 3) was not found in NetSuite." in page
    assert '<option value="Facilities (#2)">' in page
    assert "Legacy Ops (#3)" not in page  # an inactive record is never offered
    # The card counts NetSuite's record types in words, not by their API names.
    assert "accounting period " in page and "accountingperiod" not in page

    response = client.post(
        reverse("reference_data"),
        {"kind": "department", "our_value": "Legacy Ops", "netsuite_record": "Facilities (#2)"},
    )

    assert response.status_code == 302
    mapping = ReferenceMapping.objects.get(company=refreshed, our_value="Legacy Ops")
    assert (mapping.netsuite_value, mapping.netsuite_internal_id) == ("Facilities", "2")
    assert "Needs attention (0)" in client.get(reverse("reference_data")).content.decode()


def test_the_picker_refuses_an_inactive_or_unknown_record(personas, refreshed):
    client = client_for(personas.settings_admin)
    for text in ("Legacy Ops (#3)", "Nowhere"):
        response = client.post(
            reverse("reference_data"),
            {"kind": "department", "our_value": "Legacy Ops", "netsuite_record": text},
        )
        assert response.status_code == 200
    assert not ReferenceMapping.objects.filter(company=refreshed).exists()


def test_refresh_button_starts_one_refresh_and_the_card_shows_progress(personas, refreshed):
    client = client_for(personas.settings_admin)
    response = client.post(reverse("reference_data_refresh"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Refreshing" in response.content.decode()
    assert 'hx-trigger="every 2s"' in response.content.decode()
    client.post(reverse("reference_data_refresh"))
    assert ReferenceRefresh.objects.filter(status=RefreshStatus.RUNNING).count() == 1


def test_the_close_preview_shows_pre_flight_problems(personas, refreshed):
    periods_ensure(company=refreshed, through=date(2026, 1, 1))
    period = AccountingPeriod.objects.get(company=refreshed, start=date(2026, 1, 1))
    client = client_for(personas.accountant)

    page = client.get(reverse("period_preview", args=[period.pk])).content.decode()

    assert "NetSuite pre-flight" in page
    assert "Department &#x27;Legacy Ops&#x27; (internal ID 3) was not found in NetSuite." in page


def test_an_account_is_checked_only_against_the_subsidiaries_that_post_to_it(personas, sandbox):
    from integrations.services.preflight import mapping_health
    from leases.models import GLAccount, Lease, Subsidiary

    company = personas.company
    set_up_netsuite_accounting(company)
    # "1000" exists in NetSuite for the US subsidiary only.
    cash = GLAccount.objects.create(company=company, number="1000", name="Cash")
    uk = Subsidiary.objects.create(company=company, name="Occupier Demo UK Ltd", currency="GBP")
    us_lease = add_lease(company, "US-1")
    Lease.objects.filter(pk=us_lease.pk).update(cash_clearing_account=cash)
    uk_lease = add_lease(company, "UK-1")  # posts its cash to the default clearing account
    Lease.objects.filter(pk=uk_lease.pk).update(subsidiary=uk)
    connect(company, sandbox)
    reference_data_refresh(company=company)

    def cash_row():
        return next(
            r for r in mapping_health(company) if r.kind == "account" and r.our_value == "1000"
        )

    assert cash_row().status != "not_available"  # only the US posts to it
    Lease.objects.filter(pk=uk_lease.pk).update(cash_clearing_account=cash)
    row = cash_row()
    assert row.status == "not_available"
    assert "Occupier Demo UK Ltd" in row.message
