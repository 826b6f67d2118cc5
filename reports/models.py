"""The tie-out of a closed, synced period with NetSuite's general ledger, and what it found."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from occupier.money import MoneyField


class TieOutStatus(models.TextChoices):
    RUNNING = "running", "Running"
    AGREES = "agrees", "Agrees with NetSuite"
    FINDINGS = "findings", "Differences found"
    FAILED = "failed", "Could not finish"


class TieOutTrigger(models.TextChoices):
    SYNC = "sync", "After a sync"
    MANUAL = "manual", "On demand"


class TieOut(models.Model):
    """One comparison of a period's entries and lease-account balances with NetSuite."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="tieouts"
    )
    period = models.ForeignKey(
        "closebooks.AccountingPeriod", on_delete=models.CASCADE, related_name="tieouts"
    )
    close_version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=TieOutStatus.choices, default=TieOutStatus.RUNNING
    )
    trigger = models.CharField(max_length=10, choices=TieOutTrigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    entries_checked = models.PositiveIntegerField(default=0)
    lines_read = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # One tie-out in flight per period: a second press or a sync's hook joins it.
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(status="running"),
                name="tieout_one_running_per_period",
            )
        ]
        indexes = [models.Index(fields=["company", "-started_at"])]

    def __str__(self) -> str:
        return f"Tie-out {self.period} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status != TieOutStatus.RUNNING


class FindingKind(models.TextChoices):
    ENTRY_DELETED = "entry_deleted", "Entry deleted in NetSuite"
    ENTRY_CHANGED = "entry_changed", "Entry changed in NetSuite"
    AMOUNT_DIFFERS = "amount_differs", "Amount differs"
    MANUAL_ENTRY = "manual_entry", "Manual entry to a lease account"
    BALANCE_DIFFERS = "balance_differs", "Account balance differs"


class TieOutFinding(models.Model):
    """One difference between our books and NetSuite, naming the entry or transaction."""

    tieout = models.ForeignKey(TieOut, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=20, choices=FindingKind.choices)
    journal_entry = models.ForeignKey(
        "closebooks.JournalEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    external_key = models.CharField(max_length=80, blank=True)
    netsuite_id = models.CharField(max_length=40, blank=True)
    netsuite_tranid = models.CharField(max_length=60, blank=True)
    netsuite_url = models.URLField(max_length=500, blank=True)
    subsidiary = models.CharField(max_length=200, blank=True)
    account_number = models.CharField(max_length=40, blank=True)
    line_no = models.PositiveIntegerField(
        null=True, blank=True, help_text="Our line of the entry that differs."
    )
    ours = MoneyField(null=True, blank=True)
    theirs = MoneyField(null=True, blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["kind", "external_key", "account_number", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.external_key or self.netsuite_tranid}"

    @property
    def difference(self):
        if self.ours is None or self.theirs is None:
            return None
        return self.ours - self.theirs


class PeriodFacts(models.Model):
    """The lease subledger's figures of one closed period, kept for the reports.

    Valid for the close version it was built from: a reopened and re-closed period gets a new
    one (the old one is dropped when the new one is built). Built on the first report that
    reads the period (`reports.snapshots`).
    """

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(
        "closebooks.AccountingPeriod", on_delete=models.CASCADE, related_name="+"
    )
    close_version = models.PositiveIntegerField()
    built_at = models.DateTimeField(auto_now_add=True)
    leases = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "close_version"], name="periodfacts_one_per_close_version"
            )
        ]

    def __str__(self) -> str:
        return f"Figures of {self.period} (close {self.close_version})"


class LeaseMonthFacts(models.Model):
    """One lease's balances, movements and what it still owes, for one closed month.

    Movement columns follow `reports.classify.Movement`: ROU movements as the asset moves
    (debit +), liability movements as the liability moves (credit +). A lease with nothing on
    the books and nothing moving in the month has no row.
    """

    snapshot = models.ForeignKey(PeriodFacts, on_delete=models.CASCADE, related_name="rows")
    lease = models.ForeignKey("leases.Lease", on_delete=models.CASCADE, related_name="+")
    opening_rou = MoneyField(default=0)
    opening_liability = MoneyField(default=0)
    closing_rou = MoneyField(default=0)
    closing_liability = MoneyField(default=0)
    rou_additions = MoneyField(default=0)
    rou_changes = MoneyField(default=0)
    rou_amortization = MoneyField(default=0)
    rou_payments = MoneyField(default=0)
    rou_terminations = MoneyField(default=0)
    rou_impairment = MoneyField(default=0)
    liability_additions = MoneyField(default=0)
    liability_changes = MoneyField(default=0)
    liability_amortization = MoneyField(default=0)
    liability_payments = MoneyField(default=0)
    liability_terminations = MoneyField(default=0)
    liability_impairment = MoneyField(default=0)
    lease_cost = MoneyField(default=0)
    interest = MoneyField(default=0)
    amortization_expense = MoneyField(default=0)
    cash_paid = MoneyField(default=0)
    other_cash_paid = MoneyField(default=0)
    principal_paid = MoneyField(default=0)
    new_liabilities = MoneyField(default=0)
    gain_loss = MoneyField(default=0)
    impairment_loss = MoneyField(default=0)
    variable_cost = MoneyField(default=0)
    short_term_cost = MoneyField(default=0)
    low_value_cost = MoneyField(default=0)
    # Undiscounted payments still due after the month: each of the next five 12-month years,
    # and thereafter; the liability 12 months on (what is left once the current part is paid).
    maturity_1 = MoneyField(default=0)
    maturity_2 = MoneyField(default=0)
    maturity_3 = MoneyField(default=0)
    maturity_4 = MoneyField(default=0)
    maturity_5 = MoneyField(default=0)
    maturity_thereafter = MoneyField(default=0)
    liability_in_12_months = MoneyField(default=0)
    remaining_months = models.PositiveIntegerField(default=0)
    problem = models.TextField(blank=True)
    # The discount rate measuring the liability at the month's end (% a year): a change may
    # have revised the lease's own (the weighted-average discount rate reads it).
    rate_percent = models.DecimalField(max_digits=12, decimal_places=10, null=True)

    def __str__(self) -> str:
        return f"Lease {self.lease_id} in {self.snapshot}"
