"""Variable payments of a lease: entered per month, expensed in that month's close."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from companies.models import Permission
from companies.permissions import member_required
from leases.models import Lease, VariablePayment
from leases.services import variable_payment_delete, variable_payment_save
from leases.variable_forms import VariablePaymentForm

lease_access = member_required(Permission.LEASE_ACCOUNTING)


@lease_access
def lease_variable_payments(request, pk: int):
    lease = get_object_or_404(Lease.objects.filter(company=request.company), pk=pk)
    form = VariablePaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            variable_payment_save(
                lease=lease,
                actor=request.user,
                period=data["month"],
                kind=data["kind"],
                amount=data["amount"],
                memo=data["memo"],
            )
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error("month" if field == "period" else field, messages_)
        else:
            messages.success(request, f"Saved the variable payment of {lease.code}.")
            return redirect("lease_variable_payments", pk=lease.pk)
    payments = VariablePayment.objects.filter(lease=lease).order_by("-period", "kind")
    return render(
        request,
        "leases/variable_payments.html",
        {"lease": lease, "form": form, "payments": payments},
    )


@lease_access
@require_POST
def lease_variable_payment_delete(request, pk: int):
    payment = get_object_or_404(
        VariablePayment.objects.select_related("lease__company"),
        pk=pk,
        lease__company=request.company,
    )
    try:
        variable_payment_delete(payment=payment, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("lease_variable_payments", pk=payment.lease_id)
