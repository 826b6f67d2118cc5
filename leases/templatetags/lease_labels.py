"""Names finance users read instead of the engine's codes: account roles, change kinds."""

from __future__ import annotations

from django import template

from audit import presentation
from leases.engine import KIND_LABELS, ChangeKind
from leases.models import ACCOUNT_FIELDS, ACCOUNT_LABELS

register = template.Library()


@register.filter
def account_role(role) -> str:
    """rou_asset → Right-of-use asset (an unknown role is shown as it is)."""
    # The roles are string enums, so the plain code finds its field as well.
    field = ACCOUNT_FIELDS.get(str(role))
    return ACCOUNT_LABELS[field] if field else str(role)


@register.filter
def change_kind(kind) -> str:
    """index → the change kind's label (an unknown kind is shown as it is)."""
    try:
        return str(KIND_LABELS[ChangeKind(kind)])
    except (ValueError, KeyError):
        return str(kind)


@register.filter
def action_sentence(action: str) -> str:
    """lease.update → Edited the lease (as the audit log says it)."""
    return presentation.action_sentence(action)


@register.filter
def event_changes(event) -> list:
    """An audit row's changed fields by name, values formatted (as the audit log shows them)."""
    return presentation.event_changes(event)


@register.filter
def field_labels(names, form) -> str:
    """The labels of a form's fields, in order: "New payment, New term (months …)"."""
    return ", ".join(str(form.fields[n].label or n) if n in form.fields else str(n) for n in names)
