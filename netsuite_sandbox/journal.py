"""Journal entry parsing and NetSuite-like record validation, shared by REST and SOAP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# Reference: API-FACTS 5 (journal entries: 1,000 lines in the UI and synchronous SOAP;
# no REST figure is published, so REST uses the same limit).
MAX_LINES = 1000
CENT = Decimal("0.01")

HEADER_REFS = ("subsidiary", "currency", "postingPeriod", "department", "class", "location")
LINE_REFS = ("account", "entity", "department", "class", "location")
# Which reference table each field points at.
REF_TABLE = {
    "subsidiary": "subsidiary",
    "currency": "currency",
    "postingPeriod": "accountingperiod",
    "department": "department",
    "class": "classification",
    "location": "location",
    "account": "account",
    "entity": "vendor",
}
# UI labels used by NetSuite's "Please enter value(s) for:" message.
LABELS = {"subsidiary": "Subsidiary", "account": "Account", "amount": "Amount"}


@dataclass
class JournalError(Exception):
    """A record-level validation error, rendered as REST o:errorDetails or SOAP statusDetail."""

    code: str
    rest_detail: str
    soap_message: str
    path: str | None = None


def _ref_error(field: str, path: str, value: str, subsidiary: int | None) -> JournalError:
    # Reference: API-FACTS 8 (REST "Invalid Field Value X for the following field: f";
    # SOAP "Invalid f reference key X for subsidiary S.").
    soap = f"Invalid {field.lower()} reference key {value}"
    soap += f" for subsidiary {subsidiary}." if subsidiary is not None else "."
    return JournalError(
        "INVALID_KEY_OR_REF",
        f"Invalid Field Value {value} for the following field: {field.lower()}",
        soap,
        path,
    )


def _amount(value: Any, path: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise JournalError(
            "INVALID_FLD_VALUE",
            f"Invalid Field Value {value} for the following field: {path.rsplit('.', 1)[-1]}",
            f"Invalid amount {value}.",
            path,
        ) from None
    # Reference: NetSuite rounds transaction amounts to the currency precision (2 places).
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_rest_body(body: Any) -> dict[str, Any]:
    """Turn a REST journalentry JSON body into the raw entry shape validate() takes."""
    if not isinstance(body, dict):
        raise JournalError(
            "INVALID_CONTENT",
            "The request body must be a JSON object.",
            "Invalid request.",
        )
    raw: dict[str, Any] = {
        "externalId": body.get("externalId"),
        "tranId": body.get("tranId"),
        "tranDate": body.get("tranDate"),
        "memo": body.get("memo"),
        "exchangeRate": body.get("exchangeRate"),
        "approved": body.get("approved"),
    }
    for field in HEADER_REFS:
        raw[field] = body.get(field)
    # Reference: Oracle section_0223040947 (line sublist sent as {"items": [...]}).
    line = body.get("line")
    items = line.get("items") if isinstance(line, dict) else None
    raw["lines"] = [
        {k: item.get(k) for k in (*LINE_REFS, "debit", "credit", "memo")}
        if isinstance(item, dict)
        else {}
        for item in (items or [])
    ]
    return raw


def _resolve(
    ref: Any,
    field: str,
    path: str,
    table: dict[int, dict[str, Any]],
    subsidiary: int | None,
    check_subsidiary: bool,
) -> int | None:
    """Resolve a {"id"} or {"externalId"} reference to an active, available internal id."""
    if ref is None or ref == {}:
        return None
    if isinstance(ref, dict) and ref.get("externalId") and not ref.get("id"):
        ext = str(ref["externalId"])
        for rid, row in table.items():
            if row.get("externalid") == ext:
                ref = {"id": rid}
                break
        else:
            # Reference: API-FACTS 8 ("Nonexistent externalId X for f").
            message = f"Nonexistent externalId {ext} for {field}"
            raise JournalError("USER_ERROR", message, message, path)
    value = ref.get("id") if isinstance(ref, dict) else ref
    text = str(value)
    try:
        rid = int(text)
    except ValueError:
        raise _ref_error(field, path, text, subsidiary) from None
    row = table.get(rid)
    # Reference: API-FACTS 8 (inactive references are reported as invalid references).
    if row is None or row.get("isinactive"):
        raise _ref_error(field, path, text, subsidiary)
    if check_subsidiary and subsidiary is not None:
        available = row.get("subsidiaries")
        if available is None and "subsidiary" in row:
            available = [row["subsidiary"]]
        if available is not None and subsidiary not in available:
            raise _ref_error(field, path, text, subsidiary)
    return rid


def _period_for_date(periods: dict[int, dict[str, Any]], day: str) -> dict[str, Any] | None:
    for row in periods.values():
        if row.get("isposting") and row["startdate"] <= day <= row["enddate"]:
            return row
    return None


def validate(raw: dict[str, Any], ref: dict[str, dict[int, dict[str, Any]]]) -> dict[str, Any]:
    """Validate a raw entry against reference data; return the stored form or raise."""
    lines = raw.get("lines") or []
    if len(lines) > MAX_LINES:
        # Reference: API-FACTS 5 (1,000 lines) and WSDL code EXCEEDED_MAX_TRANS_LINES.
        message = f"A journal entry cannot have more than {MAX_LINES} lines; it has {len(lines)}."
        raise JournalError("EXCEEDED_MAX_TRANS_LINES", message, message, "line.items")

    # Reference: API-FACTS 8 ("Please enter value(s) for: Subsidiary." lists every missing field).
    missing: list[str] = []
    if raw.get("subsidiary") in (None, {}, ""):
        missing.append(LABELS["subsidiary"])
    if any(line.get("account") in (None, {}, "") for line in lines):
        missing.append(LABELS["account"])
    if any(line.get("debit") in (None, "") and line.get("credit") in (None, "") for line in lines):
        missing.append(LABELS["amount"])
    if missing:
        names = ", ".join(missing)
        raise JournalError(
            "USER_ERROR",
            f"Please enter value(s) for: {names}.",
            f"Please enter value(s) for: {names}",
            None,
        )
    if not lines:
        # Reference: NetSuite UI message for a transaction saved without lines.
        message = "You must enter at least one line item for this transaction."
        raise JournalError("USER_ERROR", message, message, "line")

    subsidiary = _resolve(
        raw["subsidiary"], "subsidiary", "subsidiary", ref["subsidiary"], None, False
    )
    assert subsidiary is not None
    entry: dict[str, Any] = {"subsidiary": subsidiary}
    currency = _resolve(
        raw.get("currency"), "currency", "currency", ref["currency"], subsidiary, False
    )
    # Reference: NetSuite defaults a journal's currency to the subsidiary's base currency.
    entry["currency"] = currency or ref["subsidiary"][subsidiary].get("currency")
    for field in ("department", "class", "location"):
        entry[field] = _resolve(
            raw.get(field), field, field, ref[REF_TABLE[field]], subsidiary, True
        )

    stored_lines = []
    debits = credits = Decimal(0)
    for i, line in enumerate(lines):
        out: dict[str, Any] = {"line": i}
        for field in LINE_REFS:
            path = f"line.items[{i}].{field}"
            out[field] = _resolve(
                line.get(field), field, path, ref[REF_TABLE[field]], subsidiary, True
            )
        debit = _amount(line.get("debit"), f"line.items[{i}].debit")
        credit = _amount(line.get("credit"), f"line.items[{i}].credit")
        if debit is not None and credit is not None:
            message = "A journal entry line can have a debit or a credit amount, not both."
            raise JournalError("USER_ERROR", message, message, f"line.items[{i}]")
        out["debit"] = str(debit) if debit is not None else None
        out["credit"] = str(credit) if credit is not None else None
        out["memo"] = line.get("memo")
        debits += debit or 0
        credits += credit or 0
        stored_lines.append(out)
    if debits != credits:
        # Reference: API-FACTS 8 (exact text not published; USER_ERROR as advised there).
        message = (
            f"The journal entry is out of balance: debits {debits} do not equal credits {credits}."
        )
        raise JournalError("USER_ERROR", message, message, "line")

    tran_date = raw.get("tranDate") or date.today().isoformat()
    try:
        tran_date = date.fromisoformat(str(tran_date)[:10]).isoformat()
    except ValueError:
        raise JournalError(
            "INVALID_FLD_VALUE",
            f"Invalid Field Value {raw.get('tranDate')} for the following field: trandate",
            f"Invalid date value {raw.get('tranDate')}.",
            "tranDate",
        ) from None
    periods = ref["accountingperiod"]
    if raw.get("postingPeriod") not in (None, {}, ""):
        period_id = _resolve(
            raw["postingPeriod"], "postingPeriod", "postingPeriod", periods, None, False
        )
        assert period_id is not None
        period = periods[period_id]
        if not period.get("isposting"):
            raise _ref_error("postingPeriod", "postingPeriod", str(period_id), None)
    else:
        found = _period_for_date(periods, tran_date)
        if found is None:
            # Reference: WSDL code MISSING_ACCT_PRD; text not published.
            message = f"No accounting period exists for the transaction date {tran_date}."
            raise JournalError("USER_ERROR", message, message, "tranDate")
        period = found
    # Reference: API-FACTS 8 (closed and locked periods reject new transactions;
    # USER_ERROR until NetSuite's exact text is known).
    if period.get("closed"):
        message = (
            f"The accounting period {period['periodname']} is closed. "
            "Post to an open period or reopen the period."
        )
        raise JournalError("USER_ERROR", message, message, "postingPeriod")
    if period.get("alllocked"):
        message = (
            f"The accounting period {period['periodname']} is locked for all transactions. "
            "Unlock the period or post to an open period."
        )
        raise JournalError("USER_ERROR", message, message, "postingPeriod")

    rate = raw.get("exchangeRate")
    entry.update(
        {
            "externalId": raw.get("externalId") or None,
            "tranId": raw.get("tranId") or None,
            "tranDate": tran_date,
            "postingPeriod": int(period["id"]),
            "memo": raw.get("memo"),
            "exchangeRate": str(Decimal(str(rate))) if rate not in (None, "") else "1",
            "approved": raw.get("approved") if raw.get("approved") is not None else True,
            "lines": stored_lines,
            "totalDebit": str(debits),
        }
    )
    return entry


def closed_period_error(
    ref: dict[str, dict[int, dict[str, Any]]], period_id: int | None, verb: str
) -> JournalError | None:
    """The refusal to change (`verb`: update, delete) an entry posted in a closed period."""
    period = ref["accountingperiod"].get(int(period_id)) if period_id is not None else None
    if period is None or not (period.get("closed") or period.get("alllocked")):
        return None
    # Reference: API-FACTS 8 (codes TRAN_PERIOD_CLOSED/CLOSED_TRAN_PRD exist; the text is not
    # published, so USER_ERROR with an explanatory message as advised there).
    state = "closed" if period.get("closed") else "locked for all transactions"
    message = (
        f"You cannot {verb} this transaction: its accounting period {period['periodname']} "
        f"is {state}. Reopen the period, or post a reversing entry in an open period."
    )
    return JournalError("USER_ERROR", message, message, "postingPeriod")


def ref_name(ref: dict[str, dict[int, dict[str, Any]]], field: str, rid: int) -> str:
    """Return the display name NetSuite shows for a reference."""
    row = ref[REF_TABLE[field]].get(rid, {})
    if field == "account":
        return f"{row.get('acctnumber', '')} {row.get('acctname', '')}".strip()
    if field == "currency":
        return str(row.get("name", rid))
    if field == "postingPeriod":
        return str(row.get("periodname", rid))
    if field == "entity":
        return str(row.get("entityid", rid))
    return str(row.get("name", rid))
