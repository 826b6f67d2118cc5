"""The current company's date format and time zone, for everything rendered in a request."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

DEFAULT_DATE_FORMAT = "j M Y"
_date_format: ContextVar[str] = ContextVar("date_format", default=DEFAULT_DATE_FORMAT)


def current_date_format() -> str:
    return _date_format.get()


@contextmanager
def company_formats(company):
    """Within the block, dates use the company's format and times its zone."""
    token = _date_format.set(company.date_format or DEFAULT_DATE_FORMAT)
    try:
        zone = ZoneInfo(company.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = None  # a zone removed from the system's database: the server's zone
    if zone is not None:
        timezone.activate(zone)
    try:
        yield
    finally:
        timezone.deactivate()
        _date_format.reset(token)
