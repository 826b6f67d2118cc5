"""Lease pages: list, create/edit, lease page with schedule, exports, imports and GL settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from companies.models import Permission
from companies.permissions import member_can_read, member_required
from companies.tables import sort_queryset
from companies.templatetags.accounting import company_date, month, rate, when
from leases import engine
from leases.change_forms import LeaseChangeForm, show_refusal
from leases.change_selectors import approved_changes_schedule, lease_changes
from leases.change_services import change_preview, is_separate_lease, separate_lease_plan
from leases.engine.transition import build_golive_schedule
from leases.exports import SCHEDULE_COLUMNS, schedule_csv, schedule_xlsx
from leases.forms import (
    ENGINE_TO_FORM,
    AccountingDefaultsForm,
    LeaseEditor,
    LeaseUploadForm,
    SegmentForm,
    SubsidiaryForm,
    UploadForm,
)
from leases.forms_text import split_refusal
from leases.imports import (
    LEASE_COLUMNS,
    FileRejected,
    chart_template_csv,
    lease_template_csv,
    validate_chart_of_accounts,
    validate_leases,
)
from leases.models import (
    ACCOUNT_FIELDS,
    SEGMENT_FIELDS,
    GLAccount,
    Lease,
    LeaseStatus,
    Segment,
    Subsidiary,
)
from leases.opening_balance_services import opening_balances_refusal
from leases.selectors import (
    accounting_defaults,
    attach_mapping,
    company_go_live,
    company_lease,
    lease_audit_events,
    lease_go_live,
    lease_terms,
    leases_search,
    liability_split,
)
from leases.services import (
    accounting_defaults_update,
    chart_of_accounts_import,
    lease_activate,
    lease_approve_changes,
    lease_create,
    lease_update,
    leases_import,
    missing_accounts,
    segment_create,
    subsidiary_create,
)

lease_access = member_required(Permission.LEASE_ACCOUNTING)
# The pages that only show: open to read-only members too.
lease_reader = member_can_read(Permission.LEASE_ACCOUNTING)


def _get_lease(request, pk: int) -> Lease:
    """A lease of the current company with its terms loaded; another company's is a 404."""
    lease = company_lease(request.company, pk)
    if lease is None:
        raise Http404("No such lease in this company.")
    return lease


def _add_service_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the form it came from."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            for message in field_errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        # The engine's checks end with the field they concern, "… (annual_rate)": beside it,
        # and never the raw name in a sentence above the form.
        for message in error.messages:
            name, sentence = split_refusal(message)
            field = ENGINE_TO_FORM.get(name, name)
            form.add_error(field if field in form.fields else None, sentence)


# The list's sortable columns (?sort=<key>, '-' first for descending) and its page size.
LIST_SORT_COLUMNS = {
    "code": "code",
    "name": "name",
    "subsidiary": "subsidiary__name",
    "landlord": "landlord",
    "commencement": "commencement_date",
    "term": "term_months",
    "status": "status",
}
LEASES_PER_PAGE = 50


@lease_reader
def lease_list(request):
    filters = {
        k: request.GET.get(k, "").strip() for k in ("q", "status", "subsidiary", "classification")
    }
    leases, sort = sort_queryset(
        request, leases_search(request.company, **filters), LIST_SORT_COLUMNS, default="code"
    )
    page = Paginator(leases.select_related("subsidiary"), LEASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "leases/lease_list.html",
        {
            "leases": page,
            "page": page,
            "sort": sort,
            "filters": filters,
            "statuses": LeaseStatus.choices,
            "subsidiaries": Subsidiary.objects.filter(company=request.company),
        },
    )


# The lease form in sections, each with the fields it holds; a field not listed goes to "Other".
FORM_SECTIONS = (
    ("what", "What is leased", ("code", "name", "asset_type", "description", "landlord")),
    ("where", "Subsidiary and currency", ("subsidiary", "currency")),
    ("term", "Term", ("commencement_date", "end_date", "term_months", "payment_day")),
    (
        "accounting",
        "Standard, classification and rate",
        (
            "standard",
            "classification",
            "exemption",
            "discount_rate",
            "rate_convention",
            "useful_life_months",
            "ownership_transfers",
            "purchase_option_reasonably_certain",
            "purchase_option_price",
            "purchase_option_date",
        ),
    ),
    (
        "costs",
        "Costs at commencement",
        (
            "initial_direct_costs",
            "prepaid_rent",
            "restoration_cost",
            "restoration_estimate",
            "restoration_rate",
        ),
    ),
    (
        "components",
        "Lease and non-lease components",
        ("lease_component_price", "non_lease_component_price"),
    ),
)


def _form_sections(form, mapping_fields: list[str]) -> list[dict]:
    """The form's fields grouped for display, each section with its number of errors."""
    placed = {name for _, _, names in FORM_SECTIONS for name in names} | set(mapping_fields)
    groups = [
        (key, title, [n for n in names if n in form.fields]) for key, title, names in FORM_SECTIONS
    ]
    others = [name for name in form.fields if name not in placed]
    if others:
        groups.append(("other", "Other", others))
    return [
        {
            "key": key,
            "title": title,
            "fields": [form[name] for name in names],
            "errors": sum(len(form[name].errors) for name in names),
        }
        for key, title, names in groups
        if names
    ]


def _payment_problems(formset) -> list[str]:
    """The payment streams' own errors, in the form's words (Django's formset speaks of forms)."""
    if not formset.is_bound:
        return []
    errors = formset.non_form_errors()
    return [
        "Enter at least one payment stream." if error.code == "too_few_forms" else message
        for error, message in zip(errors.as_data(), errors, strict=True)
    ]


def _editor_page(request, editor: LeaseEditor, lease: Lease | None):
    mapping_fields = [*ACCOUNT_FIELDS.values(), *SEGMENT_FIELDS.values()]
    payment_problems = _payment_problems(editor.payments)
    stream_errors = (
        sum(len(errors) for form in editor.payments.forms for errors in form.errors.values())
        if editor.payments.is_bound
        else 0
    )
    return render(
        request,
        "leases/lease_form.html",
        {
            "editor": editor,
            "form": editor.form,
            "lease": lease,
            "mapping_fields": mapping_fields,
            "sections": _form_sections(editor.form, mapping_fields),
            "payment_problems": payment_problems,
            "payment_errors": len(payment_problems) + stream_errors,
        },
    )


@lease_access
def lease_create_view(request):
    defaults = accounting_defaults(request.company)
    editor = LeaseEditor(request.POST or None, company=request.company, defaults=defaults)
    if request.method == "POST" and editor.is_valid():
        try:
            lease = lease_create(
                company=request.company,
                actor=request.user,
                values=editor.values(),
                payments=editor.payment_inputs(),
                incentives=editor.incentive_inputs(),
            )
        except ValidationError as error:
            _add_service_errors(editor.form, error)
        else:
            messages.success(request, f"Saved draft lease {lease.code}.")
            return redirect("lease_detail", pk=lease.pk)
    return _editor_page(request, editor, None)


@lease_access
def lease_edit(request, pk: int):
    lease = _get_lease(request, pk)
    defaults = accounting_defaults(request.company)
    editor = LeaseEditor(
        request.POST or None, company=request.company, defaults=defaults, lease=lease
    )
    if request.method == "POST" and editor.is_valid():
        try:
            lease_update(
                lease=lease,
                actor=request.user,
                values=editor.values(),
                payments=editor.payment_inputs(),
                incentives=editor.incentive_inputs(),
            )
        except ValidationError as error:
            _add_service_errors(editor.form, error)
        else:
            messages.success(request, f"Saved lease {lease.code}.")
            return redirect("lease_detail", pk=lease.pk)
    return _editor_page(request, editor, lease)


def _field_errors(request, forms) -> JsonResponse:
    """The errors a submit would show beside the field named by `_field`, as JSON.

    The forms were validated as on submit (the same form classes, the same engine checks), so
    the page shows the same sentences without sending the whole form.
    """
    name = request.POST.get("_field", "")
    for form in forms:
        for field in form.fields:
            if form.add_prefix(field) == name:
                return JsonResponse({"field": name, "errors": list(form[field].errors)})
    return JsonResponse({"field": name, "errors": [], "message": "No such field."}, status=400)


def _get_lease_for_form(request, pk: int, *extra: str) -> Lease:
    """A lease of the current company with its payment streams and incentives: what a form
    needs, without the mapping joins (a check answers on every blur)."""
    return get_object_or_404(
        Lease.objects.filter(company=request.company).prefetch_related(
            "payments__steps", "incentives", *extra
        ),
        pk=pk,
    )


@lease_access
@require_POST
def lease_form_check(request, pk: int | None = None):
    """Check one field of the lease form (new or edit) as a submit would, for inline errors."""
    lease = _get_lease_for_form(request, pk) if pk is not None else None
    # No GL defaults: they only explain the mapping fields' blanks, nothing a check answers.
    editor = LeaseEditor(request.POST, company=request.company, lease=lease)
    editor.is_valid()
    return _field_errors(request, [editor.form, *editor.payments.forms, *editor.incentives.forms])


@lease_access
@require_POST
def lease_change_check(request, pk: int):
    """Check one field of the *Change lease* form as a submit would, for inline errors."""
    lease = _get_lease_for_form(request, pk, "changes")
    form = LeaseChangeForm(request.POST, lease=lease)
    if form.is_valid():
        # The engine's checks too, as Preview runs them (a term change without a rate): the
        # refusal shows beside its input as soon as that input is left.
        data = form.cleaned_data
        try:
            if is_separate_lease(data["kind"], form.details()):
                separate_lease_plan(
                    lease=lease, effective=data["effective"], details=form.details()
                )
            else:
                change_preview(
                    lease=lease,
                    kind=data["kind"],
                    effective=data["effective"],
                    details=form.details(),
                )
        except ValidationError as error:
            show_refusal(form, error)
    return _field_errors(request, [form])


def _schedule(lease: Lease) -> tuple[engine.Schedule | None, list[str]]:
    """The lease's schedule, or the engine's problems when its terms are not usable yet."""
    terms = lease_terms(lease)
    issues = engine.validate_terms(terms)
    if issues:
        return None, [issue.message for issue in issues]
    try:
        return engine.build_schedule(terms), []
    except engine.LeaseTermsError as error:
        return None, [issue.message for issue in error.issues]


@lease_reader
def lease_detail(request, pk: int):
    lease = _get_lease(request, pk)
    attach_mapping(lease)  # which accounts are still missing reads the lease's own mapping
    schedule, problems = _schedule(lease)
    months, posted, missing, starts, golive = [], None, [], set(), None
    golive_problems = []
    changes = list(lease_changes(lease))
    inputs = lease_go_live(lease, company_go_live(request.company))
    # Brought in at go-live: its opening balances show, and stay editable until that close.
    is_golive = inputs is not None and not lease.exemption
    if schedule is not None:
        months = schedule.posted_months()
        posted = schedule.posted()
        missing = missing_accounts(lease, schedule)
        if any(c.status == "approved" for c in changes):
            # The schedule in the books: the original measurement, then each approved change.
            try:
                changed = approved_changes_schedule(lease)
            except engine.LeaseTermsError as error:
                problems = [issue.message for issue in error.issues]
            else:
                months = changed.posted_months()
                starts = {changed.period(k) for k in changed.segment_starts[1:]}
        elif inputs is not None:
            # Commenced before go-live: the books run from the go-live balances on.
            try:
                brought_in = build_golive_schedule(lease_terms(lease), inputs)
            except engine.LeaseTermsError as error:
                # The terms measure; the balances at go-live do not fit them yet.
                problems = golive_problems = [issue.message for issue in error.issues]
            else:
                months, golive = brought_in.posted_months(), brought_in.balances
    return render(
        request,
        "leases/lease_detail.html",
        {
            "lease": lease,
            "problems": problems,
            "schedule": schedule,
            "measurement": schedule.measurement if schedule else None,
            "posted": posted,
            "months": months,
            "missing_accounts": missing,
            "columns": SCHEDULE_COLUMNS,
            "events": lease_audit_events(lease)[:50],
            "lease_changes": changes,
            "segment_starts": starts,
            "liability_split": liability_split(months) if months else [],
            "golive": golive,
            "brought_in": is_golive,
            "golive_problems": golive_problems,
            "opening_refusal": opening_balances_refusal(lease) if is_golive else "",
            "go_live_date": request.company.go_live_date,
        },
    )


def _lease_action(request, pk: int, service, success: str):
    """Run a one-step lease service from a button; refusals become messages on the lease page."""
    lease = _get_lease(request, pk)
    try:
        service(lease=lease, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, split_refusal(message)[1])
    else:
        messages.success(request, success.format(code=lease.code))
    return redirect("lease_detail", pk=lease.pk)


@lease_access
@require_POST
def lease_activate_view(request, pk: int):
    return _lease_action(
        request, pk, lease_activate, "Lease {code} is active and feeds journal entries."
    )


@lease_access
@require_POST
def lease_approve_changes_view(request, pk: int):
    return _lease_action(
        request, pk, lease_approve_changes, "The changes to lease {code} are approved."
    )


def _export_months(request, pk: int):
    """The months in the books, as the lease page shows them: from commencement, after each
    approved change, or from the go-live month for a lease brought in at go-live."""
    lease = _get_lease(request, pk)
    schedule, problems = _schedule(lease)
    if schedule is None:
        return lease, None, problems
    try:
        if lease.changes.filter(status="approved").exists():
            return lease, approved_changes_schedule(lease).posted_months(), problems
        inputs = lease_go_live(lease, company_go_live(request.company))
        if inputs is not None:
            # The months before go-live are the previous books', never this product's.
            return lease, build_golive_schedule(lease_terms(lease), inputs).posted_months(), []
    except engine.LeaseTermsError as error:
        return lease, None, [issue.message for issue in error.issues]
    return lease, schedule.posted_months(), problems


def _export_name(lease: Lease) -> str:
    return f"{slugify(lease.code).upper() or lease.pk}-schedule"


@lease_reader
def lease_schedule_csv(request, pk: int):
    lease, months, problems = _export_months(request, pk)
    if months is None:
        messages.error(request, "The schedule cannot be exported until the terms are complete.")
        return redirect("lease_detail", pk=pk)
    response = HttpResponse(schedule_csv(months), content_type="text/csv; charset=utf-8")
    # Named after what it holds: BOS-01-schedule.csv, not schedule-7.csv.
    response["Content-Disposition"] = f'attachment; filename="{_export_name(lease)}.csv"'
    return response


@lease_reader
def lease_schedule_xlsx(request, pk: int):
    lease, months, problems = _export_months(request, pk)
    if months is None:
        messages.error(request, "The schedule cannot be exported until the terms are complete.")
        return redirect("lease_detail", pk=pk)
    go_live = company_go_live(request.company)
    brought_in = []
    if go_live and months and months[0].period == go_live > lease.commencement_date:
        brought_in = [
            (
                "Brought in at go-live",
                f"Commenced {company_date(lease.commencement_date)}; the schedule starts at "
                f"go-live ({month(go_live)}). The months before were in the previous books.",
            )
        ]
    response = HttpResponse(
        schedule_xlsx(
            months,
            title=str(lease),
            subtitle=f"Monthly schedule in {lease.currency}, amounts rounded as posted",
            details=[
                ("Company", request.company.name),
                ("Standard", lease.get_standard_display()),
                ("Classification", lease.get_classification_display() or "—"),
                ("Discount rate", rate(lease.discount_rate)),
                *brought_in,
                ("Generated", when(timezone.now())),
            ],
        ),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(lease)}.xlsx"'
    return response


@lease_access
def lease_import(request):
    form = LeaseUploadForm(request.POST or None, request.FILES or None)
    errors: list = []
    if request.method == "POST" and form.is_valid():
        try:
            rows, errors = validate_leases(
                request.company,
                form.cleaned_data["file"],
                update_existing=form.cleaned_data["update_existing"],
            )
            if not errors:
                summary = leases_import(company=request.company, actor=request.user, rows=rows)
        except FileRejected as error:
            form.add_error("file", str(error))
        except ValidationError as error:
            errors = error.messages
        else:
            if not errors:
                messages.success(
                    request,
                    f"Imported {len(summary.created)} new and updated {len(summary.updated)} "
                    "existing leases (new leases are drafts).",
                )
                return redirect("lease_list")
    return render(
        request,
        "leases/lease_import.html",
        {"form": form, "errors": errors, "columns": LEASE_COLUMNS},
    )


@lease_access
def lease_import_template(request):
    response = HttpResponse(lease_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lease-import-template.csv"'
    return response


@lease_access
def accounting_defaults_edit(request):
    defaults = accounting_defaults(request.company)
    initial = {
        name: getattr(defaults, f"{name}_id")
        for name in [*ACCOUNT_FIELDS.values(), *SEGMENT_FIELDS.values()]
    }
    initial["short_term_asset_types"] = defaults.short_term_asset_types
    initial["combine_components_asset_types"] = defaults.combine_components_asset_types
    initial["post_current_split"] = defaults.post_current_split
    form = AccountingDefaultsForm(request.POST or None, company=request.company, initial=initial)
    if request.method == "POST" and form.is_valid():
        accounting_defaults_update(
            company=request.company, actor=request.user, values=form.cleaned_data
        )
        messages.success(request, "Saved the GL defaults.")
        return redirect("accounting_defaults")
    return render(request, "leases/accounting_defaults.html", {"form": form})


@lease_access
def chart_of_accounts(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    errors: list = []
    if request.method == "POST" and form.is_valid():
        try:
            rows, errors = validate_chart_of_accounts(request.company, form.cleaned_data["file"])
        except FileRejected as error:
            form.add_error("file", str(error))
        else:
            if not errors:
                summary = chart_of_accounts_import(
                    company=request.company, actor=request.user, rows=rows
                )
                messages.success(
                    request,
                    f"Imported {len(summary.created)} new and updated {len(summary.updated)} "
                    "existing accounts.",
                )
                return redirect("chart_of_accounts")
    return render(
        request,
        "leases/chart_of_accounts.html",
        {
            "form": form,
            "errors": errors,
            "accounts": GLAccount.objects.filter(company=request.company),
        },
    )


@lease_access
def chart_of_accounts_template(request):
    response = HttpResponse(chart_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="chart-of-accounts-template.csv"'
    return response


@lease_access
def entities(request):
    """Subsidiaries and segments, each with a small form to add one."""
    subsidiary_form = SubsidiaryForm(
        request.POST if request.POST.get("add") == "subsidiary" else None, prefix="subsidiary"
    )
    segment_form = SegmentForm(
        request.POST if request.POST.get("add") == "segment" else None, prefix="segment"
    )
    if request.method == "POST":
        try:
            if subsidiary_form.is_bound and subsidiary_form.is_valid():
                subsidiary_create(
                    company=request.company, actor=request.user, **subsidiary_form.cleaned_data
                )
                messages.success(request, "Added the subsidiary.")
                return redirect("lease_entities")
            if segment_form.is_bound and segment_form.is_valid():
                segment_create(
                    company=request.company, actor=request.user, **segment_form.cleaned_data
                )
                messages.success(request, "Added the segment.")
                return redirect("lease_entities")
        except ValidationError as error:
            _add_service_errors(
                subsidiary_form if subsidiary_form.is_bound else segment_form, error
            )
    return render(
        request,
        "leases/entities.html",
        {
            "subsidiary_form": subsidiary_form,
            "segment_form": segment_form,
            "subsidiaries": Subsidiary.objects.filter(company=request.company),
            "segments": Segment.objects.filter(company=request.company),
        },
    )
