"""The close wizard says every day in the company's date format, never 2026-03-31."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from closebooks.models import AccountingPeriod
from closebooks.services import period_close, periods_ensure
from companies.formats import company_formats
from leases.change_services import lease_change_approve, lease_change_create
from leases.forms_text import in_company_format
from leases.models import Lease
from tests.closebooks.conftest import FEB, JAN, MAR

RENT_UP = {"annual_rate": "0.06", "payments": [{"amount": "1200.00"}]}


@pytest.fixture
def day_first(books):
    """The books' company writes dates day first (31/03/2026); January is closed."""
    books.company.date_format = "d/m/Y"
    books.company.save(update_fields=["date_format"])
    periods_ensure(company=books.company, through=MAR)
    period_close(period=_period(books.company, JAN), actor=books.accountant.user)
    return books


def _period(company, start) -> AccountingPeriod:
    return AccountingPeriod.objects.get(company=company, start=start)


def _client(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_readiness_says_the_days_of_edits_and_waiting_changes_as_the_company_does(day_first):
    lease = Lease.objects.get(code="L-1")
    lease_change_create(
        lease=lease,
        actor=day_first.accountant.user,
        kind="consideration",
        effective=date(2026, 2, 15),
        details=RENT_UP,
    )
    Lease.objects.filter(code="L-2").update(
        changes_pending_since=datetime(2026, 2, 20, 9, tzinfo=ZoneInfo("UTC")),
        changes_pending_by=day_first.accountant.user,
    )
    client = _client(day_first.reviewer)
    for url in (
        reverse("close_books"),
        reverse("period_preview", args=[_period(day_first.company, FEB).pk]),
    ):
        html = client.get(url).content.decode()
        assert "effective 15/02/2026) by amy waits for approval" in html
        assert "Edited on 20/02/2026 by amy; changes not approved" in html
        assert "2026-02-15" not in html and "2026-02-20" not in html


def test_a_refused_close_says_the_changes_day_as_the_company_does(day_first):
    lease_change_create(
        lease=Lease.objects.get(code="L-1"),
        actor=day_first.accountant.user,
        kind="consideration",
        effective=date(2026, 2, 15),
        details=RENT_UP,
    )
    feb = _period(day_first.company, FEB)
    page = _client(day_first.reviewer).post(reverse("period_close", args=[feb.pk]), follow=True)
    html = page.content.decode()
    assert "change CH1 (Change in consideration, effective 15/02/2026) waits for approval" in html
    assert "2026-02-15" not in html
    feb.refresh_from_db()
    assert not feb.is_closed


def test_a_catch_up_says_why_with_the_changes_day_as_the_company_does(day_first):
    period_close(period=_period(day_first.company, FEB), actor=day_first.accountant.user)
    change = lease_change_create(
        lease=Lease.objects.get(code="L-1"),
        actor=day_first.accountant.user,
        kind="consideration",
        effective=date(2026, 2, 3),
        details=RENT_UP,
    )
    lease_change_approve(change=change, actor=day_first.reviewer.user)
    march = _period(day_first.company, MAR)
    html = _client(day_first.accountant).get(reverse("period_preview", args=[march.pk]))
    assert (
        "<p>Catch-up for lease L-1: CH1 Change in consideration effective 03/02/2026, for closed "
        "months from Feb 2026</p>"
    ) in html.content.decode()


def test_only_real_days_standing_alone_are_rewritten(books):
    with company_formats(books.company):
        assert in_company_format("The lease ended on 2026-03-31.") == (
            "The lease ended on 31 Mar 2026."
        )
        # Part of a key or a code, or not a day at all: left as written.
        for text in ("LA-7-2026-03-31-X", "key 2026-03-31a", "on 2026-13-45."):
            assert in_company_format(text) == text
