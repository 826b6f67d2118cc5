"""The roll-forward ties to the journals: closing equals the trial balance, opening to closing."""

from datetime import date
from decimal import Decimal

from closebooks.models import JournalEntry
from closebooks.services import company_go_live_set
from reports.periods import Range
from reports.selectors import rollforward, trial_balance
from tests.leases.factories import make_lease, set_up_accounting
from tests.reports.conftest import FEB, JAN, MAR, close_through

JUL, SEP = date(2026, 7, 1), date(2026, 9, 1)


def test_rollforward_closing_equals_the_trial_balance_of_the_posted_entries(books):
    report = rollforward(books.company, Range(JAN, MAR), group_by="lease")
    assert report.unclosed == []
    assert report.reconciliation and report.reconciles, report.differences
    (total,) = report.totals
    balances = {row.account_number: row.closing for row in trial_balance(books.company, MAR)}
    rou_accounts = ("1410", "1420", "1425")
    assert total.closing_rou == sum(balances.get(n, 0) for n in rou_accounts)
    assert total.closing_liability == -(balances["2310"] + balances.get("2320", 0))
    assert total.rou_ties and total.liability_ties
    for row in report.rows:
        assert row.rou_ties and row.liability_ties, row.label


def test_a_later_range_opens_where_the_earlier_one_closed(books):
    first = rollforward(books.company, Range(JAN, FEB)).totals[0]
    second = rollforward(books.company, Range(MAR, MAR)).totals[0]
    assert second.opening_rou == first.closing_rou
    assert second.opening_liability == first.closing_liability
    assert first.opening_rou == first.opening_liability == 0
    # Additions are the new leases' liabilities and ROU assets; none in March.
    assert first.movement.liability["additions"] > 0
    assert second.movement.liability["additions"] == 0
    assert second.movement.liability["payments"] == Decimal("-4230.15")


def test_leases_brought_in_at_go_live_open_with_their_go_live_balances(personas):
    """A company going live in Jul 2026: leases from 2023 and 2024 come in through the go-live
    entry, so they are the opening balance; only the lease commencing in August is an addition.
    The whole roll-forward still reconciles to the posted entries (go-live entry included)."""
    set_up_accounting(personas.company)
    company = personas.company
    make_lease(company, code="OLD-OP", commencement=date(2023, 1, 1), term_months=60)
    make_lease(company, code="NEW", commencement=date(2026, 8, 1), term_months=24)
    company_go_live_set(company=company, actor=personas.settings_admin.user, go_live=JUL)
    company.refresh_from_db()
    close_through(company, SEP, personas.accountant.user)

    report = rollforward(company, Range(JUL, SEP), group_by="lease")
    assert report.reconciles, report.differences
    rows = {row.key: row for row in report.rows}
    old, new = rows["OLD-OP"], rows["NEW"]
    assert old.opening_liability > 0 and old.movement.liability["additions"] == 0
    assert new.opening_liability == 0 and new.movement.liability["additions"] > 0
    assert old.liability_ties and new.liability_ties and old.rou_ties and new.rou_ties
    golive = JournalEntry.objects.filter(company=company, external_key__startswith="LG-")
    assert golive.exists()


def test_a_change_in_consideration_and_an_impairment_land_in_their_columns_and_reconcile(
    personas,
):
    """Approved changes post their own entries; the roll-forward shows them as changes and
    impairment, and still ties to the posted entries."""
    from leases.change_services import lease_change_approve, lease_change_create
    from leases.models import Lease

    set_up_accounting(personas.company)
    make_lease(personas.company, code="L-1", amount="1000.00", commencement=JAN)
    lease = Lease.objects.get(code="L-1")
    for kind, details, effective in (
        ("consideration", {"annual_rate": "0.06", "payments": [{"amount": "1200.00"}]},
         date(2026, 2, 1)),
        ("impairment", {"amount": "1000.00"}, date(2026, 3, 1)),
    ):  # fmt: skip
        change = lease_change_create(
            lease=lease, actor=personas.accountant.user, kind=kind, effective=effective,
            details=details, reason="Test",
        )  # fmt: skip
        lease_change_approve(change=change, actor=personas.reviewer.user)
    close_through(personas.company, MAR, personas.accountant.user)

    report = rollforward(personas.company, Range(JAN, MAR), group_by="lease")
    assert report.reconciles, report.differences
    (row,) = report.rows
    assert row.movement.liability["changes"] > 0  # rent up: the liability grows
    assert row.movement.rou["changes"] == row.movement.liability["changes"]
    assert row.movement.rou["impairment"] == Decimal("-1000.00")
    assert row.rou_ties and row.liability_ties
