"""Read-only admin: closed figures change only through the close and reopen services."""

from django.contrib import admin

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
        "entries",
    ]
    list_filter = ["status"]
    list_select_related = ["period", "company", "requested_by"]
    search_fields = ["company__name", "message"]
