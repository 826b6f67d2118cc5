"""Our journal entry data, its pre-send checks, and its REST JSON and SOAP record forms."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from occupier.text_rules import NOT_XML, character_name

from .errors import InvalidCharacterError, InvalidJournalEntryError

__all__ = [
    "MAX_LINES",
    "AttemptRecord",
    "JournalEntryData",
    "JournalEntryRecord",
    "JournalLineData",
    "UpsertResult",
    "check_texts",
    "dumps_exact",
    "to_rest_body",
    "validate_entry",
]

MAX_LINES = 1000  # journal entry line limit in the UI and synchronous SOAP; assumed for REST
CENT = Decimal("0.01")
# External IDs go into a URL path segment (eid:<id>); keep them to characters that need no escaping.
_EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9_.\-:]{1,255}$")
# How much of a refused text the sentence quotes, around the character.
_SHOWN_CHARS = 120


@dataclass(frozen=True, slots=True)
class JournalLineData:
    """One line, with NetSuite internal IDs already resolved by the caller."""

    account_id: str
    debit: Decimal | None
    credit: Decimal | None
    memo: str = ""
    entity_id: str | None = None
    department_id: str | None = None
    class_id: str | None = None
    location_id: str | None = None

    @property
    def amount(self) -> Decimal:
        """The line's amount, whichever side it is on."""
        return self.debit if self.debit is not None else (self.credit or Decimal(0))


@dataclass(frozen=True, slots=True)
class JournalEntryData:
    """A journal entry keyed by a stable external ID so that a replay never duplicates."""

    external_id: str
    subsidiary_id: str
    currency_id: str | None
    tran_date: date
    memo: str
    lines: tuple[JournalLineData, ...]
    posting_period_id: str | None = None

    @property
    def total_debit(self) -> Decimal:
        """Sum of debits."""
        return sum((ln.debit for ln in self.lines if ln.debit is not None), Decimal(0))

    @property
    def total_credit(self) -> Decimal:
        """Sum of credits."""
        return sum((ln.credit for ln in self.lines if ln.credit is not None), Decimal(0))


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One HTTP attempt, safe to store: no headers, no secrets."""

    number: int
    duration_ms: int
    status_code: int | None
    error_code: str | None = None
    error_class: str | None = None
    retry_delay_s: float | None = None


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """Outcome of upserting one journal entry."""

    external_id: str
    internal_id: str | None
    status_code: int | None
    duration_ms: int
    transport: str
    attempts: tuple[AttemptRecord, ...] = ()
    error: Exception | None = None  # set only for per-record failures inside a SOAP upsertList

    @property
    def ok(self) -> bool:
        """True when NetSuite stored the entry."""
        return self.error is None and self.internal_id is not None


@dataclass(frozen=True, slots=True)
class JournalEntryRecord:
    """A journal entry as read back from NetSuite."""

    internal_id: str
    external_id: str | None
    tran_date: date | None
    memo: str | None
    subsidiary_id: str | None
    currency_id: str | None
    posting_period_id: str | None
    lines: tuple[JournalLineData, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


def _amount(value: Decimal | None, where: str) -> Decimal | None:
    """Check an amount is a positive, finite, whole number of cents."""
    if value is None:
        return None
    try:
        dec = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidJournalEntryError(f"{where} is not a number", code="INVALID_AMOUNT") from None
    if not dec.is_finite() or dec <= 0:
        raise InvalidJournalEntryError(
            f"{where} must be a positive amount, got {value}", code="INVALID_AMOUNT"
        )
    if dec != dec.quantize(CENT):
        raise InvalidJournalEntryError(
            f"{where} has fractions of a cent ({value})", code="INVALID_AMOUNT"
        )
    return dec.quantize(CENT)


def validate_entry(entry: JournalEntryData) -> None:
    """Refuse what NetSuite would refuse, before anything is sent."""
    if not _EXTERNAL_ID_RE.match(entry.external_id or ""):
        raise InvalidJournalEntryError(
            f"External ID {entry.external_id!r} must be 1-255 letters, digits or '_.-:'",
            code="INVALID_EXTERNAL_ID",
        )
    check_texts(entry)
    if not entry.subsidiary_id:
        raise InvalidJournalEntryError(
            "Please enter value(s) for: Subsidiary", code="USER_ERROR", field_path="subsidiary"
        )
    if len(entry.lines) < 2:
        raise InvalidJournalEntryError(
            "A journal entry needs at least two lines", code="JE_LINE_MISSING_REQD_DATA"
        )
    if len(entry.lines) > MAX_LINES:
        raise InvalidJournalEntryError(
            f"{len(entry.lines)} lines exceed NetSuite's limit of {MAX_LINES}",
            code="EXCEEDED_MAX_TRANS_LINES",
        )
    for index, line in enumerate(entry.lines):
        where = f"line {index + 1}"
        if not line.account_id:
            raise InvalidJournalEntryError(
                f"{where} has no account", code="JE_LINE_MISSING_REQD_DATA"
            )
        debit = _amount(line.debit, f"{where} debit")
        credit = _amount(line.credit, f"{where} credit")
        if (debit is None) == (credit is None):
            raise InvalidJournalEntryError(
                f"{where} must have either a debit or a credit", code="JE_LINE_MISSING_REQD_DATA"
            )
    if entry.total_debit != entry.total_credit:
        raise InvalidJournalEntryError(
            f"Debits {entry.total_debit:.2f} do not equal credits {entry.total_credit:.2f}",
            code="JE_AMOUNTS_MUST_BALANCE",
        )


def check_texts(entry: JournalEntryData) -> None:
    """Refuse an entry whose memo or a line's memo holds a character no XML can carry."""
    _check_text(entry, entry.memo, "its memo", "memo")
    for index, line in enumerate(entry.lines):
        _check_text(entry, line.memo, f"the memo of line {index + 1}", f"line[{index}].memo")


def _check_text(entry: JournalEntryData, text: str | None, field: str, field_path: str) -> None:
    """Refuse a text no XML can carry, for REST as for SOAP.

    SOAP cannot write it at all (XML 1.0), and what NetSuite's REST API does with it is not
    documented: refusing it on both keeps an entry's outcome the same whichever transport the
    company chose, and keeps every record we write readable over SOAP.
    """
    found = NOT_XML.search(text or "")
    if found is None:
        return
    char = found.group()
    shown = NOT_XML.sub(_visible, text)
    if len(shown) > _SHOWN_CHARS:
        start = max(0, found.start() - _SHOWN_CHARS // 2)
        shown = ("…" if start else "") + shown[start : start + _SHOWN_CHARS] + "…"
    raise InvalidCharacterError(
        external_id=entry.external_id,
        field=field,
        field_path=field_path,
        character=char,
        character_name=character_name(char),
        shown=shown,
    )


def _visible(match: re.Match) -> str:
    """A refused character written so that it can be seen: [code 1], [U+FFFE]."""
    code = ord(match.group())
    return f"[code {code}]" if code < 0x20 else f"[U+{code:04X}]"


def _ref(internal_id: str | None) -> dict[str, str] | None:
    return {"id": str(internal_id)} if internal_id else None


def to_rest_body(entry: JournalEntryData) -> dict[str, Any]:
    """The REST record body (amounts stay Decimal; serialise with `dumps_exact`)."""
    validate_entry(entry)
    body: dict[str, Any] = {
        "externalId": entry.external_id,
        "subsidiary": _ref(entry.subsidiary_id),
        "tranDate": entry.tran_date.isoformat(),
        "memo": entry.memo,
    }
    if entry.currency_id:
        body["currency"] = _ref(entry.currency_id)
    if entry.posting_period_id:
        body["postingPeriod"] = _ref(entry.posting_period_id)
    items = []
    for line in entry.lines:
        item: dict[str, Any] = {"account": _ref(line.account_id)}
        if line.debit is not None:
            item["debit"] = Decimal(line.debit).quantize(CENT)
        if line.credit is not None:
            item["credit"] = Decimal(line.credit).quantize(CENT)
        if line.memo:
            item["memo"] = line.memo
        for key, value in (
            ("entity", line.entity_id),
            ("department", line.department_id),
            ("class", line.class_id),
            ("location", line.location_id),
        ):
            if value:
                item[key] = _ref(value)
        items.append(item)
    body["line"] = {"items": items}
    return body


def dumps_exact(payload: Any) -> str:
    """JSON with Decimals written as exact number literals (300.00), never via float."""
    marker = uuid.uuid4().hex
    encoded = json.dumps(
        payload,
        default=lambda o: f"{marker}{o}{marker}" if isinstance(o, Decimal) else _fail(o),
        ensure_ascii=False,
        separators=(",", ":"),
    )
    # The random marker appears nowhere else, so plain replacing unquotes exactly the Decimals
    # (a regex built per call would be compiled, and cached, once per entry sent).
    return encoded.replace(f'"{marker}', "").replace(f'{marker}"', "")


def _fail(obj: object) -> None:
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _id(ref: Any) -> str | None:
    """The internal ID of a REST reference {"id": ..., "refName": ...}."""
    if isinstance(ref, Mapping) and ref.get("id") is not None:
        return str(ref["id"])
    return None


def _dec(value: Any) -> Decimal | None:
    """A REST amount (number or string) as an exact two-decimal Decimal."""
    if value is None or value == "":
        return None
    return Decimal(str(value)).quantize(CENT)


def from_rest_record(data: Mapping[str, Any]) -> JournalEntryRecord:
    """Parse a REST journalentry (with expandSubResources) into a `JournalEntryRecord`."""
    line_block = data.get("line") or {}
    items = line_block.get("items", []) if isinstance(line_block, Mapping) else []
    lines = tuple(
        JournalLineData(
            account_id=_id(item.get("account")) or "",
            debit=_dec(item.get("debit")),
            credit=_dec(item.get("credit")),
            memo=item.get("memo") or "",
            entity_id=_id(item.get("entity")),
            department_id=_id(item.get("department")),
            class_id=_id(item.get("class")),
            location_id=_id(item.get("location")),
        )
        for item in items
    )
    tran_date = data.get("tranDate")
    return JournalEntryRecord(
        internal_id=str(data.get("id", "")),
        external_id=data.get("externalId"),
        tran_date=date.fromisoformat(tran_date[:10]) if tran_date else None,
        memo=data.get("memo"),
        subsidiary_id=_id(data.get("subsidiary")),
        currency_id=_id(data.get("currency")),
        posting_period_id=_id(data.get("postingPeriod")),
        lines=lines,
        raw=data,
    )
