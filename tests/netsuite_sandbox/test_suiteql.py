"""SuiteQL subset: parser and executor over the store, and the REST endpoint's shape."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from netsuite_sandbox import journal, suiteql
from netsuite_sandbox.store import Store
from netsuite_sandbox.testing import Sandbox

from .conftest import journal_body

ACCOUNT = "1234567_SB1"
SUITEQL = "/services/rest/query/v1/suiteql"


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


def test_accounts_by_number(store: Store) -> None:
    rows = run(
        store,
        "SELECT id, acctnumber, acctname, accttype, isinactive FROM account "
        "WHERE acctnumber IN ('2310', '6400') ORDER BY acctnumber",
    )
    assert rows == [
        {
            "id": "109",
            "acctnumber": "2310",
            "acctname": "Lease liability - operating",
            "accttype": "LongTermLiab",
            "isinactive": "F",
        },
        {
            "id": "112",
            "acctnumber": "6400",
            "acctname": "Lease expense",
            "accttype": "Expense",
            "isinactive": "F",
        },
    ]


def test_departments_show_inactive_flag_and_subsidiaries(store: Store) -> None:
    rows = run(store, "SELECT id, name, isinactive, subsidiary FROM department")
    assert rows[2] == {"id": "3", "name": "Legacy Ops", "isinactive": "T", "subsidiary": "1, 2"}
    assert rows[3]["subsidiary"] == "2"


def test_subsidiary_by_name_and_cheap_verify(store: Store) -> None:
    assert run(store, "SELECT id, name FROM subsidiary WHERE name = 'Occupier Demo UK Ltd'") == [
        {"id": "2", "name": "Occupier Demo UK Ltd"}
    ]
    assert run(store, "SELECT 1 AS ok FROM subsidiary")[0] == {"ok": "1"}


def test_posting_period_for_a_date(store: Store) -> None:
    rows = run(
        store,
        "SELECT id, periodname, startdate, enddate, closed, alllocked FROM accountingperiod "
        "WHERE isyear = 'F' AND isquarter = 'F' AND isadjust = 'F' "
        "AND startdate <= TO_DATE('2025-01-15', 'YYYY-MM-DD') "
        "AND enddate >= TO_DATE('2025-01-15', 'YYYY-MM-DD')",
    )
    assert rows == [
        {
            "id": "101",
            "periodname": "Jan 2025",
            "startdate": "1/1/2025",
            "enddate": "1/31/2025",
            "closed": "T",
            "alllocked": "T",
        }
    ]


def test_transactions_by_external_id_omit_nulls(store: Store) -> None:
    rows = run(
        store,
        "SELECT t.id, t.externalid, t.tranid, t.memo FROM transaction t "
        "WHERE t.recordtype = 'journalentry' AND t.externalid IN ('EXT-0', 'EXT-2', 'NOPE') "
        "ORDER BY t.id DESC",
    )
    assert [r["externalid"] for r in rows] == ["EXT-2", "EXT-0"]
    assert rows[0]["tranid"] == f"JE{rows[0]['id']}"


def test_boolean_logic_like_null_and_count(store: Store) -> None:
    assert run(
        store,
        "SELECT name FROM department WHERE (name LIKE 'Op%' OR name LIKE '%Property') "
        "AND NOT isinactive = 'T' AND parent IS NULL",
    ) == [{"name": "Operations"}, {"name": "UK Property"}]
    assert run(store, "SELECT COUNT(*) AS n FROM accountingperiod WHERE isposting = 'T'") == [
        {"n": "36"}
    ]
    assert run(store, "SELECT id FROM currency WHERE id BETWEEN 2 AND 3") == [
        {"id": "2"},
        {"id": "3"},
    ]


def test_journal_lines_and_amounts(store: Store) -> None:
    rows = run(
        store,
        "SELECT transaction, account, amount, debit, credit FROM transactionaccountingline "
        "WHERE account = 109",
    )
    assert rows[0]["amount"] == "-1234.56"
    assert "debit" not in rows[0]
    assert rows[0]["credit"] == "1234.56"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT id FROM employee", "Record 'employee' was not found."),
        ("SELECT bogus FROM account", "Field 'bogus' for record 'account' was not found."),
        ("DELETE FROM account", "expected select"),
        ("SELECT id FROM account WHERE", "Invalid or unsupported search"),
        ("SELECT id FROM account; DROP TABLE account", "Invalid or unsupported search"),
        ("SELECT id FROM account WHERE id = (SELECT 1 FROM dual)", "unexpected '('"),
    ],
)
def test_unsupported_queries_raise_netsuite_error(store: Store, query: str, message: str) -> None:
    with pytest.raises(suiteql.SuiteQLError) as info:
        run(store, query)
    assert info.value.detail.startswith(suiteql.PREFIX)
    assert message in info.value.detail


def test_endpoint_pages_with_links(sb: Sandbox, session) -> None:
    response = session.post(
        sb.base_url + SUITEQL,
        params={"limit": 10, "offset": 10},
        json={"q": "SELECT id, periodname FROM accountingperiod WHERE isposting = 'T'"},
        headers={"Prefer": "transient"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].endswith("type=collection")
    body = response.json()
    assert (body["count"], body["offset"], body["totalResults"], body["hasMore"]) == (
        10,
        10,
        36,
        True,
    )
    assert body["items"][0] == {"links": [], "id": "111", "periodname": "Nov 2025"}
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert rels["next"] == f"{sb.base_url}{SUITEQL}?limit=10&offset=20"
    assert rels["prev"] == f"{sb.base_url}{SUITEQL}?limit=10&offset=0"
    assert rels["last"] == f"{sb.base_url}{SUITEQL}?limit=10&offset=30"
    assert rels["self"] == f"{sb.base_url}{SUITEQL}?limit=10&offset=10"


def test_endpoint_errors_are_netsuite_shaped(sb: Sandbox, session) -> None:
    bad_query = session.post(
        sb.base_url + SUITEQL, json={"q": "SELECT x FROM nowhere"}, headers={"Prefer": "transient"}
    )
    bad_limit = session.post(
        sb.base_url + SUITEQL,
        params={"limit": 1001},
        json={"q": "SELECT id FROM account"},
        headers={"Prefer": "transient"},
    )
    no_prefer = session.post(sb.base_url + SUITEQL, json={"q": "SELECT id FROM account"})

    assert bad_query.status_code == 400
    assert bad_query.json()["o:errorDetails"] == [
        {
            "detail": suiteql.PREFIX + "Record 'nowhere' was not found.",
            "o:errorQueryParam": "q",
            "o:errorCode": "INVALID_PARAMETER",
        }
    ]
    assert bad_limit.status_code == 400
    assert bad_limit.json()["o:errorDetails"][0]["o:errorQueryParam"] == "limit"
    assert no_prefer.status_code == 400
    assert no_prefer.json()["o:errorDetails"][0]["o:errorHeader"] == "Prefer"
