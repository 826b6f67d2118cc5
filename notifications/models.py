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
    # The person who pressed the button (blank when they have no address) ...
    recipient = models.EmailField(blank=True)
    # ... and the company's list (Settings → Integrations → Email recipients), fixed when owed.
    also_to = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # When a worker took it for sending; one that died mid-send leaves it "sending" (the sweep).
    claimed_at = models.DateTimeField(null=True, blank=True)
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
        return f"{self.outcome} email for run {self.run_id} to {', '.join(self.recipients)}"

    @property
    def recipients(self) -> list[str]:
        seen: list[str] = []
        for address in [self.recipient, *self.also_to]:
            if address and address.lower() not in {s.lower() for s in seen}:
                seen.append(address)
        return seen
