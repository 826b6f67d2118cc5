"""Emails we owe people, one row per run outcome so each is sent exactly once."""

from django.db import models


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class SyncNotification(models.Model):
    """The email telling the person who started a sync how it ended."""

    run = models.ForeignKey(
        "integrations.SyncRun", on_delete=models.CASCADE, related_name="notifications"
    )
    outcome = models.CharField(max_length=12)
    # A Retry is a new round of the same run and earns its own email.
    round = models.PositiveIntegerField(default=0)
    recipient = models.EmailField()
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "outcome", "round"], name="notification_once_per_outcome"
            )
        ]

    def __str__(self) -> str:
        return f"{self.outcome} email for run {self.run_id} to {self.recipient}"
