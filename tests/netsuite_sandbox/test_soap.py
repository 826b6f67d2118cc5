"""SOAP 2023_2 endpoint: requests built and replies parsed by zeep with the simulator's own WSDL."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest

from netsuite_sandbox.oauth import passport_signature
from netsuite_sandbox.testing import Sandbox
from netsuite_sandbox.wsdl import WSDL_PATH

zeep = pytest.importorskip("zeep")

BINDING = "{urn:platform_2023_2.webservices.netsuite.com}NetSuiteBinding"
CORE = "urn:core_2023_2.platform.webservices.netsuite.com"
TRAN = "urn:general_2023_2.transactions.webservices.netsuite.com"
FAULTS = "urn:faults_2023_2.platform.webservices.netsuite.com"


@pytest.fixture(scope="module")
def client(sandbox: Sandbox) -> Any:
    """zeep reads the WSDL and schemas the simulator serves, as it would read NetSuite's."""
    return zeep.Client(sandbox.base_url + WSDL_PATH)


@pytest.fixture
def soap(client: Any, sb: Sandbox) -> Iterator[Any]:
    yield client.create_service(BINDING, sb.base_url + "/services/NetSuitePort_2023_2")


def passport(client: Any, sb: Sandbox, *, account: str | None = None, tamper: bool = False) -> Any:
    core = client.type_factory(CORE)
    account = account or sb.account_id
    nonce, timestamp = secrets.token_hex(10), str(int(time.time()))
    signature = passport_signature(
        account, sb.consumer_key, sb.token_id, nonce, timestamp, sb.consumer_secret, sb.token_secret
    )
    if tamper:
        signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    return core.TokenPassport(
        account=account,
        consumerKey=sb.consumer_key,
        token=sb.token_id,
        nonce=nonce,
        timestamp=timestamp,
        signature=core.TokenPassportSignature(signature, algorithm="HMAC-SHA256"),
    )


def entry(client: Any, external_id: str, department: str | None = None, amount: float = 250.0):
    core, tran = client.type_factory(CORE), client.type_factory(TRAN)
    dept = core.RecordRef(internalId=department) if department else None
    return tran.JournalEntry(
        externalId=external_id,
        subsidiary=core.RecordRef(internalId="1"),
        tranDate="2025-04-30T00:00:00",
        memo="April rent",
        lineList=tran.JournalEntryLineList(
            line=[
                tran.JournalEntryLine(
                    account=core.RecordRef(internalId="112"), debit=amount, department=dept
                ),
                tran.JournalEntryLine(account=core.RecordRef(internalId="109"), credit=amount),
            ]
        ),
    )


def call(client: Any, soap: Any, sb: Sandbox, operation: str, **kwargs: Any) -> Any:
    return getattr(soap, operation)(**kwargs, _soapheaders={"tokenPassport": passport(client, sb)})


def test_add_returns_write_response_with_base_ref(client, soap, sb: Sandbox) -> None:
    reply = call(client, soap, sb, "add", record=entry(client, "SOAP-1"))

    result = reply.body.writeResponse
    assert result.status.isSuccess is True
    assert result.baseRef.type == "journalEntry"
    assert reply.header.documentInfo.nsId.startswith("WEBSERVICES_1234567_SB1_")
    stored = sb.entry_by_external_id("SOAP-1")
    assert stored["id"] == int(result.baseRef.internalId)
    assert stored["postingPeriod"] == 104
    assert stored["totalDebit"] == "250.00"


def test_upsert_twice_updates_one_entry(client, soap, sb: Sandbox) -> None:
    first = call(client, soap, sb, "upsert", record=entry(client, "SOAP-2"))
    second = call(client, soap, sb, "upsert", record=entry(client, "SOAP-2", amount=300.0))

    assert (
        first.body.writeResponse.baseRef.internalId == second.body.writeResponse.baseRef.internalId
    )
    assert second.body.writeResponse.baseRef.externalId == "SOAP-2"
    (stored,) = sb.entries()
    assert [line["debit"] for line in stored["lines"]] == ["300.00", None]


def test_add_list_reports_each_record(client, soap, sb: Sandbox) -> None:
    records = [entry(client, "SOAP-3"), entry(client, "SOAP-4", department="4")]
    reply = call(client, soap, sb, "addList", record=records)

    ok, bad = reply.body.writeResponseList.writeResponse
    assert ok.status.isSuccess is True
    assert bad.status.isSuccess is False
    (detail,) = bad.status.statusDetail
    assert (detail.type, detail.code, detail.message) == (
        "ERROR",
        "INVALID_KEY_OR_REF",
        "Invalid department reference key 4 for subsidiary 1.",
    )
    assert [e["externalId"] for e in sb.entries()] == ["SOAP-3"]


def test_upsert_list_and_duplicate_add(client, soap, sb: Sandbox) -> None:
    reply = call(client, soap, sb, "upsertList", record=[entry(client, "SOAP-5")] * 2)
    statuses = [w.status.isSuccess for w in reply.body.writeResponseList.writeResponse]
    duplicate = call(client, soap, sb, "add", record=entry(client, "SOAP-5"))

    assert statuses == [True, True]
    assert len(sb.entries()) == 1
    assert duplicate.body.writeResponse.status.statusDetail[0].code == "DUP_RCRD"


def fault_detail(client: Any, exc: Any, element: str) -> Any:
    (node,) = [n for n in exc.detail if n.tag == f"{{{FAULTS}}}{element}"]
    return client.get_element(f"{{{FAULTS}}}{element}").parse(node, client.wsdl.types)


@pytest.mark.parametrize("case", ["bad signature", "lower-case account"])
def test_bad_passport_is_invalid_credentials_fault(client, soap, sb: Sandbox, case: str) -> None:
    if case == "bad signature":
        header = passport(client, sb, tamper=True)
    else:
        header = passport(client, sb, account=sb.account_id.lower())

    with pytest.raises(zeep.exceptions.Fault) as info:
        soap.add(record=entry(client, "SOAP-X"), _soapheaders={"tokenPassport": header})

    assert info.value.code == "soapenv:Server.userException"
    assert info.value.message == "Invalid login attempt."
    detail = fault_detail(client, info.value, "invalidCredentialsFault")
    assert (detail.code, detail.message) == ("USER_ERROR", "Invalid login attempt.")
    assert sb.entries() == []


def test_governance_refusal_is_exceeded_concurrent_request_limit_fault(
    client, soap, sb: Sandbox
) -> None:
    sb.set_faults(burst_429=1)
    with pytest.raises(zeep.exceptions.Fault) as info:
        call(client, soap, sb, "add", record=entry(client, "SOAP-G"))
    detail = fault_detail(client, info.value, "exceededConcurrentRequestLimitFault")
    assert detail.code == "WS_REQUEST_BLOCKED"
    assert sb.entries() == []
    # The burst is over: the next call goes through.
    assert call(
        client, soap, sb, "add", record=entry(client, "SOAP-G")
    ).body.writeResponse.status.isSuccess
