"""The audit log as people read it: actions as sentences, fields by name, amounts per currency."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

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
    "auth.locked_out": "Sign-in locked after too many attempts",
    "auth.mfa_enabled": "Turned on two-step sign-in",
    "auth.recovery_code_used": "Signed in with a recovery code",
}

# Field names whose values are amounts; a dict of them is keyed by currency.
AMOUNT_FIELDS = ("debits_by_currency", "credits_by_currency", "total_debit", "total_credit")
FIELD_LABELS = {
    "is_company_admin": "Company admin",
    "can_access_lease_accounting": "Lease accounting",
    "can_access_integrations": "Lease accounting integrations",
    "can_manage_integration_settings": "Manage integration settings",
    "debits_by_currency": "Debits",
}
# Fields older rows stored as one sum across currencies: meaningless, so never shown.
CROSS_CURRENCY_SUMS = {"period.close": {"total_debit"}}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def action_sentence(action: str) -> str:
    """'period.close' → 'Closed and locked the period'."""
    if action in ACTION_SENTENCES:
        return ACTION_SENTENCES[action]
    return action.replace(".", ": ").replace("_", " ").capitalize()


def _amount(value) -> str:
    from companies.templatetags.accounting import format_amount

    try:
        Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return format_amount(value)


def format_value(field: str, value) -> str:
    """A stored value as text: Yes/No, amounts with separators and per currency, '—' for empty."""
    if value is None or value == "" or value == {} or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field in AMOUNT_FIELDS and isinstance(value, dict):
        return "; ".join(f"{_amount(amount)} {currency}" for currency, amount in value.items())
    if field in AMOUNT_FIELDS:
        return _amount(value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {format_value(k, v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field) or field.replace("_", " ").capitalize()


def event_changes(event: AuditEvent) -> list[Change]:
    """Each field that differs, by name, with its values formatted."""
    hidden = CROSS_CURRENCY_SUMS.get(event.action, set())
    return [
        Change(field_label(field), format_value(field, old), format_value(field, new))
        for field, old, new in event.changes()
        if field not in hidden
    ]
