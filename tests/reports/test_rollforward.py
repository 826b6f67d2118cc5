"""The roll-forward ties to the journals: closing equals the trial balance, opening to closing."""

from decimal import Decimal

from reports.periods import Range
from reports.selectors import rollforward, trial_balance
from tests.reports.conftest import FEB, JAN, MAR


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
