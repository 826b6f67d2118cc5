"""*Edit opening balances* of a lease brought in at go-live."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from companies.models import Permission, TransitionMethod
from companies.permissions import member_required
from leases import engine
from leases.engine.transition import GoLiveBalances, build_golive_schedule
from leases.forms_text import refusal_sentence
from leases.models import Lease, LeaseOpeningBalance
from leases.opening_balance_forms import OpeningBalanceForm
from leases.opening_balance_services import (
    lease_opening_balances_set,
    opening_balances_refusal,
)
from leases.selectors import company_go_live, company_lease, lease_go_live, lease_terms

lease_access = member_required(Permission.LEASE_ACCOUNTING)


def _balances(lease: Lease) -> tuple[GoLiveBalances | None, list[str]]:
    """What the go-live entry recognises with the stored inputs, or why it cannot yet."""
    inputs = lease_go_live(lease, company_go_live(lease.company))
    if inputs is None:
        return None, []
    try:
        return build_golive_schedule(lease_terms(lease), inputs).balances, []
    except engine.LeaseTermsError as error:
        return None, [issue.message for issue in error.issues]


def _default_method(lease: Lease) -> str:
    """The method a blank choice means for this lease (as `lease_go_live` picks it)."""
    method = lease.company.transition_method or (
        "asc840" if lease.standard == "asc842" else "ifrs16_liability"
    )
    return TransitionMethod(method).label


def _show_refusal(form, error: ValidationError) -> None:
    """The engine's reasons beside the fields they concern; the rest above the form."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, refusal_sentence(message))
        return
    for field, field_errors in error.message_dict.items():
        for message in field_errors:
            form.add_error(field if field in form.fields else None, refusal_sentence(message))


@lease_access
def lease_opening_balances(request, pk: int):
    lease = company_lease(request.company, pk)
    if lease is None:
        raise Http404("No such lease in this company.")
    refusal = opening_balances_refusal(lease)
    stored = LeaseOpeningBalance.objects.filter(lease=lease).first()
    form = OpeningBalanceForm(
        request.POST or None, instance=stored, default_method=_default_method(lease)
    )
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            lease_opening_balances_set(lease=lease, actor=request.user, values=form.values())
        except ValidationError as error:
            _show_refusal(form, error)
        else:
            messages.success(
                request,
                f"Saved the opening balances of {lease.code}."
                + (
                    " A colleague approves them before the go-live close."
                    if lease.status == "active"
                    else ""
                ),
            )
            return redirect("lease_detail", pk=lease.pk)
    balances, problems = (None, []) if refusal else _balances(lease)
    return render(
        request,
        "leases/opening_balances.html",
        {
            "lease": lease,
            "form": form,
            "refusal": refusal,
            "balances": balances,
            "problems": problems,
            "go_live": company_go_live(request.company),
        },
    )
