"""REST client: exactly what is sent, and every error shape NetSuite answers with."""

from __future__ import annotations

import json
import logging
import random
import re
from decimal import Decimal
from urllib.parse import unquote

import pytest
import requests
import responses

from integrations.netsuite.errors import (
    AuthenticationError,
    InvalidJournalEntryError,
    NetSuiteConnectionError,
    NetSuiteTimeoutError,
    PermissionDeniedError,
    QueryTooLargeError,
    RateLimitedError,
    RecordNotFoundError,
    RecordValidationError,
    TransientError,
)
from integrations.netsuite.limiter import LocalConcurrencyLimiter
from integrations.netsuite.payload import JournalLineData
from integrations.netsuite.rest import RestClient
from integrations.netsuite.retry import RetryPolicy

from .conftest import ORACLE_CONSUMER_SECRET, ORACLE_TOKEN_ID, ORACLE_TOKEN_SECRET
from .factories import make_entry

BASE = "https://123456.suitetalk.api.netsuite.com"
RECORD = f"{BASE}/services/rest/record/v1/journalentry"
SUITEQL = f"{BASE}/services/rest/query/v1/suiteql"


def error_body(status: int, code: str, detail: str, path: str | None = None) -> dict:
    detail_obj = {"detail": detail, "o:errorCode": code}
    if path:
        detail_obj["o:errorPath"] = path
    return {
        "type": "https://www.rfc-editor.org/rfc/rfc9110.html",
        "title": "x",
        "status": status,
        "o:errorDetails": [detail_obj],
    }


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(creds, sleeps) -> RestClient:
    nonces = iter(f"nonce{n:015d}" for n in range(1000))
    return RestClient(
        creds,
        nonce_factory=lambda: next(nonces),
        clock=lambda: 1508242306,
        sleep=sleeps.append,
        rng=random.Random(7),
        retry_policy=RetryPolicy(max_attempts=3, base_delay_s=0.5, max_delay_s=4),
    )


@responses.activate
def test_upsert_sends_exact_put_by_external_id(client):
    responses.put(
        f"{RECORD}/eid:LEASE-42-2025-01",
        status=204,
        headers={"Location": f"{RECORD}/9001"},
    )
    result = client.upsert_journal_entry(make_entry())

    assert result.internal_id == "9001"
    assert result.external_id == "LEASE-42-2025-01"
    assert result.status_code == 204 and result.transport == "rest"
    assert [a.status_code for a in result.attempts] == [204]
    (call,) = responses.calls
    request = call.request
    assert request.method == "PUT"
    assert request.url == f"{RECORD}/eid:LEASE-42-2025-01?replace=line"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    auth = request.headers["Authorization"]
    assert auth.startswith('OAuth realm="123456", ')
    assert 'oauth_signature_method="HMAC-SHA256"' in auth
    assert 'oauth_nonce="nonce000000000000000"' in auth
    assert request.body.decode() == (
        '{"externalId":"LEASE-42-2025-01","subsidiary":{"id":"3"},"tranDate":"2025-01-31",'
        '"memo":"Lease L-42 January 2025","currency":{"id":"1"},"postingPeriod":{"id":"245"},'
        '"line":{"items":[{"account":{"id":"611"},"debit":1250.10,"memo":"Interest",'
        '"entity":{"id":"88"},"department":{"id":"12"},"class":{"id":"7"},"location":{"id":"2"}},'
        '{"account":{"id":"240"},"credit":1250.10,"memo":"Liability"}]}}'
    )
    assert json.loads(request.body)["line"]["items"][0]["debit"] == 1250.1


@responses.activate
def test_upsert_signs_the_overridden_base_url_actually_called(creds):
    responses.put(
        "http://127.0.0.1:8765/services/rest/record/v1/journalentry/eid:E1",
        status=204,
        headers={"Location": "http://127.0.0.1:8765/services/rest/record/v1/journalentry/5"},
    )
    client = RestClient(creds, base_url="http://127.0.0.1:8765/")
    assert client.upsert_journal_entry(make_entry("E1")).internal_id == "5"
    assert responses.calls[0].request.url.startswith("http://127.0.0.1:8765/services/rest/")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {
                "lines": (
                    JournalLineData("1", Decimal("10.00"), None),
                    JournalLineData("2", None, Decimal("9.99")),
                )
            },
            "JE_AMOUNTS_MUST_BALANCE",
        ),
        (
            {
                "lines": (
                    JournalLineData("1", Decimal("10.005"), None),
                    JournalLineData("2", None, Decimal("10.005")),
                )
            },
            "INVALID_AMOUNT",
        ),
        (
            {
                "lines": (
                    JournalLineData("1", Decimal("10"), Decimal("10")),
                    JournalLineData("2", None, Decimal("10")),
                )
            },
            "JE_LINE_MISSING_REQD_DATA",
        ),
        (
            {
                "lines": (
                    JournalLineData("1", Decimal("-5"), None),
                    JournalLineData("2", None, Decimal("-5")),
                )
            },
            "INVALID_AMOUNT",
        ),
        (
            {"lines": tuple(JournalLineData("1", Decimal("1"), None) for _ in range(1001))},
            "EXCEEDED_MAX_TRANS_LINES",
        ),
        ({"external_id": "has space"}, "INVALID_EXTERNAL_ID"),
    ],
)
@responses.activate
def test_bad_entries_are_refused_before_anything_is_sent(client, change, code):
    with pytest.raises(InvalidJournalEntryError) as info:
        client.upsert_journal_entry(make_entry(**change))
    assert info.value.code == code
    assert len(responses.calls) == 0


@responses.activate
def test_upsert_without_location_reads_the_record_back(client):
    responses.put(f"{RECORD}/eid:E2", status=204)
    responses.get(f"{RECORD}/eid:E2?expandSubResources=true", json={"id": "77", "externalId": "E2"})
    assert client.upsert_journal_entry(make_entry("E2")).internal_id == "77"


@responses.activate
def test_get_journal_entry_by_internal_and_external_id_parses_lines(client):
    record = {
        "links": [{"rel": "self", "href": f"{RECORD}/9001"}],
        "id": "9001",
        "externalId": "LEASE-42-2025-01",
        "tranDate": "2025-01-31",
        "memo": "Lease L-42 January 2025",
        "subsidiary": {"links": [], "id": "3", "refName": "Acme UK"},
        "currency": {"links": [], "id": "1", "refName": "GBP"},
        "postingPeriod": {"links": [], "id": "245", "refName": "Jan 2025"},
        "line": {
            "links": [],
            "items": [
                {
                    "account": {"id": "611"},
                    "debit": 1250.1,
                    "memo": "Interest",
                    "department": {"id": "12"},
                },
                {"account": {"id": "240"}, "credit": 1250.1},
            ],
        },
    }
    responses.get(f"{RECORD}/9001?expandSubResources=true", json=record)
    responses.get(f"{RECORD}/eid:LEASE-42-2025-01?expandSubResources=true", json=record)

    by_id = client.get_journal_entry(internal_id="9001")
    by_eid = client.get_journal_entry(external_id="LEASE-42-2025-01")
    assert by_id == by_eid
    assert by_id.subsidiary_id == "3" and by_id.posting_period_id == "245"
    assert [ln.debit for ln in by_id.lines] == [Decimal("1250.10"), None]
    assert [ln.credit for ln in by_id.lines] == [None, Decimal("1250.10")]
    assert by_id.lines[0].department_id == "12"
    assert [c.request.method for c in responses.calls] == ["GET", "GET"]


@responses.activate
def test_get_missing_record_is_not_found(client):
    responses.get(
        f"{RECORD}/1?expandSubResources=true",
        status=404,
        json=error_body(404, "NONEXISTENT_ID", "The record instance does not exist."),
    )
    with pytest.raises(RecordNotFoundError) as info:
        client.get_journal_entry(internal_id="1")
    assert info.value.status_code == 404 and info.value.code == "NONEXISTENT_ID"
    assert len(responses.calls) == 1


@responses.activate
def test_suiteql_pages_with_signed_limit_and_offset(client):
    def page(offset, items, has_more):
        return {
            "links": [],
            "count": len(items),
            "hasMore": has_more,
            "offset": offset,
            "totalResults": 5,
            "items": [{"links": [], **i} for i in items],
        }

    responses.post(f"{SUITEQL}?limit=2&offset=0", json=page(0, [{"id": "1"}, {"id": "2"}], True))
    responses.post(f"{SUITEQL}?limit=2&offset=2", json=page(2, [{"id": "3"}, {"id": "4"}], True))
    responses.post(f"{SUITEQL}?limit=2&offset=4", json=page(4, [{"id": "5"}], False))

    rows = client.suiteql("SELECT id FROM account WHERE acctnumber = '6100'", page_size=2)
    assert rows == [{"id": str(n)} for n in range(1, 6)]
    first = responses.calls[0].request
    assert first.headers["Prefer"] == "transient"
    assert json.loads(first.body) == {"q": "SELECT id FROM account WHERE acctnumber = '6100'"}
    assert [c.request.url.split("?")[1] for c in responses.calls] == [
        "limit=2&offset=0",
        "limit=2&offset=2",
        "limit=2&offset=4",
    ]


@responses.activate
def test_suiteql_stops_at_the_page_cap(client):
    responses.post(
        re.compile(re.escape(SUITEQL) + r"\?.*"),
        json={"count": 1, "hasMore": True, "offset": 0, "items": [{"id": "1"}]},
    )
    with pytest.raises(QueryTooLargeError):
        client.suiteql("SELECT id FROM transaction", page_size=1, max_pages=3)
    assert len(responses.calls) == 3


@responses.activate
def test_verify_connection_is_a_one_row_suiteql(client):
    responses.post(
        f"{SUITEQL}?limit=1&offset=0",
        json={
            "count": 1,
            "hasMore": True,
            "offset": 0,
            "items": [{"links": [], "id": "1", "name": "Acme Group"}],
        },
    )
    result = client.verify_connection()
    assert result.account_id == "123456" and result.account_kind == "Production"
    assert "Acme Group" in result.detail
    assert len(responses.calls) == 1


LOGIN_FAILED = error_body(
    401,
    "INVALID_LOGIN",
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI.",
)


@pytest.mark.parametrize(
    ("status", "body", "error_class", "retried"),
    [
        (401, LOGIN_FAILED, AuthenticationError, False),
        (
            400,
            error_body(
                400,
                "USER_ERROR",
                "Your current role does not have permission to perform this action.",
            ),
            PermissionDeniedError,
            False,
        ),
        (
            403,
            error_body(403, "INSUFFICIENT_PERMISSION", "Permission Violation"),
            PermissionDeniedError,
            False,
        ),
        (
            429,
            error_body(
                429,
                "CONCURRENCY_LIMIT_EXCEEDED",
                "Concurrent request limit exceeded. Request blocked.",
            ),
            RateLimitedError,
            True,
        ),
        (
            500,
            error_body(500, "UNEXPECTED_ERROR", "An unexpected error occurred."),
            TransientError,
            True,
        ),
        (503, "<html>maintenance</html>", TransientError, True),
        (409, error_body(409, "CONFLICT", "Record has been changed"), TransientError, True),
        (
            400,
            error_body(
                400,
                "INVALID_KEY_OR_REF",
                "Invalid Field Value 12 for the following field: department",
                "line.items[0].department",
            ),
            RecordValidationError,
            False,
        ),
        (
            400,
            error_body(400, "USER_ERROR", "Please enter value(s) for: Subsidiary."),
            RecordValidationError,
            False,
        ),
    ],
)
@responses.activate
def test_error_shapes_map_to_typed_errors_and_retry_only_what_can_recover(
    client, sleeps, status, body, error_class, retried
):
    kwargs = {"json": body} if isinstance(body, dict) else {"body": body}
    responses.put(f"{RECORD}/eid:E3", status=status, **kwargs)
    with pytest.raises(error_class) as info:
        client.upsert_journal_entry(make_entry("E3"))
    error = info.value
    assert error.status_code == status
    assert len(responses.calls) == (3 if retried else 1)
    assert len(sleeps) == (2 if retried else 0)
    assert [a.status_code for a in error.attempts] == [status] * len(responses.calls)
    if isinstance(body, dict):
        detail = body["o:errorDetails"][0]
        assert error.code == detail["o:errorCode"]
        assert error.detail == detail["detail"]
        assert error.field_path == detail.get("o:errorPath")


@responses.activate
def test_rate_limit_then_success_backs_off_with_capped_jittered_delays(client, sleeps):
    responses.put(
        f"{RECORD}/eid:E4",
        status=429,
        json=error_body(
            429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked."
        ),
    )
    responses.put(f"{RECORD}/eid:E4", status=204, headers={"Location": f"{RECORD}/4"})
    result = client.upsert_journal_entry(make_entry("E4"))
    assert result.internal_id == "4"
    assert [a.status_code for a in result.attempts] == [429, 204]
    assert result.attempts[0].error_code == "CONCURRENCY_LIMIT_EXCEEDED"
    assert len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5
    nonces = [
        re.search(r'oauth_nonce="([^"]+)"', str(c.request.headers["Authorization"])).group(1)
        for c in responses.calls
    ]
    assert len(set(nonces)) == 2  # every attempt is signed afresh


@responses.activate
def test_timeouts_and_connection_errors_are_transient_and_retried(client, sleeps):
    responses.put(f"{RECORD}/eid:E5", body=requests.ConnectTimeout("slow"))
    responses.put(f"{RECORD}/eid:E5", body=requests.ConnectionError("reset"))
    responses.put(f"{RECORD}/eid:E5", body=requests.ReadTimeout("slow"))
    with pytest.raises(NetSuiteTimeoutError) as info:
        client.upsert_journal_entry(make_entry("E5"))
    assert [a.error_class for a in info.value.attempts] == [
        "NetSuiteTimeoutError",
        "NetSuiteConnectionError",
        "NetSuiteTimeoutError",
    ]
    assert len(sleeps) == 2


@responses.activate
def test_connection_error_class(client):
    client.retry_policy = RetryPolicy(max_attempts=1)
    responses.put(f"{RECORD}/eid:E6", body=requests.ConnectionError("refused"))
    with pytest.raises(NetSuiteConnectionError) as info:
        client.upsert_journal_entry(make_entry("E6"))
    assert info.value.retryable


@responses.activate
def test_limiter_slot_is_held_per_attempt_and_released_while_backing_off(creds):
    held: list[int] = []

    class CountingLimiter(LocalConcurrencyLimiter):
        in_use = 0

        def slot(self, key):
            outer = super().slot(key)
            limiter = self

            class _Ctx:
                def __enter__(self):
                    outer.__enter__()
                    limiter.in_use += 1

                def __exit__(self, *exc):
                    limiter.in_use -= 1
                    return outer.__exit__(*exc)

            return _Ctx()

    limiter = CountingLimiter(limit=1)
    client = RestClient(
        creds,
        limiter=limiter,
        sleep=lambda s: held.append(limiter.in_use),
        retry_policy=RetryPolicy(max_attempts=2, base_delay_s=0.01),
    )
    responses.put(f"{RECORD}/eid:E7", status=503, body="busy")
    responses.put(f"{RECORD}/eid:E7", status=204, headers={"Location": f"{RECORD}/7"})
    assert client.upsert_journal_entry(make_entry("E7")).internal_id == "7"
    assert held == [0]  # no slot held during the backoff sleep
    assert limiter.in_use == 0


@responses.activate
def test_secrets_and_authorization_never_reach_logs_errors_or_attempts(client, caplog):
    caplog.set_level(logging.DEBUG)
    responses.put(f"{RECORD}/eid:E8", status=401, json=LOGIN_FAILED)
    with pytest.raises(AuthenticationError) as info:
        client.upsert_journal_entry(make_entry("E8"))
    auth = str(responses.calls[0].request.headers["Authorization"])
    signature = unquote(re.search(r'oauth_signature="([^"]+)"', auth).group(1))
    error = info.value
    texts = [
        caplog.text,
        str(error),
        repr(error),
        repr(error.attempts),
        error.body or "",
        error.user_message(),
        error.corrective_action(),
        repr(client),
    ]
    for text in texts:
        for secret in (
            ORACLE_CONSUMER_SECRET,
            ORACLE_TOKEN_SECRET,
            ORACLE_TOKEN_ID,
            signature,
            "OAuth realm",
            "Authorization",
        ):
            assert secret not in text
