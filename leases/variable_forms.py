"""The form of a variable payment (CAM, taxes, insurance, percentage rent, usage)."""

from __future__ import annotations

from datetime import date

from django import forms

from leases.models import VariablePaymentKind
from occupier.cleaning import CleanForm


class VariablePaymentForm(CleanForm):
    month = forms.CharField(
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text="The month the payment is expensed in (YYYY-MM).",
    )
    kind = forms.ChoiceField(choices=VariablePaymentKind.choices)
    amount = forms.DecimalField(max_digits=18, decimal_places=2, min_value=0.01)
    memo = forms.CharField(max_length=200, required=False, help_text="E.g. the invoice number.")

    def clean_month(self) -> date:
        raw = self.cleaned_data["month"].strip()
        try:
            return date.fromisoformat(f"{raw[:7]}-01")
        except ValueError:
            raise forms.ValidationError("Enter the month as YYYY-MM, e.g. 2026-07.") from None
