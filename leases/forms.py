"""Lease, payment-stream, GL-mapping, subsidiary, segment and upload forms."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.forms import formset_factory

from leases import engine
from leases.account_choices import share_mapping_choices
from leases.models import (
    ACCOUNT_FIELDS,
    ACCOUNT_LABELS,
    SEGMENT_FIELDS,
    AssetType,
    GLAccount,
    Lease,
    PaymentFrequency,
    Segment,
    SegmentKind,
    Subsidiary,
    account_fits,
)
from leases.restoration_rules import restoration_rate_refusal
from leases.services import LEASE_FIELDS, IncentiveInput, PaymentInput, terms_from_input
from leases.stub_rules import stub_refusals, term_from_end_date
from occupier.cleaning import CleanForm, CleanModelForm

UNKNOWN_ACCOUNT = "Unknown account: choose one from your chart of accounts."

LEASE_HELP = {
    "code": "Your own reference for the lease, unique in the company (e.g. NYC-HQ-01). "
    "Imports use it to find and update the lease.",
    "name": "A name your team recognises, shown in lists and journal memos.",
    "asset_type": "What is leased; used for reporting only.",
    "description": "The property or asset: address, floor, serial numbers…",
    "landlord": "The lessor, named as the vendor in your AP system.",
    "subsidiary": "The legal entity that signed the lease; its journal entries post there.",
    "currency": "ISO code of the lease payments, e.g. USD or EUR.",
    "commencement_date": "The date the lessor makes the asset available to you: measurement "
    "starts here, not at signing. Any day: under actual days (Settings → Company) a lease that "
    "commences after the 1st counts its first and last months by their days.",
    "term_months": "The non-cancellable period plus renewal periods you are reasonably certain "
    "to exercise, in months. You may give the end date instead.",
    "end_date": "Optional: the last day of the lease, any day (commencing 15 Jan 2026, ending "
    "31 Dec 2030). Fills in the term (a part month counts as one), or is checked against it. "
    "Blank: the day before the last monthly anniversary of commencement.",
    "payment_day": "Optional: the day of the month rent is due, 1-31 (the month's last day "
    "when shorter). Blank: the commencement date's day. Part periods before the first and "
    "after the last due date pay the rent prorated by days.",
    "standard": "ASC 842 (US GAAP) or IFRS 16; defaults to your company's standard.",
    "classification": "ASC 842 only: finance if any of the five classification tests is met "
    "(ownership transfer, purchase option, major part of economic life, substantially all of "
    "fair value, specialised asset), otherwise operating. Leave blank under IFRS 16.",
    "discount_rate": "Annual rate in percent (9.04088 for 9.04088 %): the rate implicit in the "
    "lease if readily determinable, otherwise your incremental borrowing rate (or the "
    "risk-free rate if you elected it). Enter it with all the decimals you have.",
    "rate_convention": "How the annual rate becomes a monthly one: nominal divides by 12 (as "
    "most published schedules do), effective compounds to the same annual rate.",
    "useful_life_months": "Economic life of the asset; the ROU asset is amortized over it "
    "when ownership transfers or a purchase option is reasonably certain.",
    "ownership_transfers": "Title passes to you by the end of the term.",
    "purchase_option_reasonably_certain": "You are reasonably certain to buy the asset.",
    "purchase_option_price": "The exercise price; with the option reasonably certain it is a "
    "lease payment, paid at the end of the option's month.",
    "purchase_option_date": "When the option is exercised, within the term.",
    "initial_direct_costs": "Incremental costs of obtaining the lease (e.g. broker "
    "commissions); added to the ROU asset.",
    "prepaid_rent": "Rent paid before commencement that is not in the payment stream; added "
    "to the ROU asset, never to the liability.",
    "restoration_cost": "IFRS 16 only: present value of dismantling or restoring the site; "
    "added to the ROU asset.",
    "rou_asset_account": "Balance-sheet account of the right-of-use asset.",
    "lease_liability_account": "Balance-sheet account of the lease liability.",
    "lease_expense_account": "Single straight-line lease cost of ASC 842 operating leases.",
    "interest_expense_account": "Interest on the liability of finance and IFRS 16 leases.",
    "rou_amortization_account": "Amortization (depreciation) of the ROU asset of finance and "
    "IFRS 16 leases.",
    "cash_clearing_account": "Where lease payments are credited, so rent already booked in AP "
    "is not counted twice.",
    "prepaid_rent_account": "Where rent paid before commencement sits until it moves to the "
    "ROU asset.",
    "provision_account": "IFRS 16 restoration provision.",
    "lease_component_price": "Standalone price of the right to use the asset; with the "
    "non-lease price, it splits the payments (unless your asset type combines them).",
    "non_lease_component_price": "Standalone price of the services in the payments "
    "(maintenance, cleaning…); their share is expensed as paid, outside the liability.",
    "exemption": "Short-term (12 months or less, no purchase option reasonably certain, asset "
    "type elected in the GL defaults) or low-value: expensed straight-line with no ROU asset "
    "or liability.",
    "finance_rou_asset_account": "Balance-sheet account of the right-of-use asset of ASC 842 "
    "finance leases (operating leases and IFRS 16 use the one above).",
    "finance_lease_liability_account": "Balance-sheet account of the liability of ASC 842 "
    "finance leases.",
    "accumulated_amortization_account": "Contra-asset that builds up the amortization of "
    "finance and IFRS 16 ROU assets (the asset stays at cost).",
    "deferred_rent_account": "Accrued or prepaid rent carried under ASC 840 / IAS 17; the "
    "go-live entry clears it into the ROU asset.",
    "transition_equity_account": "Retained earnings or opening-balance equity: takes the "
    "go-live entry's transition difference.",
    "variable_expense_account": "Variable payments outside the liability (CAM, taxes, usage).",
    "current_lease_liability_account": "Where the principal due within 12 months sits when "
    "the company posts the current / non-current split.",
    "non_lease_expense_account": "The services (non-lease components) share of the payments, "
    "expensed as paid.",
    "short_term_expense_account": "Straight-line cost of leases under the short-term or "
    "low-value exemption.",
    "modification_gain_loss_account": "Gain or loss when part or all of a lease ends early "
    "(decrease in scope, termination).",
    "impairment_loss_account": "Impairment of the right-of-use asset (ASC 360 / IAS 36).",
    "owned_asset_account": "Property and equipment the ROU asset becomes when the purchase "
    "option is exercised.",
    "department": "NetSuite department the entries carry.",
    "lease_class": "NetSuite class the entries carry.",
    "location": "NetSuite location the entries carry.",
}
DEFAULT_NOTE = " Leave blank to use the company default ({default})."

# Engine field names that are stored under another name on the lease form.
ENGINE_TO_FORM = {"annual_rate": "discount_rate", "term_months": "term_months"}
ENGINE_TO_PAYMENT = {
    "amount": "amount",
    "escalations": "escalation_value",
    "rent_free_months": "rent_free_months",
    "frequency": "frequency",
    "index_factor": "index_factor",
    "every_months": "escalation_every_months",
    "value": "escalation_value",
    "steps": "steps",
}
ISSUE_FIELD = re.compile(r"^(payments|incentives)\[(\d+)\](?:\.([a-z_]+))?(?:\[\d+\]\.([a-z_]+))?$")


class AccountChoiceField(forms.ModelChoiceField):
    """An account of the company's chart, shown as 'number name'."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": UNKNOWN_ACCOUNT})
        super().__init__(queryset=GLAccount.objects.none(), **kwargs)


# A picker's blank option says what leaving it blank means, never "---------".
SEGMENT_NAMES = {"department": "department", "lease_class": "class", "location": "location"}


def _blank_label(name: str, defaults, for_lease: bool) -> str:
    """On a lease the blank is the company's default; on the GL defaults page, no default."""
    if not for_lease:
        return f"No {SEGMENT_NAMES[name]}" if name in SEGMENT_NAMES else "Choose an account"
    default = getattr(defaults, name) if defaults is not None else None
    return f"Company default: {default}" if default else "Company default (none set)"


def _limit_mapping_fields(form: forms.Form, company, defaults=None, *, for_lease=False) -> None:
    """Offer only the company's active accounts and segments, and explain the default; the
    pickers share one read of the chart (`share_mapping_choices`)."""
    # By the company's id: filtering by the instance would set it on every row read.
    accounts = list(GLAccount.objects.filter(company_id=company.pk, is_active=True))
    types = {a.account_type for a in accounts}  # a chart has a handful of types
    fitting_types: dict[str, set[str]] = {}
    for name in ACCOUNT_FIELDS.values():
        field = form.fields[name]
        # Only accounts of a fitting type: no Cash offered as a right-of-use asset.
        fitting_types[name] = ok = {t for t in types if account_fits(name, t)}
        fitting = [a.pk for a in accounts if a.account_type in ok]
        field.queryset = GLAccount.objects.filter(pk__in=fitting)
        field.error_messages["invalid_choice"] = UNKNOWN_ACCOUNT
        field.label = ACCOUNT_LABELS[name]
        field.empty_label = _blank_label(name, defaults, for_lease)
        field.help_text = LEASE_HELP[name]
        if defaults is not None:
            default = getattr(defaults, name) or "none set"
            field.help_text += DEFAULT_NOTE.format(default=default)
    for kind, name in SEGMENT_FIELDS.items():
        field = form.fields[name]
        field.queryset = Segment.objects.filter(company=company, kind=kind, is_active=True)
        field.empty_label = _blank_label(name, defaults, for_lease)
        field.help_text = LEASE_HELP[name]
        if defaults is not None:
            default = getattr(defaults, name) or "none set"
            field.help_text += DEFAULT_NOTE.format(default=default)
    share_mapping_choices(form, company, accounts=accounts, fitting_types=fitting_types)


def _name_blank(field: forms.ChoiceField, label: str) -> None:
    field.choices = [("", label), *((v, text) for v, text in field.choices if v != "")]


# Amounts a lease may leave blank (none).
MONEY_OPTIONAL = (
    "initial_direct_costs",
    "prepaid_rent",
    "restoration_cost",
    "restoration_estimate",
)


class LeaseForm(CleanModelForm):
    """A lease's facts, measurement inputs and GL mapping overrides."""

    class Meta:
        model = Lease
        fields = [f for f in LEASE_FIELDS if f not in ("term_months",)] + ["term_months"]
        widgets = {
            "commencement_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "purchase_option_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = LEASE_HELP

    def __init__(self, *args, company, defaults=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["subsidiary"].queryset = Subsidiary.objects.filter(company=company)
        self.fields["subsidiary"].empty_label = "Choose a subsidiary"
        # The model's choices open with "---------": say what the blank is instead.
        _name_blank(self.fields["standard"], "Choose a standard")
        _name_blank(self.fields["classification"], "None (IFRS 16)")
        self.fields["term_months"].required = False
        for name in MONEY_OPTIONAL:
            self.fields[name].required = False  # blank means none
        self.fields["discount_rate"].min_value = None
        self.fields["discount_rate"].validators = []
        _limit_mapping_fields(self, company, defaults, for_lease=True)
        if not self.instance.pk:
            self.fields["standard"].initial = getattr(company, "default_standard", "asc842")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        clash = Lease.objects.filter(company=self.company, code=code)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("A lease with this code already exists in your company.")
        return code

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise forms.ValidationError("Enter a three-letter ISO currency code, e.g. USD.")
        return currency

    def clean_discount_rate(self) -> Decimal:
        rate = self.cleaned_data["discount_rate"]
        if rate < 0:
            raise forms.ValidationError("The discount rate cannot be negative.")
        if rate >= 100:
            raise forms.ValidationError(
                "Enter the rate in percent, below 100 (9.04088 for 9.04088 %)."
            )
        return rate

    def clean_restoration_rate(self) -> Decimal | None:
        # The portfolio import's rule (`leases.restoration_rules`), in percent as typed here.
        rate = self.cleaned_data.get("restoration_rate")
        refusal = restoration_rate_refusal(rate)
        if refusal:
            raise forms.ValidationError(refusal)
        return rate

    def clean(self):
        data = super().clean()
        start, end, term = (
            data.get("commencement_date"),
            data.get("end_date"),
            data.get("term_months"),
        )
        if start:
            # The imports' rules (`leases.stub_rules`): the same sentences on the same fields.
            term, problems = term_from_end_date(start, end, term)
            for field, message in problems:
                # A term that did not parse already has its own error.
                if not (field == "term_months" and field in self.errors):
                    self.add_error(field, message)
            if term is not None and "term_months" not in self.errors:
                data["term_months"] = term
            if term:
                for field, message in stub_refusals(
                    company=self.company,
                    commencement=start,
                    term_months=term,
                    end_date=end if end and end > start else None,
                    payment_day=data.get("payment_day"),
                    exemption=data.get("exemption") or "",
                ):
                    self.add_error(field, message)
        for name in MONEY_OPTIONAL:
            if name in data and data[name] is None:
                data[name] = Decimal(0)
        if data.get("standard") == "ifrs16":
            data["classification"] = ""
        return data

    def values(self) -> dict:
        """The lease values for the services."""
        return {name: self.cleaned_data.get(name) for name in LEASE_FIELDS} | {
            "classification": self.cleaned_data.get("classification") or "",
            "description": self.cleaned_data.get("description") or "",
            "landlord": self.cleaned_data.get("landlord") or "",
        }


def parse_rent_steps(text: str) -> list[tuple[date, Decimal]]:
    """Parse 'YYYY-MM-DD amount' lines; raise a ValidationError naming each bad line."""
    steps: list[tuple[date, Decimal]] = []
    errors: list[str] = []
    seen: set[date] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = line.replace(",", " ").split()
        if len(parts) != 2:
            errors.append(f"Line {number}: write a date and an amount, e.g. 2027-01-01 1030.00.")
            continue
        try:
            on = date.fromisoformat(parts[0])
        except ValueError:
            errors.append(f"Line {number}: “{parts[0]}” is not a date in YYYY-MM-DD form.")
            continue
        try:
            amount = Decimal(parts[1])
        except InvalidOperation:
            errors.append(f"Line {number}: “{parts[1]}” is not an amount.")
            continue
        if not amount.is_finite() or amount < 0:
            errors.append(f"Line {number}: the amount cannot be negative.")
        elif on in seen:
            errors.append(f"Line {number}: {on} is listed twice.")
        else:
            seen.add(on)
            steps.append((on, amount))
    if errors:
        raise forms.ValidationError(errors)
    return sorted(steps)


class PaymentForm(CleanForm):
    """One payment stream with its escalation or explicit rent steps."""

    amount = forms.DecimalField(
        max_digits=18,
        decimal_places=2,
        required=False,
        help_text="Base amount of each payment, before escalations (leave 0 when the rent "
        "steps below give every amount).",
    )
    frequency = forms.TypedChoiceField(
        choices=PaymentFrequency.choices,
        coerce=int,
        initial=1,
        help_text="How often a payment falls due.",
    )
    timing = forms.ChoiceField(
        choices=[("advance", "In advance"), ("arrears", "In arrears")],
        initial="advance",
        help_text="In advance: paid at the start of each period (the first payment, at "
        "commencement, goes into the ROU asset). In arrears: paid at the end of each period.",
    )
    rent_free_months = forms.IntegerField(
        min_value=0, initial=0, required=False, help_text="The first N months carry no payment."
    )
    escalation_kind = forms.ChoiceField(
        choices=[("", "None"), ("percent", "Fixed percentage"), ("amount", "Fixed amount")],
        required=False,
        help_text="How the payment rises over the term.",
    )
    escalation_value = forms.DecimalField(
        max_digits=18,
        decimal_places=6,
        required=False,
        help_text="Percent (3 for 3 %) for a percentage, or the currency amount added.",
    )
    escalation_every_months = forms.IntegerField(
        min_value=1,
        initial=12,
        required=False,
        help_text="Months between escalations, counted from commencement.",
    )
    index_factor = forms.DecimalField(
        max_digits=12,
        decimal_places=8,
        required=False,
        help_text="For index-linked payments: index at commencement ÷ base index. Payments are "
        "measured at the commencement index and not re-indexed until a remeasurement.",
    )
    steps = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2027-01-01 1030.00"}),
        required=False,
        label="Explicit rent schedule",
        help_text="Optional: one 'YYYY-MM-DD amount' per line; from each date on, every payment "
        "is that amount (overrides the base amount and escalation).",
    )

    def clean_steps(self) -> list[tuple[date, Decimal]]:
        return parse_rent_steps(self.cleaned_data.get("steps") or "")

    def clean(self):
        data = super().clean()
        kind, value = data.get("escalation_kind"), data.get("escalation_value")
        if kind and value is None and "escalation_value" not in self.errors:
            self.add_error("escalation_value", "Enter the escalation percentage or amount.")
        if value is not None and not kind:
            self.add_error("escalation_kind", "Choose how the payment escalates.")
        if kind and not data.get("amount") and not data.get("steps"):
            self.add_error("escalation_value", "An escalation needs a base amount to escalate.")
        return data

    def payment(self) -> PaymentInput:
        d = self.cleaned_data
        return PaymentInput(
            amount=d.get("amount") or Decimal(0),
            frequency=d["frequency"],
            timing=d["timing"],
            rent_free_months=d.get("rent_free_months") or 0,
            escalation_kind=d.get("escalation_kind") or "",
            escalation_value=d.get("escalation_value"),
            escalation_every_months=d.get("escalation_every_months") or 12,
            index_factor=d.get("index_factor"),
            steps=tuple(d.get("steps") or ()),
        )


class IncentiveForm(CleanForm):
    """A lease incentive from the lessor."""

    amount = forms.DecimalField(
        max_digits=18,
        decimal_places=2,
        min_value=0,
        help_text="Cash or reimbursements from the lessor (e.g. a fit-out contribution).",
    )
    receivable_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave blank when received at or before commencement (reduces the ROU "
        "asset); a later date nets it into the payments (reduces the liability).",
    )


# One blank extra row lets a second stream be added without JavaScript.
PaymentFormSet = formset_factory(
    PaymentForm, extra=1, min_num=1, validate_min=True, can_delete=True
)
IncentiveFormSet = formset_factory(IncentiveForm, extra=1, can_delete=True)


def payment_initial(lease: Lease) -> list[dict]:
    """Formset initial data from a stored lease's payment streams."""
    return [
        {
            "amount": p.amount,
            "frequency": p.frequency,
            "timing": p.timing,
            "rent_free_months": p.rent_free_months,
            "escalation_kind": p.escalation_kind,
            "escalation_value": p.escalation_value,
            "escalation_every_months": p.escalation_every_months,
            "index_factor": p.index_factor,
            "steps": "\n".join(f"{s.effective.isoformat()} {s.amount}" for s in p.steps.all()),
        }
        for p in lease.payments.all()
    ]


class LeaseEditor:
    """The lease form and its two formsets, validated together by the engine."""

    def __init__(self, data=None, *, company, defaults=None, lease: Lease | None = None):
        self.form = LeaseForm(data, company=company, defaults=defaults, instance=lease)
        payments_initial = payment_initial(lease) if lease and lease.pk else None
        incentives_initial = (
            [{"amount": i.amount, "receivable_on": i.receivable_on} for i in lease.incentives.all()]
            if lease and lease.pk
            else None
        )
        self.payments = PaymentFormSet(data, prefix="payments", initial=payments_initial)
        self.incentives = IncentiveFormSet(data, prefix="incentives", initial=incentives_initial)

    def is_valid(self) -> bool:
        valid = all([self.form.is_valid(), self.payments.is_valid(), self.incentives.is_valid()])
        if not valid:
            return False
        issues = engine.validate_terms(
            terms_from_input(
                self.values(),
                self.payment_inputs(),
                self.incentive_inputs(),
                day_count=self.form.company.day_count,
            )
        )
        for issue in issues:
            self._attach(issue)
        return not issues

    def _live(self, formset) -> list[forms.Form]:
        # Stored rows count even when untouched; a blank extra row is just unused.
        initial = formset.initial_form_count()
        return [
            f
            for i, f in enumerate(formset.forms)
            if (i < initial or f.has_changed()) and not f.cleaned_data.get("DELETE")
        ]

    def values(self) -> dict:
        return self.form.values()

    def payment_inputs(self) -> list[PaymentInput]:
        return [f.payment() for f in self._live(self.payments)]

    def incentive_inputs(self) -> list[IncentiveInput]:
        return [
            IncentiveInput(f.cleaned_data["amount"], f.cleaned_data.get("receivable_on"))
            for f in self._live(self.incentives)
        ]

    def _attach(self, issue: engine.TermsIssue) -> None:
        """Show an engine issue next to the field the user typed it in."""
        match = ISSUE_FIELD.match(issue.field)
        if match:
            group, index, name, sub = match.groups()
            live = self._live(self.payments if group == "payments" else self.incentives)
            form = live[int(index)] if int(index) < len(live) else None
            target = ENGINE_TO_PAYMENT.get(sub or name or "", None) if group == "payments" else name
            if form is not None and target in form.fields:
                if issue.message not in form.errors.get(target, []):
                    form.add_error(target, issue.message)
                return
        name = ENGINE_TO_FORM.get(issue.field, issue.field)
        if name in self.form.fields:
            if issue.message not in self.form.errors.get(name, []):
                self.form.add_error(name, issue.message)
        else:
            self.form.add_error(None, issue.message)


class AccountingDefaultsForm(CleanForm):
    """The company's default GL accounts and segments."""

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ACCOUNT_FIELDS.values():
            self.fields[name] = AccountChoiceField(required=False)
        for name in SEGMENT_FIELDS.values():
            self.fields[name] = forms.ModelChoiceField(
                queryset=Segment.objects.none(), required=False
            )
        _limit_mapping_fields(self, company)
        self.fields["short_term_asset_types"] = forms.MultipleChoiceField(
            label="Short-term exemption elected for",
            choices=AssetType.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="Leases of these asset types with a term of 12 months or less and no "
            "purchase option reasonably certain may be flagged short-term: expensed "
            "straight-line, with no ROU asset or liability.",
        )
        self.fields["post_current_split"] = forms.BooleanField(
            label="Post the current portion of lease liabilities",
            required=False,
            help_text="Each close moves the principal due within 12 months to the current-"
            "portion account; unticked, the split is shown on the lease page only.",
        )
        self.fields["combine_components_asset_types"] = forms.MultipleChoiceField(
            label="Lease and non-lease components combined for",
            choices=AssetType.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="The practical expedient: services in the payments stay in the lease "
            "payments. Other asset types split the payments by the lease's standalone prices.",
        )


class SubsidiaryForm(CleanForm):
    name = forms.CharField(
        max_length=200, help_text="Exactly as the subsidiary is named in NetSuite."
    )
    currency = forms.CharField(max_length=3, initial="USD", help_text="ISO code, e.g. USD.")

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise forms.ValidationError("Enter a three-letter ISO currency code, e.g. USD.")
        return currency


class SegmentForm(CleanForm):
    kind = forms.ChoiceField(choices=SegmentKind.choices)
    name = forms.CharField(max_length=200, help_text="Exactly as named in NetSuite.")


class UploadForm(CleanForm):
    """A CSV file to validate and import."""

    file = forms.FileField(help_text="A UTF-8 CSV file with the template's header row.")


class LeaseUploadForm(UploadForm):
    update_existing = forms.BooleanField(
        required=False,
        initial=True,
        label="Update leases whose code already exists",
        help_text="Untick to refuse the file when it contains a code you already have.",
    )
