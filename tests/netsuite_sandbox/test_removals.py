"""DELETE of a journal entry, and NetSuite's refusals in a closed period (delete and update)."""

from __future__ import annotations

import pytest
import requests

from netsuite_sandbox.testing import Sandbox

from .conftest import journal_body

JE = "/services/rest/record/v1/journalentry"
MARCH_2025 = 103  # the fixture's posting period of journal_body's date


@pytest.fixture
def march_closed(sb: Sandbox):
    """Close March 2025 for the test, and reopen it after (reset keeps reference data)."""
    sb.update_reference("accountingperiod", MARCH_2025, closed=True)
    yield
    sb.update_reference("accountingperiod", MARCH_2025, closed=False)


def detail(response: requests.Response) -> dict:
    (item,) = response.json()["o:errorDetails"]
    return item


def test_delete_by_external_id_answers_204_and_a_second_delete_404(sb: Sandbox, session) -> None:
    assert session.put(f"{sb.base_url}{JE}/eid:E1", json=journal_body(None)).status_code == 204
    assert session.put(f"{sb.base_url}{JE}/eid:E2", json=journal_body(None)).status_code == 204

    first = session.delete(f"{sb.base_url}{JE}/eid:E1")
    again = session.delete(f"{sb.base_url}{JE}/eid:E1")

    assert (first.status_code, first.content) == (204, b"")
    assert again.status_code == 404 and detail(again)["o:errorCode"] == "NONEXISTENT_ID"
    assert [e["externalId"] for e in sb.entries()] == ["E2"]


def test_delete_by_internal_id(sb: Sandbox, session) -> None:
    created = session.put(f"{sb.base_url}{JE}/eid:E1", json=journal_body(None))
    internal_id = created.headers["Location"].rsplit("/", 1)[-1]
    assert session.delete(f"{sb.base_url}{JE}/{internal_id}").status_code == 204
    assert sb.entries() == []


def test_delete_in_a_closed_period_is_refused_and_the_entry_stays(
    sb: Sandbox, session, march_closed
) -> None:
    # Posted while March was open: close it afterwards, as an accountant closing NetSuite would.
    sb.update_reference("accountingperiod", MARCH_2025, closed=False)
    assert session.put(f"{sb.base_url}{JE}/eid:E1", json=journal_body(None)).status_code == 204
    sb.update_reference("accountingperiod", MARCH_2025, closed=True)

    refused = session.delete(f"{sb.base_url}{JE}/eid:E1")

    assert refused.status_code == 400
    assert detail(refused)["o:errorCode"] == "USER_ERROR"
    assert "Mar 2025 is closed" in detail(refused)["detail"]
    assert [e["externalId"] for e in sb.entries()] == ["E1"]


def test_update_in_a_closed_period_is_refused_even_when_moving_it_to_an_open_one(
    sb: Sandbox, session, march_closed
) -> None:
    sb.update_reference("accountingperiod", MARCH_2025, closed=False)
    assert session.put(f"{sb.base_url}{JE}/eid:E1", json=journal_body(None)).status_code == 204
    sb.update_reference("accountingperiod", MARCH_2025, closed=True)

    moved = journal_body(None, tranDate="2025-04-30", memo="moved")
    refused = session.put(f"{sb.base_url}{JE}/eid:E1?replace=line", json=moved)

    assert refused.status_code == 400
    assert "cannot update this transaction" in detail(refused)["detail"]
    (entry,) = sb.entries()
    assert (entry["tranDate"], entry["memo"]) == ("2025-03-31", "March lease expense")


def test_a_reversing_entry_in_the_first_open_period_nets_the_original_to_zero(
    sb: Sandbox, session, march_closed
) -> None:
    """NetSuite's way out of a closed period: a new entry with the lines swapped."""
    sb.update_reference("accountingperiod", MARCH_2025, closed=False)
    session.put(f"{sb.base_url}{JE}/eid:E1", json=journal_body(None))
    sb.update_reference("accountingperiod", MARCH_2025, closed=True)
    reversal = journal_body(
        None,
        tranDate="2025-04-01",
        memo="Reversal of E1",
        line={
            "items": [
                {"account": {"id": "112"}, "credit": "1234.56", "department": {"id": "1"}},
                {"account": {"id": "109"}, "debit": "1234.56", "entity": {"id": "501"}},
            ]
        },
    )
    assert session.put(f"{sb.base_url}{JE}/eid:E1:R2", json=reversal).status_code == 204
    entries = {e["externalId"]: e for e in sb.entries()}
    assert entries["E1:R2"]["postingPeriod"] == 104  # Apr 2025, the first open period after
    net: dict[int, int] = {}
    for entry in entries.values():
        for line in entry["lines"]:
            cents = round(float(line["debit"] or 0) * 100) - round(float(line["credit"] or 0) * 100)
            net[line["account"]] = net.get(line["account"], 0) + cents
    assert set(net.values()) == {0}
