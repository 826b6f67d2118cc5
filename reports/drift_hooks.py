"""Books vs schedule in the close preview: a warning, registered with closebooks' registry so
closebooks imports nothing of reports. It never blocks the close."""

from __future__ import annotations

from django.urls import reverse

from closebooks.models import AccountingPeriod, PeriodStatus
from closebooks.plugins import PreviewSection, register_preview_section
from leases.models import Lease, LeaseStatus

# Above this many active leases the preview links to the report instead of comparing every
# lease itself (the comparison measures each lease's schedule: about a second per 10,000).
PREVIEW_MAX_LEASES = 5_000


def drift_section(request, period, preview) -> dict | None:
    """The last closed period before `period`: how many leases' frozen balances differ."""
    from reports.drift import books_vs_schedule

    if period.is_closed:
        return None
    last = (
        AccountingPeriod.objects.filter(
            company_id=period.company_id, status=PeriodStatus.CLOSED, start__lt=period.start
        )
        .order_by("-start")
        .first()
    )
    if last is None:
        return None
    url = reverse("reports_drift") + f"?period={last.start:%Y-%m}"
    active = Lease.objects.filter(company_id=period.company_id, status=LeaseStatus.ACTIVE)
    if active.count() > PREVIEW_MAX_LEASES:
        return {"drift": {"period": last, "url": url, "checked": False}}
    check = books_vs_schedule(request.company, last)
    if not check.findings:
        return None
    return {
        "drift": {
            "period": last,
            "url": url,
            "checked": True,
            "leases": check.lease_count,
            "pooled": len(check.pooled),
        }
    }


def register() -> None:
    register_preview_section(
        "books_vs_schedule",
        PreviewSection(template="reports/_drift_preview.html", prepare=drift_section),
    )
