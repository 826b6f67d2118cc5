"""Read-only admin: closed figures change only through the close and reopen services."""

from django.contrib import admin
from django.utils import timezone

from closebooks.models import AccountingPeriod, CloseRun, JournalEntry, JournalLine


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccountingPeriod)
class AccountingPeriodAdmin(ReadOnlyAdmin):
    list_display = ["company", "start", "status", "close_version", "closed_at", "closed_by"]
    list_filter = ["status"]


class JournalLineInline(admin.TabularInline):
    model = JournalLine
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["external_key", "company", "period", "close_version", "total_debit"]
    search_fields = ["external_key", "lease_code"]
    inlines = [JournalLineInline]


@admin.register(CloseRun)
class CloseRunAdmin(ReadOnlyAdmin):
    list_display = [
        "period",
        "company",
        "status",
        "requested_by",
        "created_at",
        "attempts",
        "resume_count",
        "heartbeat_at",
        "entries",
    ]
    list_filter = ["status"]
    list_select_related = ["period", "company", "requested_by"]
    search_fields = ["company__name", "message"]
    # Every field, shown as it is: a run changes only through the close services.
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "company",
                    "period",
                    "status",
                    "requested_by",
                    "leases",
                    "expected_entries",
                    "entries",
                    "message",
                ]
            },
        ),
        ("Timing", {"fields": ["created_at", "started_at", "finished_at", "attempts"]}),
        (
            "Recovery",
            {
                "description": (
                    "The execution holding the claim token beats the heartbeat while it closes; "
                    "a run whose heartbeat went silent lost its worker and is sent to another "
                    "one (resumed)."
                ),
                "fields": [
                    "heartbeat_at",
                    "heartbeat_silent_for",
                    "lease_token",
                    "resume_count",
                    "resumed_at",
                ],
            },
        ),
    ]
    readonly_fields = [
        "company",
        "period",
        "status",
        "requested_by",
        "leases",
        "expected_entries",
        "entries",
        "message",
        "created_at",
        "started_at",
        "finished_at",
        "attempts",
        "heartbeat_at",
        "heartbeat_silent_for",
        "lease_token",
        "resume_count",
        "resumed_at",
    ]

    @admin.display(description="Heartbeat silent for")
    def heartbeat_silent_for(self, run: CloseRun) -> str:
        """How long ago an in-flight run's worker last beat (blank once the run is over)."""
        if not run.in_flight or run.heartbeat_at is None:
            return ""
        seconds = max(0, int((timezone.now() - run.heartbeat_at).total_seconds()))
        return f"{seconds} s"
