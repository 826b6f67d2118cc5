"""The audit log: who changed what, when, with the values before and after."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One state change. Rows are only ever added."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="audit_events", null=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=80)
    subject_type = models.CharField(max_length=80, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_label = models.CharField(max_length=255, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.subject_label}"

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field whose value differs."""
        keys = sorted(set(self.before) | set(self.after))
        return [
            (key, self.before.get(key), self.after.get(key))
            for key in keys
            if self.before.get(key) != self.after.get(key)
        ]
