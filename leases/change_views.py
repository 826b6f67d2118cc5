"""Lease change pages: *Change lease* with a preview, approve and withdraw, bulk import."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from companies.models import Permission
from companies.permissions import member_can_read, member_required
from leases.change_forms import KIND_FIELDS, LeaseChangeForm, show_refusal
from leases.change_imports import change_template_csv, validate_changes_file
from leases.change_selectors import catch_up_lines, changed_schedule, origin, pending_changes
from leases.change_services import (
    change_preview,
    is_separate_lease,
    lease_change_approve,
    lease_change_create,
    lease_change_withdraw,
    lease_changes_approve_many,
    lease_changes_import,
    separate_lease_plan,
)
from leases.engine.dates import month_start, months_between
from leases.forms import UploadForm
from leases.forms_text import refusal_sentence
from leases.models import Lease, LeaseChange, LeaseStatus
from leases.selectors import company_lease

lease_access = member_required(Permission.LEASE_ACCOUNTING)


def _get_lease(request, pk: int) -> Lease:
    """A lease of the current company with its terms and changes; another company's is a 404."""
    lease = company_lease(request.company, pk, prefetch=("changes",))
    if lease is None:
        raise Http404("No such lease in this company.")
    return lease


def _preview(lease: Lease, form: LeaseChangeForm) -> dict:
    """Before/after, the change's entry, the catch-up if booked this month, the new months."""
    data = form.cleaned_data
    if is_separate_lease(data["kind"], form.details()):
        plan = separate_lease_plan(lease=lease, effective=data["effective"], details=form.details())
        posted = plan.schedule.posted()
        rows = plan.schedule.posted_months()
        return {
            "separate": plan,
            "liability": posted.liability,
            "rou": posted.rou,
            "monthly_cost": rows[0].straight_line_cost
            if rows[0].straight_line_cost is not None
            else rows[0].interest + rows[0].rou_amortization,
            "months": [(row, k == 0) for k, row in enumerate(rows)],
        }
    schedule, event = change_preview(
        lease=lease, kind=data["kind"], effective=data["effective"], details=form.details()
    )
    others = [e.change for e in schedule.events if e is not event]
    without = changed_schedule(origin(schedule), others)
    this_month = months_between(schedule.start, month_start(timezone.localdate()))
    catch_up = []
    if event.index < this_month:
        catch_up = catch_up_lines(schedule, without, event.index, this_month)
    rows = schedule.posted_months()
    starts = set(schedule.segment_starts)
    return {
        "event": event,
        "catch_up": catch_up,
        "catch_up_month": schedule.period(this_month),
        "months": [(row, k in starts) for k, row in enumerate(rows)][event.index :],
    }


@lease_access
def lease_change(request, pk: int):
    """Choose the kind, date and new terms; preview; save as a pending change."""
    lease = _get_lease(request, pk)
    if lease.status != LeaseStatus.ACTIVE:
        messages.error(request, "Only an active lease is changed this way; edit a draft directly.")
        return redirect("lease_detail", pk=lease.pk)
    form = LeaseChangeForm(request.POST or None, lease=lease)
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            preview = _preview(lease, form)
            if request.POST.get("action") == "save":
                change = lease_change_create(
                    lease=lease,
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    effective=form.cleaned_data["effective"],
                    details=form.details(),
                    reason=form.cleaned_data["reason"],
                )
                messages.success(
                    request,
                    f"Change {change.reference} to lease {lease.code} is saved and waits for a "
                    "colleague's approval.",
                )
                return redirect("lease_detail", pk=lease.pk)
        except ValidationError as error:
            preview = None
            show_refusal(form, error)
    return render(
        request,
        "leases/lease_change.html",
        {"lease": lease, "form": form, "preview": preview, "kind_fields": KIND_FIELDS},
    )


def _change_action(request, pk: int, service, success: str):
    change = get_object_or_404(
        LeaseChange.objects.filter(company=request.company).select_related("lease"), pk=pk
    )
    try:
        service(change=change, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, refusal_sentence(message))
    else:
        messages.success(request, success.format(ref=change.reference, code=change.lease.code))
    return redirect("lease_detail", pk=change.lease_id)


@lease_access
@require_POST
def lease_change_approve_view(request, pk: int):
    return _change_action(
        request, pk, lease_change_approve, "Change {ref} to lease {code} is approved."
    )


@lease_access
@require_POST
def lease_change_withdraw_view(request, pk: int):
    return _change_action(
        request, pk, lease_change_withdraw, "Change {ref} to lease {code} is withdrawn."
    )


@lease_access
def lease_changes_import_view(request):
    """Upload a CSV of changes, see every problem or a preview, then save them all or none."""
    files = request.FILES or None
    content = request.POST.get("content", "")
    if request.method == "POST" and not files and content:
        # The previewed file comes back as text, so "Save" needs no second upload.
        files = {"file": SimpleUploadedFile("changes.csv", content.encode("utf-8"))}
    form = UploadForm(request.POST or None, files)
    rows, errors = None, []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read().decode("utf-8", errors="replace")
        upload.seek(0)
        rows, errors = validate_changes_file(request.company, upload)
        if not errors and request.POST.get("action") == "save":
            try:
                saved = lease_changes_import(company=request.company, actor=request.user, rows=rows)
            except ValidationError as error:
                errors = [refusal_sentence(message) for message in error.messages]
            else:
                messages.success(
                    request, f"{len(saved)} changes saved; they wait for a colleague's approval."
                )
                return redirect("lease_list")
    return render(
        request,
        "leases/lease_change_import.html",
        {"form": form, "rows": rows, "errors": errors, "content": content if rows else ""},
    )


@member_can_read(Permission.LEASE_ACCOUNTING)
def lease_changes_pending(request):
    """Changes waiting for approval; a colleague approves the ones they tick (or all)."""
    pending = pending_changes(request.company)
    if request.method == "POST":
        ids: list[int] | None = [int(i) for i in request.POST.getlist("change") if i.isdigit()]
        if request.POST.get("all"):
            ids = None  # everything waiting that someone else proposed
        try:
            count = lease_changes_approve_many(
                company=request.company, actor=request.user, change_ids=ids
            )
        except ValidationError as error:
            for message in error.messages[:20]:
                messages.error(request, refusal_sentence(message))
        else:
            messages.success(request, f"{count} changes approved.")
        return redirect("lease_changes_pending")
    return render(
        request,
        "leases/lease_changes_pending.html",
        {"pending": pending[:500], "count": pending.count()},
    )


@lease_access
def lease_changes_template(request):
    response = HttpResponse(change_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lease-changes-template.csv"'
    return response
