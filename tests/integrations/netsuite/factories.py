"""Small builders for journal entries used across the client tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from integrations.netsuite.payload import JournalEntryData, JournalLineData


def make_entry(external_id: str = "LEASE-42-2025-01", **overrides) -> JournalEntryData:
    """A balanced two-line lease entry: rent expense against the lease liability."""
    fields = {
        "external_id": external_id,
        "subsidiary_id": "3",
        "currency_id": "1",
        "tran_date": date(2025, 1, 31),
        "memo": "Lease L-42 January 2025",
        "posting_period_id": "245",
        "lines": (
            JournalLineData(
                account_id="611",
                debit=Decimal("1250.10"),
                credit=None,
                memo="Interest",
                department_id="12",
                class_id="7",
                location_id="2",
                entity_id="88",
            ),
            JournalLineData(
                account_id="240", debit=None, credit=Decimal("1250.1"), memo="Liability"
            ),
        ),
    }
    fields.update(overrides)
    return JournalEntryData(**fields)
