"""Saved NetSuite credentials go only to NetSuite, or to the simulator the server names."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from integrations.models import NetSuiteConnection
from integrations.netsuite.client import NetSuiteClient
from integrations.netsuite.credentials import NetSuiteCredentials
from integrations.netsuite.errors import NetSuiteError
from integrations.netsuite.hosts import AddressNotAllowedError, check_base_url
from integrations.netsuite.retry import NO_RETRY
from integrations.services.connection import connection_save, connection_verify
from tests.factories import make_personas
from tests.security.listener import listening

KEYS = {
    "consumer_key": "a" * 64,
    "consumer_secret": "b" * 64,
    "token_id": "c" * 64,
    "token_secret": "d" * 64,
}


def settings_form(base_url: str) -> dict:
    return {
        "enabled": "on",
        "account_id": "1234567_SB1",
        **KEYS,
        "transport": "rest",
        "concurrency_limit": "4",
        "base_url": base_url,
    }


@pytest.mark.parametrize(
    "url",
    [
        "https://1234567-sb1.suitetalk.api.netsuite.com",
        "https://1234567.app.netsuite.com/",
        "https://tstdrv99.restlets.api.netsuite.com:443",
    ],
)
def test_netsuite_own_domains_are_accepted(url):
    assert check_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8765", "127.0.0.1 is not a NetSuite address"),
        ("http://169.254.169.254", "169.254.169.254 is not a NetSuite address"),
        ("https://evil.example.com", "evil.example.com is not a NetSuite address"),
        ("http://1234567.suitetalk.api.netsuite.com", "is not a NetSuite address"),
        ("https://1234567.suitetalk.api.netsuite.com.evil.com", "is not a NetSuite address"),
        ("https://1234567.suitetalk.api.netsuite.com:8443", "is not a NetSuite address"),
        ("https://x@1234567.app.netsuite.com", "must not contain a user name"),
        ("https://1234567.app.netsuite.com/path", "only the scheme and host"),
        ("https://1234567.app.netsuite.com:99999", "is not a valid web address"),
        ("http://[::1", "is not a valid web address"),
        ("https://1234567.app.netsuite.com\x00", "contains spaces"),
    ],
)
def test_other_addresses_are_refused_with_the_reason(url, reason):
    with pytest.raises(AddressNotAllowedError) as refused:
        check_base_url(url)
    assert reason in refused.value.user_message()


def test_the_simulator_address_is_allowed_only_when_the_server_names_it():
    assert check_base_url("http://127.0.0.1:8765/", simulator_urls=["http://127.0.0.1:8765"])
    with pytest.raises(AddressNotAllowedError):
        check_base_url("http://127.0.0.1:8766", simulator_urls=["http://127.0.0.1:8765"])


def test_a_page_cannot_point_verify_at_another_host_and_nothing_is_sent(db, settings):
    settings.NETSUITE_SANDBOX_URL = ""
    personas = make_personas()
    client = Client()
    client.force_login(personas.settings_admin.user)
    with listening() as listener:
        response = client.post(reverse("integration_settings"), settings_form(listener.url))
    assert response.status_code == 200
    assert "127.0.0.1 is not a NetSuite address" in response.content.decode()
    assert listener.requests == []
    assert not NetSuiteConnection.objects.exists()
    assert not AuditEvent.objects.filter(action="integration.settings").exists()


def test_a_stored_address_that_is_not_allowed_receives_nothing(db, settings):
    personas = make_personas()
    with listening() as listener:
        settings.NETSUITE_SANDBOX_URL = listener.url
        connection = connection_save(
            company=personas.company,
            actor=None,
            account_id="1234567_SB1",
            secrets=KEYS,
            transport="rest",
            concurrency_limit=4,
            enabled=True,
            base_url=listener.url,
        )
        # The server setting is taken away: the stored override is refused before any request.
        settings.NETSUITE_SANDBOX_URL = ""
        outcome = connection_verify(
            connection, NetSuiteCredentials.from_input(account_id="1234567_SB1", **KEYS)
        )
        with pytest.raises(AddressNotAllowedError):
            connection_save(
                company=personas.company,
                actor=None,
                account_id="1234567_SB1",
                secrets={},
                transport="rest",
                concurrency_limit=4,
                enabled=True,
                base_url=listener.url,
            )
    assert not outcome.ok and "is not a NetSuite address" in outcome.message
    assert listener.requests == []


@pytest.mark.parametrize("transport", ["rest", "soap"])
def test_a_redirect_is_never_followed_with_the_credentials(transport, tmp_path):
    creds = NetSuiteCredentials.from_input(account_id="1234567_SB1", **KEYS)
    with listening() as elsewhere, listening(redirect_to=elsewhere.url) as first:
        client = NetSuiteClient(creds, transport=transport, base_url=first.url)
        client.rest.retry_policy = client.soap.retry_policy = NO_RETRY
        # The envelope's content does not matter here (it carries the token passport).
        client.soap.build_envelope = lambda operation, records: b"<passport/>"
        with pytest.raises(NetSuiteError):
            if transport == "rest":
                client.verify_connection()
            else:
                client.soap._call("upsertList", list, [])  # records built per attempt
    assert len(first.requests) == 1
    assert elsewhere.requests == []


def test_a_sync_to_a_stored_address_no_longer_allowed_fails_with_the_reason(db, settings):
    from integrations.models import SyncRun
    from integrations.services.sync import period_sync_start, sync_run_process
    from tests.integrations.factories import (
        add_lease,
        close_first_period,
        set_up_netsuite_accounting,
    )

    personas = make_personas()
    set_up_netsuite_accounting(personas.company)
    add_lease(personas.company, "L-1")
    with listening() as listener:
        settings.NETSUITE_SANDBOX_URL = listener.url
        connection_save(
            company=personas.company,
            actor=None,
            account_id="1234567_SB1",
            secrets=KEYS,
            transport="rest",
            concurrency_limit=4,
            enabled=True,
            base_url=listener.url,
        )
        period = close_first_period(personas.company)
        run = period_sync_start(period=period, actor=None, enqueue=lambda run_id: None)
        settings.NETSUITE_SANDBOX_URL = ""

        sync_run_process(run.pk)

    run = SyncRun.objects.get(pk=run.pk)
    assert run.status == "failed"
    assert "is not a NetSuite address" in run.message + " ".join(
        e.error_message for e in run.entries.all()
    )
    assert listener.requests == []
