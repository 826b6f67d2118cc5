"""Portfolio import pages: upload, preview (counts, totals, every error), then import."""

from __future__ import annotations

import secrets
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from companies.models import Permission
from companies.permissions import member_required
from leases.portfolio import FileRejected, portfolio_import, portfolio_template_xlsx, read_portfolio
from occupier.cleaning import CleanForm

lease_access = member_required(Permission.LEASE_ACCOUNTING)
MAX_BYTES = 20 * 1024 * 1024  # about 10,000 leases with their streams fit in a few MB
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "portfolio_upload"


class PortfolioUploadForm(CleanForm):
    file = forms.FileField(help_text="An .xlsx workbook made from the template.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB; split the portfolio.")
        return upload


def _upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "portfolio-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


@lease_access
def portfolio_template(request):
    response = HttpResponse(portfolio_template_xlsx(request.company), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="portfolio-template.xlsx"'
    return response


@lease_access
def portfolio_upload(request):
    """Validate the workbook and show what importing it would do; nothing is saved yet."""
    form = PortfolioUploadForm(request.POST or None, request.FILES or None)
    plan, error = None, None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            plan = read_portfolio(upload, company=request.company)
        except FileRejected as rejected:
            error = str(rejected)
        else:
            if plan.ok:
                # Keep the validated file on our side; the Import button names it by a token.
                token = secrets.token_urlsafe(16)
                upload.seek(0)
                (_upload_dir() / f"{token}.xlsx").write_bytes(upload.read())
                request.session[SESSION_KEY] = {"token": token, "company": request.company.pk}
    return render(
        request,
        "leases/portfolio_import.html",
        {"form": form, "plan": plan, "error": error, "max_errors": 200},
    )


@lease_access
def portfolio_confirm(request):
    """Import the previewed workbook, all or nothing (validated again: things may have moved)."""
    if request.method != "POST":
        return redirect("portfolio_upload")
    stored = request.session.get(SESSION_KEY) or {}
    path = _upload_dir() / f"{stored.get('token', '')}.xlsx"
    if stored.get("company") != request.company.pk or not stored.get("token") or not path.exists():
        messages.error(request, "Upload the workbook again: its preview has expired.")
        return redirect("portfolio_upload")
    with path.open("rb") as handle:
        plan = read_portfolio(handle, company=request.company)
    if not plan.ok:
        messages.error(request, "The workbook no longer imports cleanly; see the errors below.")
        return render(
            request,
            "leases/portfolio_import.html",
            {"form": PortfolioUploadForm(), "plan": plan, "error": None, "max_errors": 200},
        )
    counts = portfolio_import(company=request.company, actor=request.user, plan=plan)
    path.unlink(missing_ok=True)
    request.session.pop(SESSION_KEY, None)
    messages.success(
        request,
        f"Imported {counts['leases']} leases: {counts['created']} new, {counts['updated']} "
        f"updated, {counts['unchanged']} unchanged.",
    )
    return redirect("lease_list")
