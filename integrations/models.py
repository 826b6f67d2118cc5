"""The NetSuite connection and the sync ledger: one run per sync, its entries and attempts."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from occupier.money import MoneyField

SECRET_FIELDS = ("consumer_key", "consumer_secret", "token_id", "token_secret")


class Transport(models.TextChoices):
    REST = "rest", "REST (recommended)"
    SOAP = "soap", "SOAP (SuiteTalk web services)"


class RemovalMethod(models.TextChoices):
    DELETE = "delete", "Delete the entry in NetSuite"
    REVERSE = "reverse", "Post a reversal in the first open NetSuite period"


class NetSuiteConnection(models.Model):
    """A company's NetSuite account and Token-Based Authentication credentials."""

    company = models.OneToOneField(
        "companies.Company", on_delete=models.CASCADE, related_name="netsuite_connection"
    )
    enabled = models.BooleanField(default=False)
    account_id = models.CharField(max_length=40, blank=True)
    # Fernet tokens (integrations.crypto); never shown again after saving.
    consumer_key_encrypted = models.TextField(blank=True)
    consumer_secret_encrypted = models.TextField(blank=True)
    token_id_encrypted = models.TextField(blank=True)
    token_secret_encrypted = models.TextField(blank=True)
    # The last four characters, so the page can show which value is stored without decrypting.
    consumer_key_hint = models.CharField(max_length=4, blank=True)
    consumer_secret_hint = models.CharField(max_length=4, blank=True)
    token_id_hint = models.CharField(max_length=4, blank=True)
    token_secret_hint = models.CharField(max_length=4, blank=True)
    transport = models.CharField(max_length=8, choices=Transport.choices, default=Transport.REST)
    concurrency_limit = models.PositiveSmallIntegerField(default=4)
    # Empty for a real NetSuite account; the simulator's address in the demo and in tests.
    base_url = models.URLField(blank=True)
    # How an entry that left our books is taken out of NetSuite. A reversal is used anyway when
    # the entry's NetSuite period is closed, because NetSuite refuses to delete it there.
    removal_method = models.CharField(
        max_length=8, choices=RemovalMethod.choices, default=RemovalMethod.DELETE
    )
    # The finance team's addresses: every sync outcome email goes to them too (one a line).
    notify_emails = models.TextField(blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    last_verify_ok = models.BooleanField(null=True)
    last_verify_message = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(concurrency_limit__gte=1, concurrency_limit__lte=50),
                name="connection_concurrency_range",
            )
        ]

    def __str__(self) -> str:
        return f"NetSuite {self.account_id or '(not set)'} for {self.company}"

    def has_credentials(self) -> bool:
        """Whether every secret has been stored."""
        return all(getattr(self, f"{name}_encrypted") for name in SECRET_FIELDS)

    @property
    def notify_email_list(self) -> list[str]:
        return [line.strip() for line in self.notify_emails.splitlines() if line.strip()]


class SyncStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In Progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class SyncRun(models.Model):
    """One sync of a closed period's entries; Retry re-opens the same run."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="sync_runs"
    )
    period = models.ForeignKey(
        "closebooks.AccountingPeriod", on_delete=models.CASCADE, related_name="sync_runs"
    )
    close_version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=SyncStatus.choices, default=SyncStatus.IN_PROGRESS
    )
    transport = models.CharField(max_length=8, choices=Transport.choices, default=Transport.REST)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Who may work on the run now: the execution that claimed it (see services.sync.claim).
    lease_token = models.CharField(max_length=32, blank=True)
    # Set while the run waits for its own retry, so the stale-run sweep leaves it alone.
    wake_at = models.DateTimeField(null=True, blank=True)
    # When NetSuite's contents were read back and the plan (add/update/remove) confirmed.
    plan_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Set when the period was closed again: the run keeps its history but is never sent again.
    superseded_at = models.DateTimeField(null=True, blank=True)
    # "Send again" by an admin: re-read NetSuite and send only what it lacks.
    resend = models.BooleanField(default=False)
    entries_total = models.PositiveIntegerField(default=0)
    entries_sent = models.PositiveIntegerField(default=0)
    entries_failed = models.PositiveIntegerField(default=0)
    retry_count = models.PositiveIntegerField(default=0)
    resume_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # One sync in flight per period, enforced by the database, not by a check in Python.
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(status="in_progress"),
                name="sync_one_in_flight_per_period",
            )
        ]
        indexes = [models.Index(fields=["company", "-started_at"])]

    def __str__(self) -> str:
        return f"Sync #{self.pk} of {self.period} ({self.get_status_display()})"

    @property
    def is_terminal(self) -> bool:
        return self.status != SyncStatus.IN_PROGRESS

    @property
    def progress_percent(self) -> int:
        done = self.entries_sent + self.entries_failed
        return int(100 * done / self.entries_total) if self.entries_total else 100


class EntryAction(models.TextChoices):
    """What a ledger row does in NetSuite (see services.diff)."""

    ADD = "add", "Add"
    UPDATE = "update", "Update"
    DELETE = "delete", "Remove (delete)"
    REVERSE = "reverse", "Remove (reversal)"
    ADJUST = "adjust", "Adjustment"


class EntryStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENT = "sent", "In NetSuite"
    FAILED = "failed", "Failed"


class SyncEntry(models.Model):
    """One journal entry within a run: what NetSuite said about it, and its internal ID."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="entries")
    journal_entry = models.ForeignKey(
        "closebooks.JournalEntry", on_delete=models.CASCADE, related_name="sync_entries"
    )
    # The NetSuite external ID written: the entry's key, or for a reversal or an adjustment the
    # key with ":R<version>" / ":A<version>" (their own stable keys, linked to the original).
    external_key = models.CharField(max_length=80)
    # The entry's key in our books; equal to external_key for an add, update or delete.
    base_key = models.CharField(max_length=80, blank=True)
    action = models.CharField(max_length=8, choices=EntryAction.choices, default=EntryAction.ADD)
    # The lines this row puts in NetSuite, in our names (account number, segments, amounts as
    # strings), so the ledger alone can say what NetSuite holds; empty for a delete.
    lines = models.JSONField(default=list, blank=True)
    # A reversal's or an adjustment's date and NetSuite period; why it is not an update.
    tran_date = models.DateField(null=True, blank=True)
    netsuite_period = models.CharField(max_length=60, blank=True)
    note = models.CharField(max_length=300, blank=True)
    amount = MoneyField()
    status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.PENDING
    )
    netsuite_internal_id = models.CharField(max_length=40, blank=True)
    netsuite_url = models.URLField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=80, blank=True)
    error_message = models.TextField(blank=True)
    corrective_action = models.TextField(blank=True)
    fix_url = models.CharField(max_length=300, blank=True)
    attempt_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["external_key"]
        constraints = [
            models.UniqueConstraint(fields=["run", "external_key"], name="syncentry_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.external_key} ({self.get_status_display()})"


class SyncAttempt(models.Model):
    """One HTTP call made for a run: timing, status and NetSuite's code; never a secret."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="attempts")
    entry = models.ForeignKey(
        SyncEntry, on_delete=models.CASCADE, null=True, blank=True, related_name="attempts"
    )
    operation = models.CharField(max_length=40)
    started_at = models.DateTimeField(auto_now_add=True)
    duration_ms = models.PositiveIntegerField(default=0)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    netsuite_code = models.CharField(max_length=80, blank=True)
    outcome = models.CharField(max_length=20)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.operation} {self.outcome}"


class ReferenceKind(models.TextChoices):
    SUBSIDIARY = "subsidiary", "Subsidiary"
    CURRENCY = "currency", "Currency"
    ACCOUNT = "account", "Account number"
    DEPARTMENT = "department", "Department"
    CLASS = "class", "Class"
    LOCATION = "location", "Location"


class ReferenceMapping(models.Model):
    """Where our name for something differs from NetSuite's: ours → NetSuite's name or number.

    Applied when a sync resolves references, so fixing a mapping and pressing Retry works
    without reopening the period: the frozen entries keep the names our users know.
    """

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="reference_mappings"
    )
    kind = models.CharField(max_length=12, choices=ReferenceKind.choices)
    our_value = models.CharField("name or number in Occupier", max_length=200)
    netsuite_value = models.CharField("name or number in NetSuite", max_length=200)
    # Chosen with a picker of discovered records; when set, it wins over a look-up by name.
    netsuite_internal_id = models.CharField("NetSuite internal ID", max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "our_value"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "our_value"], name="referencemapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.our_value} → {self.netsuite_value}"


class RecordType(models.TextChoices):
    """The NetSuite reference tables we keep a copy of (values are our keys, not table names)."""

    SUBSIDIARY = "subsidiary", "Subsidiary"
    CURRENCY = "currency", "Currency"
    ACCOUNT = "account", "Account"
    DEPARTMENT = "department", "Department"
    CLASS = "class", "Class"
    LOCATION = "location", "Location"
    PERIOD = "accountingperiod", "Accounting period"
    VENDOR = "vendor", "Vendor"


class NetSuiteRecord(models.Model):
    """A copy of one NetSuite reference record, for pickers and pre-flight checks.

    Never deleted by a refresh: a record NetSuite no longer returns gets `missing_since`.
    """

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="netsuite_records"
    )
    record_type = models.CharField(max_length=20, choices=RecordType.choices)
    internal_id = models.CharField(max_length=40)
    # What our values are matched against: the name (subsidiary, segment, period, vendor),
    # the account number, or the currency's ISO symbol.
    key = models.CharField(max_length=300)
    name = models.CharField(max_length=300, blank=True)
    is_inactive = models.BooleanField(default=False)
    # Internal IDs of the subsidiaries the record is available to; empty means "not restricted".
    subsidiary_ids = models.JSONField(default=list, blank=True)
    # Type-specific values: currency, parent, account type, period dates and flags.
    extra = models.JSONField(default=dict, blank=True)
    missing_since = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["record_type", "key", "internal_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "record_type", "internal_id"], name="netsuiterecord_unique"
            )
        ]
        indexes = [models.Index(fields=["company", "record_type", "key"])]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()} {self.display}"

    @property
    def display(self) -> str:
        """How a finance user recognises it: '1410 Right-of-use asset', 'Operations'."""
        if self.name and self.name != self.key:
            return f"{self.key} {self.name}"
        return self.key

    @property
    def usable(self) -> bool:
        return not self.is_inactive and self.missing_since is None

    def available_to(self, subsidiary_id: str | None) -> bool:
        return (
            not self.subsidiary_ids
            or subsidiary_id is None
            or (subsidiary_id in self.subsidiary_ids)
        )


class RefreshStatus(models.TextChoices):
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class ReferenceRefresh(models.Model):
    """One pull of NetSuite's reference data: progress while it runs, counts when done."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="reference_refreshes"
    )
    status = models.CharField(
        max_length=10, choices=RefreshStatus.choices, default=RefreshStatus.RUNNING
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    tables_total = models.PositiveSmallIntegerField(default=0)
    tables_done = models.PositiveSmallIntegerField(default=0)
    current_table = models.CharField(max_length=20, blank=True)
    # {record type: {"seen": n, "new": n, "changed": n, "missing": n, "inactive": n}}
    counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(status="running"),
                name="referencerefresh_one_running",
            )
        ]

    def __str__(self) -> str:
        return f"Reference refresh #{self.pk} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.tables_total:
            return 0
        return int(100 * self.tables_done / self.tables_total)

    @property
    def records_seen(self) -> int:
        return sum(c.get("seen", 0) for c in self.counts.values())
