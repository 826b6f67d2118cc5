"""REST record API for journal entries, signed independently with requests-oauthlib."""

from __future__ import annotations

import json

import pytest
import requests

from netsuite_sandbox.rest_errors import INVALID_LOGIN_DETAIL
from netsuite_sandbox.testing import Sandbox

from .conftest import journal_body

JE = "/services/rest/record/v1/journalentry"
INVALID_LOGIN_BODY = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2",
    "title": "Unauthorized",
    "status": 401,
    "o:errorDetails": [{"detail": INVALID_LOGIN_DETAIL, "o:errorCode": "INVALID_LOGIN"}],
}


def error_detail(response: requests.Response) -> dict:
    body = response.json()
    assert set(body) == {"type", "title", "status", "o:errorDetails"}
    assert body["status"] == response.status_code
    assert response.headers["Content-Type"].endswith("type=error")
    (detail,) = body["o:errorDetails"]
    return detail


def test_signed_post_creates_entry_with_204_and_location(sb: Sandbox, session) -> None:
    response = session.post(sb.base_url + JE, json=journal_body("LEASE-1"))

    assert response.status_code == 204
    assert response.content == b""
    internal_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert response.headers["Location"] == f"{sb.base_url}{JE}/{internal_id}"
    entry = sb.entry_by_external_id("LEASE-1")
    assert entry["id"] == int(internal_id)
    assert entry["postingPeriod"] == 103  # Mar 2025, found from tranDate
    assert [(line["account"], line["debit"], line["credit"]) for line in entry["lines"]] == [
        (112, "1234.56", None),
        (109, None, "1234.56"),
    ]


def test_same_request_with_one_byte_changed_is_refused(sb: Sandbox, session) -> None:
    url = sb.base_url + "/services/rest/query/v1/suiteql?limit=5&offset=0"
    prepared = session.prepare_request(
        requests.Request("POST", url, json={"q": "SELECT id FROM subsidiary"})
    )
    prepared.headers["Prefer"] = "transient"
    tampered = prepared.copy()
    tampered.url = tampered.url.replace("limit=5", "limit=6")

    refused = session.send(tampered)
    accepted = session.send(prepared)

    assert refused.status_code == 401
    assert refused.json() == INVALID_LOGIN_BODY
    assert accepted.status_code == 200
    assert sb.request_count("auth_failed") == 1


def test_replayed_nonce_is_refused(sb: Sandbox, session) -> None:
    prepared = session.prepare_request(requests.Request("GET", f"{sb.base_url}{JE}/1"))
    assert session.send(prepared).status_code == 404
    assert session.send(prepared).status_code == 401


@pytest.mark.parametrize(
    "realm",
    ["1234567_sb1", "1234567-SB1", "", "7654321_SB1"],
    ids=["lower", "hyphen", "none", "unknown"],
)
def test_wrong_realm_is_refused(sb: Sandbox, realm: str) -> None:
    auth = sb.oauth1()
    auth.client.realm = realm or None
    response = requests.get(f"{sb.base_url}{JE}/1", auth=auth)
    assert response.status_code == 401
    assert response.json() == INVALID_LOGIN_BODY


def test_hmac_sha1_is_refused(sb: Sandbox) -> None:
    from requests_oauthlib import OAuth1

    auth = OAuth1(
        sb.consumer_key,
        client_secret=sb.consumer_secret,
        resource_owner_key=sb.token_id,
        resource_owner_secret=sb.token_secret,
        signature_method="HMAC-SHA1",
        realm=sb.account_id,
    )
    assert requests.get(f"{sb.base_url}{JE}/1", auth=auth).status_code == 401


def test_netsuite_style_host_must_match_realm(sb: Sandbox, session) -> None:
    good = session.get(
        f"{sb.base_url}{JE}/1", headers={"Host": "1234567-sb1.suitetalk.api.netsuite.com"}
    )
    bad = session.get(
        f"{sb.base_url}{JE}/1", headers={"Host": "999-sb1.suitetalk.api.netsuite.com"}
    )
    assert (good.status_code, bad.status_code) == (404, 401)


def test_get_by_id_and_eid_with_expanded_lines(sb: Sandbox, session) -> None:
    location = session.post(sb.base_url + JE, json=journal_body("LEASE-7")).headers["Location"]
    internal_id = location.rsplit("/", 1)[-1]

    plain = session.get(location)
    expanded = session.get(f"{sb.base_url}{JE}/eid:LEASE-7", params={"expandSubResources": "true"})

    assert plain.status_code == 200
    assert plain.headers["Content-Type"] == "application/vnd.oracle.resource+json; type=singular"
    body = plain.json()
    assert body["id"] == internal_id
    assert body["externalId"] == "LEASE-7"
    assert body["tranId"] == f"JE{internal_id}"
    assert body["subsidiary"]["id"] == "1"
    assert body["subsidiary"]["refName"] == "Occupier Demo Inc."
    assert body["postingPeriod"]["refName"] == "Mar 2025"
    assert "items" not in body["line"]
    items = expanded.json()["line"]["items"]
    assert [(i["account"]["refName"], i.get("debit"), i.get("credit")) for i in items] == [
        ("6400 Lease expense", 1234.56, None),
        ("2310 Lease liability - operating", None, 1234.56),
    ]
    assert items[1]["entity"]["refName"] == "Acme Properties LLC"


def test_get_missing_record_is_404(sb: Sandbox, session) -> None:
    response = session.get(f"{sb.base_url}{JE}/eid:NOPE")
    assert response.status_code == 404
    assert error_detail(response) == {
        "detail": "The record instance does not exist.",
        "o:errorCode": "NONEXISTENT_ID",
    }


def test_duplicate_external_id_on_post_is_refused(sb: Sandbox, session) -> None:
    assert session.post(sb.base_url + JE, json=journal_body("DUP")).status_code == 204
    response = session.post(sb.base_url + JE, json=journal_body("DUP"))
    assert response.status_code == 400
    assert error_detail(response) == {
        "detail": "Error while accessing a resource. This entity already exists.",
        "o:errorCode": "USER_ERROR",
    }
    assert len(sb.entries()) == 1


def test_put_eid_upserts_without_duplicates(sb: Sandbox, session) -> None:
    url = f"{sb.base_url}/services/rest/record/v1/journalEntry/eid:LEASE-42"
    first = session.put(url, json=journal_body(None))
    second = session.put(url, params={"replace": "line"}, json=journal_body(None, memo="v2"))

    assert (first.status_code, second.status_code) == (204, 204)
    assert first.headers["Location"] == second.headers["Location"]
    (entry,) = sb.entries()
    assert entry["externalId"] == "LEASE-42"
    assert entry["memo"] == "v2"
    assert len(entry["lines"]) == 2


def test_put_update_without_replace_appends_lines(sb: Sandbox, session) -> None:
    url = f"{sb.base_url}{JE}/eid:LEASE-43"
    session.put(url, json=journal_body(None))
    assert session.put(url, json=journal_body(None)).status_code == 204
    (entry,) = sb.entries()
    assert len(entry["lines"]) == 4
    assert entry["totalDebit"] == "2469.12"


def _lines(*items: dict) -> dict:
    return {"items": list(items)}


DEBIT = {"account": {"id": "112"}, "debit": 100}
CREDIT = {"account": {"id": "109"}, "credit": 100}
VALIDATION_CASES = {
    "unknown subsidiary": (
        {"subsidiary": {"id": "99"}},
        "INVALID_KEY_OR_REF",
        "Invalid Field Value 99 for the following field: subsidiary",
        "subsidiary",
    ),
    "inactive department": (
        {"department": {"id": "3"}},
        "INVALID_KEY_OR_REF",
        "Invalid Field Value 3 for the following field: department",
        "department",
    ),
    "department not available to subsidiary": (
        {"line": _lines(dict(DEBIT, department={"id": "4"}), CREDIT)},
        "INVALID_KEY_OR_REF",
        "Invalid Field Value 4 for the following field: department",
        "line.items[0].department",
    ),
    "location not available to subsidiary": (
        {"location": {"id": "3"}},
        "INVALID_KEY_OR_REF",
        "Invalid Field Value 3 for the following field: location",
        "location",
    ),
    "unknown account": (
        {"line": _lines(DEBIT, dict(CREDIT, account={"id": "999"}))},
        "INVALID_KEY_OR_REF",
        "Invalid Field Value 999 for the following field: account",
        "line.items[1].account",
    ),
    "inactive account": (
        {"line": _lines(dict(DEBIT, account={"id": "115"}), CREDIT)},
        "INVALID_KEY_OR_REF",
        "Invalid Field Value 115 for the following field: account",
        "line.items[0].account",
    ),
    "inactive vendor": (
        {"line": _lines(DEBIT, dict(CREDIT, entity={"id": "504"}))},
        "INVALID_KEY_OR_REF",
        "Invalid Field Value 504 for the following field: entity",
        "line.items[1].entity",
    ),
    "missing subsidiary and account": (
        {"subsidiary": None, "line": _lines({"debit": 100}, CREDIT)},
        "USER_ERROR",
        "Please enter value(s) for: Subsidiary, Account.",
        None,
    ),
    "no lines": (
        {"line": _lines()},
        "USER_ERROR",
        "You must enter at least one line item for this transaction.",
        "line",
    ),
    "unbalanced": (
        {"line": _lines(DEBIT, dict(CREDIT, credit=99.99))},
        "USER_ERROR",
        "The journal entry is out of balance: debits 100.00 do not equal credits 99.99.",
        "line",
    ),
    "closed period": (
        {"tranDate": "2025-01-31"},
        "USER_ERROR",
        "The accounting period Jan 2025 is closed. Post to an open period or reopen the period.",
        "postingPeriod",
    ),
    "locked period": (
        {"postingPeriod": {"id": "102"}},
        "USER_ERROR",
        "The accounting period Feb 2025 is locked for all transactions. "
        "Unlock the period or post to an open period.",
        "postingPeriod",
    ),
    "too many lines": (
        {"line": _lines(*([DEBIT, CREDIT] * 500), DEBIT)},
        "EXCEEDED_MAX_TRANS_LINES",
        "A journal entry cannot have more than 1000 lines; it has 1001.",
        "line.items",
    ),
}


@pytest.mark.parametrize(
    ("overrides", "code", "detail", "path"), VALIDATION_CASES.values(), ids=VALIDATION_CASES.keys()
)
def test_validation_errors_have_netsuite_shape(
    sb: Sandbox, session, overrides: dict, code: str, detail: str, path: str | None
) -> None:
    body = journal_body("BAD", **overrides)
    body = {k: v for k, v in body.items() if v is not None}

    response = session.post(sb.base_url + JE, json=body)

    assert response.status_code == 400
    expected = {"detail": detail, "o:errorCode": code}
    if path:
        expected["o:errorPath"] = path
    assert error_detail(response) == expected
    assert sb.entries() == []


def test_closing_a_period_through_admin_blocks_posting(sb: Sandbox, session) -> None:
    sb.update_reference("accountingperiod", 103, closed=True)
    try:
        response = session.post(sb.base_url + JE, json=journal_body("LATE"))
    finally:
        sb.update_reference("accountingperiod", 103, closed=False)
    assert response.status_code == 400
    assert "Mar 2025 is closed" in error_detail(response)["detail"]


def test_invalid_json_is_refused(sb: Sandbox, session) -> None:
    response = session.post(
        sb.base_url + JE, data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_detail(response)["o:errorCode"] == "INVALID_CONTENT"


def test_journal_page_shows_the_entry(sb: Sandbox, session) -> None:
    location = session.post(sb.base_url + JE, json=journal_body("PAGE-1")).headers["Location"]
    internal_id = location.rsplit("/", 1)[-1]

    page = requests.get(sb.journal_url(internal_id))
    missing = requests.get(sb.journal_url(999999))

    assert page.status_code == 200
    assert f"Journal Entry JE{internal_id}" in page.text
    assert "PAGE-1" in page.text
    assert "6400 Lease expense" in page.text
    assert "1234.56" in page.text
    assert missing.status_code == 404


def test_list_endpoint_pages_ids(sb: Sandbox, session) -> None:
    for n in range(3):
        session.post(sb.base_url + JE, json=journal_body(f"L{n}"))
    body = session.get(sb.base_url + JE, params={"limit": 2}).json()
    assert (body["count"], body["hasMore"], body["totalResults"]) == (2, True, 3)
    assert json.dumps(body["links"]).count('"next"') == 1
