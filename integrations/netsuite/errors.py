"""Typed NetSuite errors, each turned into a sentence a finance user can act on."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "AuthenticationError",
    "InvalidCharacterError",
    "InvalidJournalEntryError",
    "NetSuiteConnectionError",
    "NetSuiteError",
    "NetSuiteTimeoutError",
    "PermissionDeniedError",
    "ProtocolError",
    "QueryTooLargeError",
    "RateLimitedError",
    "RecordNotFoundError",
    "RecordValidationError",
    "TransientError",
    "WsdlNotNetSuiteError",
    "WsdlUnavailableError",
    "error_from_rest_response",
    "error_from_soap_fault",
    "error_from_status_detail",
]

# Context given by the product: field -> human name (or {internal id: name}), plus e.g.
# "subsidiary", "period" (NetSuite's posting period), "accounting_period" (ours, the entry's
# own), "tran_date", "external_id", "account_id" (the NetSuite account).
Context = Mapping[str, Any]

_AUTH_CODES = {"INVALID_LOGIN", "INVALID_LOGIN_ATTEMPT", "INVALID_LOGIN_CREDENTIALS"}
_PERMISSION_CODES = {"INSUFFICIENT_PERMISSION", "INVALID_ROLE", "ACCESS_DENIED"}
_RATE_CODES = {
    "CONCURRENCY_LIMIT_EXCEEDED",
    "WS_REQUEST_BLOCKED",
    "SSS_REQUEST_LIMIT_EXCEEDED",
    "WS_CONCUR_SESSION_DISALLWD",
    "EXCEEDED_CONCURRENT_REQUEST_LIMIT",
}
_NOT_FOUND_CODES = {"NONEXISTENT_ID", "RCRD_DSNT_EXIST", "NOT_FOUND"}
_CLOSED_PERIOD_CODES = {
    "TRAN_PERIOD_CLOSED",
    "TRAN_PRD_CLOSED",
    "CLOSED_TRAN_PRD",
    "INVALID_ACCT_PRD",
    "MISSING_ACCT_PRD",
    "DATE_PRD_MISMATCH",
    "PERIOD_CLOSED",
}
_UNBALANCED_CODES = {
    "JE_AMOUNTS_MUST_BALANCE",
    "TRANS_UNBALNCD",
    "TRANS_LINES_UNBALNCD",
    "UNBALANCED",
}
_TOO_MANY_LINES_CODES = {"EXCEEDED_MAX_TRANS_LINES", "TOO_MANY_LINES"}

_FIELD_LABELS = {
    "account": "Account",
    "department": "Department",
    "class": "Class",
    "classification": "Class",
    "location": "Location",
    "subsidiary": "Subsidiary",
    "currency": "Currency",
    "entity": "Name (entity)",
    "postingperiod": "Posting period",
}
_FIELD_ACTIONS = {
    "account": "Map the GL account to an active NetSuite account that is available to this "
    "subsidiary, then press Retry.",
    "department": "Map the lease's department to an active NetSuite department, then press Retry.",
    "class": "Map the lease's class to an active NetSuite class, then press Retry.",
    "location": "Map the lease's location to an active NetSuite location, then press Retry.",
    "subsidiary": "Map the company to an active NetSuite subsidiary in the integration settings, "
    "then press Retry.",
    "currency": "Check that the currency exists and is enabled for the subsidiary in NetSuite, "
    "then press Retry.",
    "entity": "Map the lease's vendor to an active NetSuite vendor, then press Retry.",
    "postingperiod": "Choose an open NetSuite posting period for the entry, then press Retry.",
}
# "Invalid department reference key 12 for subsidiary 3." (SOAP and REST variants)
_INVALID_REF_RE = re.compile(
    r"Invalid (?P<field>\w+) reference key (?P<id>-?\w+)(?: for subsidiary (?P<sub>-?\w+))?",
    re.IGNORECASE,
)
# "Invalid Field Value 12 for the following field: department"
_INVALID_VALUE_RE = re.compile(
    r"Invalid Field Value (?P<id>\S+) for the following field: (?P<field>\w+)", re.IGNORECASE
)
_MISSING_RE = re.compile(r"Please enter value\(s\) for: (?P<fields>[^.]+)", re.IGNORECASE)


class NetSuiteError(Exception):
    """Base of every NetSuite failure; keeps status, NetSuite code, detail and field path."""

    retryable: bool = False

    def __init__(
        self,
        detail: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        field_path: str | None = None,
        operation: str | None = None,
        body: str | None = None,
    ) -> None:
        self.detail = detail
        self.status_code = status_code
        self.code = code
        self.field_path = field_path
        self.operation = operation
        # NetSuite's response body, shortened; it never contains our request headers.
        self.body = body[:2000] if body else body
        super().__init__(detail)

    def __str__(self) -> str:
        parts = [f"[{self.code}]" if self.code else "", self.detail]
        if self.status_code is not None:
            parts.append(f"(HTTP {self.status_code})")
        if self.field_path:
            parts.append(f"at {self.field_path}")
        return " ".join(p for p in parts if p)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, status_code={self.status_code!r}, "
            f"detail={self.detail!r}, field_path={self.field_path!r})"
        )

    def user_message(self, context: Context | None = None) -> str:
        """A sentence a finance user understands."""
        return f"NetSuite reported a problem: {self.detail}"

    def corrective_action(self, context: Context | None = None) -> str:
        """What the user should do next."""
        return "Press Retry; if the problem continues, contact your NetSuite administrator."


class AuthenticationError(NetSuiteError):
    """NetSuite refused the login (401 INVALID_LOGIN, invalidCredentialsFault); never retried."""

    def user_message(self, context: Context | None = None) -> str:
        """Name the account when the product gives it."""
        account = (context or {}).get("account_id")
        where = f" to account {account}" if account else ""
        # Verify tests what was just typed; a sync uses what is stored.
        which = "you entered" if (context or {}).get("entered") else "saved for this company"
        return f"NetSuite refused to log in{where} with the credentials {which}."

    def corrective_action(self, context: Context | None = None) -> str:
        """List the usual causes; NetSuite only names the exact one in its Login Audit Trail."""
        return (
            "Check the usual causes: Token-Based Authentication is not enabled in NetSuite "
            "(Setup > Company > Enable Features > SuiteCloud); the account ID or its sandbox "
            "suffix is wrong (a sandbox looks like 1234567_SB1); the access token was revoked, "
            "or was created for another account or integration record; the token's role lacks "
            "the 'Log in using Access Tokens' and web services permissions. NetSuite shows the "
            "exact reason under Setup > Users/Roles > User Management > View Login Audit Trail. "
            + (
                "Then correct them and press Verify & Save."
                if (context or {}).get("entered")
                else "Then enter corrected credentials on Settings → Integrations and press "
                "Verify & Save."
            )
        )


class PermissionDeniedError(NetSuiteError):
    """The role is logged in but may not do this (NetSuite often answers 400, not 403)."""

    def user_message(self, context: Context | None = None) -> str:
        """Say what was refused."""
        return (
            "The NetSuite role used by this integration is not allowed to do this: "
            f"{self.detail.rstrip('.')}."
        )

    def corrective_action(self, context: Context | None = None) -> str:
        """Point at the role permissions an administrator grants."""
        return (
            "Ask your NetSuite administrator to give the integration's role the Make Journal "
            "Entry, SuiteQL/REST or SOAP Web Services permissions and access to the "
            "subsidiary, then press Retry."
        )


class RateLimitedError(NetSuiteError):
    """NetSuite's per-account concurrency limit was hit (429, WS_REQUEST_BLOCKED); retried."""

    retryable = True

    def user_message(self, context: Context | None = None) -> str:
        """Explain that NetSuite was busy."""
        return "NetSuite was busy: too many requests were running at once for this account."

    def corrective_action(self, context: Context | None = None) -> str:
        """Usually nothing to do: the client retries."""
        return (
            "Press Retry in a few minutes. If this keeps happening, lower the integration's "
            "concurrency setting or ask your NetSuite administrator about the account's limit."
        )


class TransientError(NetSuiteError):
    """A timeout, connection error or 5xx that may succeed later; retried."""

    retryable = True

    def user_message(self, context: Context | None = None) -> str:
        """Explain that NetSuite could not be reached."""
        return "NetSuite could not be reached or had a temporary problem."

    def corrective_action(self, context: Context | None = None) -> str:
        """Try again later."""
        return "Press Retry in a few minutes. If it keeps failing, check NetSuite's status page."


class NetSuiteTimeoutError(TransientError):
    """NetSuite did not answer in time; the write may or may not have happened (upsert is safe)."""


class NetSuiteConnectionError(TransientError):
    """The connection to NetSuite failed before a response."""


class WsdlUnavailableError(NetSuiteError):
    """The SOAP service description (WSDL) could not be loaded, so SOAP cannot be used."""

    def __init__(self, location: str, cause: str) -> None:
        super().__init__(f"The SOAP WSDL at {location} could not be loaded ({cause}).")
        self.location = location

    def user_message(self, context: Context | None = None) -> str:
        """Say which document could not be read."""
        return (
            f"SOAP cannot be used: NetSuite's SOAP service description (WSDL) at "
            f"{self.location} could not be loaded."
        )

    def corrective_action(self, context: Context | None = None) -> str:
        """Point at the ways out."""
        return (
            "Choose REST (recommended), or check that the account ID is right and that SOAP "
            "Web Services is enabled in NetSuite (Setup > Company > Enable Features > "
            "SuiteCloud); if your administrator set NETSUITE_WSDL, check that this server can "
            "reach that address. Then press Verify & Save again."
        )


class WsdlNotNetSuiteError(WsdlUnavailableError):
    """The WSDL loaded, but lacks what NetSuite's 2023_2 WSDL has for sending journal entries."""

    def __init__(self, location: str, missing: str) -> None:
        super().__init__(location, f"not NetSuite's 2023_2 WSDL: {missing}")
        self.missing = missing

    def user_message(self, context: Context | None = None) -> str:
        """Say which document and what it lacks."""
        return (
            f"SOAP cannot be used: the service description (WSDL) at {self.location} is not "
            f"NetSuite's SuiteTalk 2023_2 WSDL ({self.missing}), so journal entries could not "
            "be sent with it."
        )

    def corrective_action(self, context: Context | None = None) -> str:
        """Point at the ways out: REST now, the right WSDL later."""
        return (
            "Choose REST (recommended) and press Verify & Save again. To use SOAP, ask whoever "
            "runs this server to set NETSUITE_WSDL to NetSuite's 2023_2 WSDL, or to leave it "
            "blank so each account's own WSDL is used."
        )


class ProtocolError(NetSuiteError):
    """NetSuite answered with something we cannot interpret."""


class QueryTooLargeError(NetSuiteError):
    """A SuiteQL query returned more pages than the configured cap."""

    def user_message(self, context: Context | None = None) -> str:
        """Explain the cap."""
        return "The NetSuite lookup returned more rows than this integration reads at once."

    def corrective_action(self, context: Context | None = None) -> str:
        """Narrow the query."""
        return "Narrow the lookup (for example by subsidiary or date) and try again."


class RecordValidationError(NetSuiteError):
    """NetSuite (or our own pre-send check) rejected the record's data; never retried."""

    @property
    def reason(self) -> str:
        """One of: invalid_reference, missing_field, closed_period, unbalanced, too_many_lines,
        duplicate, not_found, other."""
        code = (self.code or "").upper()
        detail = self.detail
        if code == "INVALID_KEY_OR_REF" or _reference(detail, self.field_path):
            return "invalid_reference"
        if code in _CLOSED_PERIOD_CODES or re.search(r"period.*(closed|locked)", detail, re.I):
            return "closed_period"
        if code in _UNBALANCED_CODES or re.search(r"(un)?balance", detail, re.I):
            return "unbalanced"
        if code in _TOO_MANY_LINES_CODES:
            return "too_many_lines"
        if code in _NOT_FOUND_CODES:
            return "not_found"
        if "already exists" in detail.lower() or code.startswith("DUP_"):
            return "duplicate"
        if _MISSING_RE.search(detail) or code == "JE_LINE_MISSING_REQD_DATA":
            return "missing_field"
        return "other"

    def user_message(self, context: Context | None = None) -> str:
        """Sentence naming what the user knows (names from `context`) rather than internal IDs."""
        ctx = context or {}
        reason = self.reason
        if reason == "invalid_reference":
            field, internal_id, sub_id = _reference(self.detail, self.field_path) or ("", "", None)
            label = _FIELD_LABELS.get(field, field.capitalize() or "A referenced record")
            name = _name_for(ctx, field, internal_id)
            what = (
                f"{label} '{name}' (internal ID {internal_id})"
                if name
                else (f"{label} with internal ID {internal_id}")
            )
            subsidiary = _name_for(ctx, "subsidiary", sub_id) or sub_id
            where = f" for subsidiary '{subsidiary}'" if subsidiary else ""
            return f"{what} was not found in NetSuite{where}."
        if reason == "closed_period":
            period = ctx.get("period")
            date = ctx.get("tran_date")
            which = f"The posting period '{period}'" if period else "The posting period"
            when = f" for the entry dated {date}" if date else ""
            return f"{which}{when} is closed or locked in NetSuite, so the entry cannot be posted."
        if reason == "unbalanced":
            return "The journal entry's debits and credits do not balance."
        if reason == "too_many_lines":
            return "The journal entry has more lines than NetSuite accepts in a single entry."
        if reason == "not_found":
            return "The journal entry was not found in NetSuite; it may have been deleted."
        if reason == "duplicate":
            eid = ctx.get("external_id")
            which = f" with external ID {eid}" if eid else ""
            return f"A journal entry{which} already exists in NetSuite."
        if reason == "missing_field":
            match = _MISSING_RE.search(self.detail)
            fields = match.group("fields").strip() if match else "a line's account or amount"
            return f"NetSuite needs a value for {fields}, which was not sent."
        return f"NetSuite rejected the journal entry: {self.detail.rstrip('.')}."

    def corrective_action(self, context: Context | None = None) -> str:
        """The concrete next step for each reason."""
        reason = self.reason
        if reason == "invalid_reference":
            field = (_reference(self.detail, self.field_path) or ("",))[0]
            return _FIELD_ACTIONS.get(
                field, "Check the integration's mappings to NetSuite records, then press Retry."
            )
        return {
            "closed_period": "Ask your NetSuite administrator to reopen or unlock the period "
            "(Setup > Accounting > Manage Accounting Periods), or post to an open period, "
            "then press Retry.",
            "unbalanced": "Review the lease schedule so that debits equal credits to the cent, "
            "then press Retry.",
            "too_many_lines": "Post this period in smaller entries (for example one per lease "
            "or per department), then press Retry.",
            "not_found": "Press Retry to post the entry again.",
            "duplicate": "Open the existing entry with View in Integration; remove it in "
            "NetSuite if it is wrong, then press Retry.",
            "missing_field": "Fill in the missing mapping in the integration settings, "
            "then press Retry.",
        }.get(reason, "Correct the data named above in the lease or in NetSuite, then press Retry.")


class RecordNotFoundError(RecordValidationError):
    """The record asked for does not exist (404 NONEXISTENT_ID, RCRD_DSNT_EXIST)."""


class InvalidJournalEntryError(RecordValidationError, ValueError):
    """Our own check refused the entry before anything was sent (unbalanced, non-cent amount)."""


class InvalidCharacterError(InvalidJournalEntryError):
    """A text of the entry holds a character no XML can carry (a control character, U+FFFE,
    U+FFFF, half a surrogate pair): SOAP cannot write it, so neither transport sends it."""

    def __init__(
        self,
        *,
        external_id: str,
        field: str,
        field_path: str,
        character: str,
        character_name: str,
        shown: str,
    ) -> None:
        # The text itself stays out of `detail`: words in it (a lease named "Accounting")
        # must not read as the NetSuite field to fix.
        super().__init__(
            f"{field} contains U+{ord(character):04X}, which XML 1.0 cannot carry",
            code="INVALID_CHARACTER",
            field_path=field_path,
        )
        self.external_id = external_id
        self.field = field
        self.character = character
        self.character_name = character_name
        self.shown = shown  # the text with the character made visible

    @property
    def reason(self) -> str:
        """Always "invalid_character"."""
        return "invalid_character"

    def user_message(self, context: Context | None = None) -> str:
        """Which entry, which field, which character, and the text it is in."""
        return (
            f"Journal entry {self.external_id} was not sent: {self.field} contains "
            f"{self.character_name}, which NetSuite cannot accept: “{self.shown}”."
        )

    def corrective_action(self, context: Context | None = None) -> str:
        """The entry is frozen: correct its source, then rebuild it by closing again."""
        # Our accounting period, the entry's own: NetSuite's ("period") may be a later one
        # where an adjustment posts, which reopening ours would not rebuild.
        period = (context or {}).get("accounting_period")
        which = period if period else "the period"
        return (
            "Remove the character from the text it came from (a lease's code or name, or a "
            f"subsidiary's name), then ask an admin to reopen {which} and close it again so that "
            "the entry is rebuilt, and press Sync. Entries already in NetSuite are not sent twice."
        )


def _reference(detail: str, field_path: str | None) -> tuple[str, str, str | None] | None:
    """(field, internal id, subsidiary id) from an invalid-reference message, if it is one."""
    match = _INVALID_REF_RE.search(detail)
    if match:
        sub = match.group("sub")
        return _normalise_field(match.group("field")), match.group("id"), sub
    match = _INVALID_VALUE_RE.search(detail)
    if match:
        return _normalise_field(match.group("field")), match.group("id").rstrip("."), None
    return None


def _normalise_field(field: str) -> str:
    """NetSuite spells fields in several ways; reduce to our keys."""
    key = field.lower().rsplit(".", 1)[-1]
    return {"classification": "class", "postingPeriod": "postingperiod"}.get(key, key)


def _name_for(ctx: Context, field: str, internal_id: str | None) -> str | None:
    """A name from context: either a plain string or a {internal id: name} mapping."""
    value = ctx.get(field)
    if isinstance(value, Mapping):
        return value.get(internal_id) if internal_id is not None else None
    return str(value) if value else None


def error_from_rest_response(
    status_code: int, text: str, *, operation: str | None = None
) -> NetSuiteError:
    """Map a non-2xx REST response (status + JSON error body) to a typed error."""
    code = detail = field_path = None
    try:
        payload = json.loads(text) if text else {}
    except ValueError:
        payload = {}
    details = payload.get("o:errorDetails") if isinstance(payload, dict) else None
    if isinstance(details, list) and details and isinstance(details[0], dict):
        first = details[0]
        code = first.get("o:errorCode")
        detail = first.get("detail")
        field_path = first.get("o:errorPath") or first.get("o:errorQueryParam")
    if not detail:
        title = payload.get("title") if isinstance(payload, dict) else None
        detail = title or f"HTTP {status_code} from NetSuite"
    kwargs = {
        "status_code": status_code,
        "code": code,
        "field_path": field_path,
        "operation": operation,
        "body": text,
    }
    return _classify(code, detail, status_code=status_code, fault=None)(detail, **kwargs)


def error_from_soap_fault(
    fault_name: str | None,
    code: str | None,
    message: str,
    *,
    status_code: int | None = 500,
    operation: str | None = None,
    body: str | None = None,
) -> NetSuiteError:
    """Map a SOAP fault (e.g. invalidCredentialsFault / WS_REQUEST_BLOCKED) to a typed error."""
    cls = _classify(code, message, status_code=None, fault=fault_name)
    return cls(message, status_code=status_code, code=code, operation=operation, body=body)


def error_from_status_detail(
    code: str | None, message: str, *, operation: str | None = None
) -> NetSuiteError:
    """Map a failed SOAP writeResponse statusDetail (HTTP 200, isSuccess=false)."""
    cls = _classify(code, message, status_code=None, fault=None)
    return cls(message, status_code=200, code=code, operation=operation)


def _classify(
    code: str | None, detail: str, *, status_code: int | None, fault: str | None
) -> type[NetSuiteError]:
    """Choose the error class from HTTP status, NetSuite code, fault name and message."""
    code_u = (code or "").upper()
    fault_l = (fault or "").lower()
    text = detail.lower()
    if (
        status_code == 401
        or code_u in _AUTH_CODES
        or fault_l in {"invalidcredentialsfault", "invalidsessionfault"}
        or "invalid login attempt" in text
    ):
        return AuthenticationError
    if (
        status_code == 429
        or code_u in _RATE_CODES
        or fault_l in {"exceededconcurrentrequestlimitfault", "exceededrequestlimitfault"}
    ):
        return RateLimitedError
    if (
        status_code == 403
        or code_u in _PERMISSION_CODES
        or fault_l == "insufficientpermissionfault"
        or "permission" in text
        and ("not have" in text or "does not have" in text)
    ):
        return PermissionDeniedError
    if status_code == 409 or (status_code is not None and status_code >= 500):
        return TransientError
    if fault_l == "unexpectederrorfault" or code_u == "UNEXPECTED_ERROR":
        return TransientError
    if code_u in _NOT_FOUND_CODES or status_code == 404:
        return RecordNotFoundError
    if fault is not None and fault_l not in {"", "soapfault"}:
        # Other faults (request size, record count, usage limits) are about the request itself.
        return RecordValidationError
    return RecordValidationError
