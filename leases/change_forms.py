"""The *Change lease* form: a kind, an effective date and the new terms, as the engine's JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from leases.engine import KIND_LABELS, ChangeKind
from leases.forms_text import split_refusal
from leases.models import Lease, PaymentFrequency
from occupier.cleaning import CleanForm

HUNDRED = Decimal(100)
MONEY = {"max_digits": 16, "decimal_places": 2, "min_value": Decimal(0)}

# Which inputs each kind uses (the page hides the others; the engine refuses what is missing).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    ChangeKind.TERM: ("term_months", "new_rent", "annual_rate"),
    ChangeKind.CONSIDERATION: ("new_rent", "annual_rate"),
    ChangeKind.INDEX: ("new_rent",),
    ChangeKind.DECREASE_SCOPE: ("scope_percent", "term_months", "new_rent", "annual_rate"),
    ChangeKind.INCREASE_SCOPE: (
        "new_rent",
        "term_months",
        "annual_rate",
        "separate_lease",
        "classification",
    ),
    ChangeKind.RECLASSIFICATION: ("classification", "new_rent", "annual_rate"),
    ChangeKind.TERMINATION: ("amount", "restoration_paid"),
    ChangeKind.PURCHASE_OPTION: ("amount",),
    ChangeKind.IMPAIRMENT: ("amount",),
}


def restoration_paid_refusal(kind: str, lease: Lease | None) -> str | None:
    """Why a restoration cost paid cannot go with this change, or None; the form and the change
    CSV say the same sentence (the engine alone would ignore it on a lease without a provision)."""
    if kind != ChangeKind.TERMINATION:
        return "Only an early termination settles the restoration provision: leave it blank."
    if lease is not None and (lease.standard != "ifrs16" or not lease.restoration_estimate):
        return (
            f"Lease {lease.code} has no restoration provision (an IFRS 16 lease with an "
            "expected restoration cost): leave it blank."
        )
    return None


class LeaseChangeForm(CleanForm):
    """One change; `details()` gives the engine JSON stored on the change."""

    kind = forms.ChoiceField(choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    effective = forms.DateField(
        label="Effective date",
        help_text="Any day. A date in a closed month posts a catch-up entry in the first open "
        "period.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    new_rent = forms.DecimalField(
        label="New payment",
        required=False,
        help_text="Each payment from the effective date.",
        **MONEY,
    )
    frequency = forms.TypedChoiceField(
        choices=PaymentFrequency.choices, coerce=int, required=False, empty_value=None
    )
    timing = forms.ChoiceField(
        choices=[("", "Same as now"), ("advance", "In advance"), ("arrears", "In arrears")],
        required=False,
    )
    term_months = forms.IntegerField(
        label="New term (months from commencement)", required=False, min_value=1, max_value=1200
    )
    annual_rate = forms.DecimalField(
        label="Discount rate at the change (% a year)",
        required=False,
        max_digits=10,
        decimal_places=6,
        min_value=Decimal(0),
        max_value=Decimal("99.999999"),
        help_text="Modifications and term changes use a revised rate; an index review keeps it.",
    )
    scope_percent = forms.DecimalField(
        label="Share of the asset given back (%)",
        required=False,
        max_digits=7,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=Decimal("99.9999"),
    )
    amount = forms.DecimalField(
        label="Amount",
        required=False,
        help_text="Termination payment, purchase price or impairment loss.",
        **MONEY,
    )
    restoration_paid = forms.DecimalField(
        label="Restoration cost paid",
        required=False,
        help_text="Termination of a lease with a restoration provision only: what the "
        "restoration costs on the termination date. Blank: the provision as it stands; a "
        "difference is a gain or loss.",
        **MONEY,
    )
    classification = forms.ChoiceField(
        choices=[("", "—"), ("operating", "Operating"), ("finance", "Finance")], required=False
    )
    separate_lease = forms.BooleanField(
        label="Priced at its standalone price (a separate lease)",
        required=False,
        help_text="Increase in scope only: the added right of use, at a price commensurate with "
        "its standalone price, becomes a new lease from the effective date (IFRS 16.44, ASC "
        "842-10-25-8) with the new payment, rate and end of term; this lease is not changed.",
    )
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, lease: Lease, **kwargs) -> None:
        self.lease = lease
        super().__init__(*args, **kwargs)
        # Say what the date does under the company's day count (Settings → Company).
        if lease.company.day_count == "whole_months":
            said = "Applied from the first day of its month (your company counts whole months)."
        else:
            said = (
                "The liability is remeasured on this day: the days before it keep the old "
                "terms, and new payments start with the next payment date."
            )
        self.fields["effective"].help_text = f"{said} {self.fields['effective'].help_text}"

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        used = KIND_FIELDS.get(kind, ())
        if "restoration_paid" in used and data.get("restoration_paid") is not None:
            refusal = restoration_paid_refusal(kind, self.lease)
            if refusal:
                self.add_error("restoration_paid", refusal)
        return data

    def details(self) -> dict[str, Any]:
        """The change as the engine's JSON (only the inputs its kind uses)."""
        data = self.cleaned_data
        used = KIND_FIELDS[data["kind"]]
        out: dict[str, Any] = {}
        if "new_rent" in used and data.get("new_rent") is not None:
            current = next(iter(self.lease.payments.all()), None)
            frequency = data.get("frequency") or (current.frequency if current else 1)
            timing = data.get("timing") or (current.timing if current else "advance")
            names = {int(f): f.name.lower() for f in PaymentFrequency}
            out["payments"] = [
                {"amount": str(data["new_rent"]), "frequency": names[frequency], "timing": timing}
            ]
        if "term_months" in used and data.get("term_months") is not None:
            out["term_months"] = data["term_months"]
        if "annual_rate" in used and data.get("annual_rate") is not None:
            out["annual_rate"] = str(data["annual_rate"] / HUNDRED)
        if "scope_percent" in used and data.get("scope_percent") is not None:
            out["scope_fraction"] = str(data["scope_percent"] / HUNDRED)
        if "amount" in used and data.get("amount") is not None:
            out["amount"] = str(data["amount"])
        if "restoration_paid" in used and data.get("restoration_paid") is not None:
            out["restoration_paid"] = str(data["restoration_paid"])
        separate = "separate_lease" in used and bool(data.get("separate_lease"))
        if separate:
            out["separate_lease"] = True
        # An increase in scope takes a classification only for the separate lease it creates.
        wants_class = data["kind"] != ChangeKind.INCREASE_SCOPE or separate
        if "classification" in used and data.get("classification") and wants_class:
            out["classification"] = data["classification"]
        return out


# The engine's names → this form's inputs (a payment's amount, frequency or timing is the new
# payment's: the form enters one stream).
ENGINE_TO_INPUT = {
    "effective": "effective",
    "term_months": "term_months",
    "annual_rate": "annual_rate",
    "scope_fraction": "scope_percent",
    "amount": "amount",
    "restoration_paid": "restoration_paid",
    "classification": "classification",
    "payments": "new_rent",
    "separate_lease": "separate_lease",
    "kind": "kind",
}
# A separate lease's refusals name no field: what each sentence is about → the input to fix.
SEPARATE_INPUTS = (
    ("payments", "new_rent"),
    ("discount rate", "annual_rate"),
    ("is closed", "effective"),
    ("commence after", "effective"),
    ("end after", "term_months"),
)


def show_refusal(form: LeaseChangeForm, error: ValidationError) -> None:
    """A refusal of the change services beside the input it concerns (with that input's label,
    as the other field errors); a sentence about no input above the form, without field names."""
    separate = bool(form.cleaned_data.get("separate_lease"))
    for message in error.messages:
        name, sentence = split_refusal(message)
        target = ENGINE_TO_INPUT.get(name)
        if target is None and separate:
            lowered = sentence.lower()
            target = next((i for words, i in SEPARATE_INPUTS if words in lowered), None)
        if target in form.fields:
            if sentence not in form.errors.get(target, []):
                form.add_error(target, sentence)
        else:
            form.add_error(None, sentence)
