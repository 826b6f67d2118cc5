"""Fix it opens NetSuite's picker: read from NetSuite first if never read, pre-filled, and back."""

from django.urls import reverse
from django.utils import timezone

from integrations.models import NetSuiteRecord, ReferenceMapping, ReferenceRefresh, RefreshStatus
from integrations.services.discovery import reference_data_refresh
from tests.integrations.factories import connect, set_up_netsuite_accounting
from tests.integrations.test_reference_views import client_for

PICKER = {"kind": "department", "our_value": "Facilities Management"}


def test_opening_the_picker_before_any_refresh_reads_netsuite_and_reloads_when_done(
    personas, sandbox
):
    set_up_netsuite_accounting(personas.company)
    connect(personas.company, sandbox)
    client = client_for(personas.accountant)

    page = client.get(reverse("reference_data"), PICKER).content.decode()

    refresh = ReferenceRefresh.objects.get(company=personas.company)
    assert refresh.status == RefreshStatus.RUNNING
    assert 'hx-get="/settings/integrations/reference-data/status/?waiting=1"' in page
    picker_url = "http://testserver" + reverse("reference_data") + "?kind=department"
    status_url = reverse("reference_data_status") + "?waiting=1"
    running = client.get(status_url, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=picker_url)
    assert "HX-Refresh" not in running.headers
    refresh.delete()
    reference_data_refresh(company=personas.company)  # the worker's part, done here
    done = client.get(status_url, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=picker_url)
    assert done.headers["HX-Refresh"] == "true"
    assert ReferenceRefresh.objects.filter(status=RefreshStatus.RUNNING).count() == 0


def test_the_picker_shows_the_current_mapping_and_saving_returns_to_the_failed_run(
    personas, sandbox
):
    set_up_netsuite_accounting(personas.company)
    connect(personas.company, sandbox)
    reference_data_refresh(company=personas.company)
    ReferenceMapping.objects.create(
        company=personas.company,
        kind="department",
        our_value="Facilities Management",
        netsuite_value="Facilties",  # the typo a free-text box let through
    )
    client = client_for(personas.accountant)
    back = "/integrations/runs/7/errors/"

    page = client.get(reverse("reference_data"), {**PICKER, "return_to": back}).content.decode()
    assert 'value="Facilties"' in page
    assert "Save mapping and go back to the failed sync" in page
    refused = client.post(
        reverse("reference_data"), {**PICKER, "netsuite_record": "Facilties", "return_to": back}
    )
    assert refused.status_code == 200  # a typo is not one of NetSuite's values: not saved
    saved = client.post(
        reverse("reference_data"),
        {**PICKER, "netsuite_record": "Facilities (#2)", "return_to": back},
    )
    assert saved.url == back
    elsewhere = client.post(
        reverse("reference_data"),
        {**PICKER, "netsuite_record": "Facilities (#2)", "return_to": "https://evil.example/"},
    )
    assert elsewhere.url == reverse("reference_data")  # never off to another site


def test_the_picker_offers_only_what_the_entrys_subsidiary_may_use(personas, sandbox):
    set_up_netsuite_accounting(personas.company)
    connect(personas.company, sandbox)
    reference_data_refresh(company=personas.company)
    us = NetSuiteRecord.objects.get(
        company=personas.company, record_type="subsidiary", key="Occupier Demo Inc."
    )
    NetSuiteRecord.objects.create(
        company=personas.company,
        record_type="department",
        internal_id="9001",
        key="UK Facilities",
        subsidiary_ids=[f"{us.internal_id}0"],  # another subsidiary only
        changed_at=timezone.now(),
    )
    client = client_for(personas.accountant)
    everything = client.get(reverse("reference_data"), PICKER).content.decode()
    assert '<option value="UK Facilities (#9001)">' in everything

    page = client.get(
        reverse("reference_data"), {**PICKER, "subsidiary": "Occupier Demo Inc."}
    ).content.decode()

    assert '<option value="UK Facilities (#9001)">' not in page
    assert '<option value="Facilities (#2)">' in page
    assert "The list offers what NetSuite lets Occupier Demo Inc. use." in page
