"""Discovery: keep a copy of NetSuite's reference data (SuiteQL, paged) for pickers and pre-flight.

A refresh reads every reference table in full — they are small, and NetSuite's SuiteQL offers no
reliable "changed since" column on them — but writes only what changed: new records, changed
records, and records that disappeared (flagged with `missing_since`, never deleted, so mappings
that point at them keep working until someone fixes them and the mapping page can say why).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from integrations.models import (
    NetSuiteConnection,
    NetSuiteRecord,
    RecordType,
    ReferenceRefresh,
    RefreshStatus,
)
from integrations.netsuite.errors import NetSuiteError
from integrations.services.connection import netsuite_client

log = logging.getLogger(__name__)

PAGE_SIZE = 1000  # NetSuite's maximum SuiteQL page (API-FACTS §4)
STALE_AFTER = timedelta(minutes=20)  # a "running" refresh older than this lost its worker


@dataclass(frozen=True)
class Table:
    """One SuiteQL table: the query and which columns become our key, name and extras."""

    record_type: str
    query: str
    key: str
    name: str = ""
    extra: tuple[str, ...] = ()
    subsidiary: str = ""  # column listing the subsidiaries the record is available to


# Reference: API-FACTS §4 (tables and columns as in the Records Catalog). ORDER BY id keeps
# limit/offset paging stable while we read.
TABLES: tuple[Table, ...] = (
    Table(
        RecordType.SUBSIDIARY,
        "SELECT id, name, fullname, currency, parent, isinactive FROM subsidiary ORDER BY id",
        key="name",
        name="fullname",
        extra=("currency", "parent"),
    ),
    Table(
        RecordType.CURRENCY,
        "SELECT id, symbol, name, isinactive FROM currency ORDER BY id",
        key="symbol",
        name="name",
    ),
    Table(
        RecordType.ACCOUNT,
        "SELECT id, acctnumber, acctname, accttype, isinactive, subsidiary FROM account "
        "ORDER BY id",
        key="acctnumber",
        name="acctname",
        extra=("accttype",),
        subsidiary="subsidiary",
    ),
    Table(
        RecordType.DEPARTMENT,
        "SELECT id, name, fullname, isinactive, subsidiary, parent FROM department ORDER BY id",
        key="name",
        name="fullname",
        extra=("parent",),
        subsidiary="subsidiary",
    ),
    Table(
        RecordType.CLASS,
        "SELECT id, name, fullname, isinactive, subsidiary, parent FROM classification ORDER BY id",
        key="name",
        name="fullname",
        extra=("parent",),
        subsidiary="subsidiary",
    ),
    Table(
        RecordType.LOCATION,
        "SELECT id, name, fullname, isinactive, subsidiary, parent FROM location ORDER BY id",
        key="name",
        name="fullname",
        extra=("parent",),
        subsidiary="subsidiary",
    ),
    Table(
        RecordType.PERIOD,
        # Only months can take postings; years and quarters are summaries.
        "SELECT id, periodname, startdate, enddate, closed, alllocked, isposting, isadjust, "
        "isinactive FROM accountingperiod WHERE isyear = 'F' AND isquarter = 'F' ORDER BY id",
        key="periodname",
        extra=("startdate", "enddate", "closed", "alllocked", "isposting", "isadjust"),
    ),
    Table(
        RecordType.VENDOR,
        "SELECT id, entityid, companyname, isinactive, subsidiary FROM vendor ORDER BY id",
        key="entityid",
        name="companyname",
        subsidiary="subsidiary",
    ),
)


class RefreshNotPossible(Exception):
    """A refresh cannot start; `user_message` says why."""

    def __init__(self, user_message: str) -> None:
        self.user_message = user_message
        super().__init__(user_message)


def _enqueue(refresh_id: int) -> None:
    from integrations.tasks import refresh_reference_data_task

    refresh_reference_data_task.delay(refresh_id)


def _parse_date(value: str | None) -> str | None:
    """SuiteQL answers dates in the user's format (M/D/YYYY by default); store ISO."""
    if not value:
        return None
    for fmt in ("%m/%d/%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date().isoformat()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    return None


def _flag(value: Any) -> bool:
    return str(value).upper() in ("T", "TRUE", "1")


def _subsidiaries(value: Any) -> list[str]:
    """'1, 2' (a multi-select), '1', or nothing; internal IDs as strings."""
    if value in (None, ""):
        return []
    return sorted({part.strip() for part in str(value).split(",") if part.strip()}, key=_id_order)


def _id_order(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)


def _row_values(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """The fields of a NetSuiteRecord from one SuiteQL row."""
    extra: dict[str, Any] = {}
    for column in table.extra:
        value = row.get(column)
        if column in ("startdate", "enddate"):
            value = _parse_date(value)
        elif column in ("closed", "alllocked", "isposting", "isadjust"):
            value = _flag(value)
        extra[column] = value
    key = str(row.get(table.key) or "").strip()
    return {
        "key": key[:300],
        "name": str(row.get(table.name) or "")[:300] if table.name else "",
        "is_inactive": _flag(row.get("isinactive")),
        "subsidiary_ids": _subsidiaries(row.get(table.subsidiary)) if table.subsidiary else [],
        "extra": extra,
    }


_COMPARED = ("key", "name", "is_inactive", "subsidiary_ids", "extra")


def _store_table(company, table: Table, rows: Iterable[dict[str, Any]], now) -> dict[str, int]:
    """Upsert what changed in one table, flag what disappeared; return the counts."""
    existing = {
        r["internal_id"]: r
        for r in NetSuiteRecord.objects.filter(
            company=company, record_type=table.record_type
        ).values("internal_id", "missing_since", *_COMPARED)
    }
    seen: set[str] = set()
    changed: list[NetSuiteRecord] = []
    new = inactive = 0
    for row in rows:
        internal_id = str(row.get("id") or "")
        if not internal_id or internal_id in seen:
            continue
        seen.add(internal_id)
        values = _row_values(table, row)
        inactive += values["is_inactive"]
        before = existing.get(internal_id)
        if before is None:
            new += 1
        elif before["missing_since"] is None and all(before[f] == values[f] for f in _COMPARED):
            continue
        changed.append(
            NetSuiteRecord(
                company=company,
                record_type=table.record_type,
                internal_id=internal_id,
                missing_since=None,
                changed_at=now,
                **values,
            )
        )
    gone = [i for i, r in existing.items() if i not in seen and r["missing_since"] is None]
    with transaction.atomic():
        # One statement for new and changed rows alike; safe if two refreshes overlap.
        NetSuiteRecord.objects.bulk_create(
            changed,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["company", "record_type", "internal_id"],
            update_fields=[*_COMPARED, "missing_since", "changed_at"],
        )
        if gone:
            NetSuiteRecord.objects.filter(
                company=company, record_type=table.record_type, internal_id__in=gone
            ).update(missing_since=now, changed_at=now)
    return {
        "seen": len(seen),
        "new": new,
        "changed": len(changed) - new,
        "missing": len(gone),
        "inactive": inactive,
    }


def _fail_stale(company) -> None:
    cutoff = timezone.now() - STALE_AFTER
    ReferenceRefresh.objects.filter(
        company=company, status=RefreshStatus.RUNNING, started_at__lt=cutoff
    ).update(
        status=RefreshStatus.FAILED,
        finished_at=timezone.now(),
        message="The refresh stopped responding. Press Refresh from NetSuite to try again.",
    )


def reference_refresh_start(*, company, actor, enqueue: Callable = _enqueue) -> ReferenceRefresh:
    """Create a Running refresh and queue it after commit; one runs at a time per company."""
    connection = NetSuiteConnection.objects.filter(company=company).first()
    if connection is None or not connection.has_credentials():
        raise RefreshNotPossible(
            "NetSuite is not connected: save and verify the credentials first."
        )
    _fail_stale(company)
    try:
        with transaction.atomic():
            refresh = ReferenceRefresh.objects.create(
                company=company, started_by=actor, tables_total=len(TABLES)
            )
            audit_record(
                company=company,
                actor=actor,
                action="integration.reference_refresh",
                subject=refresh,
            )
    except IntegrityError:
        # The partial unique index: a refresh is already running; show its progress.
        return ReferenceRefresh.objects.get(company=company, status=RefreshStatus.RUNNING)
    transaction.on_commit(lambda: enqueue(refresh.pk))
    return refresh


def reference_refresh_run(
    refresh_id: int, *, client=None, page_size: int = PAGE_SIZE
) -> ReferenceRefresh | None:
    """Read every reference table and store it; progress is saved after each table."""
    refresh = (
        ReferenceRefresh.objects.select_related("company")
        .filter(pk=refresh_id, status=RefreshStatus.RUNNING)
        .first()
    )
    if refresh is None:
        return None  # gone, or finished by another execution
    company = refresh.company
    connection = NetSuiteConnection.objects.filter(company=company).first()
    if connection is None or not connection.has_credentials():
        return _finish(refresh, RefreshStatus.FAILED, "NetSuite is not connected.")
    client = client or netsuite_client(connection)
    counts: dict[str, dict[str, int]] = {}
    for done, table in enumerate(TABLES):
        ReferenceRefresh.objects.filter(pk=refresh.pk).update(current_table=table.record_type)
        try:
            rows = client.suiteql(table.query, page_size=page_size)
        except NetSuiteError as error:
            log.warning("reference refresh %s: %s failed: %r", refresh.pk, table.record_type, error)
            refresh.counts = counts
            return _finish(
                refresh,
                RefreshStatus.FAILED,
                f"Reading {table.record_type} records failed. {error.user_message()} "
                f"{error.corrective_action()}",
            )
        counts[table.record_type] = _store_table(company, table, rows, timezone.now())
        ReferenceRefresh.objects.filter(pk=refresh.pk).update(tables_done=done + 1, counts=counts)
    refresh.counts = counts
    refresh.tables_done = len(TABLES)
    return _finish(refresh, RefreshStatus.COMPLETED, "")


def _finish(refresh: ReferenceRefresh, status: str, message: str) -> ReferenceRefresh:
    with transaction.atomic():
        updated = ReferenceRefresh.objects.filter(
            pk=refresh.pk, status=RefreshStatus.RUNNING
        ).update(
            status=status,
            finished_at=timezone.now(),
            current_table="",
            counts=refresh.counts,
            message=message,
        )
        refresh.refresh_from_db()
        if updated:
            audit_record(
                company=refresh.company,
                actor=None,
                action=f"integration.reference_refresh_{status}",
                subject=refresh,
                after={"records": refresh.records_seen, "message": message[:200]},
            )
    return refresh


def reference_data_refresh(
    *, company, actor=None, client=None, page_size: int = PAGE_SIZE
) -> ReferenceRefresh:
    """Refresh now, in this process (tests, the shell, the daily task)."""
    refresh = reference_refresh_start(company=company, actor=actor, enqueue=lambda pk: None)
    return reference_refresh_run(refresh.pk, client=client, page_size=page_size) or refresh


def last_refresh(company) -> ReferenceRefresh | None:
    """The latest refresh, whatever its outcome."""
    return ReferenceRefresh.objects.filter(company=company).first()


def last_completed_refresh(company) -> ReferenceRefresh | None:
    """The latest refresh that read every table; pre-flight runs only when there is one."""
    return ReferenceRefresh.objects.filter(company=company, status=RefreshStatus.COMPLETED).first()


def companies_to_refresh() -> list[int]:
    """Companies with an enabled connection, for the daily refresh."""
    return list(
        NetSuiteConnection.objects.filter(enabled=True).values_list("company_id", flat=True)
    )


def posting_period_for(day: date, periods: Iterable[NetSuiteRecord]) -> NetSuiteRecord | None:
    """The posting period containing a date, preferring a non-adjustment period."""
    iso = day.isoformat()
    found = None
    for record in periods:
        extra = record.extra
        if not extra.get("isposting", True) or not extra.get("startdate"):
            continue
        if extra["startdate"] <= iso <= (extra.get("enddate") or iso):
            if not extra.get("isadjust"):
                return record
            found = found or record
    return found
