"""The envelopes the SOAP client writes are the XML zeep renders from the same WSDL.

Checked against the simulator's WSDL and against NetSuite's own 2023_2 WSDL where it is beside
the project (it is never part of it): same elements in the same order, same namespaces, same
attributes (xsi:type compared as the type it names), same text.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import responses
from lxml import etree

from integrations.netsuite.errors import WsdlUnavailableError
from integrations.netsuite.payload import JournalEntryData, JournalLineData
from integrations.netsuite.signing import make_token_passport
from integrations.netsuite.soap import SoapClient, forget_loaded_wsdls
from netsuite_sandbox.wsdl import WSDL_FILE

from .factories import make_entry

BINDING = "{urn:platform_2023_2.webservices.netsuite.com}NetSuiteBinding"
MSGS = "urn:messages_2023_2.platform.webservices.netsuite.com"
CORE = "urn:core_2023_2.platform.webservices.netsuite.com"
TRAN = "urn:general_2023_2.transactions.webservices.netsuite.com"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ENDPOINT = "https://1234567-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2023_2"
NETSUITE_WSDL = (
    Path(__file__).resolve().parents[3].parent / "shared/netsuite/wsdl/v2023_2/netsuite.wsdl"
)
WSDLS = [
    pytest.param(WSDL_FILE, id="simulator"),
    pytest.param(
        NETSUITE_WSDL,
        id="netsuite",
        marks=pytest.mark.skipif(
            not NETSUITE_WSDL.exists(), reason="NetSuite's own WSDL is not beside the project"
        ),
    ),
]


@pytest.fixture(autouse=True)
def fresh_process():
    forget_loaded_wsdls()
    yield
    forget_loaded_wsdls()


def client_for(wsdl: Path, sandbox_creds) -> SoapClient:
    return SoapClient(
        sandbox_creds,
        wsdl=str(wsdl),
        nonce_factory=lambda: "fjaLirsIcCGVZWzBX0pg",
        clock=lambda: 1508242306,
    )


def zeep_envelope(soap: SoapClient, operation: str, entries: list[JournalEntryData]) -> bytes:
    """What zeep renders for the same entries: its value objects, create_message, tostring."""
    z = soap.zeep_client
    entry_type = z.get_type(f"{{{TRAN}}}JournalEntry")
    line_type = z.get_type(f"{{{TRAN}}}JournalEntryLine")
    list_type = z.get_type(f"{{{TRAN}}}JournalEntryLineList")
    ref = z.get_type(f"{{{CORE}}}RecordRef")

    def r(internal_id: str | None) -> Any:
        return ref(internalId=internal_id) if internal_id else None

    def amount(value: Decimal | None) -> Decimal | None:
        return value.quantize(Decimal("0.01")) if value is not None else None

    records = [
        entry_type(
            externalId=e.external_id,
            postingPeriod=r(e.posting_period_id),
            tranDate=datetime(e.tran_date.year, e.tran_date.month, e.tran_date.day),
            currency=r(e.currency_id),
            subsidiary=r(e.subsidiary_id),
            memo=e.memo or None,
            lineList=list_type(
                replaceAll=True,
                line=[
                    line_type(
                        account=r(ln.account_id),
                        debit=amount(ln.debit),
                        credit=amount(ln.credit),
                        memo=ln.memo or None,
                        entity=r(ln.entity_id),
                        department=r(ln.department_id),
                        location=r(ln.location_id),
                        **{"class": r(ln.class_id)},
                    )
                    for ln in e.lines
                ],
            ),
        )
        for e in entries
    ]
    passport = make_token_passport(
        soap.credentials, nonce_factory=lambda: "fjaLirsIcCGVZWzBX0pg", clock=lambda: 1508242306
    )
    header = z.get_element(f"{{{MSGS}}}tokenPassport")(
        account=passport.account,
        consumerKey=passport.consumer_key,
        token=passport.token,
        nonce=passport.nonce,
        timestamp=passport.timestamp,
        signature=z.get_type(f"{{{CORE}}}TokenPassportSignature")(
            passport.signature, algorithm=passport.algorithm
        ),
    )
    service = z.create_service(BINDING, soap.endpoint)
    record = records[0] if operation == "upsert" else records
    message = z.create_message(service, operation, record=record, _soapheaders=[header])
    return etree.tostring(message, xml_declaration=True, encoding="utf-8")


def shape(element: etree._Element) -> tuple:
    """An element as (tag, attributes, text, children), prefixes resolved away."""
    attributes = {}
    for name, value in element.attrib.items():
        if name == f"{{{XSI}}}type":
            prefix, _, local = value.rpartition(":")
            value = etree.QName(element.nsmap[prefix or None], local).text
        attributes[name] = value
    text = (element.text or "").strip() or None
    return element.tag, attributes, text, [shape(child) for child in element]


def entries() -> list[JournalEntryData]:
    """Every field we send, the optional ones left out, and text that XML must escape."""
    bare = JournalEntryData(
        external_id="LEASE-7_2026.01:A",
        subsidiary_id="1",
        currency_id=None,
        tran_date=date(2026, 1, 31),
        memo="",
        lines=(
            JournalLineData("103", Decimal("0.01"), None),
            JournalLineData("107", None, Decimal("0.01")),
        ),
    )
    escaped = make_entry(
        "LEASE-8",
        memo="R&D <north> \"wing\" 'B' — café 4½ € 日本",
        tran_date=datetime(2025, 12, 31, 23, 59),
        lines=(
            JournalLineData("611", Decimal("1234567890.5"), None, memo="a < b & c > d"),
            JournalLineData("612", None, Decimal("1000000000"), memo="  spaced  "),
            JournalLineData("613", None, Decimal("234567890.50"), location_id="9"),
        ),
    )
    return [make_entry(), bare, escaped]


@pytest.mark.parametrize("wsdl", WSDLS)
@pytest.mark.parametrize("operation", ["upsert", "upsertList"])
def test_the_written_envelope_is_the_xml_zeep_renders(sandbox_creds, wsdl, operation):
    soap = client_for(wsdl, sandbox_creds)
    batch = entries()[:1] if operation == "upsert" else entries()

    ours = etree.fromstring(soap.build_envelope(operation, batch))
    zeeps = etree.fromstring(zeep_envelope(soap, operation, batch))

    assert shape(ours) == shape(zeeps)
    records = ours.findall(f"*/{{{MSGS}}}{operation}/{{{MSGS}}}record")
    assert [r.get("externalId") for r in records] == [e.external_id for e in batch]


def test_text_is_escaped_and_read_back_exactly(sandbox_creds):
    soap = client_for(WSDL_FILE, sandbox_creds)
    entry = entries()[2]
    xml = etree.fromstring(soap.build_envelope("upsertList", [entry]))
    (record,) = xml.iter(f"{{{MSGS}}}record")
    assert record.findtext(f"{{{TRAN}}}memo") == entry.memo
    assert record.findtext(f"{{{TRAN}}}tranDate") == "2025-12-31T00:00:00"
    lines = record.findall(f"{{{TRAN}}}lineList/{{{TRAN}}}line")
    assert [ln.findtext(f"{{{TRAN}}}memo") for ln in lines] == ["a < b & c > d", "  spaced  ", None]
    assert [ln.findtext(f"{{{TRAN}}}debit") for ln in lines] == ["1234567890.50", None, None]
    assert [ln.findtext(f"{{{TRAN}}}credit") for ln in lines] == [
        None,
        "1000000000.00",
        "234567890.50",
    ]


def test_upsert_takes_exactly_one_entry(sandbox_creds):
    soap = client_for(WSDL_FILE, sandbox_creds)
    with pytest.raises(ValueError, match="exactly one"):
        soap.build_envelope("upsert", entries()[:2])


@responses.activate
def test_a_wsdl_without_netsuites_journal_entry_is_refused_before_sending(sandbox_creds, tmp_path):
    # A WSDL whose operations exist but whose JournalEntry lacks the line list.
    schema_dir = tmp_path / "files"
    source = WSDL_FILE.parents[2]  # the WSDL and the schemas it imports by relative paths
    for path in source.rglob("*"):
        if path.is_file():
            target = schema_dir / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            text = path.read_text(encoding="utf-8")
            target.write_text(text.replace('name="lineList"', 'name="lines"'), encoding="utf-8")
    changed = [p for p in schema_dir.rglob("*") if p.is_file() and 'name="lines"' in p.read_text()]
    assert changed, "the simulator's schema no longer names lineList"
    soap = SoapClient(sandbox_creds, wsdl=str(schema_dir / WSDL_FILE.relative_to(source)))

    with pytest.raises(WsdlUnavailableError) as info:
        soap.upsert_journal_entry(make_entry())

    assert "not NetSuite's 2023_2 WSDL" in info.value.detail
    assert len(responses.calls) == 0
