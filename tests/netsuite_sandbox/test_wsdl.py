"""The simulator serves its own WSDL at NetSuite's path; zeep builds NetSuite's envelopes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import requests
from lxml import etree

from netsuite_sandbox.testing import Sandbox
from netsuite_sandbox.wsdl import DOCUMENTS, WSDL_PATH

from .conftest import WSDL as SHARED_WSDL

zeep = pytest.importorskip("zeep")

BINDING = "{urn:platform_2023_2.webservices.netsuite.com}NetSuiteBinding"
MSGS = "urn:messages_2023_2.platform.webservices.netsuite.com"
CORE = "urn:core_2023_2.platform.webservices.netsuite.com"
TRAN = "urn:general_2023_2.transactions.webservices.netsuite.com"
WSDL_NS = {
    "w": "http://schemas.xmlsoap.org/wsdl/",
    "soap": "http://schemas.xmlsoap.org/wsdl/soap/",
}


def test_the_wsdl_and_every_schema_it_imports_are_served_without_a_login(sb: Sandbox) -> None:
    for path in DOCUMENTS:
        response = requests.get(sb.base_url + path, timeout=5)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        etree.fromstring(response.content)  # well-formed
    missing = requests.get(sb.base_url + "/xsd/platform/v2023_2_0/other.xsd", timeout=5)
    assert missing.status_code == 404
    # Fetching descriptions is not an API request: nothing is counted against the account.
    assert sb.request_count() == 0


def test_the_wsdl_names_the_simulators_own_endpoint_and_the_four_operations(sb: Sandbox) -> None:
    root = etree.fromstring(requests.get(sb.base_url + WSDL_PATH, timeout=5).content)

    address = root.find("w:service/w:port/soap:address", WSDL_NS)
    assert address.get("location") == sb.base_url + "/services/NetSuitePort_2023_2"
    operations = [op.get("name") for op in root.findall("w:binding/w:operation", WSDL_NS)]
    assert operations == ["add", "addList", "upsert", "upsertList"]


def _client(location: str) -> Any:
    return zeep.Client(location)


def _journal_entry(client: Any, external_id: str) -> Any:
    core, tran = client.type_factory(CORE), client.type_factory(TRAN)
    return tran.JournalEntry(
        externalId=external_id,
        postingPeriod=core.RecordRef(internalId="104"),
        tranDate=datetime(2025, 4, 30),
        currency=core.RecordRef(internalId="1"),
        subsidiary=core.RecordRef(internalId="1"),
        memo="April rent",
        lineList=tran.JournalEntryLineList(
            line=[
                tran.JournalEntryLine(
                    account=core.RecordRef(internalId="112"),
                    debit=Decimal("250.10"),
                    memo="Rent",
                    department=core.RecordRef(internalId="1"),
                    **{"class": core.RecordRef(internalId="2")},
                    location=core.RecordRef(internalId="3"),
                ),
                tran.JournalEntryLine(
                    account=core.RecordRef(internalId="109"),
                    credit=Decimal("250.10"),
                    entity=core.RecordRef(internalId="501"),
                ),
            ],
            replaceAll=True,
        ),
    )


def _envelope(client: Any, operation: str) -> bytes:
    core = client.type_factory(CORE)
    passport = client.get_element(f"{{{MSGS}}}tokenPassport")(
        account="1234567_SB1",
        consumerKey="ck",
        token="tk",
        nonce="fjaLirsIcCGVZWzBX0pg",
        timestamp=1508242306,
        signature=core.TokenPassportSignature("c2lnbmF0dXJl", algorithm="HMAC-SHA256"),
    )
    service = client.create_service(BINDING, "https://1234567-sb1.suitetalk.api.netsuite.com/x")
    records: Any = [_journal_entry(client, "JE-1"), _journal_entry(client, "JE-2")]
    if not operation.endswith("List"):
        records = records[0]
    message = client.create_message(service, operation, record=records, _soapheaders=[passport])
    return etree.tostring(message)


@pytest.mark.skipif(
    not SHARED_WSDL.exists(), reason="NetSuite's own 2023_2 WSDL is not beside the repository"
)
@pytest.mark.parametrize("operation", ["add", "addList", "upsert", "upsertList"])
def test_our_wsdl_yields_byte_for_byte_the_envelope_netsuites_wsdl_yields(
    sandbox: Sandbox, operation: str
) -> None:
    ours = _envelope(_client(sandbox.base_url + WSDL_PATH), operation)
    netsuites = _envelope(_client(str(SHARED_WSDL)), operation)

    assert ours == netsuites
    assert b'xsi:type="ns7:JournalEntry"' in ours  # the abstract Record made concrete
