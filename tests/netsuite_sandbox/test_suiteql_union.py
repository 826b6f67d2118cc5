"""UNION ALL and UNION in the simulator's SuiteQL, as Oracle SQL evaluates a compound query.

SuiteQL takes SQL-92 and Oracle SQL syntax; a compound query's rules are Oracle's (SQL Language
Reference, "The Set Operators"): the same number of columns in every SELECT, the columns named
as in the first, the operators evaluated left to right, one ORDER BY at the end by position or
by the first SELECT's column names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from netsuite_sandbox import journal, suiteql
from netsuite_sandbox.store import Store
from netsuite_sandbox.testing import Sandbox

from .conftest import journal_body

ACCOUNT = "1234567_SB1"
SUITEQL = "/services/rest/query/v1/suiteql"

# The calendar and one period's entries in one read: a column saying which, NULLs for the
# other's columns.
CALENDAR_AND_ENTRIES = (
    "SELECT 'period' AS kind, id, periodname, startdate, enddate, closed, NULL AS externalid, "
    "NULL AS postingperiod FROM accountingperiod WHERE isyear = 'F' AND isquarter = 'F' "
    "AND startdate >= TO_DATE('2026-01-01', 'YYYY-MM-DD') "
    "AND startdate <= TO_DATE('2026-02-01', 'YYYY-MM-DD') "
    "UNION ALL "
    "SELECT 'entry', id, NULL, NULL, NULL, NULL, externalid, postingperiod FROM transaction "
    "WHERE recordtype = 'journalentry' AND externalid LIKE 'EXT-%'"
)


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    store = Store(":memory:")
    store.create_account(ACCOUNT)
    for n in range(3):
        raw = journal.parse_rest_body(journal_body(f"EXT-{n}"))
        store.insert_entry(ACCOUNT, journal.validate(raw, store.reference(ACCOUNT)))
    yield store
    store.close()


def run(store: Store, query: str) -> list[dict[str, str]]:
    return suiteql.execute(query, suiteql.tables(store, ACCOUNT))


def test_union_all_appends_the_second_selects_rows_named_as_in_the_first(store: Store) -> None:
    rows = run(store, CALENDAR_AND_ENTRIES)

    assert rows == [
        {
            "kind": "period",
            "id": "113",
            "periodname": "Jan 2026",
            "startdate": "1/1/2026",
            "enddate": "1/31/2026",
            "closed": "F",
        },
        {
            "kind": "period",
            "id": "114",
            "periodname": "Feb 2026",
            "startdate": "2/1/2026",
            "enddate": "2/28/2026",
            "closed": "F",
        },
        {"kind": "entry", "id": "1001", "externalid": "EXT-0", "postingperiod": "103"},
        {"kind": "entry", "id": "1002", "externalid": "EXT-1", "postingperiod": "103"},
        {"kind": "entry", "id": "1003", "externalid": "EXT-2", "postingperiod": "103"},
    ]


def test_union_all_keeps_repeats_and_union_removes_them(store: Store) -> None:
    flags = "SELECT isinactive FROM department {op} SELECT isinactive FROM location"

    every = run(store, flags.format(op="UNION ALL"))
    distinct = run(store, flags.format(op="UNION"))

    # Departments: F, F, T, F; locations: F, F, F.
    assert [row["isinactive"] for row in every] == ["F", "F", "T", "F", "F", "F", "F"]
    assert [row["isinactive"] for row in distinct] == ["F", "T"]


def test_operators_are_evaluated_left_to_right(store: Store) -> None:
    usd = "SELECT symbol FROM currency WHERE id = 1"
    gbp = "SELECT symbol FROM currency WHERE id = 2"

    # (USD UNION ALL USD) UNION GBP: the UNION removes the repeat before it.
    assert run(store, f"{usd} UNION ALL {usd} UNION {gbp}") == [
        {"symbol": "USD"},
        {"symbol": "GBP"},
    ]
    # (USD UNION USD) UNION ALL USD: the repeat after the UNION ALL stays.
    assert run(store, f"{usd} UNION {usd} UNION ALL {usd}") == [{"symbol": "USD"}] * 2


def test_order_by_sorts_the_whole_by_position_or_first_selects_name(store: Store) -> None:
    query = "SELECT id, name FROM department UNION ALL SELECT id, name AS place FROM location"

    by_name = run(store, query + " ORDER BY name")
    by_position = run(store, query + " ORDER BY 1 DESC, 2")

    assert [row["name"] for row in by_name] == [
        "Chicago Office",
        "Facilities",
        "Legacy Ops",
        "London Office",
        "New York HQ",
        "Operations",
        "UK Property",
    ]
    assert [(row["id"], row["name"]) for row in by_position] == [
        ("4", "UK Property"),
        ("3", "Legacy Ops"),
        ("3", "London Office"),
        ("2", "Chicago Office"),
        ("2", "Facilities"),
        ("1", "New York HQ"),
        ("1", "Operations"),
    ]


def test_nulls_sort_last_ascending_over_the_whole(store: Store) -> None:
    rows = run(
        store,
        "SELECT externalid FROM transaction WHERE externalid = 'EXT-1' "
        "UNION ALL SELECT NULL FROM currency WHERE id = 1 "
        "UNION ALL SELECT externalid FROM transaction WHERE externalid = 'EXT-0' ORDER BY 1",
    )
    assert rows == [{"externalid": "EXT-0"}, {"externalid": "EXT-1"}, {}]


def test_each_select_has_its_own_tables_aliases_and_groups(store: Store) -> None:
    rows = run(
        store,
        "SELECT t.postingperiod AS period, COUNT(*) AS n FROM transaction t "
        "GROUP BY t.postingperiod "
        "UNION ALL "
        "SELECT l.id, COUNT(*) FROM department d INNER JOIN location l ON l.id = d.id "
        "WHERE d.isinactive = 'F' GROUP BY l.id "
        "ORDER BY 1 DESC",
    )
    # Three entries in period 103; departments 1 and 2 are active (3 is not), locations 1-3.
    assert rows == [
        {"period": "103", "n": "3"},
        {"period": "2", "n": "1"},
        {"period": "1", "n": "1"},
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "SELECT id, name FROM department UNION ALL SELECT id FROM location",
            "query block has incorrect number of result columns",
        ),
        (
            "SELECT id FROM department ORDER BY id UNION ALL SELECT id FROM location",
            "ORDER BY is allowed only after the last SELECT of a UNION",
        ),
        (
            "SELECT id FROM department UNION ALL SELECT id FROM location ORDER BY name",
            "ORDER BY item must be the number of a SELECT-list expression",
        ),
        (
            "SELECT d.id FROM department d UNION ALL SELECT id FROM location ORDER BY d.id",
            "ORDER BY item must be the number of a SELECT-list expression",
        ),
        (
            "SELECT id FROM department UNION ALL SELECT id FROM location ORDER BY 2",
            "ORDER BY position 2 is out of range",
        ),
        (
            "SELECT id FROM department UNION ALL SELECT bogus FROM location",
            "Field 'bogus' for record 'location' was not found.",
        ),
        ("SELECT id FROM department UNION ALL", "expected select"),
        (
            "SELECT id, name FROM department UNION ALL SELECT name, COUNT(*) FROM location",
            "not a GROUP BY expression",
        ),
    ],
)
def test_refused_compound_queries_say_why(store: Store, query: str, message: str) -> None:
    with pytest.raises(suiteql.SuiteQLError) as info:
        run(store, query)
    assert info.value.detail.startswith(suiteql.PREFIX)
    assert message in info.value.detail


def test_the_endpoint_pages_a_union_as_one_result(sb: Sandbox, session) -> None:
    query = (
        "SELECT id, periodname AS name FROM accountingperiod WHERE isposting = 'T' "
        "UNION ALL SELECT id, symbol FROM currency"
    )
    response = session.post(
        sb.base_url + SUITEQL,
        params={"limit": 10, "offset": 30},
        json={"q": query},
        headers={"Prefer": "transient"},
    )

    assert response.status_code == 200
    body = response.json()
    # 36 posting periods, then 3 currencies.
    assert (body["count"], body["totalResults"], body["hasMore"]) == (9, 39, False)
    assert body["items"][-3:] == [
        {"links": [], "id": "1", "name": "USD"},
        {"links": [], "id": "2", "name": "GBP"},
        {"links": [], "id": "3", "name": "EUR"},
    ]
