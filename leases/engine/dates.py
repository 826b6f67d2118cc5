"""Month arithmetic on first-of-month periods."""

from __future__ import annotations

from datetime import date


def month_start(day: date) -> date:
    """First day of the month containing `day`."""
    return day.replace(day=1)


def add_months(period: date, months: int) -> date:
    """First day of the month `months` after the month of `period`."""
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Whole calendar months from the month of `start` to the month of `end`."""
    return (end.year - start.year) * 12 + (end.month - start.month)
