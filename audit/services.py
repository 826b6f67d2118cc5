"""The one way to write the audit log."""

from __future__ import annotations

from typing import Any

from django.db import models

from audit.models import AuditEvent

# Any key naming one of these is masked before it is stored, whatever the caller passes.
SECRET_MARKERS = ("secret", "password", "token", "authorization", "signature", "key")
MASK = "••••"


def scrub(values: dict[str, Any] | None) -> dict[str, Any]:
    """A copy safe to store: secrets masked, values made JSON-friendly."""
    clean: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if any(marker in key.lower() for marker in SECRET_MARKERS):
            clean[key] = MASK if value else ""
        elif isinstance(value, dict):
            clean[key] = scrub(value)
        elif value is None or isinstance(value, (bool, int, float, str, list)):
            clean[key] = value
        else:
            clean[key] = str(value)
    return clean


def audit_record(
    *,
    company,
    actor,
    action: str,
    subject: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    """Add an audit row; call it inside the transaction of the change it describes."""
    return AuditEvent.objects.create(
        company=company,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        subject_type=subject._meta.label if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_label=str(subject)[:255] if subject is not None else "",
        before=scrub(before),
        after=scrub(after),
        note=note,
    )
