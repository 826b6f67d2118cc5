"""Many rows in few queries, for the list pages' query budgets and their benchmark."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from closebooks.models import AccountingPeriod, JournalEntry
from companies.models import Company
from integrations.models import SyncEntry, SyncRun
from leases.models import Lease, Subsidiary

BATCH = 2000


def bulk_leases(company: Company, subsidiary: Subsidiary, count: int, start: int = 0) -> None:
    """`count` active operating leases coded L-00000 onwards."""
    Lease.objects.bulk_create(
        [
            Lease(
                company=company,
                code=f"L-{n:05d}",
                name=f"Lease {n}",
                landlord=f"Landlord {n % 97}",
                subsidiary=subsidiary,
                currency=subsidiary.currency,
                commencement_date=date(2025, 1 + n % 12, 1),
                term_months=60 + n % 60,
                standard="asc842",
                classification="operating",
                discount_rate=Decimal("5"),
                status="active",
            )
            for n in range(start, start + count)
        ],
        batch_size=BATCH,
    )


def closed_period_with_entries(company: Company, count: int, start=date(2026, 1, 1)):
    """A closed period (close 1) holding `count` frozen entries, balanced, in one subsidiary."""
    period = AccountingPeriod.objects.create(
        company=company, start=start, status="closed", closed_at=timezone.now(), close_version=1
    )
    JournalEntry.objects.bulk_create(
        [
            JournalEntry(
                company=company,
                period=period,
                close_version=1,
                external_key=f"JE-{start:%Y%m}-L-{n:05d}",
                subsidiary="Acme US",
                currency="USD",
                tran_date=start,
                memo=f"Lease L-{n:05d} {start:%b %Y}",
                lease_code=f"L-{n:05d}",
                line_count=4,
                total_debit=Decimal(1000 + n % 900),
                total_credit=Decimal(1000 + n % 900),
            )
            for n in range(count)
        ],
        batch_size=BATCH,
    )
    return period


def run_with_entries(period: AccountingPeriod, *, failed_every: int = 7) -> SyncRun:
    """A finished sync of every entry of the period's close; every `failed_every`th one failed."""
    entries = JournalEntry.objects.filter(period=period, close_version=period.close_version)
    count = entries.count()
    failed = count // failed_every
    run = SyncRun.objects.create(
        company=period.company,
        period=period,
        close_version=period.close_version,
        status="failed" if failed else "completed",
        finished_at=timezone.now(),
        entries_total=count,
        entries_sent=count - failed,
        entries_failed=failed,
    )
    SyncEntry.objects.bulk_create(
        [
            SyncEntry(
                run=run,
                journal_entry=entry,
                external_key=entry.external_key,
                base_key=entry.external_key,
                amount=entry.total_debit,
                status="failed" if n % failed_every == failed_every - 1 else "sent",
                netsuite_internal_id="" if n % failed_every == failed_every - 1 else str(5000 + n),
                error_message="Department is not in NetSuite."
                if n % failed_every == failed_every - 1
                else "",
            )
            for n, entry in enumerate(entries.order_by("id").iterator(chunk_size=BATCH))
        ],
        batch_size=BATCH,
    )
    return run


def audit_events(company: Company, count: int, actor=None) -> None:
    """`count` audit rows of a few kinds, as the services write them."""
    kinds = ("lease.update", "period.close", "membership.flags", "mapping.save")
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                company=company,
                actor=actor,
                action=kinds[n % len(kinds)],
                subject_type="lease",
                subject_id=str(n),
                subject_label=f"L-{n:05d}",
                before={"term_months": 60},
                after={"term_months": 60 + n % 12},
                note=f"Change {n}",
            )
            for n in range(count)
        ],
        batch_size=BATCH,
    )


def queries_for(client, url: str, params: dict | None = None) -> tuple[int, str]:
    """The number of queries one page view runs, and its HTML (the page must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries), response.content.decode()
