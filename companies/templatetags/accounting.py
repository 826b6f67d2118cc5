"""Numbers, dates and rates the way accounting software shows them.

{{ amount|money:"USD" }}   1,234.56 USD, negatives as (1,234.56) USD
{{ count|number }}         12,345
{{ rate|rate }}            6.5 %  (not 6.500000 %)
{{ fraction|rate:"fraction" }}  6.5 % from 0.065 (the engine's annual rates)
{{ day|company_date }}     31 Dec 2026, one format across the app
{{ day|month }}            Dec 2026, a month or period (as Period.label names it)
{{ moment|when }}          31 Dec 2026, 14:05 UTC, in the viewer's time zone, zone shown
{{ moment|when:"seconds" }} 31 Dec 2026, 14:05:09 UTC (a request log)
{% current_moment as now %}{{ now|when }}   the time of rendering, e.g. a printed page's stamp
{{ n|counted:"entry,entries" }}  1 entry, 2 entries
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date

from companies.formats import current_date_format

register = template.Library()

TIME_FORMAT = "H:i T"
SECONDS_FORMAT = "H:i:s T"
# Months are named the same way in every date format, as periods are ("Jul 2026").
MONTH_FORMAT = "M Y"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def format_amount(value, places: int = 2) -> str:
    """1234.5 → 1,234.50; negatives in parentheses; rounded half up, as in the ledger."""
    number = _decimal(value)
    if number is None:
        return ""
    quantum = Decimal(1).scaleb(-places)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.{places}f}"
    return f"({text})" if rounded < 0 else text


@register.filter
def money(value, currency: str = "") -> str:
    """An amount with two decimals, thousands separators and its currency code."""
    text = format_amount(value, 2)
    if not text:
        return "—"
    return f"{text} {currency}" if currency else text


@register.filter
def number(value, places: int = 0) -> str:
    """A count or quantity with thousands separators."""
    return format_amount(value, int(places)) or "—"


@register.filter
def rate(value, scale: str = "") -> str:
    """A percentage without trailing zeros: 6.500000 → 6.5 %; "fraction" reads 0.065 as 6.5 %."""
    number = _decimal(value)
    if number is None:
        return "—"
    if scale == "fraction":
        number *= 100
    text = format(number.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} %"


@register.filter
def company_date(value) -> str:
    """A date in the app's one format."""
    if not value:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    if not isinstance(value, date):
        return str(value)
    return format_date(value, current_date_format())


@register.filter
def month(value) -> str:
    """A month or period: Jul 2026 (never 2026-07)."""
    if not value:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    if not isinstance(value, date):
        return str(value)
    return format_date(value, MONTH_FORMAT)


@register.filter
def when(value, precision: str = "") -> str:
    """A moment in the viewer's time zone, with the zone shown; "seconds" adds the seconds."""
    if not value:
        return "—"
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    clock = SECONDS_FORMAT if precision == "seconds" else TIME_FORMAT
    return f"{format_date(local, current_date_format())}, {format_date(local, clock)}"


@register.simple_tag
def current_moment() -> datetime:
    """Now, to show with |when ({% now %} knows neither the company's format nor the zone's
    name)."""
    return timezone.now()


@register.filter
def counted(value, forms: str) -> str:
    """'1 entry' or '2 entries' from "entry,entries"; one form adds an s."""
    singular, _, plural = forms.partition(",")
    plural = plural or singular + "s"
    try:
        count = int(value)
    except (TypeError, ValueError):
        count = len(value)
    return f"{count:,} {singular if count == 1 else plural}"
