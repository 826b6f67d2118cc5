from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from companies.models import Company, Membership, User

admin.site.register(User, UserAdmin)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "default_standard", "journal_granularity")
    inlines = [MembershipInline]
