"""The audit log as people read it: actions as sentences, fields by their verbose names, choice
values by their labels, amounts and dates in the company's formats.

Presentation only: the stored rows keep their codes and raw values, so old rows read the same
way as new ones and nothing here can change what was recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.apps import apps
from django.db import models
from django.utils import timezone

from audit.models import AuditEvent

# What each action means, as a sentence about its subject. Unknown actions read from their code.
ACTION_SENTENCES = {
    "company.create": "Created the company",
    "company.settings": "Changed the company settings",
    "user.time_zone": "Changed their own time zone",
    "company.go_live": "Set the go-live date",
    "membership.add": "Added a member",
    "membership.invite": "Invited a person",
    "membership.flags": "Changed a member's permissions",
    "period.close": "Closed and locked the period",
    "period.reopen": "Reopened the period",
    "lease.create": "Created the lease",
    "lease.update": "Edited the lease",
    "lease.activate": "Activated the lease",
    "lease.approve_changes": "Approved the lease's changes",
    "lease.opening_balances": "Changed the lease's opening balances",
    "lease_change.create": "Proposed a lease change",
    "lease_change.approve": "Approved a lease change",
    "lease_change.withdraw": "Withdrew a lease change",
    "lease_change.import": "Imported lease changes",
    "lease_change.approve_many": "Approved lease changes together",
    "variable_payment.save": "Saved a variable payment",
    "variable_payment.delete": "Removed a variable payment",
    "portfolio.import": "Imported a lease portfolio",
    "accounting_defaults.update": "Changed the GL defaults",
    "gl_account.create": "Added an account",
    "gl_account.update": "Changed an account",
    "segment.create": "Added a segment",
    "subsidiary.create": "Added a subsidiary",
    "integration.settings": "Changed the NetSuite connection",
    "integration.sync_settings": "Changed the sync settings",
    "integration.keys_rotated": "Rotated the encryption keys",
    "integration.mapping": "Mapped a value to NetSuite",
    "integration.mapping_delete": "Removed a NetSuite mapping",
    "integration.reference_refresh": "Started a refresh of NetSuite's reference data",
    "integration.reference_refresh_completed": "Refreshed NetSuite's reference data",
    "integration.reference_refresh_failed": "A refresh of NetSuite's reference data failed",
    "sync.start": "Started a sync to NetSuite",
    "sync.retry": "Retried a failed sync",
    "sync.resend": "Sent a period to NetSuite again",
    "sync.completed": "A sync to NetSuite completed",
    "sync.failed": "A sync to NetSuite failed",
    "tieout.start": "Started a tie-out with NetSuite",
    "tieout.agrees": "A tie-out found the books agree with NetSuite",
    "tieout.findings": "A tie-out found differences with NetSuite",
    "tieout.failed": "A tie-out with NetSuite could not finish",
    "auth.locked_out": "Sign-in locked after too many attempts",
    "auth.mfa_enabled": "Turned on two-step sign-in",
    "auth.recovery_code_used": "Signed in with a recovery code",
}

# The audit log's filter: the kinds of action (the code before the dot), by name.
ACTION_KINDS = {
    "accounting_defaults": "GL defaults",
    "auth": "Sign-in",
    "company": "Company",
    "gl_account": "Chart of accounts",
    "integration": "NetSuite connection",
    "lease": "Lease",
    "lease_change": "Lease change",
    "membership": "Team",
    "period": "Period",
    "portfolio": "Portfolio import",
    "segment": "Segment",
    "subsidiary": "Subsidiary",
    "sync": "Sync",
    "tieout": "Tie-out",
    "user": "Profile",
    "variable_payment": "Variable payment",
}

# Models whose fields an action's values name, besides its subject and the model its code names
# ("variable_payment" → VariablePayment): a lease change's details name payment fields, etc.
ACTION_MODELS = {
    "lease": ("leases.LeaseOpeningBalance", "leases.LeasePayment"),
    "lease_change": ("leases.LeaseChange", "leases.LeasePayment", "leases.Lease"),
    "integration": ("integrations.NetSuiteConnection", "integrations.ReferenceMapping"),
    "sync": ("integrations.SyncRun",),
    "period": ("closebooks.AccountingPeriod",),
    "tieout": ("reports.TieOut",),
}

# Keys that are no model's field (counts, totals, a change's engine JSON), by what they hold.
MONEY, RATE, FRACTION, DATE, MONTH, COUNT = "money", "rate", "fraction", "date", "month", "count"
KEY_INFO: dict[str, tuple[str, str]] = {
    "is_company_admin": ("Company admin", ""),
    "can_access_lease_accounting": ("Lease accounting", ""),
    "can_view_lease_accounting": ("Lease accounting, read-only", ""),
    "can_access_integrations": ("Lease accounting integrations", ""),
    "can_manage_integration_settings": ("Manage integration settings", ""),
    "debits_by_currency": ("Debits", MONEY),
    "credits_by_currency": ("Credits", MONEY),
    "total_debit": ("Total debits", MONEY),
    "total_credit": ("Total credits", MONEY),
    "entries": ("Journal entries", COUNT),
    "entries_to_send": ("Entries to send", COUNT),
    "retry": ("Attempt", COUNT),
    "sent": ("Entries sent", COUNT),
    "failed": ("Entries failed", COUNT),
    "update": ("Entries to update", COUNT),
    "add": ("Entries to add", COUNT),
    "remove": ("Entries to remove", COUNT),
    "records": ("Records read", COUNT),
    "findings": ("Differences found", COUNT),
    "count": ("Number", COUNT),
    "changes": ("Changes", "change_lines"),
    "change": ("Change", ""),
    "details": ("Details", ""),
    "payments": ("Payments", ""),
    "incentives": ("Incentives", ""),
    "amount": ("Amount", MONEY),
    "restoration_paid": ("Restoration paid", MONEY),
    "annual_rate": ("Annual rate", FRACTION),
    "scope_fraction": ("Share of the asset given back", FRACTION),
    "effective": ("Effective date", DATE),
    "period": ("Period", MONTH),
    "proposed_by": ("Proposed by", ""),
    "approved_by": ("Approved by", ""),
    "separate_lease": ("Separate lease", ""),
    "email": ("Email address", ""),
    "go_live_date": ("Go-live date", DATE),
    "time_zone": ("Time zone", "zone"),
    # The NetSuite connection's fields, as its settings page names them.
    "account_id": ("NetSuite account ID", ""),
    "base_url": ("NetSuite address", ""),
    "concurrency_limit": ("Requests at a time", COUNT),
    "last_verify_ok": ("Connection verified", ""),
    "notify_emails": ("Emails about syncs", ""),
    "payment_streams": ("Payment streams", COUNT),
    "variable_payments": ("Variable payments", COUNT),
    "opening_balances": ("Opening balances", COUNT),
    "leases": ("Leases", COUNT),
    "created": ("Created", COUNT),
    "updated": ("Updated", COUNT),
    "unchanged": ("Unchanged", COUNT),
}
# Values of engine JSON keys that name no model choice ("frequency": "monthly").
VALUE_LABELS = {"frequency": {"monthly": "Monthly", "quarterly": "Quarterly"}}
# The NetSuite secrets a connection row's note names when they were replaced.
SECRET_NAMES = {
    "consumer_key": "consumer key",
    "consumer_secret": "consumer secret",
    "token_id": "token ID",
    "token_secret": "token secret",
}
# Fields older rows stored as one sum across currencies: meaningless, so never shown.
CROSS_CURRENCY_SUMS = {"period.close": {"total_debit"}}
EMPTY = "—"

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATE_IN_TEXT = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])")
AMOUNT_IN_TEXT = re.compile(r"(?<![\w.,])-?\d+\.\d{2}(?![\w.])")
LONG_DECIMAL_IN_TEXT = re.compile(r"(?<![\w.,])-?\d+\.\d{3,}(?![\w.])")
# How a batch row names each change: "<lease code> CH<n> <kind> <effective date>".
CHANGE_LINE = re.compile(
    r"^(?P<lease>.+) (?P<ref>CH\d+) (?P<kind>[a-z_]+) (?P<day>\d{4}-\d{2}-\d{2})$"
)
SNAKE_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str
    # The row added or removed the value (nothing before, or nothing after): show one side.
    added: bool = False
    removed: bool = False
    # A nested dict's (label, value) pairs, listed one per line on the page.
    before_items: tuple[tuple[str, str], ...] = ()
    after_items: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FieldInfo:
    label: str
    kind: str = ""
    choices: tuple[tuple[str, str], ...] = ()

    def choice_label(self, value) -> str | None:
        return dict(self.choices).get(str(value))


def action_sentence(action: str) -> str:
    """'period.close' → 'Closed and locked the period'."""
    if action in ACTION_SENTENCES:
        return ACTION_SENTENCES[action]
    return _words(action.replace(".", ": ")).capitalize()


def action_kinds() -> list[tuple[str, str]]:
    """The audit log filter's choices: (prefix with its dot, name), by name."""
    return sorted(((f"{code}.", name) for code, name in ACTION_KINDS.items()), key=lambda k: k[1])


def _words(text: str) -> str:
    return text.replace("_", " ")


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- what a key names: a model field (verbose name, choices, kind) or a known key -----------


def _field_info(field: models.Field) -> FieldInfo:
    from occupier.money import MONEY_DECIMAL_PLACES

    label = _capitalized(str(field.verbose_name))
    choices = tuple((str(k), str(v)) for k, v in (field.flatchoices or ()) if k != "")
    if choices:
        return FieldInfo(label, "choice", choices)
    if isinstance(field, models.BooleanField):
        return FieldInfo(label, "bool")
    if isinstance(field, models.DecimalField):
        if field.decimal_places == MONEY_DECIMAL_PLACES:
            return FieldInfo(label, MONEY)
        return FieldInfo(label, RATE if "rate" in field.name else "decimal")
    if isinstance(field, models.DateTimeField):
        return FieldInfo(label, "datetime")
    if isinstance(field, models.DateField):
        return FieldInfo(label, MONTH if "period" in field.name else DATE)
    if isinstance(field, models.JSONField) and field.name.endswith("asset_types"):
        return FieldInfo(label, "asset_types")
    return FieldInfo(label)


@lru_cache(maxsize=64)
def _model_fields(label: str) -> dict[str, FieldInfo]:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return {}
    return {f.name: _field_info(f) for f in model._meta.get_fields() if isinstance(f, models.Field)}


@lru_cache(maxsize=64)
def _model_named(code: str) -> str:
    """'variable_payment' → 'leases.VariablePayment' (the model an action code names), or ''."""
    wanted = code.replace("_", "")
    for model in apps.get_models():
        if model._meta.model_name == wanted:
            return model._meta.label
    return ""


def _models_for(event: AuditEvent) -> tuple[str, ...]:
    prefix = event.action.split(".")[0]
    labels = [_model_named(prefix), event.subject_type, *ACTION_MODELS.get(prefix, ())]
    return tuple(dict.fromkeys(label for label in labels if label))


@lru_cache(maxsize=1)
def _asset_types() -> dict[str, str]:
    from leases.models import AssetType

    return {str(k): str(v) for k, v in AssetType.choices}


@lru_cache(maxsize=1)
def _account_labels() -> dict[str, str]:
    from leases.models import ACCOUNT_LABELS

    return dict(ACCOUNT_LABELS)


def _info(key: str, models_: tuple[str, ...]) -> FieldInfo:
    if key in KEY_INFO:
        label, kind = KEY_INFO[key]
        return FieldInfo(label, kind)
    for model in models_:
        info = _model_fields(model).get(key)
        if info is not None:
            label = _account_labels().get(key, info.label)
            return FieldInfo(label, info.kind, info.choices)
    return FieldInfo(_capitalized(_words(key)))


def field_label(field: str, models_: tuple[str, ...] = ()) -> str:
    """A stored key as people read it: the model field's verbose name, else a known name."""
    return _info(field, models_).label


# --- values ------------------------------------------------------------------------------------


def _amount(value) -> str:
    from companies.templatetags.accounting import format_amount

    return format_amount(value) or str(value)


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _plain_number(value) -> str:
    """6.500000 → 6.5; 1234567 → 1,234,567 (a rate, a factor or a count, never rounded)."""
    number = _decimal(value)
    if number is None:
        return str(value)
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, dot, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-') or 0):,}{dot}{fraction}"


def _day(value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _moment(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not (isinstance(value, str) and len(value) >= 19 and value[10:11] in ("T", " ")):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _format_day(day: date, kind: str = DATE) -> str:
    from companies.templatetags.accounting import company_date, month

    return month(day) if kind == MONTH and day.day == 1 else company_date(day)


def _format_text(text: str) -> str:
    """Free text a service composed ("3150.00 every 1 month(s) in arrears; 3300.00 from
    2027-08-01"): amounts, dates and codes in it as the rest of the page shows them."""
    text = ISO_DATE_IN_TEXT.sub(lambda m: _format_day(date.fromisoformat(m.group(0))), text)
    text = AMOUNT_IN_TEXT.sub(lambda m: _amount(m.group(0)), text)
    text = LONG_DECIMAL_IN_TEXT.sub(lambda m: _plain_number(m.group(0)), text)
    return humanize_codes(text)


def _change_line(text: str) -> str:
    """'NYC-HQ CH3 index 2027-01-01' → 'NYC-HQ CH3: Index or rate review from 1 Jan 2027'."""
    from leases.engine import KIND_LABELS

    match = CHANGE_LINE.match(text)
    if match is None:
        return _format_text(text)
    kinds = {str(k): str(v) for k, v in KIND_LABELS.items()}
    kind = kinds.get(match["kind"], _words(match["kind"]))
    day = _format_day(date.fromisoformat(match["day"]))
    return f"{match['lease']} {match['ref']}: {kind} from {day}"


@lru_cache(maxsize=1)
def _code_labels() -> dict[str, str]:
    """Every snake_case choice value the app stores, with its label (change kinds included)."""
    from leases.engine import KIND_LABELS

    labels: dict[str, str] = {str(k): str(v) for k, v in KIND_LABELS.items()}
    labels |= SECRET_NAMES
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for key, value in getattr(field, "flatchoices", None) or ():
                if isinstance(key, str) and "_" in key:
                    labels.setdefault(key, str(value))
    return labels


def humanize_codes(text: str) -> str:
    """Known codes inside a sentence ("decrease_scope", "consumer_key") by their label; any other
    word is left exactly as it was entered."""
    return SNAKE_WORD.sub(lambda m: _code_labels().get(m.group(0), m.group(0)), text)


def format_value(field: str, value, models_: tuple[str, ...] = ()) -> str:
    """A stored value as text: choice labels, Yes/No, amounts per currency, dates, '—' if empty."""
    return _format(_info(field, models_), field, value, models_)


def format_items(field: str, value, models_: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """A nested dict (a change's details) as (label, value) pairs to list; () for other values."""
    if not isinstance(value, dict) or _info(field, models_).kind == MONEY:
        return ()
    return tuple((field_label(k, models_), format_value(k, v, models_)) for k, v in value.items())


def _format(info: FieldInfo, field: str, value, models_: tuple[str, ...]) -> str:
    if value is None or value == "" or value == {} or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if info.kind == MONEY and isinstance(value, dict):
        return "; ".join(f"{_amount(amount)} {currency}" for currency, amount in value.items())
    if isinstance(value, dict):
        return "; ".join(f"{label}: {text}" for label, text in format_items(field, value, models_))
    if isinstance(value, list):
        if info.kind == "asset_types":
            return ", ".join(_asset_types().get(str(v), _words(str(v))) for v in value)
        if any(isinstance(v, dict) for v in value):
            # One item per dict, its pairs comma-separated: "Amount: 45,000.00, Timing: …".
            return "; ".join(
                ", ".join(f"{lbl}: {text}" for lbl, text in format_items(field, v, models_))
                if isinstance(v, dict)
                else _format(info, field, v, models_)
                for v in value
            )
        return ", ".join(_format(info, field, v, models_) for v in value)
    label = info.choice_label(value) or VALUE_LABELS.get(field, {}).get(str(value))
    if label:
        return label
    if info.kind == "zone":
        return str(value).replace("_", " ")  # as the time zone pickers name it
    if info.kind == "change_lines" and isinstance(value, str):
        return _change_line(value)
    number = _decimal(value)
    if number is not None:
        if info.kind == MONEY:
            return _amount(value)
        if info.kind == RATE:
            return f"{_plain_number(value)} %"
        if info.kind == FRACTION:
            return f"{_plain_number(number * 100)} %"
        if info.kind in ("decimal", COUNT) or not isinstance(value, str):
            return _plain_number(value)
    day = _day(value)
    if day is not None:
        return _format_day(day, info.kind)
    moment = _moment(value)
    if moment is not None:
        from companies.templatetags.accounting import when

        return when(moment)
    text = str(value)
    if "@" in text or "://" in text:
        return text  # an address is shown exactly as it was entered
    return _format_text(text)


def event_changes(event: AuditEvent) -> list[Change]:
    """Each field that differs, by name, with its values formatted."""
    hidden = CROSS_CURRENCY_SUMS.get(event.action, set())
    models_ = _models_for(event)
    changes = []
    for field, old, new in event.changes():
        if field in hidden:
            continue
        change = Change(
            field_label(field, models_),
            format_value(field, old, models_),
            format_value(field, new, models_),
            added=not event.before,
            removed=not event.after,
            before_items=format_items(field, old, models_),
            after_items=format_items(field, new, models_),
        )
        # None and [] differ as stored but read the same ("—"): not a change anyone made.
        if change.before != change.after or change.added or change.removed:
            changes.append(change)
    # By label, so people find a field where they expect it whatever order the keys were stored.
    return sorted(changes, key=lambda change: change.label.lower())


def event_note(event: AuditEvent) -> str:
    """The row's note, with any code in it by its name ("consumer_key" → "consumer key")."""
    return humanize_codes(event.note)


@dataclass(frozen=True)
class AuditRow:
    """One row of the audit log as the page shows it."""

    event: AuditEvent
    sentence: str
    changes: list[Change]
    note: str


def audit_rows(events) -> list[AuditRow]:
    """The page's rows: each event's sentence, formatted changes and readable note."""
    return [
        AuditRow(event, action_sentence(event.action), event_changes(event), event_note(event))
        for event in events
    ]
