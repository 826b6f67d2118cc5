"""Go-live: the calendar starts at go-live, nothing posts before it, the go-live entry is frozen."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from closebooks.models import AccountingPeriod, JournalEntry
from closebooks.selectors import current_entries, period_preview
from closebooks.services import (
    company_go_live_set,
    period_close,
    period_reopen,
    periods_ensure,
)
from leases.models import LeaseOpeningBalance
from leases.selectors import period_postings
from tests.leases.factories import make_lease, set_up_accounting

GO_LIVE = date(2026, 7, 1)


@pytest.fixture
def portfolio(personas):
    """A company going live in Jul 2026 with leases from 2023 and 2024 and one from Aug 2026."""
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
    # A finance lease from a previous system: its balances as that system left them.
    LeaseOpeningBalance.objects.create(
        lease=fin,
        method="opening_balances",
        liability=Decimal("22675.68"),
        rou_asset=Decimal("21396.61"),
        accumulated_amortization=Decimal("21396.61"),
    )
    make_lease(company, code="NEW", commencement=date(2026, 8, 1), term_months=24)
    company_go_live_set(
        company=company, actor=personas.settings_admin.user, go_live=date(2026, 7, 15)
    )
    company.refresh_from_db()
    return personas


def _period(company, start):
    return AccountingPeriod.objects.get(company=company, start=start)


def test_the_calendar_starts_at_go_live_and_nothing_posts_before_it(portfolio):
    company = portfolio.company
    assert company.go_live_date == GO_LIVE
    periods = periods_ensure(company=company, through=date(2026, 9, 1))
    assert [p.start for p in periods] == [GO_LIVE, date(2026, 8, 1), date(2026, 9, 1)]
    assert period_postings(company, date(2026, 6, 1)).lines == []
    event = AuditEvent.objects.get(action="company.go_live")
    assert event.after["go_live_date"] == "2026-07-01"


def test_the_first_close_previews_and_freezes_a_balanced_go_live_entry_once(portfolio):
    company, actor = portfolio.company, portfolio.accountant.user
    periods_ensure(company=company, through=date(2026, 8, 1))
    july = _period(company, GO_LIVE)
    preview = period_preview(july)
    assert preview.problems == []
    golive = [e for e in preview.entries if e.external_key.startswith("LG-")]
    assert sorted(e.lease_code for e in golive) == ["OLD-FIN", "OLD-OP"]
    assert preview.balanced
    fin = next(e for e in golive if e.lease_code == "OLD-FIN")
    by_account = {(line.account_number, line.debit, line.credit) for line in fin.lines}
    # ROU at cost on the finance account, accumulated amortization on its contra account.
    assert ("1420", Decimal("42793.22"), Decimal(0)) in by_account
    assert ("1425", Decimal(0), Decimal("21396.61")) in by_account
    assert ("2320", Decimal(0), Decimal("22675.68")) in by_account

    entries = period_close(period=july, actor=actor)
    frozen = {e.external_key: e for e in entries}
    keys = sorted(k for k in frozen if k.startswith("LG-"))
    assert keys == [f"LG-{company.pk}-202607-D-OLD-FIN", f"LG-{company.pk}-202607-D-OLD-OP"]
    for key in keys:
        assert frozen[key].tran_date == GO_LIVE
        assert frozen[key].total_debit == frozen[key].total_credit > 0
    # July's own entries for the old leases are their first months after go-live, no more.
    assert f"LA-{company.pk}-202607-D-OLD-OP" in frozen
    assert all(not k.endswith("-NEW") for k in frozen)

    # August has no go-live entry; a re-close of July keeps the same go-live keys.
    august = period_close(period=_period(company, date(2026, 8, 1)), actor=actor)
    assert not any(e.external_key.startswith("LG-") for e in august)
    period_reopen(
        period=_period(company, date(2026, 8, 1)),
        actor=portfolio.settings_admin.user,
        reason="test",
    )
    period_reopen(
        period=_period(company, GO_LIVE), actor=portfolio.settings_admin.user, reason="test"
    )
    again = period_close(period=_period(company, GO_LIVE), actor=actor)
    assert sorted(e.external_key for e in again) == sorted(frozen)
    july = _period(company, GO_LIVE)
    assert current_entries(july).filter(external_key__startswith="LG-").count() == 2


def test_go_live_cannot_move_once_a_period_is_closed(portfolio):
    company = portfolio.company
    periods_ensure(company=company, through=GO_LIVE)
    period_close(period=_period(company, GO_LIVE), actor=portfolio.accountant.user)
    before = (JournalEntry.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError, match="already closed"):
        company_go_live_set(
            company=company, actor=portfolio.settings_admin.user, go_live=date(2026, 9, 1)
        )
    company.refresh_from_db()
    assert company.go_live_date == GO_LIVE
    assert (JournalEntry.objects.count(), AuditEvent.objects.count()) == before


def test_a_go_live_problem_blocks_the_first_close_with_the_reason(portfolio):
    company = portfolio.company
    LeaseOpeningBalance.objects.filter(lease__code="OLD-FIN").update(liability=Decimal("99999.00"))
    periods_ensure(company=company, through=GO_LIVE)
    with pytest.raises(ValidationError) as error:
        period_close(period=_period(company, GO_LIVE), actor=portfolio.accountant.user)
    assert "OLD-FIN: Lease terms: opening.liability: The opening liability 99,999.00" in str(
        error.value
    )
    assert not JournalEntry.objects.exists()


def test_the_go_live_page_saves_the_month_and_previews_what_comes_in(portfolio):
    from django.test import Client
    from django.urls import reverse

    admin, accountant = Client(), Client()
    admin.force_login(portfolio.settings_admin.user)
    accountant.force_login(portfolio.accountant.user)
    url = reverse("golive_settings")
    assert accountant.get(url).status_code == 403
    page = admin.get(url)
    assert page.status_code == 200
    rows = {row["code"]: row for row in page.context["rows"]}
    assert sorted(rows) == ["OLD-FIN", "OLD-OP"]
    assert rows["OLD-FIN"]["liability"] == Decimal("22675.68")
    assert rows["OLD-FIN"]["rou"] == Decimal("21396.61")
    # Every amount of a row names its currency, not only the first.
    assert '<td class="num">21,396.61 USD</td>' in page.content.decode()
    response = admin.post(url, {"go_live": "2026-09-20", "transition_method": "asc840"})
    assert response.status_code == 302
    portfolio.company.refresh_from_db()
    assert portfolio.company.go_live_date == date(2026, 9, 1)
    assert portfolio.company.transition_method == "asc840"


def test_the_lease_page_of_a_lease_brought_in_runs_from_go_live(portfolio):
    from django.test import Client
    from django.urls import reverse

    from leases.models import Lease

    amy = Client()
    amy.force_login(portfolio.accountant.user)
    lease = Lease.objects.get(code="OLD-FIN")
    page = amy.get(reverse("lease_detail", args=[lease.pk]))
    assert page.status_code == 200
    assert page.context["golive"].liability == Decimal("22675.68")
    months = page.context["months"]
    assert months[0].period == GO_LIVE and months[0].opening_liability == Decimal("22675.68")
    assert "Brought in at go-live (Jul 2026)" in page.content.decode()
    new = amy.get(reverse("lease_detail", args=[Lease.objects.get(code="NEW").pk]))
    assert new.context["golive"] is None
