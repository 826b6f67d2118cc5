"""Read-only admin views of lease data: changes go through the services, which audit them."""

from django.contrib import admin

from leases.models import (
    AccountingDefaults,
    GLAccount,
    Lease,
    LeaseOpeningBalance,
    Segment,
    Subsidiary,
    VariablePayment,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Support staff may look; editing here would bypass validation and the audit log."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Lease)
class LeaseAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "company", "subsidiary", "status", "commencement_date"]
    list_filter = ["status", "standard", "classification"]
    search_fields = ["code", "name", "landlord"]


@admin.register(GLAccount)
class GLAccountAdmin(ReadOnlyAdmin):
    list_display = ["number", "name", "company", "account_type", "is_active"]
    search_fields = ["number", "name"]


@admin.register(Subsidiary)
class SubsidiaryAdmin(ReadOnlyAdmin):
    list_display = ["name", "company", "currency", "is_active"]


@admin.register(Segment)
class SegmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "company", "is_active"]
    list_filter = ["kind"]


@admin.register(AccountingDefaults)
class AccountingDefaultsAdmin(ReadOnlyAdmin):
    list_display = ["company"]


@admin.register(LeaseOpeningBalance)
class LeaseOpeningBalanceAdmin(ReadOnlyAdmin):
    list_display = ["lease", "method", "liability", "rou_asset", "deferred_rent"]


@admin.register(VariablePayment)
class VariablePaymentAdmin(ReadOnlyAdmin):
    list_display = ["lease", "period", "kind", "amount"]
    list_filter = ["kind"]
