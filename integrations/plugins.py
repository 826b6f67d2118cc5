"""The Integration column of Closed Periods, the NetSuite pre-flight of the close preview and
a journal entry's NetSuite state on its page.

Registered in closebooks' registry from IntegrationsConfig.ready(), so closebooks never imports
integrations.
"""

from __future__ import annotations

from dataclasses import replace

from closebooks.plugins import (
    ClosedPeriodsColumn,
    EntrySection,
    PreviewSection,
    register_closed_periods_column,
    register_entry_section,
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


def _next_step_before_sending(action: str, period) -> str:
    """The corrective action with the step that fits a preview, where nothing was sent and so
    nothing retries: reload it while the period is open (the check runs on the drafts), press
    Sync once it is closed. Pre-flight keeps NetSuite's own sentence for the problem itself."""
    from integrations.services.sync import with_next_step

    step = "press Sync on Closed Periods" if period.is_closed else "reload this preview"
    return with_next_step(action, step)


def preflight_section(request, period, preview) -> dict | None:
    """Check the drafts (as closing would date them), or the frozen entries, against NetSuite."""
    from integrations.selectors import connection_is_enabled
    from integrations.services.preflight import period_preflight

    if not connection_is_enabled(request.company):
        return None
    draft_entries = None if period.is_closed else preview.entries
    preflight = period_preflight(period, draft_entries=draft_entries)
    preflight.problems = [
        replace(p, corrective_action=_next_step_before_sending(p.corrective_action, period))
        for p in preflight.problems
    ]
    return {"preflight": preflight}


def entry_sync_section(request, entry) -> dict:
    """The entry's latest row in the sync ledger (None: never sent) and whether NetSuite is
    connected at all; two queries."""
    from integrations.selectors import connection_is_enabled, sync_status_by_entry

    return {
        "entry_sync": sync_status_by_entry([entry.pk]).get(entry.pk),
        "can_sync": request.membership.has(Permission.INTEGRATIONS),
        "sync_enabled": connection_is_enabled(request.company),
    }


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
    register_entry_section(
        "netsuite_status",
        EntrySection(template="closebooks/_entry_sync.html", prepare=entry_sync_section),
    )
