"""Account balances per subsidiary with a join, SUM and GROUP BY, as the tie-out asks for them.

Joins follow NetSuite's keys: a transaction's accounting lines join its lines on both
`transaction` and `transactionline = id` ("SuiteQL: GL Impact", netsuitediagnostics.com).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from netsuite_sandbox import journal, suiteql
from netsuite_sandbox.store import Store

from .conftest import journal_body

ACCOUNT = "1234567_SB1"
BALANCES = (
    "SELECT tl.subsidiary, tal.account, SUM(tal.amount) AS balance "
    "FROM transactionaccountingline tal "
    "INNER JOIN transaction t ON t.id = tal.transaction "
    "INNER JOIN transactionline tl ON tl.transaction = tal.transaction "
    "AND tl.id = tal.transactionline "
    "WHERE tal.posting = 'T' AND tal.accountingbook = 1 AND t.postingperiod IN ({periods}) "
    "GROUP BY tl.subsidiary, tal.account ORDER BY tl.subsidiary, tal.account"
)


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    store = Store(":memory:")
    store.create_account(ACCOUNT)
    for n, day in enumerate(("2025-03-31", "2025-04-30", "2025-04-30")):
        raw = journal.parse_rest_body(journal_body(f"OURS-{n}", tranDate=day))
        store.insert_entry(ACCOUNT, journal.validate(raw, store.reference(ACCOUNT)))
    yield store
    store.close()


def run(store: Store, query: str) -> list[dict[str, str]]:
    return suiteql.execute(query, suiteql.tables(store, ACCOUNT))


def periods(store: Store) -> dict[str, str]:
    rows = run(
        store,
        "SELECT id, enddate FROM accountingperiod WHERE isyear = 'F' AND isquarter = 'F' "
        "AND enddate >= TO_DATE('2025-03-01', 'YYYY-MM-DD') "
        "AND enddate <= TO_DATE('2025-04-30', 'YYYY-MM-DD') ORDER BY enddate",
    )
    return {row["enddate"]: row["id"] for row in rows}


def test_balances_per_subsidiary_and_account_through_a_period(store: Store) -> None:
    ids = periods(store)
    assert list(ids) == ["3/31/2025", "4/30/2025"]
    both = run(store, BALANCES.format(periods=", ".join(ids.values())))
    assert both == [
        {"subsidiary": "1", "account": "109", "balance": "-3703.68"},
        {"subsidiary": "1", "account": "112", "balance": "3703.68"},
    ]
    march = run(store, BALANCES.format(periods=ids["3/31/2025"]))
    assert [Decimal(r["balance"]) for r in march] == [Decimal("-1234.56"), Decimal("1234.56")]


def test_the_join_matches_each_accounting_line_to_its_own_line(store: Store) -> None:
    rows = run(
        store,
        "SELECT tal.transaction, tal.transactionline, tl.linesequencenumber, tal.amount "
        "FROM transactionaccountingline tal JOIN transactionline tl "
        "ON tl.transaction = tal.transaction AND tl.id = tal.transactionline "
        "ORDER BY tal.transaction, tal.transactionline",
    )
    assert len(rows) == 6
    assert all(r["transactionline"] == r["linesequencenumber"] for r in rows)


def test_aggregates_without_group_by_and_over_no_rows(store: Store) -> None:
    assert run(
        store,
        "SELECT COUNT(*) AS n, SUM(amount) AS total FROM transactionaccountingline "
        "WHERE account = 112",
    ) == [{"n": "3", "total": "3703.68"}]
    # SUM over nothing is NULL, and NULLs are left out of the answer.
    assert run(
        store,
        "SELECT COUNT(*) AS n, SUM(amount) AS total FROM transactionaccountingline "
        "WHERE account = 999",
    ) == [{"n": "0"}]
    grouped = "SELECT account, SUM(amount) FROM transactionaccountingline WHERE account = 999 "
    assert run(store, grouped + "GROUP BY account") == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT account, SUM(amount) FROM transactionaccountingline", "not a GROUP BY"),
        (
            "SELECT account, debit, SUM(amount) FROM transactionaccountingline GROUP BY account",
            "not a GROUP BY",
        ),
        ("SELECT id FROM transaction WHERE SUM(exchangerate) > 1", "group function"),
        (
            "SELECT transaction FROM transactionaccountingline tal "
            "JOIN transactionline tl ON tl.transaction = tal.transaction",
            "ambiguous",
        ),
        ("SELECT * FROM transaction t JOIN transactionline tl ON tl.transaction = t.id", "name"),
        (
            "SELECT t.id FROM transaction t LEFT JOIN transactionline tl ON tl.transaction = t.id",
            "near 'LEFT'",
        ),
        ("SELECT t.id FROM transaction t JOIN employee e ON e.id = t.id", "'employee'"),
        (
            "SELECT t.bogus FROM transaction t JOIN transactionline tl ON tl.transaction = t.id",
            "Field 'bogus' for record 'transaction'",
        ),  # fmt: skip
        ("SELECT SUM(DISTINCT amount) FROM transactionaccountingline", "DISTINCT"),
        ("SELECT SUM(memo) FROM transaction", "Invalid number"),
    ],
)
def test_what_is_outside_the_subset_gets_netsuites_error(
    store: Store, query: str, message: str
) -> None:
    with pytest.raises(suiteql.SuiteQLError) as info:
        run(store, query)
    assert info.value.detail.startswith(suiteql.PREFIX)
    assert message in info.value.detail
