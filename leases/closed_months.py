"""Which months of a company are closed, asked of whatever app closes them.

Dependencies run one way (leases ← closebooks): closebooks registers its answer from its
AppConfig.ready(), and leases asks here before it records something dated in a month that may
already be frozen. With nothing registered, no month counts as closed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

ClosedMonths = Callable[[int], set[date]]

_provider: ClosedMonths | None = None


def register_closed_months(provider: ClosedMonths) -> None:
    """`provider(company_id)` returns the first days of the company's closed months."""
    global _provider
    _provider = provider


def closed_months(company_id: int) -> set[date]:
    return _provider(company_id) if _provider else set()
