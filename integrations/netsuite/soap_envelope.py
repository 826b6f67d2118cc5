"""The SOAP envelopes for upsert and upsertList, written with lxml from names read in the WSDL.

zeep builds a value object for every field of every record, checks each against the schema and
renders it element by element: for a batch of 200 journal entries that was most of a sync
worker's CPU. The writer here reads once, from the WSDL zeep has loaded, every qualified name an
envelope needs (the operation's body element and its `record`, the tokenPassport header, the
JournalEntry fields in their XSD sequence order, the RecordRef attribute), then writes each
batch straight into an lxml tree. The XML is the same as zeep's, element for element (the tests
compare them); the namespaces are declared once on the envelope instead of on every element.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import zeep
import zeep.exceptions
from lxml import etree

from .payload import CENT, JournalEntryData, check_texts
from .signing import TokenPassport

__all__ = ["EnvelopeWriter"]

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_REF, _TEXT, _AMOUNT, _DATE, _LINES = range(5)

# The JournalEntry fields we send: the JournalEntryData attribute each comes from, and its kind.
# They are written in the order the WSDL's sequence gives, whatever the order here.
_ENTRY_FIELDS = {
    "postingPeriod": ("posting_period_id", _REF),
    "tranDate": ("tran_date", _DATE),
    "currency": ("currency_id", _REF),
    "subsidiary": ("subsidiary_id", _REF),
    "memo": ("memo", _TEXT),
    "lineList": ("lines", _LINES),
}
_LINE_FIELDS = {
    "account": ("account_id", _REF),
    "debit": ("debit", _AMOUNT),
    "credit": ("credit", _AMOUNT),
    "memo": ("memo", _TEXT),
    "entity": ("entity_id", _REF),
    "department": ("department_id", _REF),
    "class": ("class_id", _REF),
    "location": ("location_id", _REF),
}
_PASSPORT_FIELDS = {
    "account": "account",
    "consumerKey": "consumer_key",
    "token": "token",
    "nonce": "nonce",
    "timestamp": "timestamp",
}


def _type_name(xsd_type: Any) -> str:
    """A type's local name for a message (an anonymous type has none)."""
    return xsd_type.qname.localname if xsd_type.qname is not None else "type"


def _child(xsd_type: Any, name: str) -> Any:
    """The element `name` of a zeep complex type (LookupError if the WSDL has none)."""
    for element_name, element in xsd_type.elements:
        if element_name == name:
            return element
    raise LookupError(f"its {_type_name(xsd_type)} has no {name} field")


def _attribute(xsd_type: Any, name: str) -> str:
    """The name an attribute of a zeep complex type is written with."""
    for attribute_name, attribute in xsd_type.attributes:
        if attribute_name == name:
            return attribute.qname.text
    raise LookupError(f"its {_type_name(xsd_type)} has no {name} attribute")


def _ordered(xsd_type: Any, wanted: dict[str, tuple[str, int]]) -> tuple[tuple[str, str, int], ...]:
    """(qualified tag, attribute, kind) for the wanted fields, in the type's sequence order."""
    fields = tuple(
        (element.qname.text, *wanted[name]) for name, element in xsd_type.elements if name in wanted
    )
    if len(fields) != len(wanted):
        found = {name for name, _ in xsd_type.elements}
        missing = ", ".join(sorted(set(wanted) - found))
        raise LookupError(f"its {_type_name(xsd_type)} has no {missing} field")
    return fields


class EnvelopeWriter:
    """Writes signed upsert/upsertList envelopes of journal entries for one loaded WSDL."""

    def __init__(self, client: zeep.Client, binding: str, journal_entry_type: str) -> None:
        """Read the names from the WSDL; a LookupError says what a WSDL not NetSuite's lacks."""
        soap_binding = client.wsdl.bindings.get(binding)
        if soap_binding is None:
            raise LookupError(f"it has no {etree.QName(binding).localname}")
        soap_env = soap_binding.nsmap["soap-env"]
        self._envelope = f"{{{soap_env}}}Envelope"
        self._header = f"{{{soap_env}}}Header"
        self._body = f"{{{soap_env}}}Body"
        # operation -> (its body element, the body's record element)
        self._operations: dict[str, tuple[str, str]] = {}
        passport = None
        for name in ("upsert", "upsertList"):
            try:
                message = soap_binding.get(name).input
            except ValueError:
                raise LookupError(f"it has no {name} operation") from None
            self._operations[name] = (
                message.body.qname.text,
                _child(message.body.type, "record").qname.text,
            )
            passport = _child(message.header.type, "tokenPassport")
        assert passport is not None
        self._passport = passport.qname.text
        self._passport_fields = tuple(
            (element.qname.text, _PASSPORT_FIELDS[name])
            for name, element in passport.type.elements
            if name in _PASSPORT_FIELDS
        )
        signature = _child(passport.type, "signature")
        self._signature = signature.qname.text
        self._algorithm = _attribute(signature.type, "algorithm")

        try:
            entry_type = client.get_type(journal_entry_type)
        except zeep.exceptions.LookupError:
            # zeep's own LookupError, which is not Python's.
            name = etree.QName(journal_entry_type).localname
            raise LookupError(f"it has no {name} record type") from None
        self._entry_fields = _ordered(entry_type, _ENTRY_FIELDS)
        self._external_id = _attribute(entry_type, "externalId")
        line_list = _child(entry_type, "lineList").type
        self._replace_all = _attribute(line_list, "replaceAll")
        line = _child(line_list, "line")
        self._line = line.qname.text
        self._line_fields = _ordered(line.type, _LINE_FIELDS)
        self._internal_id = _attribute(_child(entry_type, "subsidiary").type, "internalId")

        messages_ns = etree.QName(self._passport).namespace
        core_ns = etree.QName(self._signature).namespace
        tran_ns = entry_type.qname.namespace
        # NetSuite's own prefixes (as in its documentation), declared once on the envelope.
        self._nsmap = {
            "soapenv": soap_env,
            "platformMsgs": messages_ns,
            "platformCore": core_ns,
            "tranGeneral": tran_ns,
            "xsi": _XSI,
        }
        # The record element's type is abstract (platformCore:Record): xsi:type names the real one.
        self._record_type = f"tranGeneral:{entry_type.qname.localname}"
        self._xsi_type = f"{{{_XSI}}}type"

    def write(
        self, operation: str, entries: Sequence[JournalEntryData], passport: TokenPassport
    ) -> bytes:
        """The envelope for `upsert` (one entry) or `upsertList`, with the passport as header.

        The entries must have passed `validate_entry`: amounts are written as they are, to
        the cent. A text no XML can carry raises InvalidCharacterError naming its entry.
        """
        body_tag, record_tag = self._operations[operation]
        if operation == "upsert" and len(entries) != 1:
            raise ValueError("upsert sends exactly one record")
        sub = etree.SubElement
        root = etree.Element(self._envelope, nsmap=self._nsmap)
        token = sub(sub(root, self._header), self._passport)
        for tag, attr in self._passport_fields:
            sub(token, tag).text = str(getattr(passport, attr))
        sub(token, self._signature, {self._algorithm: passport.algorithm}).text = passport.signature
        body = sub(sub(root, self._body), body_tag)
        attributes = {self._external_id: "", self._xsi_type: self._record_type}
        for entry in entries:
            try:
                attributes[self._external_id] = entry.external_id
                record = sub(body, record_tag, attributes)
                self._fields(record, entry, self._entry_fields)
            except ValueError:
                # lxml refuses a character XML cannot carry. An entry that skipped
                # `validate_entry` gets its sentence (which entry, field and character)
                # instead of lxml's.
                check_texts(entry)
                raise
        return etree.tostring(root, xml_declaration=True, encoding="utf-8")

    def _fields(self, parent: Any, source: Any, fields: tuple[tuple[str, str, int], ...]) -> None:
        """Write `source`'s set fields under `parent`: as zeep did, a reference or text that is
        empty is left out, and so is an amount that is None."""
        sub = etree.SubElement
        for tag, attr, kind in fields:
            value = getattr(source, attr)
            if kind == _REF:
                if value:
                    sub(parent, tag, {self._internal_id: str(value)})
            elif kind == _AMOUNT:
                if value is not None:
                    sub(parent, tag).text = str(value.quantize(CENT))
            elif kind == _TEXT:
                if value:
                    sub(parent, tag).text = value
            elif kind == _DATE:
                # A date without a zone: NetSuite reads it in the account's time zone, so it
                # never slips to the previous day as a UTC midnight would.
                day = date(value.year, value.month, value.day)
                sub(parent, tag).text = f"{day.isoformat()}T00:00:00"
            else:
                line_list = sub(parent, tag, {self._replace_all: "true"})
                for line in value:
                    self._fields(sub(line_list, self._line), line, self._line_fields)
