"""Verify & Save with SOAP against the simulator: its WSDL passes; a WSDL that loads but is not
NetSuite's fails at Verify with the sentence and nothing is saved; REST accounts never read it."""

from __future__ import annotations

import uuid

import pytest
import responses
from django.test import Client
from django.urls import reverse

from integrations.models import NetSuiteConnection
from integrations.netsuite.soap import forget_loaded_wsdls
from netsuite_sandbox.wsdl import DOCUMENTS, WSDL_PATH, document
from tests.integrations.test_views import _settings_post

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def fresh_process():
    forget_loaded_wsdls()
    yield
    forget_loaded_wsdls()


@pytest.fixture
def broken_wsdl(sandbox, settings):
    """NETSUITE_WSDL set to a WSDL without upsertList (served by `responses`, the simulator's
    own requests passed through). A new address each time: the disk cache is keyed by it."""
    base = f"https://wsdl.example.test/{uuid.uuid4().hex}"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as served:
        served.add_passthru(sandbox.base_url)
        for path in DOCUMENTS:
            text = document(path, base).decode()
            if path == WSDL_PATH:
                start = text.index('<operation name="upsertList">', text.index("<binding"))
                end = text.index("</operation>", start) + len("</operation>")
                text = text[:start] + text[end:]
            served.get(base + path, body=text, content_type="text/xml")
        settings.NETSUITE_WSDL = base + WSDL_PATH
        yield settings.NETSUITE_WSDL, served


def admin_client(personas) -> Client:
    client = Client()
    client.force_login(personas.settings_admin.user)
    return client


def test_soap_with_the_simulators_wsdl_is_verified_and_saved(personas, sandbox):
    response = admin_client(personas).post(
        reverse("integration_settings"), _settings_post(sandbox, transport="soap"), **HTMX
    )

    assert response.headers["HX-Redirect"] == reverse("integration_settings")
    connection = NetSuiteConnection.objects.get()
    assert connection.transport == "soap" and connection.last_verify_ok


def test_soap_with_a_wsdl_that_is_not_netsuites_fails_at_verify(personas, sandbox, broken_wsdl):
    wsdl, served = broken_wsdl

    response = admin_client(personas).post(
        reverse("integration_settings"), _settings_post(sandbox, transport="soap"), **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Verification failed; nothing was saved." in html
    assert (
        f"SOAP cannot be used: the service description (WSDL) at {wsdl} is not NetSuite&#x27;s "
        "SuiteTalk 2023_2 WSDL (it has no upsertList operation)"
    ) in html
    assert "Choose REST (recommended) and press Verify &amp; Save again." in html
    assert not NetSuiteConnection.objects.exists()
    assert sandbox.entries() == []
    assert any(call.request.url == wsdl for call in served.calls)


def test_saved_disabled_the_connection_keeps_the_sentence(personas, sandbox, broken_wsdl):
    data = _settings_post(sandbox, transport="soap", save_disabled_if_unverified="on")

    admin_client(personas).post(reverse("integration_settings"), data)

    connection = NetSuiteConnection.objects.get()
    assert not connection.enabled and connection.last_verify_ok is False
    assert "is not NetSuite's SuiteTalk 2023_2 WSDL" in connection.last_verify_message


def test_a_rest_account_is_verified_without_reading_the_wsdl(personas, sandbox, broken_wsdl):
    wsdl, served = broken_wsdl

    response = admin_client(personas).post(
        reverse("integration_settings"), _settings_post(sandbox), **HTMX
    )

    assert response.headers["HX-Redirect"] == reverse("integration_settings")
    assert NetSuiteConnection.objects.get().last_verify_ok
    assert not [call for call in served.calls if call.request.url.startswith(wsdl)]
