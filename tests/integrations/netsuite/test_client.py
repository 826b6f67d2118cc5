"""The facade: transport choice, base URL override and the View in Integration link."""

from __future__ import annotations

import pytest
import responses

from integrations.netsuite.client import NetSuiteClient

from .factories import make_entry


def test_journal_entry_url_uses_the_app_host(sandbox_creds):
    client = NetSuiteClient(sandbox_creds)
    assert client.journal_entry_url("9001") == (
        "https://1234567-sb1.app.netsuite.com/app/accounting/transactions/journal.nl?id=9001"
    )


def test_journal_entry_url_follows_the_override(creds):
    client = NetSuiteClient(creds, base_url="http://127.0.0.1:8765")
    assert client.journal_entry_url("5") == (
        "http://127.0.0.1:8765/app/accounting/transactions/journal.nl?id=5"
    )
    assert client.soap.endpoint == "http://127.0.0.1:8765/services/NetSuitePort_2023_2"


def test_unknown_transport_is_refused(creds):
    with pytest.raises(ValueError):
        NetSuiteClient(creds, transport="graphql")


@responses.activate
def test_rest_transport_upserts_over_rest(creds):
    url = "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/journalentry"
    responses.put(f"{url}/eid:E1", status=204, headers={"Location": f"{url}/31"})
    result = NetSuiteClient(creds).upsert_journal_entry(make_entry("E1"))
    assert result.internal_id == "31" and result.transport == "rest"
