"""Read-only admin: tie-outs change only through the tie-out services."""

from django.contrib import admin

from reports.models import TieOut, TieOutFinding


class FindingInline(admin.TabularInline):
    model = TieOutFinding
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "external_key", "netsuite_tranid", "account_number", "ours",
                       "theirs", "message"]  # fmt: skip
    fields = readonly_fields


@admin.register(TieOut)
class TieOutAdmin(admin.ModelAdmin):
    list_display = ["period", "company", "status", "trigger", "started_at", "entries_checked"]
    list_filter = ["status", "trigger"]
    inlines = [FindingInline]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
