"""What a sync reads from NetSuite first: the calendar and the period's entries, in one SuiteQL
request (UNION ALL), and in two where NetSuite refuses the compound query."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import responses

from integrations.netsuite.client import NetSuiteClient
from integrations.netsuite.credentials import NetSuiteCredentials
from integrations.netsuite.errors import AuthenticationError
from integrations.netsuite.payload import JournalEntryData, JournalLineData
from integrations.netsuite.retry import RetryPolicy
from integrations.services import diff
from integrations.services.diff import (
    NetSuitePeriod,
    read_netsuite,
    read_netsuite_calendar,
    read_netsuite_entries,
)

PREFIX = "ACME-2026-01-"
SUITEQL = "https://123456.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql"
JAN_2026 = NetSuitePeriod("113", "Jan 2026", date(2026, 1, 1), date(2026, 1, 31), False)


def answered_client() -> NetSuiteClient:
    """A client of account 123456 (what `responses` answers), trying each call once."""
    creds = NetSuiteCredentials.from_input(
        account_id="123456",
        consumer_key="a" * 64,
        consumer_secret="b" * 64,
        token_id="c" * 64,
        token_secret="d" * 64,
    )
    return NetSuiteClient(creds, retry_policy=RetryPolicy(max_attempts=1))


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    """No account has refused the one-query read yet in this process."""
    monkeypatch.setattr(diff, "_read_in_two", set())


def simulator_client(sandbox) -> NetSuiteClient:
    creds = NetSuiteCredentials.from_input(
        account_id=sandbox.account_id,
        consumer_key=sandbox.consumer_key,
        consumer_secret=sandbox.consumer_secret,
        token_id=sandbox.token_id,
        token_secret=sandbox.token_secret,
    )
    return NetSuiteClient(creds, base_url=sandbox.base_url, timeout_s=10)


def january_entry(external_id: str) -> JournalEntryData:
    amount = Decimal("1250.10")
    return JournalEntryData(
        external_id=external_id,
        subsidiary_id="1",
        currency_id="1",
        tran_date=date(2026, 1, 31),
        memo="Lease L-1 January 2026",
        posting_period_id="113",
        lines=(
            JournalLineData(account_id="112", debit=amount, credit=None, memo="Rent"),
            JournalLineData(account_id="109", debit=None, credit=amount, memo="Liability"),
        ),
    )


def test_one_request_reads_what_the_two_queries_read(sandbox):
    client = simulator_client(sandbox)
    sent = {
        key: client.upsert_journal_entry(january_entry(key)).internal_id
        for key in (f"{PREFIX}L-1", f"{PREFIX}L-2", "OTHER-2026-01-L-1")
    }
    before = sandbox.request_count()

    calendar, entries = read_netsuite(client, PREFIX)

    assert sandbox.request_count() - before == 1
    assert entries == {
        f"{PREFIX}L-1": (sent[f"{PREFIX}L-1"], "113"),
        f"{PREFIX}L-2": (sent[f"{PREFIX}L-2"], "113"),
    }
    assert calendar.containing(date(2026, 1, 15)) == JAN_2026
    assert calendar == read_netsuite_calendar(client)
    assert entries == read_netsuite_entries(client, PREFIX)


def test_a_period_never_sent_reads_the_calendar_alone(sandbox):
    client = simulator_client(sandbox)
    before = sandbox.request_count()

    calendar, entries = read_netsuite(client, None)

    assert sandbox.request_count() - before == 1
    assert entries == {} and calendar == read_netsuite_calendar(client)


CALENDAR_ROW = {
    "id": "113",
    "periodname": "Jan 2026",
    "startdate": "1/1/2026",
    "enddate": "1/31/2026",
    "closed": "F",
    "alllocked": "F",
    "isposting": "T",
    "isadjust": "F",
}
ENTRY_ROW = {"id": "9001", "externalid": f"{PREFIX}L-1", "postingperiod": "113"}


def collection(rows: list[dict]) -> tuple[int, dict, str]:
    body = {"links": [], "count": len(rows), "hasMore": False, "offset": 0}
    body |= {"totalResults": len(rows), "items": [{"links": [], **row} for row in rows]}
    return 200, {}, json.dumps(body)


def refusing_union(request):
    """An account whose SuiteQL refuses compound queries, as NetSuite refuses a query."""
    query = json.loads(request.body)["q"]
    if "UNION" in query:
        detail = "Invalid search query. Detailed unprocessed description follows. Search error."
        error = {"detail": detail, "o:errorQueryParam": "q", "o:errorCode": "INVALID_PARAMETER"}
        return 400, {}, json.dumps({"status": 400, "o:errorDetails": [error]})
    return collection([CALENDAR_ROW] if "accountingperiod" in query else [ENTRY_ROW])


def queries() -> list[str]:
    return [json.loads(call.request.body)["q"] for call in responses.calls]


@responses.activate
def test_where_netsuite_refuses_the_compound_query_it_reads_in_two_from_then_on():
    responses.add_callback(responses.POST, SUITEQL, callback=refusing_union)
    client = answered_client()

    first = read_netsuite(client, PREFIX)
    asked_first = queries()
    responses.calls.reset()
    second = read_netsuite(client, PREFIX)

    expected_calendar = [
        NetSuitePeriod("113", "Jan 2026", date(2026, 1, 1), date(2026, 1, 31), False)
    ]
    for calendar, entries in (first, second):
        assert calendar.periods == expected_calendar
        assert entries == {f"{PREFIX}L-1": ("9001", "113")}
    assert ["UNION ALL" in q for q in asked_first] == [True, False, False]
    assert ["UNION ALL" in q for q in queries()] == [False, False]  # not asked again


@responses.activate
def test_a_refused_login_is_not_taken_for_a_refused_query():
    responses.post(SUITEQL, status=401, json={"status": 401, "title": "Unauthorized"})
    client = answered_client()

    with pytest.raises(AuthenticationError):
        read_netsuite(client, PREFIX)

    assert len(responses.calls) == 1
    assert diff._read_in_two == set()
