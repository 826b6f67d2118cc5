"""The home page: what needs doing now, each item a link, each shown only to those who may act.

It reads from every app, so it lives in the project package, above them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.shortcuts import render

from closebooks.selectors import (
    attach_currency_totals,
    closed_periods_for_company,
    next_period_to_close,
    period_readiness,
)
from closebooks.services import periods_ensure
from companies.models import Permission
from companies.navigation import main_menu
from companies.permissions import member_required
from integrations.models import SyncStatus
from integrations.selectors import attach_latest_runs, connection_is_enabled, runs_for_company
from integrations.services.discovery import last_completed_refresh
from leases.change_selectors import pending_changes

# Enough to act on from the home page; the full lists are one click away.
SHOWN = 5


@dataclass
class Dashboard:
    next_period: object = None
    readiness: list = field(default_factory=list)
    unsynced: list = field(default_factory=list)
    unsynced_count: int = 0
    failed_runs: list = field(default_factory=list)
    pending_changes: list = field(default_factory=list)
    pending_count: int = 0
    last_refresh: object = None
    show_refresh: bool = False
    can_sync: bool = False
    sync_enabled: bool = False


def dashboard_for(membership) -> Dashboard:
    """The items this member may act on, read in a fixed number of queries."""
    company = membership.company
    accounting = membership.has(Permission.LEASE_ACCOUNTING)
    syncing = membership.has(Permission.INTEGRATIONS)
    settings = membership.has(Permission.INTEGRATION_SETTINGS)
    board = Dashboard(can_sync=syncing)
    if accounting:
        periods_ensure(company=company)
        board.next_period = next_period_to_close(company)
        if board.next_period is not None:
            board.readiness = period_readiness(board.next_period)
        pending = pending_changes(company)
        board.pending_count = pending.count()
        board.pending_changes = list(pending[:SHOWN])
    if accounting or syncing:
        board.sync_enabled = connection_is_enabled(company)
        closed = attach_latest_runs(attach_currency_totals(closed_periods_for_company(company)))
        waiting = [
            p for p in closed if p.latest_run is None or p.latest_run.status != SyncStatus.COMPLETED
        ]
        board.unsynced_count = len(waiting)
        board.unsynced = waiting[:SHOWN]
        board.failed_runs = list(runs_for_company(company, status=SyncStatus.FAILED)[:SHOWN])
    if accounting or settings:
        board.show_refresh = True
        board.last_refresh = last_completed_refresh(company)
    return board


@member_required()
def home(request):
    board = dashboard_for(request.membership)
    links = [link for link in main_menu(request.membership, request.path) if link.url != "/"]
    return render(request, "home.html", {"board": board, "links": links})
