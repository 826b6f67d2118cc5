"""The go-live entry: opening balances of the leases that commenced before go-live.

It is built like a month's entries (detail or summary, split at the line limit) and frozen with
the first close, dated the first day of the go-live month. Its keys start ``LG-`` instead of
``LA-``, so it is a NetSuite record of its own next to the month's entries and a re-close
updates it instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable

from closebooks.journal import DraftEntry, build_entries
from closebooks.models import AccountingPeriod
from leases.selectors import PostingLine, company_go_live

GOLIVE_KEY_PREFIX = "LG"


def is_golive_period(period: AccountingPeriod) -> bool:
    """Whether the period is the company's go-live month (its close posts the go-live entry)."""
    return company_go_live(period.company) == period.start


def golive_key(month_key: str) -> str:
    """The go-live twin of a month's key: same length and body, its own prefix."""
    return GOLIVE_KEY_PREFIX + month_key[2:]


def golive_entries(lines: Iterable[PostingLine], *, period: AccountingPeriod) -> list[DraftEntry]:
    """The go-live entry (or entries) in the company's granularity."""
    company = period.company
    entries = build_entries(
        lines,
        granularity=company.journal_granularity,
        company_id=company.pk,
        period=period.start,
        label=f"go-live opening balances {period.label}",
    )
    for entry in entries:
        entry.external_key = golive_key(entry.external_key)
        entry.tran_date = period.start
    return entries
