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


SUITEQL = "https://123456.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql"


@responses.activate
def test_rest_transport_deletes_by_external_id_and_a_missing_entry_counts_as_deleted(creds):
    url = "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/journalentry"
    responses.delete(f"{url}/eid:E1", status=204)
    responses.delete(
        f"{url}/eid:E2",
        status=404,
        json={
            "o:errorDetails": [
                {"detail": "The record instance does not exist.", "o:errorCode": "NONEXISTENT_ID"}
            ]
        },
    )
    client = NetSuiteClient(creds)
    assert client.delete_journal_entry("E1").status_code == 204
    assert client.delete_journal_entry("E2").status_code == 404  # deleted before: a replay
    assert [c.request.method for c in responses.calls] == ["DELETE", "DELETE"]


@responses.activate
def test_verify_with_soap_and_an_unreachable_wsdl_says_what_is_wrong(creds):
    """The credentials work over REST; the WSDL cannot be read: a sentence, not a crash."""
    from integrations.netsuite.errors import WsdlUnavailableError

    responses.post(SUITEQL, json={"items": [{"id": "1", "name": "HQ"}], "count": 1})
    wsdl = "http://127.0.0.1:9/unreachable/netsuite.wsdl"  # nothing listens there
    responses.add_passthru("http://127.0.0.1:9")
    client = NetSuiteClient(creds, transport="soap", wsdl=wsdl)
    with pytest.raises(WsdlUnavailableError) as caught:
        client.verify_connection()
    error = caught.value
    assert wsdl in error.user_message()
    assert "Choose REST" in error.corrective_action()
    assert not error.retryable
