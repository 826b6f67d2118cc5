"""Sync outcome emails: owed inside the run's transaction, sent after commit, exactly once."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from companies.formats import company_formats
from integrations.models import EntryStatus, NetSuiteConnection, SyncRun, SyncStatus
from notifications.models import NotificationStatus, SyncNotification


def _enqueue(notification_id: int) -> None:
    from notifications.tasks import send_sync_email_task

    send_sync_email_task.delay(notification_id)


def company_recipients(company) -> list[str]:
    """The company's list of addresses that receive every sync outcome email."""
    connection = NetSuiteConnection.objects.filter(company=company).first()
    return connection.notify_email_list if connection else []


def sync_outcome_notify(*, run: SyncRun, enqueue=_enqueue) -> SyncNotification | None:
    """Owe one email for this outcome and round, to the starter and the company's list.

    A second call owes nothing more (one row per run, outcome and round).
    """
    if run.status == SyncStatus.IN_PROGRESS:
        return None
    user = run.started_by
    starter = user.email if user is not None else ""
    also_to = [a for a in company_recipients(run.company) if a.lower() != starter.lower()]
    if not starter and not also_to:
        return None
    notification, created = SyncNotification.objects.get_or_create(
        run=run,
        outcome=run.status,
        round=run.retry_count,
        defaults={"recipient": starter, "also_to": also_to},
    )
    if created:
        transaction.on_commit(lambda: enqueue(notification.pk))
    return notification


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def failed_entry_reasons(run: SyncRun, limit: int = 10) -> list[tuple[str, int]]:
    """Why entries were not accepted: each distinct reason with its number of entries."""
    rows = (
        run.entries.filter(status=EntryStatus.FAILED)
        .values("error_message")
        .annotate(count=Count("pk"))
        .order_by("-count", "error_message")[:limit]
    )
    return [(row["error_message"] or "No reason was given.", row["count"]) for row in rows]


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
        "problems": [] if completed else failed_entry_reasons(run),
    }
    name = "completed" if completed else "failed"
    subject = (
        f"{run.period.label} journal entries are in NetSuite"
        if completed
        else f"{run.period.label} journal sync to NetSuite failed"
    )
    # Several people receive it, so dates and times are the company's (format and zone).
    with company_formats(run.company):
        text = render_to_string(f"notifications/sync_{name}.txt", context)
        html = render_to_string(f"notifications/sync_{name}.html", context)
    return subject, text, html


def sync_notification_send(notification_id: int) -> bool:
    """Send an owed email once; a mail failure is raised for the task to retry."""
    claimed = SyncNotification.objects.filter(
        pk=notification_id, status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED]
    ).update(status=NotificationStatus.SENDING, claimed_at=timezone.now())
    if not claimed:
        return False
    notification = SyncNotification.objects.select_related(
        "run__period", "run__company", "run__started_by"
    ).get(pk=notification_id)
    subject, text, html = render_sync_email(notification.run)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, notification.recipients
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


# An owed email still "pending" this long after it was owed lost its task (a worker died before
# taking it); one "sending" this long lost its worker mid-send.
PENDING_GRACE = timedelta(minutes=2)
SENDING_STUCK_AFTER = timedelta(minutes=5)
MAX_SWEPT_ATTEMPTS = 8


def sync_notifications_sweep(*, now=None, enqueue=_enqueue) -> list[int]:
    """Queue (once each) the owed emails that were left unsent; return their ids.

    A worker that died after the mail server took the message but before marking it sent makes
    the sweep send it again: an email may arrive twice then, but is never lost.
    """
    now = now or timezone.now()
    stuck = SyncNotification.objects.filter(
        status=NotificationStatus.SENDING, claimed_at__lt=now - SENDING_STUCK_AFTER
    )
    for notification in stuck:
        # Conditional on the claim it had, so two sweeps never both take it back.
        SyncNotification.objects.filter(
            pk=notification.pk,
            status=NotificationStatus.SENDING,
            claimed_at=notification.claimed_at,
        ).update(
            status=NotificationStatus.PENDING,
            attempts=notification.attempts + 1,
            last_error="The worker stopped while sending; sent again by the sweep.",
        )
    owed = SyncNotification.objects.filter(
        status=NotificationStatus.PENDING, created_at__lt=now - PENDING_GRACE
    ) | SyncNotification.objects.filter(
        status=NotificationStatus.FAILED,
        attempts__lt=MAX_SWEPT_ATTEMPTS,
        claimed_at__lt=now - SENDING_STUCK_AFTER,
    )
    ids = list(owed.values_list("pk", flat=True))
    for notification_id in ids:
        enqueue(notification_id)
    return ids
