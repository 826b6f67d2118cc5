"""The close preview's NetSuite pre-flight says the next step that fits: nothing was sent yet."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from closebooks.models import AccountingPeriod
from closebooks.services import period_close, periods_ensure
from integrations.models import NetSuiteConnection
from integrations.services.preflight import PreflightResult, Problem
from tests.closebooks.conftest import JAN, MAR

ACTION = "Map the lease's department to an active NetSuite department, then press Retry."


@pytest.fixture
def refused(books, monkeypatch):
    """A connected company whose pre-flight finds an inactive department on every check."""
    NetSuiteConnection.objects.create(company=books.company, enabled=True)
    periods_ensure(company=books.company, through=MAR)

    def preflight(period, *, draft_entries=None):
        problem = Problem(
            "LA-1", 1, "department", "Legacy Ops", "inactive", "Legacy Ops is inactive.", ACTION
        )
        return PreflightResult(
            checked=True,
            refreshed_at=datetime(2026, 2, 1, tzinfo=ZoneInfo("UTC")),
            entries=1,
            lines=2,
            problems=[problem],
        )

    monkeypatch.setattr("integrations.services.preflight.period_preflight", preflight)
    return books


def _preflight_box(html: str) -> str:
    start = html.index('id="preflight"')
    return html[start : html.index("</section>", start)]


def test_an_open_periods_preview_says_to_reload_it_not_to_retry(refused):
    client = Client()
    client.force_login(refused.accountant.user)
    jan = AccountingPeriod.objects.get(company=refused.company, start=JAN)
    box = _preflight_box(client.get(reverse("period_preview", args=[jan.pk])).content.decode())
    assert "Legacy Ops is inactive. Map the lease&#x27;s department to an active NetSuite " in box
    assert "department, then reload this preview." in box
    assert "Retry" not in box


def test_a_closed_periods_preview_says_to_press_sync(refused):
    jan = AccountingPeriod.objects.get(company=refused.company, start=JAN)
    period_close(period=jan, actor=refused.accountant.user)
    client = Client()
    client.force_login(refused.accountant.user)
    box = _preflight_box(client.get(reverse("period_preview", args=[jan.pk])).content.decode())
    assert "department, then press Sync on Closed Periods." in box
    assert "Retry" not in box
