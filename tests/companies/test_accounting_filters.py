"""Numbers, dates and rates the way accounting software shows them."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from companies.templatetags.accounting import (
    company_date,
    counted,
    money,
    month,
    number,
    rate,
    when,
)


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Decimal("1234567.891"), "USD", "1,234,567.89 USD"),
        (Decimal("-256271.5"), "GBP", "(256,271.50) GBP"),
        (Decimal("0.005"), "", "0.01"),  # half up, as the ledger rounds
        ("-0.004", "", "0.00"),  # rounds to zero: no parentheses around nothing
        (None, "USD", "—"),
        ("not a number", "USD", "—"),
    ],
)
def test_money(value, currency, shown):
    assert money(value, currency) == shown


def test_number_and_counts():
    assert number(12345) == "12,345"
    assert number(Decimal("-3.5"), 1) == "(3.5)"
    assert counted(1, "entry,entries") == "1 entry"
    assert counted(2, "entry,entries") == "2 entries"
    assert counted(1001, "line") == "1,001 lines"
    assert counted([1], "lease needs,leases need") == "1 lease needs"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("6.500000"), "6.5 %"), (Decimal("6"), "6 %"), (Decimal("0.125"), "0.125 %")],
)
def test_rate_drops_trailing_zeros(value, shown):
    assert rate(value) == shown


def test_one_date_format_and_times_with_their_zone(settings):
    settings.TIME_ZONE = "Europe/London"
    assert company_date(date(2026, 3, 5)) == "5 Mar 2026"
    moment = datetime(2026, 7, 1, 13, 5, tzinfo=ZoneInfo("UTC"))
    assert when(moment) == "1 Jul 2026, 14:05 BST"
    assert company_date(None) == "—" and when(None) == "—"


def test_rates_the_engine_keeps_as_fractions_read_as_percent():
    assert rate(Decimal("0.065"), "fraction") == "6.5 %"
    assert rate(None, "fraction") == "—"


def test_months_are_named_as_periods_are_whatever_the_date_format(settings):
    from companies.formats import company_formats
    from companies.models import Company

    assert month(date(2026, 7, 1)) == "Jul 2026"
    with company_formats(Company(name="X", date_format="Y-m-d")):
        assert month(date(2026, 7, 1)) == "Jul 2026"
        assert company_date(date(2026, 7, 1)) == "2026-07-01"
    assert month(None) == "—"


def test_a_request_log_shows_seconds_in_the_viewers_zone_with_the_zone(settings):
    settings.TIME_ZONE = "Europe/London"
    moment = datetime(2026, 7, 1, 13, 5, 9, tzinfo=ZoneInfo("UTC"))
    assert when(moment, "seconds") == "1 Jul 2026, 14:05:09 BST"
