"""Month arithmetic on first-of-month periods, and day positions inside a month."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from fractions import Fraction


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


def days_in_month(day: date) -> int:
    """Number of days in the month containing `day`."""
    return calendar.monthrange(day.year, day.month)[1]


def add_months_to_day(day: date, months: int) -> date:
    """The same day of the month `months` later, or that month's last day when it is shorter
    (31 January + 1 month = 28 or 29 February; + 2 months = 31 March)."""
    first = add_months(day, months)
    return first.replace(day=min(day.day, days_in_month(first)))


def month_position(day: date, start: date) -> Fraction:
    """Months from the start of `start`'s month to the start of `day`, counting each day as
    1/(days in its month): the 1st of a month is a whole number, the 16th of a 30-day month
    is half a month further."""
    return months_between(start, day) + Fraction(day.day - 1, days_in_month(day))


def on_day(period: date, day: int) -> date:
    """Day `day` of the month of `period`, or that month's last day when the month is shorter."""
    return period.replace(day=min(day, days_in_month(period)))


def anniversary_end(commencement: date, term_months: int) -> date:
    """The last day of a term of `term_months` monthly anniversaries: the day before the last."""
    return add_months_to_day(commencement, term_months) - timedelta(days=1)


def term_months_through(commencement: date, end: date) -> int:
    """Months of a term from `commencement` through `end` (inclusive), a part month counted as
    one: the first n whose n-th monthly anniversary of commencement falls after `end`."""
    n = months_between(commencement, end)
    return n + 1 if add_months_to_day(commencement, n) <= end else n


def has_stubs(
    commencement: date, term_months: int, end_date: date | None, payment_day: int | None
) -> bool:
    """True when the end date or the payment day departs from the anniversary rule (the term
    ends the day before a monthly anniversary of commencement, payments fall on its day)."""
    if payment_day is not None and payment_day != commencement.day:
        return True
    return end_date is not None and end_date != anniversary_end(commencement, term_months)
