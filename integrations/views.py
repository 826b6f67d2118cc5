"""Integration settings, Sync and Retry, live status, run details, errors and the log."""

from contextlib import suppress

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from closebooks.models import AccountingPeriod
from companies.models import Permission
from companies.permissions import admin_required, member_required, member_required_any
from companies.selectors import company_members
from companies.sod import conflict_sentence, conflicts_for
from companies.tables import sort_queryset
from integrations.forms import (
    ConnectionForm,
    ReferenceMappingForm,
    ReferencePickForm,
    SyncSettingsForm,
)
from integrations.models import (
    SECRET_FIELDS,
    EntryStatus,
    NetSuiteRecord,
    ReferenceMapping,
    SyncRun,
    SyncStatus,
)
from integrations.selectors import (
    attach_latest_runs,
    attach_sync_plans,
    connection_is_enabled,
    run_attempts,
    run_entries,
    run_entries_search,
    runs_for_company,
)
from integrations.services.connection import (
    connection_for_company,
    connection_save,
    connection_verify,
    sync_settings_save,
)
from integrations.services.diff import describe_step, period_plan
from integrations.services.discovery import (
    RefreshNotPossible,
    last_completed_refresh,
    last_refresh,
    reference_refresh_start,
)
from integrations.services.mappings import reference_mapping_delete, reference_mapping_save
from integrations.services.preflight import mapping_health, picker_choices
from integrations.services.sync import (
    SyncNotPossible,
    is_superseded,
    period_sync_start,
    sync_run_retry,
)
from integrations.setup_guide import STEPS as SETUP_STEPS

VIEW_SYNC = (Permission.LEASE_ACCOUNTING, Permission.INTEGRATIONS)


def _get_period(request, pk: int) -> AccountingPeriod:
    return get_object_or_404(AccountingPeriod, pk=pk, company=request.company)


def _get_run(request, pk: int) -> SyncRun:
    return get_object_or_404(
        SyncRun.objects.select_related("period", "started_by"), pk=pk, company=request.company
    )


def _reload_settings(request):
    """After saving, show the saved state: htmx reloads the page, a plain form post redirects."""
    if request.htmx:
        return HttpResponse(headers={"HX-Redirect": reverse("integration_settings")})
    return redirect("integration_settings")


@member_required(Permission.INTEGRATION_SETTINGS)
def integration_settings(request):
    connection = connection_for_company(request.company)
    initial = {
        "enabled": connection.enabled,
        "account_id": connection.account_id,
        "transport": connection.transport,
        "concurrency_limit": connection.concurrency_limit,
        "base_url": connection.base_url,
    }
    form = ConnectionForm(request.POST or None, initial=initial, connection=connection)
    verify_failure = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        candidate = connection_for_company(request.company)
        candidate.transport = data["transport"]
        candidate.base_url = data["base_url"]
        candidate.concurrency_limit = data["concurrency_limit"]
        outcome = connection_verify(candidate, data["credentials"])
        fields = {
            "company": request.company,
            "actor": request.user,
            "account_id": data["account_id"],
            "secrets": data["secrets"],
            "transport": data["transport"],
            "concurrency_limit": data["concurrency_limit"],
            "base_url": data["base_url"],
            "verify": outcome,
        }
        if outcome.ok:
            connection_save(enabled=data["enabled"], **fields)
            messages.success(request, f"Verified and saved. {outcome.message}")
            # A verified connection can read NetSuite's reference data: refresh our copy.
            reference_refresh_start(company=request.company, actor=request.user)
            return _reload_settings(request)
        if data["save_disabled_if_unverified"]:
            connection_save(enabled=False, **fields)
            messages.warning(
                request,
                "Saved with the integration disabled, because verification failed: "
                f"{outcome.message} {outcome.corrective_action}",
            )
            return _reload_settings(request)
        verify_failure = outcome
    if request.htmx and request.method == "POST":
        # Only the outcome is swapped in: the form keeps what was typed, and no secret is echoed.
        form_errors = [
            (form.fields[name].label if name in form.fields else "", error)
            for name, errors in form.errors.items()
            for error in errors
        ]
        return render(
            request,
            "integrations/_verify_result.html",
            {"verify_failure": verify_failure, "form_errors": form_errors, "kept_in_form": True},
        )
    duty_warnings = [
        (m.user, conflict_sentence(c))
        for m in company_members(request.company)
        for c in conflicts_for(m.flags())
        if c.first == Permission.INTEGRATION_SETTINGS
    ]
    secrets = [(form[name], getattr(connection, f"{name}_hint")) for name in SECRET_FIELDS]
    return render(
        request,
        "integrations/settings.html",
        {
            "form": form,
            "connection": connection,
            "verify_failure": verify_failure,
            "duty_warnings": duty_warnings,
            "secrets": secrets,
            "refresh": last_refresh(request.company),
            "can_refresh": True,
            "guide_steps": SETUP_STEPS,
        },
    )


def _cell(request, period: AccountingPeriod, notice: str = ""):
    attach_sync_plans(attach_latest_runs([period]))
    return render(
        request,
        "closebooks/_integration_cell.html",
        {
            "period": period,
            "can_sync": request.membership.has(Permission.INTEGRATIONS),
            "can_send_again": request.membership.is_company_admin,
            "sync_enabled": connection_is_enabled(request.company),
            "notice": notice,
        },
    )


@member_required(Permission.INTEGRATIONS)
@require_POST
def period_sync(request, pk: int):
    period = _get_period(request, pk)
    try:
        period_sync_start(period=period, actor=request.user)
    except SyncNotPossible as refusal:
        notice, level = refusal.user_message, messages.ERROR
    else:
        notice = (
            f"Sending {period.label} to NetSuite. You can leave this page; we will email you "
            "when the sync is complete."
        )
        if last_completed_refresh(request.company) is None:
            notice += (
                " Pre-flight checks were skipped: NetSuite's reference data has never been "
                "refreshed (Settings → Integrations → Reference data)."
            )
        level = messages.SUCCESS
    if request.htmx:
        # The answer replaces the cell, so the notice goes in the cell, not in a later page.
        return _cell(request, period, notice=notice)
    messages.add_message(request, level, notice)
    return redirect("closed_periods")


@admin_required
@require_POST
def period_send_again(request, pk: int):
    """An admin's deliberate resend: NetSuite is read again and only what it lacks is sent."""
    period = _get_period(request, pk)
    try:
        period_sync_start(period=period, actor=request.user, resend=True)
    except SyncNotPossible as refusal:
        notice, level = refusal.user_message, messages.ERROR
    else:
        notice = f"Reading NetSuite again for {period.label}: only entries missing there are sent."
        level = messages.SUCCESS
    if request.htmx:
        return _cell(request, period, notice=notice)
    messages.add_message(request, level, notice)
    return redirect("closed_periods")


@member_required_any(*VIEW_SYNC)
def period_sync_plan(request, pk: int):
    """What the next Sync of the period will change in NetSuite, entry by entry."""
    period = _get_period(request, pk)
    connection = connection_for_company(request.company)
    plan = period_plan(period, removal_method=connection.removal_method)
    return render(
        request,
        "integrations/period_plan.html",
        {
            "period": period,
            "plan": plan,
            "steps": [(step, describe_step(step)) for step in plan.steps],
            "connection": connection,
            "can_change": request.membership.is_company_admin,
        },
    )


@admin_required
def sync_settings(request):
    """Company admins: how removals are made in NetSuite, and who gets the outcome emails."""
    connection = connection_for_company(request.company)
    form = SyncSettingsForm(
        request.POST or None,
        initial={
            "removal_method": connection.removal_method,
            "notify_emails": connection.notify_emails,
        },
    )
    if request.method == "POST" and form.is_valid():
        sync_settings_save(company=request.company, actor=request.user, **form.cleaned_data)
        messages.success(request, "Saved the sync settings.")
        return redirect("sync_settings")
    return render(request, "integrations/sync_settings.html", {"form": form})


@member_required_any(*VIEW_SYNC)
def period_sync_status(request, pk: int):
    return _cell(request, _get_period(request, pk))


# The run's entry list: sortable columns (?sort=<key>, '-' first for descending) and page size.
RUN_ENTRY_COLUMNS = {
    "key": "external_key",
    "change": "action",
    "subsidiary": "journal_entry__subsidiary",
    "memo": "journal_entry__memo",
    "amount": "amount",
    "status": "status",
}
RUN_ENTRIES_PER_PAGE = 50


@member_required_any(*VIEW_SYNC)
def sync_run_detail(request, pk: int):
    run = _get_run(request, pk)
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "status")}
    entries, sort = sort_queryset(
        request, run_entries_search(run, **filters), RUN_ENTRY_COLUMNS, default="key"
    )
    page = Paginator(entries, RUN_ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "integrations/run_detail.html",
        {
            "run": run,
            "superseded": is_superseded(run),
            "entries": page,
            "page": page,
            "sort": sort,
            "filters": filters,
            "statuses": EntryStatus.choices,
            "attempts": run_attempts(run)[:200],
            "can_sync": request.membership.has(Permission.INTEGRATIONS),
        },
    )


FAILED_ENTRIES_PER_PAGE = 50


@member_required_any(*VIEW_SYNC)
def sync_run_errors(request, pk: int):
    run = _get_run(request, pk)
    # A run of thousands of entries can fail them all (one missing mapping): page them.
    failed = Paginator(run_entries(run, failed_only=True), FAILED_ENTRIES_PER_PAGE)
    return render(
        request,
        "integrations/run_errors.html",
        {
            "run": run,
            "failed": failed.get_page(request.GET.get("page")),
            "can_sync": request.membership.has(Permission.INTEGRATIONS),
            "can_fix": any(request.membership.has(p) for p in MAPPING_EDITORS),
        },
    )


@member_required(Permission.INTEGRATIONS)
@require_POST
def sync_run_retry_view(request, pk: int):
    run = _get_run(request, pk)
    try:
        sync_run_retry(run=run, actor=request.user)
    except SyncNotPossible as refusal:
        messages.error(request, refusal.user_message)
        return redirect("sync_run_errors", pk=run.pk)
    messages.success(
        request,
        f"Retrying {run.period.label}: only the entries not yet in NetSuite are sent. We will "
        "email you when it is complete.",
    )
    return redirect("closed_periods")


# The log's sortable columns: ?sort=<key>, '-' first for newest or largest first.
LOG_COLUMNS = {
    "run": "pk",
    "period": "period__start",
    "status": "status",
    "started": "started_at",
    "finished": "finished_at",
    "failed": "entries_failed",
}


@member_required_any(*VIEW_SYNC)
def integration_log(request):
    runs = runs_for_company(
        request.company,
        period_id=request.GET.get("period", ""),
        status=request.GET.get("status", ""),
    )
    runs, sort = sort_queryset(request, runs, LOG_COLUMNS, default="-started")
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    periods = AccountingPeriod.objects.filter(company=request.company, status="closed").order_by(
        "-start"
    )
    return render(
        request,
        "integrations/log.html",
        {"page": page, "periods": periods, "statuses": SyncStatus.choices, "sort": sort},
    )


# Mappings decide where lines post, so they belong to lease accounting or the settings role;
# the operator who presses Sync does not also choose where entries go (segregation of duties).
MAPPING_EDITORS = (Permission.LEASE_ACCOUNTING, Permission.INTEGRATION_SETTINGS)


@member_required_any(*MAPPING_EDITORS)
def reference_mappings(request):
    initial = {k: request.GET[k] for k in ("kind", "our_value") if k in request.GET}
    form = ReferenceMappingForm(request.POST or None, initial=initial, company=request.company)
    if request.method == "POST" and form.is_valid():
        mapping = reference_mapping_save(
            company=request.company, actor=request.user, **form.cleaned_data
        )
        messages.success(request, f"Saved: {mapping}. Press Retry on the failed sync to use it.")
        return redirect("reference_mappings")
    mappings = ReferenceMapping.objects.filter(company=request.company)
    return render(request, "integrations/mappings.html", {"form": form, "mappings": mappings})


@member_required_any(*MAPPING_EDITORS)
@require_POST
def reference_mapping_remove(request, pk: int):
    mapping = get_object_or_404(ReferenceMapping, pk=pk, company=request.company)
    reference_mapping_delete(mapping=mapping, actor=request.user)
    messages.success(request, f"Removed the mapping of {mapping.our_value}.")
    return redirect("reference_mappings")


# --- Reference data: refresh, mapping health and pickers ------------------------------------


def _refresh_card(request):
    refresh = last_refresh(request.company)
    response = render(
        request,
        "integrations/_reference_card.html",
        {
            "refresh": refresh,
            "can_refresh": request.membership.has(Permission.INTEGRATION_SETTINGS),
        },
    )
    # The picker page lists NetSuite's values: once a refresh it waited for ends, reload it.
    on_picker = reverse("reference_data") in request.headers.get("HX-Current-URL", "")
    if on_picker and request.GET.get("waiting") and refresh and refresh.status != "running":
        response.headers["HX-Refresh"] = "true"
    return response


@member_required(Permission.INTEGRATION_SETTINGS)
@require_POST
def reference_data_refresh(request):
    try:
        reference_refresh_start(company=request.company, actor=request.user)
    except RefreshNotPossible as refusal:
        messages.error(request, refusal.user_message)
    if request.htmx:
        return _refresh_card(request)
    return redirect(
        "reference_data" if request.POST.get("next") == "mapping" else "integration_settings"
    )


@member_required_any(*MAPPING_EDITORS)
def reference_data_status(request):
    return _refresh_card(request)


def _usable_by(company, subsidiary: str, records: list) -> list:
    """The records a subsidiary (our name) may post to; all of them if it is not in NetSuite."""
    mapping = ReferenceMapping.objects.filter(
        company=company, kind="subsidiary", our_value=subsidiary
    ).first()
    internal_id = mapping.netsuite_internal_id if mapping else ""
    if not internal_id:
        record = NetSuiteRecord.objects.filter(
            company=company, record_type="subsidiary", key=subsidiary
        ).first()
        internal_id = record.internal_id if record else ""
    if not internal_id:
        return records
    # A record with no subsidiaries listed is shared by all of them.
    return [r for r in records if not r.subsidiary_ids or internal_id in r.subsidiary_ids]


def _safe_return_to(request) -> str:
    """Where to go after saving (the failed run's errors page), if it is one of our pages."""
    target = request.POST.get("return_to") or request.GET.get("return_to") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


@member_required_any(*MAPPING_EDITORS)
def reference_data(request):
    initial = {k: request.GET[k] for k in ("kind", "our_value") if k in request.GET}
    # Pre-fill the picker with the current mapping, so the user sees what is there now.
    current = ReferenceMapping.objects.filter(company=request.company, **initial).first()
    if len(initial) == 2 and current is not None:
        initial["netsuite_record"] = (
            f"{current.netsuite_value} (#{current.netsuite_internal_id})"
            if current.netsuite_internal_id
            else current.netsuite_value
        )
    form = ReferencePickForm(request.POST or None, initial=initial, company=request.company)
    return_to = _safe_return_to(request)
    if request.method == "GET" and last_refresh(request.company) is None:
        # Never read from NetSuite: the picker would be empty, so read it now (it takes seconds).
        with suppress(RefreshNotPossible):  # not connected yet: the page says to connect first
            reference_refresh_start(company=request.company, actor=request.user)
    if request.method == "POST" and form.is_valid():
        record = form.cleaned_data["record"]
        reference_mapping_save(
            company=request.company,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            our_value=form.cleaned_data["our_value"],
            netsuite_value=record.key,
            netsuite_internal_id=record.internal_id,
        )
        messages.success(
            request,
            f"{form.cleaned_data['our_value']} now maps to NetSuite's {record.display} "
            f"(internal ID {record.internal_id}). Press Sync or Retry to use it.",
        )
        return redirect(return_to or "reference_data")
    rows = mapping_health(request.company)
    choices = picker_choices(request.company)
    subsidiary = request.GET.get("subsidiary", "")
    if subsidiary and initial.get("kind") in choices:
        # Fix it from a failed entry: offer only what the entry's subsidiary may use.
        choices[initial["kind"]] = _usable_by(request.company, subsidiary, choices[initial["kind"]])
    return render(
        request,
        "integrations/reference_data.html",
        {
            "form": form,
            "rows": rows,
            "attention": [row for row in rows if row.needs_attention],
            "choices": choices,
            "subsidiary": subsidiary,
            "refresh": last_refresh(request.company),
            "can_refresh": request.membership.has(Permission.INTEGRATION_SETTINGS),
            "return_to": return_to,
        },
    )
