"""Reads of the audit log."""

from django.db.models import Q, QuerySet

from audit.models import AuditEvent
from audit.presentation import ACTION_SENTENCES


def audit_events_for_company(
    company, *, action_prefix: str = "", q: str = ""
) -> QuerySet[AuditEvent]:
    """A company's audit events, newest first, with the actor loaded.

    `q` searches the subject, the note, the action (its code or the sentence the log shows)
    and the actor's name.
    """
    events = AuditEvent.objects.filter(company=company).select_related("actor")
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    if q:
        events = events.filter(
            Q(subject_label__icontains=q)
            | Q(note__icontains=q)
            | Q(action__icontains=q)
            | Q(action__in=[c for c, text in ACTION_SENTENCES.items() if q.lower() in text.lower()])
            | Q(actor__username__icontains=q)
            | Q(actor__first_name__icontains=q)
            | Q(actor__last_name__icontains=q)
        )
    return events
