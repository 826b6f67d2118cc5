"""Lease changes in the close: maker-checker, pending changes block, catch-up exactly once."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from closebooks.models import AccountingPeriod, JournalEntry
from closebooks.selectors import period_preview, period_readiness
from closebooks.services import period_close, period_reopen, periods_ensure
from leases.change_services import lease_change_approve, lease_change_create
from leases.models import Lease, LeaseChange

from .conftest import FEB, JAN, MAR

APR = date(2026, 4, 1)

RENT_UP = {"annual_rate": "0.06", "payments": [{"amount": "1200.00"}]}


def period(company, start):
    return AccountingPeriod.objects.get(company=company, start=start)


def test_a_backdated_change_posts_one_catch_up_in_the_first_open_period(books):
    periods_ensure(company=books.company, through=APR)
    period_close(period=period(books.company, JAN), actor=books.accountant.user)
    period_close(period=period(books.company, FEB), actor=books.accountant.user)
    jan_entries = list(
        JournalEntry.objects.filter(period__start=FEB).values_list("pk", "total_debit")
    )
    lease = Lease.objects.get(code="L-1")

    change = lease_change_create(
        lease=lease,
        actor=books.accountant.user,
        kind="consideration",
        effective=date(2026, 2, 15),
        details=RENT_UP,
        reason="Rent review",
    )
    # Pending: listed by the wizard and blocking February's close.
    assert any("CH1" in item.reason for item in period_readiness(period(books.company, MAR)))
    with pytest.raises(ValidationError, match="waits for approval"):
        period_close(period=period(books.company, MAR), actor=books.accountant.user)
    # Maker-checker: the maker cannot approve.
    with pytest.raises(ValidationError, match="another person"):
        lease_change_approve(change=change, actor=books.accountant.user)
    lease_change_approve(change=change, actor=books.reviewer.user)
    approval = AuditEvent.objects.get(action="lease_change.approve")
    assert approval.actor == books.reviewer.user
    assert approval.after["proposed_by"] == str(books.accountant.user)

    preview = period_preview(period(books.company, MAR))
    catch_up = [e for e in preview.entries if e.kind == "catch_up"]
    assert len(catch_up) == 1
    assert "L-1" in catch_up[0].reason and "2026-02-15" in catch_up[0].reason
    assert catch_up[0].total_debit == catch_up[0].total_credit > 0
    # The February remeasurement and February's difference are both in the catch-up.
    memos = {line.memo for line in catch_up[0].lines}
    assert any(m.startswith("Catch-up: Remeasurement: lease liability") for m in memos)
    assert any(m.startswith("Catch-up: Lease liability") for m in memos)

    period_close(period=period(books.company, MAR), actor=books.accountant.user)
    assert LeaseChange.objects.get(pk=change.pk).booking_period == MAR
    feb = JournalEntry.objects.filter(period__start=MAR, close_version=1)
    assert feb.filter(kind="catch_up").count() == 1
    key = feb.get(kind="catch_up").external_key
    assert key == f"LA-{books.company.pk}-202603-C-L-1"
    # February never moved.
    assert (
        list(JournalEntry.objects.filter(period__start=FEB).values_list("pk", "total_debit"))
        == jan_entries
    )

    # A re-close books the same catch-up under the same key, once; April has none.
    books.accountant.user.memberships.filter(company=books.company).update(is_company_admin=True)
    period_reopen(period=period(books.company, MAR), actor=books.accountant.user, reason="Check")
    period_close(period=period(books.company, MAR), actor=books.accountant.user)
    again = JournalEntry.objects.filter(period__start=MAR, close_version=2)
    assert list(again.filter(kind="catch_up").values_list("external_key", flat=True)) == [key]
    assert again.get(kind="catch_up").total_debit == feb.get(kind="catch_up").total_debit
    march = period_preview(period(books.company, APR))
    assert not [e for e in march.entries if e.kind != "periodic"]
    # From April the new rent is paid and posted in the lease's regular entry.
    l1 = next(e for e in march.entries if e.lease_code == "L-1")
    assert any(x.credit == Decimal("1200.00") for x in l1.lines)


def test_a_change_in_an_open_month_posts_its_own_entry_there(books):
    periods_ensure(company=books.company, through=MAR)
    lease = Lease.objects.get(code="L-2")
    change = lease_change_create(
        lease=lease,
        actor=books.accountant.user,
        kind="termination",
        effective=date(2026, 2, 1),
        details={"amount": "500.00"},
    )
    lease_change_approve(change=change, actor=books.reviewer.user)
    period_close(period=period(books.company, JAN), actor=books.accountant.user)
    assert not JournalEntry.objects.filter(period__start=JAN, kind="change").exists()
    preview = period_preview(period(books.company, FEB))
    own = [e for e in preview.entries if e.kind == "change"]
    assert [e.external_key for e in own] == [f"LA-{books.company.pk}-202602-M-CH1-L-2"]
    assert own[0].total_debit == own[0].total_credit
    assert not [e for e in preview.entries if e.kind == "periodic" and e.lease_code == "L-2"]


def test_the_preview_page_shows_the_catch_up_line_by_line_with_its_reason(client, books):
    periods_ensure(company=books.company, through=MAR)
    for start in (JAN, FEB):
        period_close(period=period(books.company, start), actor=books.accountant.user)
    change = lease_change_create(
        lease=Lease.objects.get(code="L-1"),
        actor=books.accountant.user,
        kind="consideration",
        effective=date(2026, 2, 3),
        details=RENT_UP,
    )
    lease_change_approve(change=change, actor=books.reviewer.user)
    client.force_login(books.accountant.user)
    march = period(books.company, MAR)
    html = client.get(reverse("period_preview", args=[march.pk])).content.decode()
    assert f"LA-{books.company.pk}-202603-C-L-1" in html
    assert "Catch-up for lease L-1: CH1 Change in consideration effective 2026-02-03" in html
    assert "Catch-up: Remeasurement: lease liability" in html


def test_an_asc842_index_review_posts_variable_cost_in_the_regular_entry_and_is_booked(books):
    periods_ensure(company=books.company, through=MAR)
    change = lease_change_create(
        lease=Lease.objects.get(code="L-3"),
        actor=books.accountant.user,
        kind="index",
        effective=MAR,
        details={"payments": [{"amount": "760.00"}]},
    )
    lease_change_approve(change=change, actor=books.reviewer.user)
    for start in (JAN, FEB, MAR):
        period_close(period=period(books.company, start), actor=books.accountant.user)
    march = JournalEntry.objects.filter(period__start=MAR)
    assert not march.exclude(kind="periodic").exists()  # not remeasured: no entry of its own
    l3 = march.get(lease_code="L-3")
    variable = l3.lines.get(memo="Variable lease cost (index review)")
    assert variable.debit == Decimal("29.85")  # 760.00 - 730.15
    assert LeaseChange.objects.get(pk=change.pk).booking_period == MAR
    assert not JournalEntry.objects.filter(
        period__start=FEB, lease_code="L-3", lines__memo__startswith="Variable"
    ).exists()
