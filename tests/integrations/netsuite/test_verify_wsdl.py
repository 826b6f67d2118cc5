"""Verify with SOAP reads from the WSDL everything the envelope writer needs: a WSDL that loads
but is not NetSuite's fails at Verify with a sentence, before any journal entry is sent."""

from __future__ import annotations

import pytest
import responses
from lxml import etree

from integrations.netsuite.client import NetSuiteClient
from integrations.netsuite.errors import WsdlNotNetSuiteError
from integrations.netsuite.soap import forget_loaded_wsdls
from netsuite_sandbox.wsdl import DOCUMENTS, WSDL_PATH, document

HOST = "https://wsdl.example.test"
SUITEQL = "https://123456.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
GENERAL_XSD = "/xsd/transactions/v2023_2_0/general.xsd"

# A WSDL of some other service: it loads, but has none of NetSuite's bindings.
OTHER_SERVICE_WSDL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"
             xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
             xmlns:xsd="http://www.w3.org/2001/XMLSchema"
             xmlns:tns="urn:example:weather" targetNamespace="urn:example:weather">
  <types>
    <xsd:schema targetNamespace="urn:example:weather" elementFormDefault="qualified">
      <xsd:element name="forecast"><xsd:complexType><xsd:sequence>
        <xsd:element name="city" type="xsd:string"/>
      </xsd:sequence></xsd:complexType></xsd:element>
    </xsd:schema>
  </types>
  <message name="forecastRequest"><part name="parameters" element="tns:forecast"/></message>
  <portType name="WeatherPortType">
    <operation name="forecast"><input message="tns:forecastRequest"/></operation>
  </portType>
  <binding name="WeatherBinding" type="tns:WeatherPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="forecast">
      <soap:operation soapAction="forecast"/>
      <input><soap:body use="literal"/></input>
    </operation>
  </binding>
  <service name="Weather">
    <port name="WeatherPort" binding="tns:WeatherBinding">
      <soap:address location="https://weather.example.test/soap"/>
    </port>
  </service>
</definitions>
"""


@pytest.fixture(autouse=True)
def fresh_process():
    forget_loaded_wsdls()
    yield
    forget_loaded_wsdls()


def without_upsert_list(path: str, text: str) -> str:
    """The simulator's WSDL with upsertList taken out of NetSuite's binding."""
    if path != WSDL_PATH:
        return text
    root = etree.fromstring(text.encode())
    (operation,) = root.xpath(
        "w:binding/w:operation[@name='upsertList']", namespaces={"w": WSDL_NS}
    )
    operation.getparent().remove(operation)
    return etree.tostring(root, encoding="unicode")


def without_journal_entry(path: str, text: str) -> str:
    """The schemas name the transaction record Journal instead of JournalEntry."""
    if path != GENERAL_XSD:
        return text
    return text.replace('name="JournalEntry"', 'name="Journal"').replace(
        '"tran:JournalEntry"', '"tran:Journal"'
    )


def without_line_list(path: str, text: str) -> str:
    """JournalEntry's lines are called `lines` instead of `lineList`."""
    return text.replace('name="lineList"', 'name="lines"') if path == GENERAL_XSD else text


def serve(case: str, change=None) -> str:
    """The simulator's WSDL and schemas under HOST/<case>, one of them passed through `change`."""
    base = f"{HOST}/{case}"
    changed = 0
    for path in DOCUMENTS:
        text = document(path, base).decode()
        served = change(path, text) if change else text
        changed += served != text
        responses.get(base + path, body=served, content_type="text/xml")
    assert changed == (1 if change else 0), "the simulator's WSDL no longer has what is changed"
    return base + WSDL_PATH


def soap_posts() -> list[str]:
    return [c.request.url.split("?")[0] for c in responses.calls if c.request.method == "POST"]


@responses.activate
@pytest.mark.parametrize(
    ("change", "missing"),
    [
        (without_upsert_list, "it has no upsertList operation"),
        (without_journal_entry, "it has no JournalEntry record type"),
        (without_line_list, "its JournalEntry has no lineList field"),
    ],
    ids=["no-upsertList", "no-JournalEntry", "no-lineList"],
)
def test_verify_with_soap_refuses_a_wsdl_missing_what_the_envelope_writer_needs(
    creds, change, missing
):
    responses.post(SUITEQL, json={"items": [{"id": "1", "name": "HQ"}], "count": 1})
    wsdl = serve(change.__name__, change)
    client = NetSuiteClient(creds, transport="soap", wsdl=wsdl)

    with pytest.raises(WsdlNotNetSuiteError) as caught:
        client.verify_connection()

    error = caught.value
    assert error.missing == missing
    assert error.user_message() == (
        f"SOAP cannot be used: the service description (WSDL) at {wsdl} is not NetSuite's "
        f"SuiteTalk 2023_2 WSDL ({missing}), so journal entries could not be sent with it."
    )
    assert error.corrective_action().startswith("Choose REST (recommended)")
    assert not error.retryable
    # Only the credentials' check was posted: no envelope went anywhere.
    assert soap_posts() == [SUITEQL]


@responses.activate
def test_verify_with_soap_refuses_another_services_wsdl(creds):
    responses.post(SUITEQL, json={"items": [{"id": "1", "name": "HQ"}], "count": 1})
    wsdl = f"{HOST}/weather.wsdl"
    responses.get(wsdl, body=OTHER_SERVICE_WSDL, content_type="text/xml")

    with pytest.raises(WsdlNotNetSuiteError) as caught:
        NetSuiteClient(creds, transport="soap", wsdl=wsdl).verify_connection()

    assert caught.value.missing == "it has no NetSuiteBinding"
    assert wsdl in caught.value.user_message()


@responses.activate
def test_a_refused_wsdl_is_fetched_again_at_the_next_verify(creds):
    """The process does not keep a WSDL that is not NetSuite's for a day: once it is put right,
    the next Verify loads the good one."""
    responses.post(SUITEQL, json={"items": [{"id": "1", "name": "HQ"}], "count": 1})
    wsdl = serve("fixed-later", without_upsert_list)
    with pytest.raises(WsdlNotNetSuiteError):
        NetSuiteClient(creds, transport="soap", wsdl=wsdl).verify_connection()

    responses.reset()
    responses.post(SUITEQL, json={"items": [{"id": "1", "name": "HQ"}], "count": 1})
    serve("fixed-later")

    result = NetSuiteClient(creds, transport="soap", wsdl=wsdl).verify_connection()

    assert result.account_id == "123456"
    assert f"{HOST}/fixed-later{WSDL_PATH}" in [c.request.url for c in responses.calls]


@responses.activate
def test_verify_with_soap_accepts_the_simulators_wsdl(creds):
    responses.post(SUITEQL, json={"items": [{"id": "1", "name": "HQ"}], "count": 1})
    wsdl = serve("unchanged")

    result = NetSuiteClient(creds, transport="soap", wsdl=wsdl).verify_connection()

    assert result.account_id == "123456"
    assert soap_posts() == [SUITEQL]


@responses.activate
def test_verify_over_rest_never_reads_the_wsdl(creds):
    responses.post(SUITEQL, json={"items": [{"id": "1", "name": "HQ"}], "count": 1})
    wsdl = serve("rest-only", without_upsert_list)

    result = NetSuiteClient(creds, transport="rest", wsdl=wsdl).verify_connection()

    assert result.account_id == "123456"
    assert [c.request.url.split("?")[0] for c in responses.calls] == [SUITEQL]
