"""Tenants, people and what each person may do in each company."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who signs in; what they may do lives on their memberships."""

    # Blank means the current company's zone (companies.formats).
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text="Times are shown to you in this zone; blank uses the company's.",
    )

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class AccountingStandard(models.TextChoices):
    ASC_842 = "asc842", "ASC 842"
    IFRS_16 = "ifrs16", "IFRS 16"


class JournalGranularity(models.TextChoices):
    DETAIL = "detail", "Detail (one entry per lease)"
    SUMMARY = "summary", "Summary (one entry per subsidiary and currency)"


class TransitionMethod(models.TextChoices):
    """How leases that commenced before go-live get their opening balances (engine.transition)."""

    ASC_840 = "asc840", "ASC 840 → ASC 842 (modified retrospective, package of expedients)"
    IFRS16_LIABILITY = "ifrs16_liability", "IAS 17 → IFRS 16, C8(b)(ii): ROU equal to liability"
    IFRS16_RETROSPECTIVE = (
        "ifrs16_retrospective",
        "IAS 17 → IFRS 16, C8(b)(i): ROU as if IFRS 16 had always applied",
    )
    OPENING_BALANCES = "opening_balances", "Opening balances from a previous lease system"


class DayCount(models.TextChoices):
    """How the lease engine counts a date inside a month (leases.engine.types.DayCount)."""

    ACTUAL_DAYS = "actual_days", "Actual days: partial months prorated by their days"
    WHOLE_MONTHS = "whole_months", "Whole months: every date counts from the 1st of its month"


class DateFormat(models.TextChoices):
    """One date format across the app; the value is Django's date format string."""

    DAY_MONTH_YEAR = "j M Y", "31 Dec 2026"
    MONTH_DAY_YEAR = "M j, Y", "Dec 31, 2026"
    ISO = "Y-m-d", "2026-12-31"
    DAY_FIRST = "d/m/Y", "31/12/2026"
    MONTH_FIRST = "m/d/Y", "12/31/2026"


class Company(models.Model):
    """A tenant: owns leases, periods and the NetSuite connection."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1, help_text="Month (1–12) in which the company's fiscal year starts."
    )
    default_standard = models.CharField(
        max_length=10, choices=AccountingStandard.choices, default=AccountingStandard.ASC_842
    )
    journal_granularity = models.CharField(
        max_length=10, choices=JournalGranularity.choices, default=JournalGranularity.DETAIL
    )
    require_mfa = models.BooleanField(
        "require two-factor sign-in",
        default=False,
        help_text="Company admins and people who manage integration settings must confirm each "
        "sign-in with an authenticator app code (or a recovery code).",
    )
    # The first month the product closes and posts; earlier leases come in with balances.
    go_live_date = models.DateField(
        null=True,
        blank=True,
        help_text="First month the product closes and posts. Leases that commenced earlier come "
        "in with their balances as of this month; nothing is posted before it.",
    )
    transition_method = models.CharField(
        max_length=24,
        blank=True,
        choices=TransitionMethod.choices,
        help_text="Default for leases that commenced before go-live; blank means ASC 840 → 842 "
        "for ASC 842 leases and C8(b)(ii) for IFRS 16 leases.",
    )
    day_count = models.CharField(
        "day count",
        max_length=12,
        choices=DayCount.choices,
        default=DayCount.ACTUAL_DAYS,
        help_text="How a date inside a month counts in lease schedules.",
    )
    # How the app shows dates and times to this company's people (companies.templatetags).
    date_format = models.CharField(
        max_length=12, choices=DateFormat.choices, default=DateFormat.DAY_MONTH_YEAR
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="Times are shown in this zone, with the zone's name beside them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="company_fiscal_month_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Permission(models.TextChoices):
    """The membership flags, named as the product shows them."""

    COMPANY_ADMIN = "is_company_admin", "Company admin"
    LEASE_ACCOUNTING = "can_access_lease_accounting", "Allow access to lease accounting"
    VIEW_LEASE_ACCOUNTING = (
        "can_view_lease_accounting",
        "Allow read-only access to lease accounting",
    )
    INTEGRATIONS = (
        "can_access_integrations",
        "Allow access to lease accounting integrations",
    )
    INTEGRATION_SETTINGS = (
        "can_manage_integration_settings",
        "Allow managing integration settings",
    )


class Membership(models.Model):
    """A user's place in a company, with the permission flags that apply there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    is_company_admin = models.BooleanField(
        "company admin",
        default=False,
        help_text="May invite people and choose what each may do, change the company's "
        "settings, go-live and sync settings, read the audit log, reopen closed periods and "
        "send a synced period again.",
    )
    can_access_lease_accounting = models.BooleanField(
        "allow access to lease accounting",
        default=False,
        help_text="May view leases and schedules, edit leases and close periods.",
    )
    # For outside auditors and viewers: every page of lease accounting that only shows, no change.
    can_view_lease_accounting = models.BooleanField(
        "allow read-only access to lease accounting",
        default=False,
        help_text="May view leases, their schedules and history, and the reports; cannot "
        "change anything.",
    )
    can_access_integrations = models.BooleanField(
        "allow access to lease accounting integrations",
        default=False,
        help_text="May press Sync and Retry to send closed periods to NetSuite.",
    )
    can_manage_integration_settings = models.BooleanField(
        "allow managing integration settings",
        default=False,
        help_text="May see and change the NetSuite connection and its credentials.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company}"

    def has(self, permission: Permission | str) -> bool:
        """Whether this membership holds the flag."""
        return bool(getattr(self, str(permission)))

    def flags(self) -> dict[str, bool]:
        """All flags by field name, for audit rows and forms."""
        return {p.value: self.has(p) for p in Permission}
