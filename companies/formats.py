"""The company's date format and the viewer's time zone, for everything rendered in a request."""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

DEFAULT_DATE_FORMAT = "j M Y"
_date_format: ContextVar[str] = ContextVar("date_format", default=DEFAULT_DATE_FORMAT)


def current_date_format() -> str:
    return _date_format.get()


def _zone(name: str) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # a zone removed from the system's database: fall back


@contextmanager
def company_formats(company, user=None):
    """Within the block, dates use the company's format and times the user's zone, else the
    company's."""
    token = _date_format.set(company.date_format or DEFAULT_DATE_FORMAT)
    zone = _zone(getattr(user, "time_zone", "")) or _zone(company.time_zone)
    # override() puts back the zone that was active before (an email rendered in a request).
    try:
        with timezone.override(zone) if zone is not None else nullcontext():
            yield
    finally:
        _date_format.reset(token)
