"""Close Books: the close wizard, the Closed Periods tab, journal entry pages and reopening."""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from closebooks import plugins, selectors, services
from closebooks.changes import blocking_changes
from closebooks.exports import csv_response, draft_rows, frozen_rows
from closebooks.forms import ReopenForm
from closebooks.models import IN_FLIGHT, AccountingPeriod, CloseRunStatus, JournalEntry
from closebooks.progress import STEP_LABELS, progress_read
from closebooks.readiness import extra_readiness
from closebooks.selectors import (
    attach_currency_totals,
    closed_periods_for_company,
    current_entries_search,
    entry_lines,
    last_closed_period,
    next_period_to_close,
    period_readiness,
    period_was_synced,
)
from companies.models import Permission
from companies.permissions import admin_required, member_required, member_required_any
from companies.tables import sort_queryset
from leases.forms_text import in_company_format

ENTRIES_PER_PAGE = 50
# The entries list's sortable columns (?sort=<key>, '-' first for descending).
ENTRY_COLUMNS = {
    "key": "external_key",
    "memo": "memo",
    "subsidiary": "subsidiary",
    "currency": "currency",
    "lines": "line_count",
    "debits": "total_debit",
    "credits": "total_credit",
}
logger = logging.getLogger(__name__)
PREVIEW_ENTRIES_SHOWN = 200  # the CSV has them all; a page of 10,000 entries helps nobody

lease_accounting_required = member_required(Permission.LEASE_ACCOUNTING)
entries_readers = member_required_any(Permission.LEASE_ACCOUNTING, Permission.INTEGRATIONS)


def _refused(request, error: ValidationError) -> None:
    """A refusal of the close, each sentence a message, its days in the company's format."""
    for message in error.messages:
        messages.error(request, in_company_format(message))


def _get_period(request, pk: int) -> AccountingPeriod:
    """A period of the current company; another company's is a 404."""
    period = get_object_or_404(AccountingPeriod, pk=pk, company=request.company)
    period.company = request.company  # same row, saves a query
    return period


def _get_entry(request, pk: int) -> JournalEntry:
    """A journal entry of the current company; another company's is a 404."""
    entry = get_object_or_404(
        JournalEntry.objects.select_related("period"), pk=pk, company=request.company
    )
    return entry


@lease_accounting_required
def close_books(request):
    services.periods_ensure(company=request.company)
    period = next_period_to_close(request.company)
    readiness = period_readiness(period) if period else []
    notices = extra_readiness(period) if period else []
    return render(
        request,
        "closebooks/close_books.html",
        {
            "period": period,
            "readiness": readiness,
            "notices": notices,
            "last_closed": last_closed_period(request.company),
            "tab": "close",
        },
    )


@lease_accounting_required
def period_preview_view(request, pk: int):
    period = _get_period(request, pk)
    preview = selectors.period_preview(period)
    next_period = next_period_to_close(request.company)
    # Sections other apps add (the NetSuite pre-flight), without closebooks importing them.
    sections, section_context = plugins.preview_sections(request, period, preview)
    blocked = not period.is_closed and bool(blocking_changes(request.company, period.start))
    return render(
        request,
        "closebooks/period_preview.html",
        {
            **section_context,
            "sections": sections,
            "period": period,
            "preview": preview,
            "entries_shown": preview.entries[:PREVIEW_ENTRIES_SHOWN],
            # Why each change or catch-up entry exists, and why a lease cannot post, in words
            # whose days read as the company writes them (the memos stay as they are sent).
            "change_entries": [
                (entry, in_company_format(entry.reason))
                for entry in preview.entries
                if entry.kind != "periodic"
            ],
            "lease_problems": [
                (problem.lease_code, in_company_format(problem.message))
                for problem in preview.problems
            ],
            "readiness": period_readiness(period),
            "is_next": next_period is not None and next_period.pk == period.pk,
            # A change waiting for approval in or before the month: Close & Lock would refuse.
            "blocked": blocked,
            "tab": "close",
        },
    )


@lease_accounting_required
def period_preview_csv(request, pk: int):
    period = _get_period(request, pk)
    preview = selectors.period_preview(period)
    return csv_response(
        draft_rows(preview.entries, period.end),
        f"journal-entries-preview-{period.start:%Y-%m}.csv",
    )


def _totals_by_currency(preview) -> list[dict]:
    """Entries, debits and credits per currency; amounts in different currencies never add up."""
    counts: dict[str, int] = {}
    for entry in preview.entries:
        counts[entry.currency] = counts.get(entry.currency, 0) + 1
    return [
        {"currency": currency, "entries": counts.get(currency, 0), "debit": debit, "credit": credit}
        for currency, debit, credit in preview.currency_totals
    ]


@lease_accounting_required
def period_close_confirm(request, pk: int):
    """Step 3: what Close & Lock will freeze (entries, totals per currency), asked once."""
    period = _get_period(request, pk)
    # A run whose worker stopped is sent to another one first (services.close_run_checked).
    run = services.close_run_checked(period.runs.filter(status__in=IN_FLIGHT).first())
    if run is not None and run.in_flight:
        return redirect("period_closing", pk=period.pk)  # its close is on its way already
    preview = selectors.period_preview(period)
    next_period = next_period_to_close(request.company)
    blocked = not period.is_closed and bool(blocking_changes(request.company, period.start))
    can_close = (
        next_period is not None
        and next_period.pk == period.pk
        and not preview.problems
        and preview.balanced
        and bool(preview.entries)
        and not blocked
    )
    return render(
        request,
        "closebooks/period_close_confirm.html",
        {
            "period": period,
            "preview": preview,
            "can_close": can_close,
            "totals": _totals_by_currency(preview),
            # Asked once: the leases to look at are said again where the close is confirmed.
            "readiness": period_readiness(period) if can_close or blocked else [],
            "blocked": blocked,
            "tab": "close",
        },
    )


@lease_accounting_required
@require_POST
def period_close_view(request, pk: int):
    period = _get_period(request, pk)
    expected = request.POST.get("expected_entries")
    if services.close_runs_in_background(period):
        # A large close runs on a worker: the request only queues it (the worker checks the
        # confirmed count, so this request does not compute the period a second time).
        try:
            services.period_close_request(
                period=period,
                actor=request.user,
                expected_entries=int(expected) if expected and expected.isdigit() else None,
            )
        except ValidationError as error:
            _refused(request, error)
        return redirect("period_closing", pk=period.pk)
    if expected is not None and expected != str(len(selectors.period_preview(period).entries)):
        # Something changed between the confirmation and the press: show the new figures.
        messages.warning(
            request,
            f"{period.label} changed since you looked: check what will be frozen again.",
        )
        return redirect("period_close_confirm", pk=period.pk)
    try:
        entries = services.period_close(period=period, actor=request.user)
    except ValidationError as error:
        _refused(request, error)
        return redirect("period_preview", pk=period.pk)
    except Exception:
        # As on a worker (services.close_run_execute): the close is one transaction, so it left
        # nothing behind; the person gets a sentence instead of a server error page.
        logger.exception("close of period %s failed", period.pk)
        messages.error(
            request,
            f"The close of {period.label} stopped on an unexpected error and nothing was "
            "frozen. Try again; if it happens again, tell support.",
        )
        return redirect("period_preview", pk=period.pk)
    messages.success(
        request,
        f"Closed {period.label}: {len(entries)} journal entries are frozen and locked. "
        "Next: Sync on Closed Periods sends them to NetSuite.",
    )
    return redirect("period_entries", pk=period.pk)


def _close_progress_context(period: AccountingPeriod) -> dict:
    run = services.close_run_checked(period.runs.select_related("requested_by").first())
    progress = progress_read(run.pk) if run is not None else {}
    percent = progress.get("percent", 0)
    if run is not None and run.status == CloseRunStatus.SUCCEEDED:
        percent = 100
    return {
        "period": period,
        "run": run,
        "run_messages": [in_company_format(m) for m in run.messages] if run is not None else [],
        "percent": percent,
        "step": STEP_LABELS.get(progress.get("step", "")) if run and run.in_flight else "",
        "progress": progress,
    }


@lease_accounting_required
def period_closing(request, pk: int):
    """A large close on its way: the progress bar updates itself until the run ends."""
    period = _get_period(request, pk)
    return render(
        request,
        "closebooks/period_closing.html",
        {**_close_progress_context(period), "tab": "close"},
    )


@lease_accounting_required
def period_closing_status(request, pk: int):
    """The progress partial the closing page polls."""
    period = _get_period(request, pk)
    return render(request, "closebooks/_close_progress.html", _close_progress_context(period))


@entries_readers
def closed_periods(request):
    # One query for every period's latest sync run, whatever the number of periods.
    rows = list(attach_currency_totals(closed_periods_for_company(request.company)))
    # Columns other apps add (the Integration column), without closebooks importing them.
    columns, column_context = plugins.closed_periods_columns(request, rows)
    return render(
        request,
        "closebooks/closed_periods.html",
        {**column_context, "rows": rows, "columns": columns, "tab": "closed"},
    )


@entries_readers
def period_entries(request, pk: int):
    period = _get_period(request, pk)
    q = request.GET.get("q", "").strip()
    # The default order is the close's own (the id), as the CSV export lists them.
    entries, sort = sort_queryset(
        request, current_entries_search(period, q=q), {**ENTRY_COLUMNS, "": "id"}, default=""
    )
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    last_closed = last_closed_period(request.company)
    return render(
        request,
        "closebooks/period_entries.html",
        {
            "period": period,
            "page": page,
            "q": q,
            "sort": sort,
            "can_reopen": request.membership.is_company_admin
            and last_closed is not None
            and last_closed.pk == period.pk,
            "tab": "closed",
        },
    )


@entries_readers
def journal_entry_detail(request, pk: int):
    entry = _get_entry(request, pk)
    # What other apps say about the entry (its NetSuite sync), without closebooks importing them.
    sections, section_context = plugins.entry_sections(request, entry)
    return render(
        request,
        "closebooks/journal_entry_detail.html",
        {
            **section_context,
            "entry": entry,
            "lines": entry_lines(entry),
            "sections": sections,
            "tab": "closed",
        },
    )


@entries_readers
def period_entries_csv(request, pk: int):
    period = _get_period(request, pk)
    return csv_response(frozen_rows(period), f"journal-entries-{period.start:%Y-%m}.csv")


@admin_required
def period_reopen(request, pk: int):
    period = _get_period(request, pk)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_reopen(
                period=period, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, in_company_format(message))
        else:
            messages.success(request, f"Reopened {period.label}. Close it again when it is right.")
            return redirect("close_books")
    return render(
        request,
        "closebooks/period_reopen.html",
        {"period": period, "form": form, "was_synced": period_was_synced(period), "tab": "closed"},
    )
