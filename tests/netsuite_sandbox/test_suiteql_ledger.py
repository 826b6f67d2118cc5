"""The general-ledger tables the tie-out reads: one table per query, as NetSuite names them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from netsuite_sandbox import journal, suiteql
from netsuite_sandbox.store import Store

from .conftest import journal_body

ACCOUNT = "1234567_SB1"


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    store = Store(":memory:")
    store.create_account(ACCOUNT)
    for n in range(3):
        raw = journal.parse_rest_body(journal_body(f"OURS-{n}"))
        store.insert_entry(ACCOUNT, journal.validate(raw, store.reference(ACCOUNT)))
    manual = journal.parse_rest_body(journal_body(None, memo="Manual true-up"))
    store.insert_entry(ACCOUNT, journal.validate(manual, store.reference(ACCOUNT)))
    yield store
    store.close()


def run(store: Store, query: str) -> list[dict[str, str]]:
    return suiteql.execute(query, suiteql.tables(store, ACCOUNT))


def test_journals_of_a_posting_period_with_and_without_external_ids(store: Store) -> None:
    (period,) = run(
        store,
        "SELECT id FROM accountingperiod WHERE isyear = 'F' AND isquarter = 'F' AND isadjust = 'F' "
        "AND startdate <= TO_DATE('2025-03-31', 'YYYY-MM-DD') "
        "AND enddate >= TO_DATE('2025-03-31', 'YYYY-MM-DD')",
    )
    rows = run(
        store,
        "SELECT id, tranid, externalid FROM transaction WHERE type = 'Journal' AND posting = 'T' "
        f"AND postingperiod = {period['id']} ORDER BY id",
    )
    assert [r.get("externalid") for r in rows] == ["OURS-0", "OURS-1", "OURS-2", None]
    assert all(r["tranid"].startswith("JE") for r in rows)


def test_posted_lines_by_transaction_and_the_subsidiary_of_each(store: Store) -> None:
    ids = [r["id"] for r in run(store, "SELECT id FROM transaction ORDER BY id")]
    lines = run(
        store,
        "SELECT transaction, transactionline, account, debit, credit FROM "
        "transactionaccountingline WHERE posting = 'T' AND accountingbook = 1 AND "
        f"transaction IN ({', '.join(ids)}) ORDER BY transaction, transactionline",
    )
    assert len(lines) == 8
    first = lines[0]
    assert (first["transaction"], first["account"], first["debit"]) == (ids[0], "112", "1234.56")
    assert "credit" not in first  # nulls are left out, as NetSuite does
    assert {line["account"] for line in lines} == {"112", "109"}
    subsidiaries = run(
        store,
        f"SELECT DISTINCT transaction, subsidiary FROM transactionline WHERE transaction IN "
        f"({', '.join(ids)})",
    )
    assert subsidiaries == [{"transaction": i, "subsidiary": "1"} for i in ids]


def test_a_long_in_list_matches_exactly_what_the_pairwise_comparison_does(store: Store) -> None:
    ids = [r["id"] for r in run(store, "SELECT id FROM transaction ORDER BY id")]
    many = ", ".join([*ids, *[str(n) for n in range(5000, 5600)]])
    as_numbers = run(store, f"SELECT id FROM transaction WHERE id IN ({many}) ORDER BY id")
    as_strings = run(
        store,
        "SELECT id FROM transaction WHERE id IN ("
        + ", ".join(f"'{i}'" for i in ids)
        + ") ORDER BY id",
    )
    mixed = run(store, f"SELECT id FROM transaction WHERE id IN ('{ids[0]}', {ids[1]}) ORDER BY id")
    assert [r["id"] for r in as_numbers] == ids
    assert [r["id"] for r in as_strings] == ids  # strings compared as numbers, as Oracle does
    assert [r["id"] for r in mixed] == ids[:2]
    keys = run(store, "SELECT externalid FROM transaction WHERE externalid IN ('OURS-1', 'NONE')")
    assert keys == [{"externalid": "OURS-1"}]


def test_a_write_is_seen_by_the_next_query_though_tables_are_kept_between_queries() -> None:
    store = Store(":memory:")
    store.create_account(ACCOUNT)
    try:
        count = "SELECT COUNT(*) AS n FROM transactionaccountingline"
        assert run(store, count) == [{"n": "0"}]
        assert run(store, count) == [{"n": "0"}]  # the kept answer
        entry = journal.validate(
            journal.parse_rest_body(journal_body("NEW-1")), store.reference(ACCOUNT)
        )
        stored = store.insert_entry(ACCOUNT, entry)
        assert run(store, count) == [{"n": "2"}]
        changed = dict(stored, lines=stored["lines"][:1] + stored["lines"][1:])
        changed["memo"] = "Edited in NetSuite"
        store.replace_entry(stored["id"], changed)
        assert run(store, "SELECT memo FROM transaction") == [{"memo": "Edited in NetSuite"}]
    finally:
        store.close()
