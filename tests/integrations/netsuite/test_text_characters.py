"""A journal entry text no XML can carry is refused before sending, by REST as by SOAP, with a
sentence naming the entry, the field and the character; over SOAP the rest of its batch is sent."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
import responses
from lxml import etree

from integrations.netsuite.errors import InvalidCharacterError
from integrations.netsuite.payload import JournalLineData, to_rest_body, validate_entry
from integrations.netsuite.signing import make_token_passport
from integrations.netsuite.soap import SoapClient, forget_loaded_wsdls
from netsuite_sandbox.wsdl import WSDL_FILE

from .factories import make_entry
from .test_soap import ENDPOINT, NS, envelope, write_response

REFUSED = [
    ("\x00", "a NUL byte", "[code 0]"),
    ("\x01", "an invisible control character (code 1)", "[code 1]"),
    ("\x0b", "an invisible control character (code 11)", "[code 11]"),
    ("\x1f", "an invisible control character (code 31)", "[code 31]"),
    ("\ufffe", "an invisible non-character (U+FFFE)", "[U+FFFE]"),
    ("\uffff", "an invisible non-character (U+FFFF)", "[U+FFFF]"),
    ("\ud800", "half of an encoded character pair (U+D800)", "[U+D800]"),
]


@pytest.fixture(autouse=True)
def fresh_process():
    forget_loaded_wsdls()
    yield
    forget_loaded_wsdls()


@pytest.fixture
def soap(sandbox_creds) -> SoapClient:
    return SoapClient(
        sandbox_creds,
        wsdl=str(WSDL_FILE),
        nonce_factory=lambda: "fjaLirsIcCGVZWzBX0pg",
        clock=lambda: 1508242306,
        sleep=lambda s: None,
        rng=random.Random(1),
    )


def _with_line_memo(external_id: str, memo: str):
    return make_entry(
        external_id,
        lines=(
            JournalLineData("611", Decimal("10.00"), None, memo="Interest"),
            JournalLineData("240", None, Decimal("10.00"), memo=memo),
        ),
    )


@pytest.mark.parametrize(("char", "name", "shown"), REFUSED)
def test_an_entry_memo_no_xml_can_carry_is_refused_for_rest_too(char, name, shown):
    entry = make_entry("LA-1-202601-D-HQ-2", memo=f"Lease HQ-2 Office{char}Tower · Jan 2026")
    with pytest.raises(InvalidCharacterError) as info:
        to_rest_body(entry)  # JSON could escape a NUL; the entry is refused all the same
    error = info.value
    assert (error.code, error.reason, error.field_path) == (
        "INVALID_CHARACTER",
        "invalid_character",
        "memo",
    )
    assert error.user_message({"period": "Jan 2026"}) == (
        f"Journal entry LA-1-202601-D-HQ-2 was not sent: its memo contains {name}, which "
        f"NetSuite cannot accept: “Lease HQ-2 Office{shown}Tower · Jan 2026”."
    )
    assert "reopen Jan 2026 and close it again" in error.corrective_action(
        {"accounting_period": "Jan 2026"}
    )
    assert not error.retryable


def test_a_line_memo_is_named_by_its_line():
    with pytest.raises(InvalidCharacterError) as info:
        validate_entry(_with_line_memo("E-2", "Liability\x02"))
    assert info.value.field_path == "line[1].memo"
    assert "the memo of line 2 contains an invisible control character (code 2)" in (
        info.value.user_message()
    )


@pytest.mark.parametrize("text", ["tab\there", "two\nlines\r\n", "del\x7f", "nel\x85", "😀 日本"])
def test_text_xml_can_carry_is_sent_as_it_is(text):
    entry = _with_line_memo("E-3", text)
    validate_entry(entry)
    assert to_rest_body(entry)["line"]["items"][1]["memo"] == text


def test_a_long_text_is_quoted_around_the_character():
    memo = "x" * 200 + "\x01" + "y" * 200
    with pytest.raises(InvalidCharacterError) as info:
        validate_entry(make_entry("E-4", memo=memo))
    assert info.value.shown == "…" + "x" * 60 + "[code 1]" + "y" * 52 + "…"


@responses.activate
def test_over_soap_the_refused_entry_fails_alone_and_the_rest_of_its_batch_is_sent(soap):
    entries = [
        make_entry("E-1"),
        make_entry("E-BAD", memo="Lease\x03"),
        _with_line_memo("E-BAD2", "Liability\ufffe"),
        make_entry("E-4"),
    ]
    responses.post(
        ENDPOINT,
        body=envelope(
            '<upsertListResponse xmlns="urn:messages_2023_2.platform.webservices.netsuite.com">'
            "<writeResponseList>"
            + write_response(True, "71")
            + write_response(True, "74")
            + "</writeResponseList></upsertListResponse>"
        ),
    )

    results = soap.upsert_journal_entries(entries)

    assert [r.internal_id for r in results] == ["71", None, None, "74"]
    assert [type(r.error).__name__ for r in results[1:3]] == ["InvalidCharacterError"] * 2
    assert [r.error.field_path for r in results[1:3]] == ["memo", "line[1].memo"]
    (call,) = responses.calls
    sent = etree.fromstring(call.request.body).findall("soap:Body/msg:upsertList/msg:record", NS)
    assert [r.get("externalId") for r in sent] == ["E-1", "E-4"]


@responses.activate
def test_a_single_soap_upsert_raises_the_sentence_and_sends_nothing(soap):
    with pytest.raises(InvalidCharacterError):
        soap.upsert_journal_entry(make_entry("E-1", memo="Lease\uffff"))
    assert len(responses.calls) == 0


def test_the_envelope_writer_names_the_entry_instead_of_failing_in_lxml(soap, sandbox_creds):
    passport = make_token_passport(sandbox_creds)
    entries = [make_entry("E-1"), _with_line_memo("E-BAD", "Liability\x1b")]
    with pytest.raises(InvalidCharacterError) as info:
        soap.envelope_writer.write("upsertList", entries, passport)
    assert info.value.external_id == "E-BAD"
    assert info.value.field_path == "line[1].memo"
