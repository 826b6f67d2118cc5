"""The books-vs-schedule report's parameters: which closed period, and how to download it."""

from __future__ import annotations

from django import forms

from occupier.cleaning import CleanForm
from reports.forms import MonthField

DRIFT_FORMATS = [("html", "Page"), ("xlsx", "Excel"), ("csv", "CSV"), ("print", "Print")]


class DriftForm(CleanForm):
    period = MonthField(label="At the end of", required=False)
    format = forms.ChoiceField(choices=DRIFT_FORMATS, required=False)
