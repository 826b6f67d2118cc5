"""Readiness items that other apps add to the close, without closebooks importing them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from closebooks.models import AccountingPeriod


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to look at before closing, with a link to where it is fixed."""

    title: str
    reason: str
    url: str = ""


_checks: list[Callable[[AccountingPeriod], list[Notice]]] = []


def register(check: Callable[[AccountingPeriod], list[Notice]]) -> None:
    """Add a check run for the next period to close (apps call this from AppConfig.ready)."""
    if check not in _checks:
        _checks.append(check)


def extra_readiness(period: AccountingPeriod) -> list[Notice]:
    """Every registered check's notices for the period."""
    return [notice for check in _checks for notice in check(period)]
