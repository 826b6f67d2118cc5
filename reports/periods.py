"""Report ranges: months, fiscal years and quarters, and which of their periods are closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from closebooks.models import AccountingPeriod, PeriodStatus
from leases.engine.dates import add_months, months_between


@dataclass(frozen=True)
class Range:
    """The months `start`..`end` (first days), inclusive."""

    start: date
    end: date

    @property
    def months(self) -> int:
        return months_between(self.start, self.end) + 1

    @property
    def end_day(self) -> date:
        """The last day of the range."""
        return date.fromordinal(add_months(self.end, 1).toordinal() - 1)

    @property
    def label(self) -> str:
        if self.start == self.end:
            return self.start.strftime("%b %Y")
        return f"{self.start:%b %Y} – {self.end:%b %Y}"


def fiscal_range(company, year: int, quarter: int | None = None) -> Range:
    """Fiscal `year` (named after the calendar year it ends in), or one quarter of it."""
    start_month = company.fiscal_year_start_month
    first = date(year if start_month == 1 else year - 1, start_month, 1)
    if quarter:
        start = add_months(first, 3 * (quarter - 1))
        return Range(start, add_months(start, 2))
    return Range(first, add_months(first, 11))


def fiscal_year_of(company, month: date) -> int:
    """The fiscal year holding `month` (named after the calendar year it ends in)."""
    start_month = company.fiscal_year_start_month
    if start_month == 1 or month.month < start_month:
        return month.year
    return month.year + 1


def periods_in(company, span: Range) -> list[AccountingPeriod]:
    """The company's periods inside the range, oldest first."""
    return list(
        AccountingPeriod.objects.filter(
            company=company, start__gte=span.start, start__lte=span.end
        ).order_by("start")
    )


def go_live_month(company) -> date | None:
    """The first day of the company's go-live month: its books start there."""
    go_live = getattr(company, "go_live_date", None)
    return go_live.replace(day=1) if go_live else None


def months_before_go_live(company, span: Range) -> Range | None:
    """The range's months before go-live (they have nothing on the books), or None."""
    first = go_live_month(company)
    if first is None or span.start >= first:
        return None
    return Range(span.start, min(span.end, add_months(first, -1)))


def unclosed_months(company, span: Range) -> list[date]:
    """Months of the range from go-live on that are not closed (missing periods count as open):
    a month before go-live is never closed, and nothing is missing from it."""
    closed = set(
        AccountingPeriod.objects.filter(
            company=company,
            start__gte=span.start,
            start__lte=span.end,
            status=PeriodStatus.CLOSED,
        ).values_list("start", flat=True)
    )
    first = go_live_month(company) or span.start
    months = (add_months(span.start, i) for i in range(span.months))
    return [month for month in months if month >= first and month not in closed]
