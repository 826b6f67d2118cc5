"""Settings → Go-live: the first month closed and posted here, and the go-live entry to come."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from closebooks.services import company_go_live_set
from companies.models import TransitionMethod
from companies.permissions import admin_required
from leases import engine
from leases.selectors import golive_postings
from occupier.cleaning import CleanForm

ZERO = Decimal(0)


class GoLiveForm(CleanForm):
    go_live = forms.DateField(
        label="Go-live month",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Any day of the first month the product closes and posts; leave blank to "
        "close from the first lease's commencement.",
    )
    transition_method = forms.ChoiceField(
        choices=[
            ("", "By standard: ASC 840 → 842, or IFRS 16 C8(b)(ii)"),
            *TransitionMethod.choices,
        ],
        required=False,
        help_text="How leases that commenced before go-live get their opening balances. A "
        "lease's own opening balances or method win over this default.",
    )


def _golive_summary(company) -> tuple[list[dict], list]:
    """Per lease: liability and ROU asset brought in, and the problems to fix first."""
    postings = golive_postings(company)
    rows: dict[str, dict] = defaultdict(lambda: {"liability": ZERO, "rou": ZERO, "equity": ZERO})
    for line in postings.lines:
        row = rows[line.lease_code]
        row.update(code=line.lease_code, name=line.lease_name, subsidiary=line.subsidiary)
        row["currency"] = line.currency
        signed = line.debit - line.credit
        if line.role in (engine.AccountRole.LEASE_LIABILITY,):
            row["liability"] -= signed
        elif line.role in (
            engine.AccountRole.ROU_ASSET,
            engine.AccountRole.ACCUMULATED_AMORTIZATION,
        ):
            row["rou"] += signed
        elif line.role is engine.AccountRole.TRANSITION_EQUITY:
            row["equity"] -= signed
    return [rows[code] for code in sorted(rows)], postings.problems


@admin_required
def golive_settings(request):
    company = request.company
    initial = {"go_live": company.go_live_date, "transition_method": company.transition_method}
    form = GoLiveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            company_go_live_set(
                company=company,
                actor=request.user,
                go_live=form.cleaned_data["go_live"],
                transition_method=form.cleaned_data["transition_method"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Saved the go-live settings.")
            return redirect("golive_settings")
    rows, problems = _golive_summary(company) if company.go_live_date else ([], [])
    return render(
        request,
        "closebooks/golive_settings.html",
        {"form": form, "rows": rows, "problems": problems, "company": company},
    )
