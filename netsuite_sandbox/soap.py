"""SuiteTalk SOAP 2023_2: add/addList/upsert/upsertList of JournalEntry with tokenPassport."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web
from lxml import etree

from . import journal
from .journal import JournalError
from .oauth import Credentials, NonceCache, verify_passport

if TYPE_CHECKING:
    from .store import Store

# Reference: API-FACTS 2.3 (namespaces of the 2023_2 endpoint).
VERSION = "2023_2"
SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MSGS = f"urn:messages_{VERSION}.platform.webservices.netsuite.com"
CORE = f"urn:core_{VERSION}.platform.webservices.netsuite.com"
FAULTS = f"urn:faults_{VERSION}.platform.webservices.netsuite.com"
TRAN_GENERAL = f"urn:general_{VERSION}.transactions.webservices.netsuite.com"
OPERATIONS = ("add", "addList", "upsert", "upsertList")
# Reference: API-FACTS 5 (200-record limit for SOAP transaction lists).
MAX_LIST_RECORDS = 200
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class SoapRequestError(Exception):
    """The request is not a SOAP call this endpoint understands."""


@dataclass
class SoapCall:
    """A parsed SOAP request."""

    operation: str
    passport: dict[str, str]
    records: list[dict[str, Any]] = field(default_factory=list)


def _text(el: etree._Element | None) -> str | None:
    return el.text.strip() if el is not None and el.text is not None else None


def _ref(el: etree._Element) -> dict[str, str]:
    if el.get("internalId"):
        return {"id": el.get("internalId", "")}
    if el.get("externalId"):
        return {"externalId": el.get("externalId", "")}
    return {}


def _xsi_type(el: etree._Element) -> tuple[str | None, str]:
    value = el.get(f"{{{XSI}}}type") or ""
    prefix, _, local = value.rpartition(":")
    return el.nsmap.get(prefix or None), local


def _parse_record(el: etree._Element) -> dict[str, Any]:
    ns, local = _xsi_type(el)
    raw: dict[str, Any] = {
        "_type": local,
        "_ns": ns,
        "externalId": el.get("externalId"),
        "internalId": el.get("internalId"),
        "lines": [],
        "_replace_lines": True,
    }
    for child in el:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if name in journal.HEADER_REFS:
            raw[name] = _ref(child)
        elif name == "tranDate":
            raw["tranDate"] = (_text(child) or "")[:10] or None
        elif name in ("memo", "tranId"):
            raw[name] = _text(child)
        elif name == "exchangeRate":
            raw["exchangeRate"] = _text(child)
        elif name == "approved":
            raw["approved"] = _text(child) == "true"
        elif name == "lineList":
            # Reference: WSDL JournalEntryLineList@replaceAll defaults to true.
            raw["_replace_lines"] = child.get("replaceAll", "true") != "false"
            for line_el in child:
                if not isinstance(line_el.tag, str):
                    continue
                line: dict[str, Any] = {}
                for part in line_el:
                    if not isinstance(part.tag, str):
                        continue
                    pname = etree.QName(part).localname
                    if pname in journal.LINE_REFS:
                        line[pname] = _ref(part)
                    elif pname in ("debit", "credit", "memo"):
                        line[pname] = _text(part)
                raw["lines"].append(line)
    return raw


def parse_request(body: bytes) -> SoapCall:
    """Parse the envelope: tokenPassport header and the operation's records."""
    try:
        root = etree.fromstring(body, PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapRequestError(f"The request is not well-formed XML: {exc}") from None
    if root.tag != f"{{{SOAPENV}}}Envelope":
        raise SoapRequestError("The request is not a SOAP 1.1 envelope.")
    body_el = root.find(f"{{{SOAPENV}}}Body")
    if body_el is None or len(body_el) == 0:
        raise SoapRequestError("The SOAP envelope has no Body.")
    op_el = body_el[0]
    qname = etree.QName(op_el)
    if qname.namespace != MSGS:
        raise SoapRequestError(
            f"The operation namespace {qname.namespace} does not match the {VERSION} endpoint."
        )
    if qname.localname not in OPERATIONS:
        raise SoapRequestError(f"The operation {qname.localname} is not supported by the sandbox.")
    passport: dict[str, str] = {}
    header = root.find(f"{{{SOAPENV}}}Header")
    token_el = header.find(f"{{{MSGS}}}tokenPassport") if header is not None else None
    if token_el is not None:
        for child in token_el:
            if isinstance(child.tag, str):
                passport[etree.QName(child).localname] = _text(child) or ""
                if etree.QName(child).localname == "signature":
                    passport["algorithm"] = child.get("algorithm", "")
    records = [_parse_record(el) for el in op_el if etree.QName(el).localname == "record"]
    return SoapCall(qname.localname, passport, records)


def verify(call: SoapCall, creds: Credentials, nonces: NonceCache) -> None:
    """Verify the tokenPassport."""
    verify_passport(passport=call.passport, creds=creds, nonces=nonces)


# --- Responses ---------------------------------------------------------------------------


def _envelope(body: str, account_id: str | None = None) -> str:
    header = ""
    if account_id:
        # Reference: WSDL output header documentInfo/nsId.
        ns_id = f"WEBSERVICES_{account_id}_{int(time.time() * 1000)}_{secrets.token_hex(6)}"
        header = (
            f'<soapenv:Header><platformMsgs:documentInfo xmlns:platformMsgs="{MSGS}">'
            f"<platformMsgs:nsId>{ns_id}</platformMsgs:nsId></platformMsgs:documentInfo>"
            "</soapenv:Header>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:xsi="{XSI}">{header}<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>'
    )


def _xml_response(text: str, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=text.encode(),
        headers={"Content-Type": "text/xml; charset=utf-8"},
    )


def fault(element: str, code: str, message: str, faultcode: str = "soapenv:Server.userException"):
    """Return a SOAP fault (HTTP 500) with a platformFaults detail element."""
    # Reference: API-FACTS 2.5 (fault wrapper with platformFaults detail and axis hostname).
    detail = (
        f'<platformFaults:{element} xmlns:platformFaults="{FAULTS}">'
        f"<platformFaults:code>{code}</platformFaults:code>"
        f"<platformFaults:message>{escape(message)}</platformFaults:message>"
        f"</platformFaults:{element}>"
        '<ns1:hostname xmlns:ns1="http://xml.apache.org/axis/">sandbox</ns1:hostname>'
    )
    body = (
        f"<soapenv:Fault><faultcode>{faultcode}</faultcode>"
        f"<faultstring>{escape(message)}</faultstring><detail>{detail}</detail></soapenv:Fault>"
    )
    return _xml_response(_envelope(body), 500)


def invalid_credentials_fault() -> web.Response:
    """The answer to a failed tokenPassport check."""
    return fault("invalidCredentialsFault", "USER_ERROR", "Invalid login attempt.")


def concurrency_fault() -> web.Response:
    """The answer when the account's concurrency limit is exceeded."""
    # Reference: Oracle "Errors Related to Concurrency Violations" (bridgehead_1525252812).
    return fault(
        "exceededConcurrentRequestLimitFault",
        "WS_REQUEST_BLOCKED",
        "SuiteTalk concurrent request limit exceeded. Request blocked.",
    )


def unexpected_error_fault(error_id: str) -> web.Response:
    """An injected server error."""
    return fault(
        "unexpectedErrorFault", "UNEXPECTED_ERROR", f"An unexpected error occurred. {error_id}"
    )


def client_fault(message: str) -> web.Response:
    """A request the endpoint cannot parse."""
    body = (
        f"<soapenv:Fault><faultcode>soapenv:Client</faultcode>"
        f"<faultstring>{escape(message)}</faultstring></soapenv:Fault>"
    )
    return _xml_response(_envelope(body), 500)


def _write_response(result: dict[str, Any]) -> str:
    status_ns = f'xmlns:platformCore="{CORE}"'
    if result["ok"]:
        ext = f" externalId={quoteattr(result['externalId'])}" if result.get("externalId") else ""
        # Reference: API-FACTS 2.5 (success: status isSuccess=true + baseRef RecordRef).
        return (
            f'<writeResponse><platformCore:status isSuccess="true" {status_ns}/>'
            f'<baseRef internalId="{result["id"]}"{ext} type="journalEntry" '
            f'xsi:type="platformCore:RecordRef" {status_ns}/></writeResponse>'
        )
    # Reference: API-FACTS 2.5 (record errors are isSuccess=false + statusDetail, not faults).
    return (
        f'<writeResponse><platformCore:status isSuccess="false" {status_ns}>'
        '<platformCore:statusDetail type="ERROR">'
        f"<platformCore:code>{result['code']}</platformCore:code>"
        f"<platformCore:message>{escape(result['message'])}</platformCore:message>"
        "</platformCore:statusDetail></platformCore:status></writeResponse>"
    )


def _merge_existing(raw: dict[str, Any], existing: dict[str, Any]) -> None:
    for name in ("memo", "tranDate", "tranId"):
        if raw.get(name) is None:
            raw[name] = existing.get(name)
    for name in journal.HEADER_REFS:
        if raw.get(name) is None and existing.get(name) is not None:
            raw[name] = {"id": str(existing[name])}
    old_lines = []
    for line in existing["lines"]:
        item: dict[str, Any] = {k: line.get(k) for k in ("debit", "credit", "memo")}
        for name in journal.LINE_REFS:
            if line.get(name) is not None:
                item[name] = {"id": str(line[name])}
        old_lines.append(item)
    if not raw["lines"]:
        raw["lines"] = old_lines
    elif not raw["_replace_lines"]:
        raw["lines"] = old_lines + raw["lines"]


def _write_one(operation: str, raw: dict[str, Any], store: Store, account_id: str):
    if raw["_ns"] != TRAN_GENERAL or raw["_type"] != "JournalEntry":
        message = "The NetSuite sandbox supports only JournalEntry records."
        return {"ok": False, "code": "INVALID_RCRD_TYPE", "message": message}
    upsert = operation.startswith("upsert")
    existing = None
    if upsert:
        # Reference: API-FACTS 2.4 (upsert matches on externalId; internalId may not be passed).
        if not raw.get("externalId") or raw.get("internalId"):
            message = "Upsert requires an externalId and no internalId on the record."
            return {"ok": False, "code": "USER_ERROR", "message": message}
        existing = store.entry_by_external_id(account_id, raw["externalId"])
        if existing is not None:
            refusal = journal.closed_period_error(
                store.reference(account_id), existing.get("postingPeriod"), "update"
            )
            if refusal is not None:
                return {"ok": False, "code": refusal.code, "message": refusal.soap_message}
            _merge_existing(raw, existing)
    try:
        entry = journal.validate(raw, store.reference(account_id))
    except JournalError as err:
        return {"ok": False, "code": err.code, "message": err.soap_message}
    if existing is not None:
        stored = store.replace_entry(existing["id"], entry)
    else:
        stored = store.insert_entry(account_id, entry)
        if stored is None:
            # Reference: WSDL code DUP_RCRD (exact SOAP text not published, API-FACTS 8).
            message = f"A journal entry with external ID {raw['externalId']} already exists."
            return {"ok": False, "code": "DUP_RCRD", "message": message}
    return {"ok": True, "id": stored["id"], "externalId": stored.get("externalId")}


def perform(call: SoapCall, store: Store, account_id: str) -> web.Response:
    """Run the operation and answer writeResponse / writeResponseList."""
    op = call.operation
    if not call.records:
        return client_fault(f"The {op} request has no record.")
    if op.endswith("List") and len(call.records) > MAX_LIST_RECORDS:
        return fault(
            "exceededRecordCountFault",
            "MAX_RCRDS_EXCEEDED",
            f"The request exceeds the maximum of {MAX_LIST_RECORDS} records.",
        )
    results = [_write_one(op, raw, store, account_id) for raw in call.records]
    if op.endswith("List"):
        inner = (
            "<writeResponseList>"
            f'<platformCore:status isSuccess="true" xmlns:platformCore="{CORE}"/>'
            + "".join(_write_response(r) for r in results)
            + "</writeResponseList>"
        )
    else:
        inner = _write_response(results[0])
    body = f'<{op}Response xmlns="{MSGS}">{inner}</{op}Response>'
    return _xml_response(_envelope(body, account_id))
