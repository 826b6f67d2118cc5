"""The Integration column of Closed Periods and the NetSuite pre-flight of the close preview.

Registered in closebooks' registry from IntegrationsConfig.ready(), so closebooks never imports
integrations.
"""

from __future__ import annotations

from closebooks.plugins import (
    ClosedPeriodsColumn,
    PreviewSection,
    register_closed_periods_column,
    register_preview_section,
)
from companies.models import Permission


def integration_column(request, rows: list) -> dict:
    """Each period's latest sync and, when closed again since, what NetSuite will change."""
    from integrations.selectors import attach_latest_runs, attach_sync_plans, connection_is_enabled

    attach_sync_plans(attach_latest_runs(rows))
    return {
        "can_sync": request.membership.has(Permission.INTEGRATIONS),
        "can_send_again": request.membership.is_company_admin,
        "sync_enabled": connection_is_enabled(request.company),
    }


def preflight_section(request, period, preview) -> dict | None:
    """Check the drafts (as closing would date them), or the frozen entries, against NetSuite."""
    from integrations.selectors import connection_is_enabled
    from integrations.services.preflight import period_preflight

    if not connection_is_enabled(request.company):
        return None
    draft_entries = None if period.is_closed else preview.entries
    return {"preflight": period_preflight(period, draft_entries=draft_entries)}


def register() -> None:
    register_closed_periods_column(
        "integration",
        ClosedPeriodsColumn(
            title="Integration",
            template="closebooks/_integration_cell.html",
            prepare=integration_column,
        ),
    )
    register_preview_section(
        "netsuite_preflight",
        PreviewSection(template="integrations/_preflight.html", prepare=preflight_section),
    )
