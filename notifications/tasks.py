"""Email tasks: a mail-server failure is retried and never touches the sync run."""

import smtplib

from celery import shared_task

from notifications.services import sync_notification_send, sync_notifications_sweep


@shared_task(
    name="notifications.send_sync_email",
    queue="celery",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def send_sync_email_task(notification_id: int) -> None:
    """Send one owed sync email."""
    sync_notification_send(notification_id)


@shared_task(name="notifications.sweep_unsent", queue="celery", soft_time_limit=60)
def sweep_unsent_emails_task() -> None:
    """Periodic: send the owed emails a dead worker left pending or sending."""
    sync_notifications_sweep()
