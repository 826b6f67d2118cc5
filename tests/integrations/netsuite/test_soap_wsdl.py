"""Where the SOAP client reads the WSDL (the account's own host), how it caches it, and failures."""

from __future__ import annotations

import pytest
import requests
import responses

from integrations.netsuite.errors import WsdlUnavailableError
from integrations.netsuite.payload import JournalEntryData
from integrations.netsuite.soap import SoapClient, forget_loaded_wsdls, load_wsdl
from netsuite_sandbox.wsdl import DOCUMENTS, document

from .factories import make_entry

HOST = "https://1234567-sb1.suitetalk.api.netsuite.com"
WSDL_URL = f"{HOST}/wsdl/v2023_2_0/netsuite.wsdl"


@pytest.fixture(autouse=True)
def fresh_process():
    """Each test starts as a new worker would: nothing loaded in memory."""
    forget_loaded_wsdls()
    yield
    forget_loaded_wsdls()


def serve_documents(host: str = HOST) -> None:
    """NetSuite's host answering the WSDL and its schemas (the simulator's own files)."""
    for path in DOCUMENTS:
        responses.get(host + path, body=document(path, host), content_type="text/xml")


def fetched(rsps=responses) -> list[str]:
    return [call.request.url for call in rsps.calls if call.request.method == "GET"]


def test_the_wsdl_is_read_from_the_accounts_own_host_unless_overridden(sandbox_creds):
    assert SoapClient(sandbox_creds).wsdl == WSDL_URL
    simulator = SoapClient(sandbox_creds, base_url="http://127.0.0.1:8123/")
    assert simulator.wsdl == "http://127.0.0.1:8123/wsdl/v2023_2_0/netsuite.wsdl"
    assert simulator.endpoint == "http://127.0.0.1:8123/services/NetSuitePort_2023_2"
    override = SoapClient(sandbox_creds, wsdl="/srv/netsuite.wsdl")
    assert override.wsdl == "/srv/netsuite.wsdl"


@responses.activate
def test_the_wsdl_is_fetched_once_then_served_from_the_disk_cache_until_it_expires(tmp_path):
    serve_documents()

    load_wsdl(WSDL_URL, cache_dir=tmp_path)
    # The WSDL and the four schemas it imports, each once.
    assert sorted(fetched()) == sorted(HOST + path for path in DOCUMENTS)

    load_wsdl(WSDL_URL, cache_dir=tmp_path)  # same process: the parsed client is reused
    forget_loaded_wsdls()
    load_wsdl(WSDL_URL, cache_dir=tmp_path)  # a restarted worker: read from the disk cache
    assert len(fetched()) == len(DOCUMENTS)

    forget_loaded_wsdls()
    load_wsdl(WSDL_URL, cache_dir=tmp_path, ttl_s=0)  # expired: fetched again
    assert len(fetched()) == 2 * len(DOCUMENTS)


@responses.activate
def test_two_clients_for_one_account_share_one_load(sandbox_creds, tmp_path):
    serve_documents()
    first = SoapClient(sandbox_creds, wsdl_cache_dir=tmp_path)
    second = SoapClient(sandbox_creds, wsdl_cache_dir=tmp_path)

    assert first.zeep_client is second.zeep_client
    assert len(fetched()) == len(DOCUMENTS)


@responses.activate
@pytest.mark.parametrize(
    ("answer", "cause"),
    [
        ({"status": 404, "body": "Not Found"}, "HTTP 404"),
        ({"status": 200, "body": "<html><body>Log in</body>"}, "not a WSDL document"),
        ({"body": requests.ConnectionError("refused")}, "could not connect"),
    ],
    ids=["missing", "a login page", "unreachable"],
)
def test_a_wsdl_that_cannot_be_loaded_is_a_typed_error_with_a_sentence(
    sandbox_creds, tmp_path, answer, cause
):
    responses.get(WSDL_URL, **answer)
    client = SoapClient(sandbox_creds, wsdl_cache_dir=tmp_path)

    with pytest.raises(WsdlUnavailableError) as caught:
        client.upsert_journal_entry(make_entry())

    error = caught.value
    assert error.detail == f"The SOAP WSDL at {WSDL_URL} could not be loaded ({cause})."
    assert error.user_message() == (
        "SOAP cannot be used: NetSuite's SOAP service description (WSDL) at "
        f"{WSDL_URL} could not be loaded."
    )
    assert error.corrective_action().startswith("Choose REST (recommended), or check that")
    assert not error.retryable
    # Nothing was posted: the envelope is built from the WSDL before anything is sent.
    assert [c.request.method for c in responses.calls] == ["GET"]


@responses.activate
def test_a_failed_load_is_not_remembered_so_the_next_attempt_tries_again(sandbox_creds, tmp_path):
    responses.get(WSDL_URL, status=503)
    client = SoapClient(sandbox_creds, wsdl_cache_dir=tmp_path)
    with pytest.raises(WsdlUnavailableError):
        _ = client.zeep_client

    responses.reset()
    serve_documents()
    entry: JournalEntryData = make_entry()
    body = SoapClient(sandbox_creds, wsdl_cache_dir=tmp_path).build_envelope("upsert", [entry])
    assert f'externalId="{entry.external_id}"'.encode() in body
