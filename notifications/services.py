"""Sync outcome emails: owed inside the run's transaction, sent after commit, exactly once."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from integrations.models import SyncRun, SyncStatus
from notifications.models import NotificationStatus, SyncNotification


def _enqueue(notification_id: int) -> None:
    from notifications.tasks import send_sync_email_task

    send_sync_email_task.delay(notification_id)


def sync_outcome_notify(*, run: SyncRun, enqueue=_enqueue) -> SyncNotification | None:
    """Owe the starter one email for this outcome and round; a second call owes nothing more."""
    user = run.started_by
    if user is None or not user.email or run.status == SyncStatus.IN_PROGRESS:
        return None
    notification, created = SyncNotification.objects.get_or_create(
        run=run, outcome=run.status, round=run.retry_count, defaults={"recipient": user.email}
    )
    if created:
        transaction.on_commit(lambda: enqueue(notification.pk))
    return notification


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def render_sync_email(run: SyncRun) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the email for a finished run."""
    completed = run.status == SyncStatus.COMPLETED
    context = {
        "run": run,
        "period": run.period,
        "company": run.company,
        "user": run.started_by,
        "button_label": "View Closed Periods" if completed else "Review Errors",
        "button_url": _absolute(
            reverse("closed_periods") if completed else reverse("sync_run_errors", args=[run.pk])
        ),
        "details_url": _absolute(reverse("sync_run_detail", args=[run.pk])),
    }
    name = "completed" if completed else "failed"
    subject = (
        f"{run.period.label} journal entries are in NetSuite"
        if completed
        else f"{run.period.label} journal sync to NetSuite failed"
    )
    text = render_to_string(f"notifications/sync_{name}.txt", context)
    html = render_to_string(f"notifications/sync_{name}.html", context)
    return subject, text, html


def sync_notification_send(notification_id: int) -> bool:
    """Send an owed email once; a mail failure is raised for the task to retry."""
    claimed = SyncNotification.objects.filter(
        pk=notification_id, status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED]
    ).update(status=NotificationStatus.SENDING)
    if not claimed:
        return False
    notification = SyncNotification.objects.select_related(
        "run__period", "run__company", "run__started_by"
    ).get(pk=notification_id)
    subject, text, html = render_sync_email(notification.run)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [notification.recipient]
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as error:
        SyncNotification.objects.filter(pk=notification_id).update(
            status=NotificationStatus.FAILED,
            attempts=notification.attempts + 1,
            last_error=f"{type(error).__name__}: {error}"[:500],
        )
        raise
    SyncNotification.objects.filter(pk=notification_id).update(
        status=NotificationStatus.SENT, attempts=notification.attempts + 1, sent_at=timezone.now()
    )
    return True
