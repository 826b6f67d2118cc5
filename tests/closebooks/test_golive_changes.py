"""Changes to leases brought in at go-live: previewed, approved and closed from the go-live
balances, with catch-ups for closed months, exactly once."""

from datetime import date
from decimal import Decimal

import pytest

from closebooks.models import AccountingPeriod, JournalEntry
from closebooks.selectors import period_preview
from closebooks.services import company_go_live_set, period_close, periods_ensure
from leases.change_selectors import approved_changes_schedule
from leases.change_services import change_preview, lease_change_approve, lease_change_create
from leases.models import Lease, LeaseOpeningBalance
from leases.selectors import leases_with_terms
from tests.leases.factories import make_lease, set_up_accounting

JUL, AUG, SEP = date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)


@pytest.fixture
def live(personas):
    """Goes live in Jul 2026 with an ASC 840 operating lease from 2023 and a finance lease whose
    balances come from a previous system (accumulated amortization included)."""
    set_up_accounting(personas.company)
    company = personas.company
    make_lease(company, code="OLD-OP", commencement=date(2023, 1, 1), term_months=60)
    fin = make_lease(
        company,
        code="OLD-FIN",
        commencement=date(2024, 7, 1),
        term_months=48,
        classification="finance",
        useful_life_months=48,
    )
    LeaseOpeningBalance.objects.create(
        lease=fin,
        method="opening_balances",
        liability=Decimal("22675.68"),
        rou_asset=Decimal("21396.61"),
        accumulated_amortization=Decimal("21396.61"),
    )
    company_go_live_set(company=company, actor=personas.settings_admin.user, go_live=JUL)
    company.refresh_from_db()
    periods_ensure(company=company, through=SEP)
    return personas


def _period(company, start):
    return AccountingPeriod.objects.get(company=company, start=start)


def _lease(code):
    return leases_with_terms(Lease.objects.filter(code=code)).get()


def test_a_backdated_rent_change_posts_one_catch_up_from_the_go_live_balances(live):
    company, maker, checker = live.company, live.accountant.user, live.reviewer.user
    for start in (JUL, AUG):
        period_close(period=_period(company, start), actor=maker)
    details = {"annual_rate": "0.07", "payments": [{"amount": "1100.00"}]}
    _, event = change_preview(
        lease=_lease("OLD-OP"), kind="consideration", effective=date(2026, 8, 12), details=details
    )
    assert event.period == AUG and event.liability_after > event.liability_before
    change = lease_change_create(
        lease=_lease("OLD-OP"),
        actor=maker,
        kind="consideration",
        effective=date(2026, 8, 12),
        details=details,
    )
    lease_change_approve(change=change, actor=checker)

    schedule = approved_changes_schedule(_lease("OLD-OP"))
    assert schedule.start == JUL  # runs from go-live, nothing before it
    assert schedule.posted_months()[-1].closing_liability == 0

    preview = period_preview(_period(company, SEP))
    assert preview.problems == [] and preview.balanced
    [catch_up] = [e for e in preview.entries if e.kind == "catch_up"]
    assert catch_up.lease_code == "OLD-OP" and "2026-08-12" in catch_up.reason
    assert catch_up.total_debit == catch_up.total_credit > 0
    entries = period_close(period=_period(company, SEP), actor=maker)
    keys = [e.external_key for e in entries if e.kind == "catch_up"]
    assert keys == [f"LA-{company.pk}-202609-C-OLD-OP"]
    # The closed months kept their figures; September posts the new rent.
    assert JournalEntry.objects.filter(period__start=AUG, kind="catch_up").count() == 0
    regular = next(e for e in entries if e.kind == "periodic" and e.lease_code == "OLD-OP")
    assert any(line.credit == Decimal("1100.00") for line in regular.lines.all())


def test_terminating_a_lease_from_a_previous_system_clears_its_accumulated_amortization(live):
    company, maker, checker = live.company, live.accountant.user, live.reviewer.user
    change = lease_change_create(
        lease=_lease("OLD-FIN"),
        actor=maker,
        kind="termination",
        effective=SEP,
        details={"amount": "0.00"},
    )
    lease_change_approve(change=change, actor=checker)
    for start in (JUL, AUG):
        period_close(period=_period(company, start), actor=maker)
    entries = period_close(period=_period(company, SEP), actor=maker)
    [own] = [e for e in entries if e.kind == "change"]
    lines = {(line.account_number, line.debit, line.credit) for line in own.lines.all()}
    # Two months amortized since go-live: 21,396.61 / 24 remaining months each, rounded.
    accumulated = Decimal("21396.61") + Decimal("1783.05")
    assert ("1420", Decimal(0), Decimal("42793.22")) in lines  # the ROU at cost, off
    assert ("1425", accumulated, Decimal(0)) in lines  # all accumulated amortization, off
    assert own.total_debit == own.total_credit
    assert not [e for e in entries if e.kind == "periodic" and e.lease_code == "OLD-FIN"]


def test_the_lease_page_and_export_of_a_changed_go_live_lease_run_from_go_live(client, live):
    change = lease_change_create(
        lease=_lease("OLD-OP"),
        actor=live.accountant.user,
        kind="consideration",
        effective=SEP,
        details={"annual_rate": "0.07", "payments": [{"amount": "1100.00"}]},
    )
    lease_change_approve(change=change, actor=live.reviewer.user)
    client.force_login(live.accountant.user)
    lease = _lease("OLD-OP")
    page = client.get(f"/leases/{lease.pk}/")
    assert page.status_code == 200
    assert "CH1" in page.content.decode()
    months = page.context["months"]
    assert months[0].period == JUL  # the months shown start at go-live
    assert page.context["segment_starts"] == {SEP}
