"""Accounting periods and the journal entries frozen when a period is closed."""

from __future__ import annotations

import calendar
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from occupier.money import MoneyField


class PeriodStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class AccountingPeriod(models.Model):
    """One calendar month of a company's books; closing it freezes its journal entries."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="accounting_periods"
    )
    start = models.DateField(help_text="First day of the month.")
    status = models.CharField(
        max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Bumped on every close; the entries of the latest close carry the same number.
    close_version = models.PositiveIntegerField(default=0)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["company", "start"]
        constraints = [
            models.UniqueConstraint(fields=["company", "start"], name="period_unique_month"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_at__isnull=False, close_version__gte=1),
                name="period_closed_has_close",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def end(self) -> date:
        """The last day of the month."""
        return self.start.replace(day=calendar.monthrange(self.start.year, self.start.month)[1])

    @property
    def label(self) -> str:
        """How finance users name the period, e.g. "Jan 2026"."""
        return self.start.strftime("%b %Y")

    @property
    def is_closed(self) -> bool:
        return self.status == PeriodStatus.CLOSED

    @property
    def fiscal_year(self) -> int:
        """The fiscal year, named after the calendar year in which it ends."""
        start_month = self.company.fiscal_year_start_month
        if start_month == 1 or self.start.month < start_month:
            return self.start.year
        return self.start.year + 1

    @property
    def fiscal_period(self) -> int:
        """The month's number within its fiscal year, 1 to 12."""
        return (self.start.month - self.company.fiscal_year_start_month) % 12 + 1


class JournalEntry(models.Model):
    """A journal entry as frozen at close: values only, never changed afterwards."""

    # No index of their own: journalentry_unique_key starts with company, the (period,
    # close_version) index with period, and every close writes 10,000 rows into each index.
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="journal_entries",
        db_index=False,
    )
    period = models.ForeignKey(
        AccountingPeriod, on_delete=models.PROTECT, related_name="journal_entries", db_index=False
    )
    close_version = models.PositiveIntegerField()
    # Becomes the NetSuite external ID: the same on every re-close of the same data.
    external_key = models.CharField(max_length=64)
    subsidiary = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    tran_date = models.DateField()
    memo = models.CharField(max_length=300, blank=True)
    lease = models.ForeignKey(
        "leases.Lease", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lease_code = models.CharField(max_length=40, blank=True)
    sequence = models.PositiveIntegerField(default=1, help_text="Part number when split.")
    # What the entry is, for reports and the preview: the month's entry, a lease change's own
    # entry (remeasurement, derecognition, termination, impairment …) or a catch-up.
    kind = models.CharField(
        max_length=10,
        default="periodic",
        choices=[("periodic", "Periodic"), ("change", "Lease change"), ("catch_up", "Catch-up")],
    )
    change_kind = models.CharField(max_length=20, blank=True)
    line_count = models.PositiveIntegerField()
    total_debit = MoneyField()
    total_credit = MoneyField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period", "close_version", "id"]
        verbose_name_plural = "journal entries"
        constraints = [
            models.UniqueConstraint(
                fields=["company", "period", "close_version", "external_key"],
                name="journalentry_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(total_debit=F("total_credit")), name="journalentry_balanced"
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="journalentry_seq_positive"),
        ]
        indexes = [models.Index(fields=["period", "close_version"])]

    def __str__(self) -> str:
        return self.external_key


class JournalLine(models.Model):
    """One line of a frozen entry; accounts and segments are copied by value."""

    # No index of its own: journalline_unique_no (entry, line_no) serves every lookup by entry.
    entry = models.ForeignKey(
        JournalEntry, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    line_no = models.PositiveIntegerField()
    account_number = models.CharField(max_length=40)
    account_name = models.CharField(max_length=200)
    debit = MoneyField(default=0)
    credit = MoneyField(default=0)
    memo = models.CharField(max_length=300, blank=True)
    department = models.CharField(max_length=200, blank=True)
    lease_class = models.CharField("class", max_length=200, blank=True)
    location = models.CharField(max_length=200, blank=True)
    lease_code = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["entry", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "line_no"], name="journalline_unique_no"),
            models.CheckConstraint(
                condition=(Q(debit__gt=0, credit=0) | Q(credit__gt=0, debit=0)),
                name="journalline_one_side",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}/{self.line_no} {self.account_number}"


class CloseRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Closing"
    SUCCEEDED = "succeeded", "Closed"
    FAILED = "failed", "Not closed"


IN_FLIGHT = (CloseRunStatus.QUEUED, CloseRunStatus.RUNNING)


class CloseRun(models.Model):
    """One press of Close & Lock on a large period, run by a worker (see docs/closebooks.md).

    At most one run per period is queued or running (a database constraint), so a double click
    or a second person gets a sentence instead of a second close. The close itself is one
    transaction: a worker that dies leaves the period open, and the run is sent to another
    worker as soon as its heartbeat goes silent."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="close_runs"
    )
    period = models.ForeignKey(AccountingPeriod, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(
        max_length=10, choices=CloseRunStatus.choices, default=CloseRunStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Beaten by the execution holding `lease_token` while it closes (closebooks.progress): a run
    # whose heartbeat went silent lost its worker and is sent to another one (`resume_count`
    # times, the last at `resumed_at`; see services.close_runs_recover).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    resume_count = models.PositiveIntegerField(default=0)
    resumed_at = models.DateTimeField(null=True, blank=True)
    leases = models.PositiveIntegerField(default=0, help_text="Active leases when requested.")
    # What the confirmation page showed: the close refuses if the period changed since then.
    expected_entries = models.PositiveIntegerField(null=True, blank=True)
    entries = models.PositiveIntegerField(null=True, blank=True)
    # Why the period was not closed, in sentences a finance user can act on (one per line).
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(status__in=["queued", "running"]),
                name="closerun_one_in_flight",
            )
        ]

    def __str__(self) -> str:
        return f"Close of {self.period} ({self.get_status_display()})"

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT

    @property
    def messages(self) -> list[str]:
        return [line for line in self.message.splitlines() if line.strip()]
