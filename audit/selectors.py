"""Reads of the audit log."""

from django.db.models import QuerySet

from audit.models import AuditEvent


def audit_events_for_company(company, *, action_prefix: str = "") -> QuerySet[AuditEvent]:
    """A company's audit events, newest first, with the actor loaded."""
    events = AuditEvent.objects.filter(company=company).select_related("actor")
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    return events
