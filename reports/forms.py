"""Report parameters from the query string; `clean_*` return domain types."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from occupier.cleaning import CleanForm
from reports.periods import Range, fiscal_range
from reports.selectors import GROUPINGS
from reports.subledger import CLASSIFICATION_LABELS

FORMATS = [("html", "Page"), ("xlsx", "Excel"), ("print", "Print")]
# What each of the register's orders is called on the page (the keys are `REGISTER_SORTS`').
REGISTER_SORT_LABELS = {
    "period": "Oldest period first",
    "-period": "Newest period first",
    "key": "External ID",
    "amount": "Smallest amount first",
    "-amount": "Largest amount first",
}


class MonthField(forms.CharField):
    """A month as YYYY-MM (what <input type=month> sends), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value) -> date | None:
        value = super().to_python(value)
        if not value:
            return None
        try:
            year, month = (int(part) for part in value.split("-")[:2])
            return date(year, month, 1)
        except ValueError:
            raise forms.ValidationError("Enter a month as YYYY-MM, for example 2026-03.") from None


def _this_month() -> date:
    return timezone.localdate().replace(day=1)


class RangeForm(CleanForm):
    start = MonthField(label="From", required=False)
    end = MonthField(label="To", required=False)
    format = forms.ChoiceField(choices=FORMATS, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("“From” must not be after “To”.")
        return data

    def span(self, default: Range) -> Range:
        data = self.cleaned_data
        return Range(data.get("start") or default.start, data.get("end") or default.end)


class RollForwardForm(RangeForm):
    group = forms.ChoiceField(choices=list(GROUPINGS.items()), required=False)
    subsidiary = forms.CharField(required=False)
    asset_type = forms.CharField(label="Asset class", required=False)
    classification = forms.ChoiceField(
        choices=[("", "All"), *CLASSIFICATION_LABELS.items()], required=False
    )
    lease = forms.CharField(label="Lease code", required=False)
    sort = forms.ChoiceField(
        choices=[
            ("label", "Name"),
            ("-closing_liability", "Largest liability"),
            ("-closing_rou", "Largest ROU asset"),
        ],
        required=False,
    )

    def filters(self) -> dict[str, str]:
        return {
            name: self.cleaned_data.get(name) or ""
            for name in ("subsidiary", "asset_type", "classification", "lease")
        }


class DisclosureForm(CleanForm):
    year = forms.IntegerField(label="Fiscal year", min_value=1990, max_value=2200, required=False)
    quarter = forms.ChoiceField(
        choices=[("", "Whole year"), ("1", "Q1"), ("2", "Q2"), ("3", "Q3"), ("4", "Q4")],
        required=False,
    )
    format = forms.ChoiceField(choices=FORMATS, required=False)

    def span(self, company) -> Range:
        year = self.cleaned_data.get("year") or timezone.localdate().year
        quarter = self.cleaned_data.get("quarter")
        return fiscal_range(company, year, int(quarter) if quarter else None)


class RegisterForm(RangeForm):
    subsidiary = forms.CharField(required=False)
    account = forms.CharField(required=False)
    lease = forms.CharField(label="Lease code", required=False)
    q = forms.CharField(label="Search", required=False)
    sort = forms.ChoiceField(choices=list(REGISTER_SORT_LABELS.items()), required=False)


class TrialBalanceForm(CleanForm):
    period = MonthField(label="As of the end of", required=False)
    format = forms.ChoiceField(choices=FORMATS, required=False)

    def month(self) -> date:
        return self.cleaned_data.get("period") or _this_month()
