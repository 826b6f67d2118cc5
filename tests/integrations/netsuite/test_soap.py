"""SOAP client: the envelope written from a 2023_2 WSDL, and writeResponse parsing."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
import responses
from lxml import etree

from integrations.netsuite.errors import (
    AuthenticationError,
    InvalidJournalEntryError,
    PermissionDeniedError,
    RateLimitedError,
    RecordValidationError,
    TransientError,
)
from integrations.netsuite.payload import JournalLineData
from integrations.netsuite.retry import RetryPolicy
from integrations.netsuite.signing import passport_signature
from integrations.netsuite.soap import SoapClient
from netsuite_sandbox.wsdl import WSDL_FILE

from .conftest import (
    ORACLE_CONSUMER_KEY,
    ORACLE_CONSUMER_SECRET,
    ORACLE_TOKEN_ID,
    ORACLE_TOKEN_SECRET,
)
from .factories import make_entry

# The simulator's own WSDL, read from disk: test_wsdl.py in tests/netsuite_sandbox shows it
# yields byte for byte the envelopes NetSuite's own 2023_2 WSDL yields.
WSDL = WSDL_FILE
ENDPOINT = "https://1234567-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2023_2"
NS = {
    "soap": "http://schemas.xmlsoap.org/soap/envelope/",
    "msg": "urn:messages_2023_2.platform.webservices.netsuite.com",
    "core": "urn:core_2023_2.platform.webservices.netsuite.com",
    "tran": "urn:general_2023_2.transactions.webservices.netsuite.com",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def soap(sandbox_creds, sleeps) -> SoapClient:
    return SoapClient(
        sandbox_creds,
        wsdl=str(WSDL),
        nonce_factory=lambda: "fjaLirsIcCGVZWzBX0pg",
        clock=lambda: 1508242306,
        sleep=sleeps.append,
        rng=random.Random(1),
        retry_policy=RetryPolicy(max_attempts=3, base_delay_s=0.1),
    )


def write_response(
    success: bool, internal_id: str | None = None, code: str = "", message: str = ""
) -> str:
    if success:
        return (
            '<writeResponse><platformCore:status isSuccess="true" '
            'xmlns:platformCore="urn:core_2023_2.platform.webservices.netsuite.com"/>'
            f'<baseRef internalId="{internal_id}" externalId="x" type="journalEntry" '
            'xsi:type="platformCore:RecordRef" '
            'xmlns:platformCore="urn:core_2023_2.platform.webservices.netsuite.com"/>'
            "</writeResponse>"
        )
    return (
        '<writeResponse><platformCore:status isSuccess="false" '
        'xmlns:platformCore="urn:core_2023_2.platform.webservices.netsuite.com">'
        f'<platformCore:statusDetail type="ERROR"><platformCore:code>{code}</platformCore:code>'
        f"<platformCore:message>{message}</platformCore:message></platformCore:statusDetail>"
        "</platformCore:status></writeResponse>"
    )


def envelope(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        f"{body}</soapenv:Body></soapenv:Envelope>"
    )


def fault(fault_name: str, code: str, message: str) -> str:
    return envelope(
        "<soapenv:Fault><faultcode>soapenv:Server.userException</faultcode>"
        f"<faultstring>{message}</faultstring><detail>"
        f'<platformFaults:{fault_name} xmlns:platformFaults="urn:faults_2023_2.platform.'
        f'webservices.netsuite.com"><platformFaults:code>{code}</platformFaults:code>'
        f"<platformFaults:message>{message}</platformFaults:message></platformFaults:{fault_name}>"
        '<ns1:hostname xmlns:ns1="http://xml.apache.org/axis/">host</ns1:hostname>'
        "</detail></soapenv:Fault>"
    )


def upsert_ok(internal_id: str) -> str:
    return envelope(
        '<upsertResponse xmlns="urn:messages_2023_2.platform.webservices.netsuite.com">'
        f"{write_response(True, internal_id)}</upsertResponse>"
    )


def test_upsert_envelope_has_passport_and_journal_entry(soap):
    xml = etree.fromstring(soap.build_envelope("upsert", [make_entry()]))
    passport = xml.find("soap:Header/msg:tokenPassport", NS)
    assert passport.findtext("core:account", namespaces=NS) == "1234567_SB1"
    assert passport.findtext("core:consumerKey", namespaces=NS) == ORACLE_CONSUMER_KEY
    assert passport.findtext("core:token", namespaces=NS) == ORACLE_TOKEN_ID
    assert passport.findtext("core:nonce", namespaces=NS) == "fjaLirsIcCGVZWzBX0pg"
    assert passport.findtext("core:timestamp", namespaces=NS) == "1508242306"
    signature = passport.find("core:signature", NS)
    assert signature.get("algorithm") == "HMAC-SHA256"
    assert signature.text == "RT8CL3t/Sb0/zfUmVIYoCmA6QjppQ6BiHinvEbPecao="
    assert signature.text == passport_signature(
        account="1234567_SB1",
        consumer_key=ORACLE_CONSUMER_KEY,
        consumer_secret=ORACLE_CONSUMER_SECRET,
        token=ORACLE_TOKEN_ID,
        token_secret=ORACLE_TOKEN_SECRET,
        nonce="fjaLirsIcCGVZWzBX0pg",
        timestamp=1508242306,
    )

    record = xml.find("soap:Body/msg:upsert/msg:record", NS)
    assert record.get(f"{{{NS['xsi']}}}type").endswith(":JournalEntry")
    assert record.get("externalId") == "LEASE-42-2025-01"
    assert record.get("internalId") is None  # upsert forbids internal IDs
    assert record.find("tran:postingPeriod", NS).get("internalId") == "245"
    assert record.findtext("tran:tranDate", namespaces=NS) == "2025-01-31T00:00:00"
    assert record.find("tran:currency", NS).get("internalId") == "1"
    assert record.find("tran:subsidiary", NS).get("internalId") == "3"
    assert record.findtext("tran:memo", namespaces=NS) == "Lease L-42 January 2025"
    line_list = record.find("tran:lineList", NS)
    assert line_list.get("replaceAll") == "true"
    first, second = line_list.findall("tran:line", NS)
    assert first.find("tran:account", NS).get("internalId") == "611"
    assert first.findtext("tran:debit", namespaces=NS) == "1250.10"
    assert first.find("tran:credit", NS) is None
    assert first.findtext("tran:memo", namespaces=NS) == "Interest"
    for field, value in (("entity", "88"), ("department", "12"), ("class", "7"), ("location", "2")):
        assert first.find(f"tran:{field}", NS).get("internalId") == value
    assert second.findtext("tran:credit", namespaces=NS) == "1250.10"
    assert [etree.QName(c).localname for c in first] == [
        "account",
        "debit",
        "memo",
        "entity",
        "department",
        "class",
        "location",
    ]  # XSD order


@responses.activate
def test_upsert_posts_to_the_account_endpoint_and_parses_success(soap):
    responses.post(ENDPOINT, body=upsert_ok("9001"), content_type="text/xml")
    result = soap.upsert_journal_entry(make_entry())
    assert result.internal_id == "9001" and result.ok and result.transport == "soap"
    (call,) = responses.calls
    assert call.request.url == ENDPOINT
    assert call.request.headers["SOAPAction"] == "upsert"
    assert call.request.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert "Authorization" not in call.request.headers
    body = etree.fromstring(call.request.body)
    assert body.find("soap:Body/msg:upsert/msg:record", NS).get("externalId") == "LEASE-42-2025-01"


@responses.activate
def test_upsert_list_chunks_at_200_and_reports_per_record_failures(soap):
    entries = [make_entry(f"E-{n}") for n in range(201)]

    def reply(request):
        count = len(
            etree.fromstring(request.body).findall("soap:Body/msg:upsertList/msg:record", NS)
        )
        parts = [write_response(True, str(1000 + n)) for n in range(count)]
        if count == 200:
            parts[1] = write_response(
                False,
                code="INVALID_KEY_OR_REF",
                message="Invalid department reference key 12 for subsidiary 3.",
            )
        body = (
            '<upsertListResponse xmlns="urn:messages_2023_2.platform.webservices.netsuite.com">'
            '<writeResponseList><platformCore:status isSuccess="true" xmlns:platformCore='
            '"urn:core_2023_2.platform.webservices.netsuite.com"/>'
            + "".join(parts)
            + "</writeResponseList></upsertListResponse>"
        )
        return 200, {}, envelope(body)

    responses.add_callback(responses.POST, ENDPOINT, callback=reply)
    results = soap.upsert_journal_entries(entries)
    assert len(responses.calls) == 2
    assert [c.request.headers["SOAPAction"] for c in responses.calls] == ["upsertList"] * 2
    assert len(results) == 201
    assert [r.external_id for r in results] == [e.external_id for e in entries]
    failed = [r for r in results if not r.ok]
    assert [r.external_id for r in failed] == ["E-1"]
    assert isinstance(failed[0].error, RecordValidationError)
    assert failed[0].error.code == "INVALID_KEY_OR_REF"
    assert results[0].internal_id == "1000" and results[200].internal_id == "1000"


@responses.activate
def test_an_entry_our_checks_refuse_is_not_sent_and_does_not_sink_its_batch(soap):
    unbalanced = make_entry(
        "E-BAD",
        lines=(
            JournalLineData("1", Decimal("10.00"), None),
            JournalLineData("2", None, Decimal("9.99")),
        ),
    )
    entries = [make_entry("E-1"), unbalanced, make_entry("E-3")]
    responses.post(
        ENDPOINT,
        body=envelope(
            '<upsertListResponse xmlns="urn:messages_2023_2.platform.webservices.netsuite.com">'
            "<writeResponseList>"
            + write_response(True, "71")
            + write_response(True, "73")
            + "</writeResponseList></upsertListResponse>"
        ),
    )

    results = soap.upsert_journal_entries(entries)

    assert [r.external_id for r in results] == ["E-1", "E-BAD", "E-3"]
    assert [r.internal_id for r in results] == ["71", None, "73"]
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, InvalidJournalEntryError)
    assert results[1].error.reason == "unbalanced"
    (call,) = responses.calls
    sent = etree.fromstring(call.request.body).findall("soap:Body/msg:upsertList/msg:record", NS)
    assert [r.get("externalId") for r in sent] == ["E-1", "E-3"]


@responses.activate
def test_single_upsert_failure_raises_the_validation_error(soap):
    responses.post(
        ENDPOINT,
        body=envelope(
            '<upsertResponse xmlns="urn:messages_2023_2.platform.webservices.netsuite.com">'
            + write_response(
                False, code="USER_ERROR", message="Please enter value(s) for: Subsidiary"
            )
            + "</upsertResponse>"
        ),
    )
    with pytest.raises(RecordValidationError) as info:
        soap.upsert_journal_entry(make_entry())
    assert info.value.code == "USER_ERROR" and info.value.status_code == 200
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    ("fault_name", "code", "message", "error_class", "calls"),
    [
        ("invalidCredentialsFault", "USER_ERROR", "Invalid login attempt.", AuthenticationError, 1),
        (
            "invalidCredentialsFault",
            "UNEXPECTED_ERROR",
            "An unexpected error occurred.",
            AuthenticationError,
            1,
        ),
        (
            "exceededConcurrentRequestLimitFault",
            "WS_REQUEST_BLOCKED",
            "SuiteTalk concurrent request limit exceeded. Request blocked.",
            RateLimitedError,
            3,
        ),
        (
            "insufficientPermissionFault",
            "INSUFFICIENT_PERMISSION",
            "You do not have permissions to set a value for element tranDate.",
            PermissionDeniedError,
            1,
        ),
        (
            "unexpectedErrorFault",
            "UNEXPECTED_ERROR",
            "An unexpected error occurred.",
            TransientError,
            3,
        ),
    ],
)
@responses.activate
def test_soap_faults_map_to_typed_errors(
    soap, sleeps, fault_name, code, message, error_class, calls
):
    responses.post(ENDPOINT, status=500, body=fault(fault_name, code, message))
    with pytest.raises(error_class) as info:
        soap.upsert_journal_entry(make_entry())
    assert info.value.code == code and info.value.status_code == 500
    assert info.value.detail == message
    assert len(responses.calls) == calls
    assert len(sleeps) == calls - 1


@responses.activate
def test_each_soap_attempt_gets_a_fresh_passport(sandbox_creds):
    nonces = iter(["nonceAAAAAAAAAAAAAAA", "nonceBBBBBBBBBBBBBBB"])
    soap = SoapClient(
        sandbox_creds, wsdl=str(WSDL), nonce_factory=lambda: next(nonces), sleep=lambda s: None
    )
    responses.post(
        ENDPOINT,
        status=500,
        body=fault("exceededConcurrentRequestLimitFault", "WS_REQUEST_BLOCKED", "blocked"),
    )
    responses.post(ENDPOINT, body=upsert_ok("5"))
    assert soap.upsert_journal_entry(make_entry()).internal_id == "5"
    sent = [
        etree.fromstring(c.request.body).findtext(".//core:nonce", namespaces=NS)
        for c in responses.calls
    ]
    assert sent == ["nonceAAAAAAAAAAAAAAA", "nonceBBBBBBBBBBBBBBB"]


@responses.activate
def test_soap_upsert_refuses_non_cent_amounts_before_sending(soap):
    entry = make_entry(
        lines=(
            JournalLineData("1", Decimal("0.001"), None),
            JournalLineData("2", None, Decimal("0.001")),
        )
    )
    with pytest.raises(InvalidJournalEntryError) as info:
        soap.upsert_journal_entry(entry)
    assert info.value.code == "INVALID_AMOUNT"
    assert len(responses.calls) == 0


@responses.activate
def test_an_upsert_list_answer_in_netsuites_own_shape_maps_each_status_to_its_entry(soap):
    # As NetSuite answers (API-FACTS 2.5): a documentInfo header, the response in the messages
    # namespace by default, platformCore declared on each status, baseRef typed by xsi:type.
    entries = [make_entry(f"LEASE-{n}") for n in range(3)]
    failure = (
        '<writeResponse><platformCore:status isSuccess="false" '
        'xmlns:platformCore="urn:core_2023_2.platform.webservices.netsuite.com">\n'
        ' <platformCore:statusDetail type="ERROR">\n'
        "  <platformCore:code>INVALID_KEY_OR_REF</platformCore:code>\n"
        "  <platformCore:message>Invalid department reference key 12 for subsidiary 3."
        "</platformCore:message>\n"
        " </platformCore:statusDetail></platformCore:status></writeResponse>"
    )
    answer = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Header>'
        '<platformMsgs:documentInfo xmlns:platformMsgs="urn:messages_2023_2.platform.webservices.'
        'netsuite.com"><platformMsgs:nsId>WEBSERVICES_1234567_SB1_1</platformMsgs:nsId>'
        "</platformMsgs:documentInfo></soapenv:Header><soapenv:Body>"
        '<upsertListResponse xmlns="urn:messages_2023_2.platform.webservices.netsuite.com">'
        '<writeResponseList><platformCore:status isSuccess="true" '
        'xmlns:platformCore="urn:core_2023_2.platform.webservices.netsuite.com"/>'
        + write_response(True, "979")
        + failure
        + write_response(True, "981")
        + "</writeResponseList></upsertListResponse></soapenv:Body></soapenv:Envelope>"
    )
    responses.post(ENDPOINT, body=answer, content_type="text/xml; charset=utf-8")

    results = soap.upsert_journal_entries(entries)

    assert [r.external_id for r in results] == ["LEASE-0", "LEASE-1", "LEASE-2"]
    assert [r.internal_id for r in results] == ["979", None, "981"]
    assert [r.ok for r in results] == [True, False, True]
    error = results[1].error
    assert isinstance(error, RecordValidationError) and error.reason == "invalid_reference"
    assert error.code == "INVALID_KEY_OR_REF"
    assert error.user_message() == (
        "Department with internal ID 12 was not found in NetSuite for subsidiary '3'."
    )
    assert len(responses.calls) == 1
