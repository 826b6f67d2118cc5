"""Leases, their payment streams, and the chart of accounts and segments they post to."""

import functools

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from leases.engine import KIND_LABELS, AccountRole
from occupier.money import MoneyField


class Subsidiary(models.Model):
    """A legal entity of the company; its name is the one finance users know in NetSuite."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="subsidiaries"
    )
    name = models.CharField(
        max_length=200, help_text="Exactly as the subsidiary is named in NetSuite."
    )
    currency = models.CharField(max_length=3, default="USD", help_text="ISO code, e.g. USD.")
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "subsidiaries"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="subsidiary_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class GLAccount(models.Model):
    """One entry of the company's chart of accounts; the number must match NetSuite's."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="gl_accounts"
    )
    number = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    account_type = models.CharField(max_length=60, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="glaccount_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class SegmentKind(models.TextChoices):
    DEPARTMENT = "department", "Department"
    CLASS = "class", "Class"
    LOCATION = "location", "Location"


class Segment(models.Model):
    """A department, class or location, named as in NetSuite."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="segments"
    )
    kind = models.CharField(max_length=12, choices=SegmentKind.choices)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "kind", "name"], name="segment_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


# The GL mapping fields, one per engine role, shared by company defaults and lease overrides.
ACCOUNT_FIELDS: dict[AccountRole, str] = {
    AccountRole.ROU_ASSET: "rou_asset_account",
    AccountRole.LEASE_LIABILITY: "lease_liability_account",
    AccountRole.LEASE_EXPENSE: "lease_expense_account",
    AccountRole.INTEREST_EXPENSE: "interest_expense_account",
    AccountRole.ROU_AMORTIZATION: "rou_amortization_account",
    AccountRole.CASH_CLEARING: "cash_clearing_account",
    AccountRole.PREPAID_RENT: "prepaid_rent_account",
    AccountRole.PROVISION: "provision_account",
    AccountRole.FINANCE_ROU_ASSET: "finance_rou_asset_account",
    AccountRole.FINANCE_LEASE_LIABILITY: "finance_lease_liability_account",
    AccountRole.ACCUMULATED_AMORTIZATION: "accumulated_amortization_account",
    AccountRole.DEFERRED_RENT: "deferred_rent_account",
    AccountRole.TRANSITION_EQUITY: "transition_equity_account",
    AccountRole.VARIABLE_EXPENSE: "variable_expense_account",
    AccountRole.SHORT_TERM_EXPENSE: "short_term_expense_account",
    AccountRole.NON_LEASE_EXPENSE: "non_lease_expense_account",
    AccountRole.CURRENT_LEASE_LIABILITY: "current_lease_liability_account",
    AccountRole.MODIFICATION_GAIN_LOSS: "modification_gain_loss_account",
    AccountRole.IMPAIRMENT_LOSS: "impairment_loss_account",
    AccountRole.OWNED_ASSET: "owned_asset_account",
}
# ASC 842 finance leases keep their asset and liability apart from operating leases'.
FINANCE_ROLES: dict[AccountRole, AccountRole] = {
    AccountRole.ROU_ASSET: AccountRole.FINANCE_ROU_ASSET,
    AccountRole.LEASE_LIABILITY: AccountRole.FINANCE_LEASE_LIABILITY,
}
SEGMENT_FIELDS: dict[SegmentKind, str] = {
    SegmentKind.DEPARTMENT: "department",
    SegmentKind.CLASS: "lease_class",
    SegmentKind.LOCATION: "location",
}
ACCOUNT_LABELS: dict[str, str] = {
    "rou_asset_account": "Right-of-use asset",
    "lease_liability_account": "Lease liability",
    "lease_expense_account": "Lease expense (operating)",
    "interest_expense_account": "Interest expense (finance, IFRS 16)",
    "rou_amortization_account": "ROU amortization (finance, IFRS 16)",
    "cash_clearing_account": "Cash / AP clearing",
    "prepaid_rent_account": "Prepaid rent",
    "provision_account": "Restoration provision (IFRS 16)",
    "finance_rou_asset_account": "Right-of-use asset (finance)",
    "finance_lease_liability_account": "Lease liability (finance)",
    "accumulated_amortization_account": "Accumulated ROU amortization",
    "deferred_rent_account": "Deferred rent (ASC 840 / IAS 17)",
    "transition_equity_account": "Retained earnings / transition (go-live)",
    "variable_expense_account": "Variable lease expense",
    "non_lease_expense_account": "Non-lease components (services) expense",
    "current_lease_liability_account": "Lease liability - current portion",
    "short_term_expense_account": "Short-term / low-value lease expense",
    "modification_gain_loss_account": "Gain or loss on lease changes",
    "impairment_loss_account": "ROU asset impairment loss",
    "owned_asset_account": "Property and equipment (purchase option exercised)",
}

# NetSuite account types (REST code and display name) a mapping field may point to; an account
# without a type (typed in by hand) is always offered.
_ASSET = {"othasset", "otherasset", "fixedasset"}
_LIABILITY = {"othcurrliab", "othercurrentliability", "longtermliab", "longtermliability"}
_EXPENSE = {"expense", "othexpense", "otherexpense", "cogs", "costofgoodssold"}
_CURRENT_ASSET = {"othcurrasset", "othercurrentasset", "deferexpense", "deferredexpense"}
ACCOUNT_TYPES: dict[str, set[str]] = {
    "rou_asset_account": _ASSET,
    "finance_rou_asset_account": _ASSET,
    "accumulated_amortization_account": _ASSET,
    "lease_liability_account": _LIABILITY,
    "finance_lease_liability_account": _LIABILITY,
    "provision_account": _LIABILITY,
    "deferred_rent_account": _LIABILITY | _CURRENT_ASSET | _ASSET,
    "lease_expense_account": _EXPENSE,
    "interest_expense_account": _EXPENSE,
    "rou_amortization_account": _EXPENSE,
    "variable_expense_account": _EXPENSE,
    "short_term_expense_account": _EXPENSE,
    "non_lease_expense_account": _EXPENSE,
    "current_lease_liability_account": _LIABILITY,
    "prepaid_rent_account": _CURRENT_ASSET | _ASSET,
    "cash_clearing_account": {"bank", "acctpay", "accountspayable", "credcard", "creditcard"}
    | _CURRENT_ASSET
    | {"othcurrliab", "othercurrentliability"},
    "transition_equity_account": {"equity"},
    "modification_gain_loss_account": _EXPENSE | {"income", "othincome", "otherincome"},
    "impairment_loss_account": _EXPENSE,
    "owned_asset_account": _ASSET,
}


@functools.lru_cache(maxsize=256)  # a chart has a handful of types, asked about per picker
def account_type_key(account_type: str) -> str:
    """'Other Asset' and 'OthAsset' alike: lower case, no spaces or punctuation."""
    return "".join(ch for ch in account_type.lower() if ch.isalnum())


def account_fits(field: str, account_type: str) -> bool:
    """Whether an account of this type may be mapped to the field (untyped accounts may)."""
    allowed = ACCOUNT_TYPES.get(field)
    return not account_type or allowed is None or account_type_key(account_type) in allowed


def posting_role(role: AccountRole, *, standard: str, classification: str) -> AccountRole:
    """The role whose account a line posts to: ASC 842 finance leases use the finance set."""
    if role is AccountRole.PROVISION_UNWINDING:
        # The provision's unwinding is a finance cost: the interest expense account, on lines
        # of its own (their role keeps it apart from interest on the lease liability).
        return AccountRole.INTEREST_EXPENSE
    if standard == "asc842" and classification == "finance":
        return FINANCE_ROLES.get(role, role)
    return role


class GLMappingFields(models.Model):
    """Accounts and segments a lease posts to; blank means 'use the company default'."""

    rou_asset_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    lease_liability_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    lease_expense_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    interest_expense_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    rou_amortization_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    cash_clearing_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepaid_rent_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    provision_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    finance_rou_asset_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    finance_lease_liability_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    accumulated_amortization_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    deferred_rent_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    transition_equity_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    variable_expense_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    short_term_expense_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    non_lease_expense_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    current_lease_liability_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    modification_gain_loss_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    impairment_loss_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    owned_asset_account = models.ForeignKey(
        GLAccount, models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        Segment,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "department"},
    )
    lease_class = models.ForeignKey(
        Segment,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "class"},
        verbose_name="class",
    )
    location = models.ForeignKey(
        Segment,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "location"},
    )

    class Meta:
        abstract = True


class AccountingDefaults(GLMappingFields):
    """The company's default GL mapping, used wherever a lease leaves a field blank."""

    company = models.OneToOneField(
        "companies.Company", on_delete=models.CASCADE, related_name="accounting_defaults"
    )
    # The short-term exemption is a policy election by class of underlying asset.
    short_term_asset_types = models.JSONField(
        "short-term exemption elected for",
        default=list,
        blank=True,
        help_text="Asset types whose leases of 12 months or less may be expensed straight-line "
        "with no ROU asset or liability (ASC 842-20-25-2, IFRS 16.8).",
    )
    # Post the current / non-current split of the liability each month, or keep it for reports.
    post_current_split = models.BooleanField(
        "post the current portion of lease liabilities",
        default=False,
        help_text="Each close moves the principal due within 12 months to the current-portion "
        "account (and back as it is paid); otherwise the split is shown for reports only.",
    )
    # The practical expedient not to separate non-lease components is elected by asset class.
    combine_components_asset_types = models.JSONField(
        "lease and non-lease components combined for",
        default=list,
        blank=True,
        help_text="Asset types whose non-lease components (services) stay in the lease payments "
        "(ASC 842-10-15-37, IFRS 16.15); other leases allocate by standalone price.",
    )

    def __str__(self) -> str:
        return f"GL defaults of {self.company}"


class AssetType(models.TextChoices):
    REAL_ESTATE = "real_estate", "Real estate"
    EQUIPMENT = "equipment", "Equipment"
    VEHICLE = "vehicle", "Vehicle"
    OTHER = "other", "Other"


class LeaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"


class Lease(GLMappingFields):
    """A lease as the finance team keeps it; only Active leases feed journal entries."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="leases"
    )
    code = models.CharField(max_length=40, help_text="Your reference, unique in the company.")
    name = models.CharField(max_length=200)
    asset_type = models.CharField(
        max_length=20, choices=AssetType.choices, default=AssetType.REAL_ESTATE
    )
    description = models.TextField("property / asset description", blank=True)
    landlord = models.CharField("landlord (vendor)", max_length=200, blank=True)
    subsidiary = models.ForeignKey(Subsidiary, on_delete=models.PROTECT, related_name="leases")
    currency = models.CharField(max_length=3, default="USD")
    commencement_date = models.DateField()
    term_months = models.PositiveIntegerField("term (months)")
    # Actual days (docs/engine.md "Real dates"): the last day of the lease, inclusive (blank:
    # the day before the last monthly anniversary of commencement), and the day of the month
    # rent falls on (blank: commencement's day; the month's last day when it is shorter).
    end_date = models.DateField("end date", null=True, blank=True)
    payment_day = models.PositiveSmallIntegerField(
        "payment day",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    standard = models.CharField(
        max_length=10, choices=[("asc842", "ASC 842"), ("ifrs16", "IFRS 16")]
    )
    classification = models.CharField(
        "classification (ASC 842)",
        max_length=10,
        blank=True,
        choices=[("operating", "Operating"), ("finance", "Finance")],
    )
    # Percent, e.g. 9.040880 for 9.04088 %; six places hold every published rate we have seen.
    discount_rate = models.DecimalField("discount rate (% a year)", max_digits=10, decimal_places=6)
    rate_convention = models.CharField(
        max_length=10,
        default="nominal",
        choices=[("nominal", "Nominal (annual ÷ 12)"), ("effective", "Effective annual")],
    )
    useful_life_months = models.PositiveIntegerField(null=True, blank=True)
    ownership_transfers = models.BooleanField(default=False)
    purchase_option_reasonably_certain = models.BooleanField(default=False)
    # The exercise price joins the lease payments when the option is reasonably certain.
    purchase_option_price = MoneyField(null=True, blank=True)
    purchase_option_date = models.DateField(
        null=True,
        blank=True,
        help_text="When the option can be exercised, at the latest the last day of the term.",
    )
    initial_direct_costs = MoneyField(default=0)
    prepaid_rent = MoneyField("prepaid rent / payments before commencement", default=0)
    restoration_cost = MoneyField("restoration cost (IFRS 16)", default=0)
    # IFRS 16 with IAS 37: the cost expected at the end of the term and its pre-tax rate; the
    # engine discounts it at commencement and unwinds it monthly (leases/engine/restoration.py).
    restoration_estimate = MoneyField(
        "expected restoration cost at the end of the term (IFRS 16)",
        default=0,
        help_text="Undiscounted. Its present value at commencement is added to the ROU asset and "
        "unwinds monthly as a finance cost.",
    )
    restoration_rate = models.DecimalField(
        "restoration discount rate (% a year)",
        max_digits=10,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Pre-tax rate for the provision (IAS 37.47); blank uses the lease's rate.",
    )
    # Standalone prices of the lease and non-lease components, to allocate the consideration.
    lease_component_price = MoneyField(
        "standalone price of the lease component", null=True, blank=True
    )
    non_lease_component_price = MoneyField(
        "standalone price of non-lease components",
        null=True,
        blank=True,
        help_text="Services in the payments (maintenance, cleaning…). With both prices, the "
        "payments are split by relative standalone price unless the asset type combines them.",
    )
    exemption = models.CharField(
        "recognition exemption",
        max_length=12,
        blank=True,
        choices=[
            ("", "None: recognise the ROU asset and liability"),
            ("short_term", "Short-term (12 months or less)"),
            ("low_value", "Low-value asset"),
        ],
        help_text="Exempt leases are expensed straight-line with no ROU asset or liability.",
    )
    status = models.CharField(max_length=10, choices=LeaseStatus.choices, default=LeaseStatus.DRAFT)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # An edit to an active lease waits for a second look; the close wizard lists it until then.
    changes_pending_since = models.DateTimeField(null=True, blank=True)
    changes_pending_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="lease_unique_code"),
            models.CheckConstraint(
                condition=models.Q(term_months__gte=1), name="lease_term_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(discount_rate__gte=0), name="lease_rate_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["company", "status"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PaymentFrequency(models.IntegerChoices):
    MONTHLY = 1, "Monthly"
    QUARTERLY = 3, "Quarterly"
    SEMI_ANNUAL = 6, "Semi-annual"
    ANNUAL = 12, "Annual"


class LeasePayment(models.Model):
    """A recurring payment stream of a lease, with its escalation."""

    lease = models.ForeignKey(Lease, on_delete=models.CASCADE, related_name="payments")
    amount = MoneyField(help_text="Base amount of each payment.")
    frequency = models.PositiveSmallIntegerField(
        choices=PaymentFrequency.choices, default=PaymentFrequency.MONTHLY
    )
    timing = models.CharField(
        max_length=10,
        default="advance",
        choices=[("advance", "In advance"), ("arrears", "In arrears")],
    )
    rent_free_months = models.PositiveIntegerField(default=0)
    escalation_kind = models.CharField(
        max_length=10,
        blank=True,
        choices=[("", "None"), ("percent", "Fixed percentage"), ("amount", "Fixed amount")],
    )
    # Percent (3 = 3 %) for a percentage escalation, a currency amount otherwise.
    escalation_value = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    escalation_every_months = models.PositiveIntegerField(default=12)
    index_factor = models.DecimalField(
        max_digits=12,
        decimal_places=8,
        null=True,
        blank=True,
        help_text="Index at commencement ÷ base index, for index-linked payments; "
        "not re-indexed until a remeasurement.",
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.amount} {self.get_frequency_display()}"


class RentStep(models.Model):
    """An explicit dated payment amount: from `effective` on, each payment is `amount`."""

    payment = models.ForeignKey(LeasePayment, on_delete=models.CASCADE, related_name="steps")
    effective = models.DateField()
    amount = MoneyField()

    class Meta:
        ordering = ["effective"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "effective"], name="rentstep_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.amount} from {self.effective}"


class LeaseIncentive(models.Model):
    """A lease incentive: received at commencement, or receivable later on a date."""

    lease = models.ForeignKey(Lease, on_delete=models.CASCADE, related_name="incentives")
    amount = MoneyField()
    receivable_on = models.DateField(
        null=True, blank=True, help_text="Leave blank when received at commencement."
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.amount} incentive"


class LeaseOpeningBalance(models.Model):
    """How a lease that commenced before the company's go-live comes in, and its balances."""

    lease = models.OneToOneField(Lease, on_delete=models.CASCADE, related_name="opening")
    method = models.CharField(
        max_length=24,
        blank=True,
        choices=[
            ("asc840", "ASC 840 → ASC 842"),
            ("ifrs16_liability", "IFRS 16 C8(b)(ii): ROU equal to liability"),
            ("ifrs16_retrospective", "IFRS 16 C8(b)(i): ROU as if always applied"),
            ("opening_balances", "Opening balances from a previous system"),
        ],
        help_text="Blank: the company's transition method.",
    )
    # Percent like Lease.discount_rate; blank keeps the lease's own rate.
    transition_rate = models.DecimalField(
        "discount rate at transition (% a year)",
        max_digits=10,
        decimal_places=6,
        null=True,
        blank=True,
    )
    deferred_rent = MoneyField(
        "deferred rent at go-live",
        default=0,
        help_text="Straight-line rent accrued (positive) or prepaid (negative) under ASC 840 / "
        "IAS 17 just before go-live.",
    )
    unamortized_incentives = MoneyField("unamortized lease incentives", default=0)
    liability = MoneyField("opening lease liability", null=True, blank=True)
    rou_asset = MoneyField("opening ROU asset (net)", null=True, blank=True)
    accumulated_amortization = MoneyField("accumulated amortization", default=0)
    # IFRS 16 with IAS 37: the restoration provision's carrying amount at go-live (0: none).
    restoration_provision = MoneyField("restoration provision at go-live", default=0)

    def __str__(self) -> str:
        return f"Opening balances of {self.lease}"


class LeaseChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    # An increase in scope at its standalone price, approved: it created a separate lease
    # (`LeaseChange.separate_lease`) and changes nothing on its own lease.
    SEPARATE = "separate", "Approved: a separate lease"
    WITHDRAWN = "withdrawn", "Withdrawn"


class LeaseChange(models.Model):
    """A change to an active lease from a date (modification, remeasurement, termination, ...).

    `details` holds the change as the engine's JSON (docs/lease_schedule_json.md, `changes`).
    A change posts only once approved by a second user; `booking_period` is the month whose close
    first included it (its catch-up entry, if any, is in that month), set by that close.
    """

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="lease_changes"
    )
    lease = models.ForeignKey(Lease, on_delete=models.CASCADE, related_name="changes")
    number = models.PositiveIntegerField(help_text="1, 2, 3 … per lease.")
    kind = models.CharField(max_length=20, choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    effective_date = models.DateField()
    details = models.JSONField(default=dict)
    reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=LeaseChangeStatus.choices, default=LeaseChangeStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    booking_period = models.DateField(null=True, blank=True)
    separate_lease = models.OneToOneField(
        Lease,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_by_change",
        help_text="The lease this change created (an increase in scope at its standalone price).",
    )
    # Written at approval for an IFRS 16 index review (`fast_changes.review_figures`): the
    # original schedule's balances before it, so a close need not measure that schedule again.
    # Empty for other changes and older rows: the close measures the schedule then.
    figures = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["lease", "number"]
        constraints = [
            models.UniqueConstraint(fields=["lease", "number"], name="leasechange_unique_number"),
        ]
        indexes = [models.Index(fields=["company", "status"])]

    def __str__(self) -> str:
        return f"{self.lease.code} change {self.number}"

    @property
    def reference(self) -> str:
        """How memos and keys name the change, e.g. "CH3"."""
        return f"CH{self.number}"


class VariablePaymentKind(models.TextChoices):
    CAM = "cam", "Common-area maintenance"
    PROPERTY_TAX = "property_tax", "Property tax"
    INSURANCE = "insurance", "Insurance"
    PERCENTAGE_RENT = "percentage_rent", "Percentage rent"
    USAGE = "usage", "Usage"
    OTHER = "other", "Other"


class VariablePayment(models.Model):
    """A variable payment outside the liability: expensed in its month on its own lines."""

    lease = models.ForeignKey(Lease, on_delete=models.CASCADE, related_name="variable_payments")
    period = models.DateField(help_text="First day of the month the payment is expensed in.")
    kind = models.CharField(max_length=20, choices=VariablePaymentKind.choices)
    amount = MoneyField()
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["lease", "period", "kind"], name="variablepayment_unique_month_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="variablepayment_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.period:%b %Y})"
