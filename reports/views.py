"""Accounting → Reports: roll-forward, disclosures, journal register, trial balance, books vs
schedule, tie-out."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from closebooks.models import AccountingPeriod, PeriodStatus
from companies.models import Permission
from companies.permissions import member_can_read, member_required
from integrations.selectors import sync_status_by_entry
from reports import drift, exports, selectors, services
from reports.drift_forms import DriftForm
from reports.forms import (
    REGISTER_SORT_LABELS,
    DisclosureForm,
    RegisterForm,
    RollForwardForm,
    TrialBalanceForm,
)
from reports.models import TieOut
from reports.periods import (
    Range,
    fiscal_range,
    fiscal_year_of,
    go_live_month,
    months_before_go_live,
    unclosed_months,
)
from reports.subledger import ASSET_TYPE_LABELS, lease_facts

lease_accounting_required = member_required(Permission.LEASE_ACCOUNTING)
# The reports and their downloads only show: open to read-only members too.
report_reader = member_can_read(Permission.LEASE_ACCOUNTING)
REGISTER_PER_PAGE = 50
ROLL_ROWS_PER_PAGE = 100
ROLL_SORTS = {
    "label": lambda row: (row.currency, row.label),
    "-closing_liability": lambda row: (row.currency, -row.closing_liability, row.label),
    "-closing_rou": lambda row: (row.currency, -row.closing_rou, row.label),
}
ROLL_LABELS = selectors.ROLL_LABELS


def _default_range(company) -> Range:
    """The fiscal year to date of the last closed period, ending with it, and starting no
    earlier than the books do: go-live, or the first closed period. Without a closed period,
    this month."""
    closed = AccountingPeriod.objects.filter(company=company, status=PeriodStatus.CLOSED)
    last = closed.order_by("-start").first()
    if last is None:
        this = timezone.localdate().replace(day=1)
        return Range(this, this)
    first = closed.order_by("start").values_list("start", flat=True).first()
    year = fiscal_range(company, last.fiscal_year)
    start = max(year.start, first, go_live_month(company) or first)
    return Range(min(start, last.start), last.start)


def _with_defaults(request, defaults: dict[str, str]) -> QueryDict:
    """The query with the values in use filled in where it has none, so the form's inputs show
    what the page shows (an empty "From" beside a range reads as no range at all)."""
    data = request.GET.copy()
    for name, value in defaults.items():
        if not data.get(name):
            data[name] = value
    return data


def _range_data(request, default: Range) -> QueryDict:
    """The query with From and To filled in; a "From" after the default end moves "To" to it."""
    start = request.GET.get("start") or f"{default.start:%Y-%m}"
    end = f"{default.end:%Y-%m}"
    return _with_defaults(request, {"start": start, "end": max(start, end)})


def _query(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return "?" + params.urlencode()


def register_url(span: Range, **filters) -> str:
    """The journal register for a range and filters: where every figure's entries are listed."""
    params = {"start": f"{span.start:%Y-%m}", "end": f"{span.end:%Y-%m}"}
    params.update({k: v for k, v in filters.items() if v})
    return reverse("reports_register") + "?" + urlencode(params)


def _render(request, template: str, context: dict, fmt: str):
    context["print_view"] = fmt == "print"
    return render(request, template, context)


@report_reader
def index(request):
    return render(request, "reports/index.html", {"span": _default_range(request.company)})


@report_reader
def rollforward_view(request):
    default = _default_range(request.company)
    form = RollForwardForm(_range_data(request, default))
    if not form.is_valid():
        return render(request, "reports/rollforward.html", {"form": form}, status=400)
    data = form.cleaned_data
    span = form.span(default)
    group_by = data.get("group") or "subsidiary"
    filters = form.filters()
    report = selectors.rollforward(request.company, span, group_by=group_by, **filters)
    fmt = data.get("format") or "html"
    sort = data.get("sort") or "label"
    report.rows.sort(key=ROLL_SORTS.get(sort, ROLL_SORTS["label"]))
    page = None
    rows = report.rows
    if fmt == "html":  # the workbook and the print view have every row
        page = Paginator(report.rows, ROLL_ROWS_PER_PAGE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    drill_param = {"subsidiary": "subsidiary", "asset_type": "asset_type",
                   "classification": "classification", "lease": "lease"}[group_by]  # fmt: skip
    for row in rows + report.totals:
        row.drill = (
            _query(request, group="lease", **{drill_param: row.key}, format="html")
            if row.key and group_by != "lease"
            else ""
        )
        lease = row.key if group_by == "lease" else ""
        row.rou_entries = register_url(span, lease=lease, subsidiary=filters.get("subsidiary"))
    if fmt == "xlsx":
        return _rollforward_xlsx(request, report, filters)
    return _render(
        request,
        "reports/rollforward.html",
        {"form": form, "report": report, "rows": rows, "page": page, "labels": ROLL_LABELS,
         "span": span, "group_label": selectors.GROUPINGS[group_by], "filters": filters,
         "before_go_live": months_before_go_live(request.company, span),
         "sort": sort, "sort_links": {k: _query(request, sort=k, page=1) for k in ROLL_SORTS},
         "page_query": _query(request, page="")[:-1],
         "register_all": register_url(span, **{k: v for k, v in filters.items()
                                              if k in ("subsidiary", "lease")})},
        fmt,
    )  # fmt: skip


def _rollforward_xlsx(request, report, filters):
    headers = ["Group", "Currency", *[f"ROU {ROLL_LABELS[c]}" for c in ROLL_LABELS],
               *[f"Liability {ROLL_LABELS[c]}" for c in ROLL_LABELS], "Leases"]  # fmt: skip
    money = set(range(2, 2 + 2 * len(ROLL_LABELS)))
    rows = [
        [row.label, row.currency, *[a for _, a in row.columns("rou")],
         *[a for _, a in row.columns("liability")], row.lease_count]
        for row in report.rows
    ]  # fmt: skip
    recon = [
        [r.subsidiary, r.currency, r.label, ", ".join(r.accounts), r.subledger, r.posted,
         r.difference]
        for r in report.reconciliation
    ]  # fmt: skip
    parameters = [
        ("Report", "Roll-forward of ROU assets and lease liabilities"),
        ("Company", request.company.name),
        ("Periods", report.span.label),
        ("Grouped by", selectors.GROUPINGS[report.group_by]),
        *[(k.replace("_", " ").capitalize(), v) for k, v in filters.items() if v],
        ("Reconciles to posted entries", "Yes" if report.reconciles else "No"),
    ]
    return exports.xlsx_response(
        f"rollforward-{report.span.start:%Y%m}-{report.span.end:%Y%m}.xlsx",
        parameters,
        [
            exports.Section("Roll-forward", headers, rows, money),
            exports.Section(
                "Reconciliation",
                ["Subsidiary", "Currency", "Balance", "Accounts", "Subledger", "Posted",
                 "Difference"],
                recon,
                {4, 5, 6},
            ),
        ],
    )  # fmt: skip


@report_reader
def disclosures_view(request):
    year = fiscal_year_of(request.company, _default_range(request.company).end)
    form = DisclosureForm(_with_defaults(request, {"year": str(year)}))
    if not form.is_valid():
        return render(request, "reports/disclosures.html", {"form": form}, status=400)
    span = form.span(request.company)
    facts = lease_facts(request.company, span.start, span.end)
    sets = selectors.disclosures(request.company, span, facts=facts)
    fmt = form.cleaned_data.get("format") or "html"
    for item in sets:
        every = "ifrs16" if item.standard == "ifrs16" else ""
        for figure in item.figures:
            figure.url = register_url(span) if figure.lease_codes else ""
            figure.leases_url = (
                _leases_url(span, classification=_classification_of(figure.key) or every)
                if figure.lease_codes
                else ""
            )
        for m in item.maturities:
            by_label = {"Operating leases": "operating", "Finance leases": "finance"}
            m.url = _leases_url(
                span, classification=by_label.get(m.label, every), sort="-closing_liability"
            )
        item.class_rows = [
            (
                label,
                dep,
                closing,
                codes,
                _leases_url(span, asset_type=_asset_type_key(label), classification=every),
            )
            for label, dep, closing, codes in item.by_class
        ]
    if fmt == "xlsx":
        return _disclosures_xlsx(request, span, sets)
    return _render(
        request,
        "reports/disclosures.html",
        {"form": form, "sets": sets, "span": span,
         "unclosed": unclosed_months(request.company, span),
         "before_go_live": months_before_go_live(request.company, span)},
        fmt,
    )  # fmt: skip


def _leases_url(span: Range, **params: str) -> str:
    """The roll-forward by lease for the range: the leases behind a figure."""
    query = {"start": f"{span.start:%Y-%m}", "end": f"{span.end:%Y-%m}", "group": "lease"}
    query.update({k: v for k, v in params.items() if v})
    return reverse("reports_rollforward") + "?" + urlencode(query)


def _asset_type_key(label: str) -> str:
    return next((key for key, text in ASSET_TYPE_LABELS.items() if text == label), "")


def _classification_of(key: str) -> str:
    if "operating" in key:
        return "operating"
    if "finance" in key:
        return "finance"
    return ""


def _disclosures_xlsx(request, span, sets):
    sections = []
    for item in sets:
        name = "ASC 842" if item.standard == "asc842" else "IFRS 16"
        rows = [[f.label, f.amount, f.note] for f in item.figures]
        sections.append(
            exports.Section(f"{name} {item.currency}", ["Figure", "Amount", "Note"], rows, {1},
                            total=False)
        )  # fmt: skip
        maturity_rows = []
        for m in item.maturities:
            for index, amount in enumerate(m.years, start=1):
                maturity_rows.append([m.label, f"Year {index}", amount])
            maturity_rows += [
                [m.label, "Thereafter", m.thereafter],
                [m.label, "Total undiscounted payments", m.undiscounted],
                [m.label, "Less imputed interest", -m.imputed_interest],
                [m.label, "Present value (lease liabilities)", m.present_value],
                [m.label, "Current", m.current],
                [m.label, "Non-current", m.non_current],
            ]
        sections.append(
            exports.Section(f"Maturity {name} {item.currency}", ["Leases", "Year", "Amount"],
                            maturity_rows, {2}, total=False)
        )  # fmt: skip
    parameters = [
        ("Report", "Lease disclosures"),
        ("Company", request.company.name),
        ("Periods", span.label),
    ]
    return exports.xlsx_response(f"disclosures-{span.start:%Y%m}-{span.end:%Y%m}.xlsx",
                                 parameters, sections)  # fmt: skip


@report_reader
def register_view(request):
    default = _default_range(request.company)
    form = RegisterForm(_range_data(request, default))
    if not form.is_valid():
        return render(request, "reports/register.html", {"form": form}, status=400)
    data = form.cleaned_data
    span = form.span(default)
    filters = {k: data.get(k) or "" for k in ("subsidiary", "account", "lease", "q")}
    entries = selectors.register_entries(
        request.company, span, sort=data.get("sort") or "period", **filters
    )
    fmt = data.get("format") or "html"
    if fmt == "xlsx":
        return _register_xlsx(request, span, filters, entries)
    page = Paginator(entries, REGISTER_PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.with_lines(page.object_list)
    status = sync_status_by_entry([e.pk for e in rows])
    for entry in rows:
        entry.sync = status.get(entry.pk)
    return _render(
        request,
        "reports/register.html",
        {"form": form, "page": page, "rows": rows, "span": span, "filters": filters,
         "sort": data.get("sort") or "period",
         "sort_links": [(k, label[0].lower() + label[1:], _query(request, sort=k, page=1))
                        for k, label in REGISTER_SORT_LABELS.items()],
         "page_query": _query(request, page="")[:-1]},
        fmt,
    )  # fmt: skip


def _register_xlsx(request, span, filters, entries):
    entries = selectors.with_lines(entries)
    status = sync_status_by_entry([e.pk for e in entries])
    entry_rows, line_rows = [], []
    for e in entries:
        sync = status.get(e.pk)
        entry_rows.append(
            [e.period.label, e.external_key, e.close_version, e.subsidiary, e.currency, e.memo,
             e.total_debit, e.total_credit, sync.get_status_display() if sync else "Not sent",
             sync.netsuite_internal_id if sync else ""]
        )  # fmt: skip
        for line in e.register_lines:
            line_rows.append(
                [e.external_key, line.line_no, line.account_number, line.account_name,
                 line.debit, line.credit, line.memo, line.lease_code, line.department]
            )  # fmt: skip
    return exports.xlsx_response(
        f"journal-register-{span.start:%Y%m}-{span.end:%Y%m}.xlsx",
        [("Report", "Journal entry register"), ("Company", request.company.name),
         ("Periods", span.label), *[(k, v) for k, v in filters.items() if v]],
        [
            exports.Section("Entries", ["Period", "External ID", "Version", "Subsidiary",
                                        "Currency", "Memo", "Debits", "Credits", "Sync status",
                                        "NetSuite internal ID"], entry_rows, {6, 7}),
            exports.Section("Lines", ["External ID", "Line", "Account", "Account name", "Debit",
                                      "Credit", "Memo", "Lease", "Department"], line_rows, {4, 5}),
        ],
    )  # fmt: skip


@report_reader
def trial_balance_view(request):
    default = _default_range(request.company).end
    form = TrialBalanceForm(_with_defaults(request, {"period": f"{default:%Y-%m}"}))
    if not form.is_valid():
        return render(request, "reports/trial_balance.html", {"form": form}, status=400)
    month = form.month()
    rows = selectors.trial_balance(request.company, month)
    span = Range(month, month)
    for row in rows:
        row.url = register_url(span, subsidiary=row.subsidiary, account=row.account_number)
    fmt = form.cleaned_data.get("format") or "html"
    if fmt == "xlsx":
        return exports.xlsx_response(
            f"trial-balance-{month:%Y%m}.xlsx",
            [("Report", "Trial balance of lease accounts"), ("Company", request.company.name),
             ("As of the end of", span.label)],
            [exports.Section("Trial balance", ["Subsidiary", "Currency", "Account", "Name",
                                               "Opening", "Debits", "Credits", "Closing"],
                             [[r.subsidiary, r.currency, r.account_number, r.account_name,
                               r.opening, r.debit, r.credit, r.closing] for r in rows],
                             {4, 5, 6, 7})],
        )  # fmt: skip
    return _render(
        request, "reports/trial_balance.html", {"form": form, "rows": rows, "span": span}, fmt
    )


@report_reader
def tieout_list(request):
    periods = list(
        AccountingPeriod.objects.filter(
            company=request.company, status=PeriodStatus.CLOSED
        ).order_by("-start")[:24]
    )
    latest: dict[int, TieOut] = {}
    for tieout in TieOut.objects.filter(period__in=periods).order_by("period_id", "-started_at"):
        latest.setdefault(tieout.period_id, tieout)
    sent = selectors.periods_with_sent_entries(periods)
    for period in periods:
        period.latest_tieout = latest.get(period.pk)
        period.nothing_sent = period.pk not in sent
    return render(request, "reports/tieout_list.html", {"periods": periods})


def _get_period(request, pk: int) -> AccountingPeriod:
    period = get_object_or_404(AccountingPeriod, pk=pk, company=request.company)
    period.company = request.company
    return period


@report_reader
def tieout_detail(request, pk: int):
    period = _get_period(request, pk)
    tieout = selectors.latest_tieout(period)
    findings = list(tieout.findings.select_related("journal_entry")) if tieout else []
    return render(
        request,
        "reports/tieout_detail.html",
        {"period": period, "tieout": tieout, "findings": findings,
         "refusal": services.tieout_refusal(period)},
    )  # fmt: skip


@require_POST
@lease_accounting_required
def tieout_start_view(request, pk: int):
    period = _get_period(request, pk)
    try:
        services.tieout_start(period=period, actor=request.user)
    except services.TieOutNotPossible as error:
        messages.error(request, error.user_message)
    else:
        messages.success(request, f"Tie-out of {period.label} started; this page shows it.")
    return redirect("reports_tieout", pk=period.pk)


DRIFT_PER_PAGE = 50
DRIFT_HEADERS = ["Subsidiary", "Currency", "Lease", "Lease name", "Leases", "Balance", "Accounts",
                 "Frozen entries", "Schedule", "Difference"]  # fmt: skip


def _drift_row(finding: drift.Finding) -> list:
    return [finding.subsidiary, finding.currency, finding.lease_code or "(all, summary entries)",
            finding.lease_name, finding.leases, finding.balance, ", ".join(finding.accounts),
            finding.frozen, finding.schedule, finding.difference]  # fmt: skip


@report_reader
def drift_view(request):
    """Books vs schedule: the closed periods' frozen balances against the leases' schedules."""
    company = request.company
    form = DriftForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "reports/drift.html", {"form": form}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    closed = AccountingPeriod.objects.filter(company=company, status=PeriodStatus.CLOSED)
    period = None
    if data.get("period"):
        period = closed.filter(start=data["period"]).first()
        if period is None:
            form.add_error("period", f"{data['period']:%b %Y} is not closed: only the entries of "
                           "closed periods are frozen. Choose a closed month.")  # fmt: skip
            return render(request, "reports/drift.html", {"form": form}, status=400)
    check = drift.books_vs_schedule(company, period)
    if period is None and check.period is not None:
        # The input shows the period compared (the last closed one), not an empty month.
        form = DriftForm(_with_defaults(request, {"period": f"{check.period.start:%Y-%m}"}))
        form.is_valid()
    fmt = data.get("format") or "html"
    if check.period is not None and fmt in ("xlsx", "csv"):
        return _drift_download(request, check, fmt)
    first = closed.order_by("start").first()
    span = Range(first.start, check.period.start) if check.period else None
    page = Paginator(check.findings, DRIFT_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for row in rows:
        row.entries_url = register_url(span, lease=row.lease_code, subsidiary=row.subsidiary)
    return _render(
        request,
        "reports/drift.html",
        {"form": form, "check": check, "page": page, "rows": rows, "span": span,
         "page_query": _query(request, page="")[:-1],
         "can_reopen": request.membership.is_company_admin},
        fmt,
    )  # fmt: skip


def _drift_download(request, check: drift.DriftCheck, fmt: str):
    label = check.period.label
    name = f"books-vs-schedule-{check.period.start:%Y%m}"
    rows = [_drift_row(f) for f in check.findings]
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        writer = csv.writer(response)
        writer.writerow(DRIFT_HEADERS)
        writer.writerows(rows)
        return response
    pending = [[p.lease_code, p.reference, p.kind, p.effective_date] for p in check.pending]
    problems = [[p.lease_code, p.message] for p in check.problems]
    return exports.xlsx_response(
        f"{name}.xlsx",
        [("Report", "Books vs schedule"), ("Company", request.company.name),
         ("At the end of", label), ("Leases compared", check.leases_checked),
         ("Balances that differ", len(check.findings))],
        [exports.Section("Differences", DRIFT_HEADERS, rows, {7, 8, 9}),
         exports.Section("Catch-ups to post", ["Lease", "Change", "Kind", "Effective"], pending),
         exports.Section("Not compared", ["Lease", "Why"], problems)],
    )  # fmt: skip
