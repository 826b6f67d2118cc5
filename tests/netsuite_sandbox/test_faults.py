"""Fault injection and governance, one test per fault mode."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from netsuite_sandbox.testing import Sandbox

from .conftest import journal_body

JE = "/services/rest/record/v1/journalentry"


def get_status(sb: Sandbox, path: str = f"{JE}/1") -> int:
    return requests.get(sb.base_url + path, auth=sb.oauth1(), timeout=5).status_code


def test_added_latency(sb: Sandbox) -> None:
    sb.set_faults(latency_ms=150)
    started = time.monotonic()
    assert get_status(sb) == 404
    assert time.monotonic() - started >= 0.15


def test_latency_is_the_time_to_answer_with_the_work_done_within_it(sb: Sandbox, session) -> None:
    sb.set_faults(latency_ms=1000)
    with ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(session.put, f"{sb.base_url}{JE}/eid:E-1", json=journal_body(None))
        while sb.entry_by_external_id("E-1") is None and not answer.done():
            time.sleep(0.01)
        # Stored while the answer still waits for its latency to pass.
        stored_before_the_answer = not answer.done()
        assert answer.result().status_code == 204

    assert stored_before_the_answer
    (put,) = sb.requests()["recent"]
    assert put["duration_ms"] >= 1000  # counted from the request's arrival


def test_latency_on_top_of_the_work_when_asked(sb: Sandbox, session) -> None:
    sb.set_faults(latency_ms=1000, latency_includes_work=0)
    with ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(session.put, f"{sb.base_url}{JE}/eid:E-1", json=journal_body(None))
        time.sleep(0.3)  # well inside the latency, which comes before the work
        stored_during_the_latency = sb.entry_by_external_id("E-1") is not None
        assert answer.result().status_code == 204

    assert not stored_during_the_latency
    assert sb.entry_by_external_id("E-1") is not None
    assert sb.requests()["recent"][0]["duration_ms"] >= 1000


def test_injected_500_is_netsuite_unexpected_error(sb: Sandbox, session) -> None:
    sb.set_faults(error_next=1)
    failed = session.post(sb.base_url + JE, json=journal_body("E-1"))
    retried = session.post(sb.base_url + JE, json=journal_body("E-1"))

    assert failed.status_code == 500
    (detail,) = failed.json()["o:errorDetails"]
    assert detail["o:errorCode"] == "UNEXPECTED_ERROR"
    assert detail["detail"].startswith("An unexpected error occurred. Error ID: ")
    assert retried.status_code == 204
    assert len(sb.entries()) == 1
    assert sb.request_count("fault_5xx") == 1


def test_injected_503_is_an_html_gateway_page(sb: Sandbox) -> None:
    sb.set_faults(error_next=1, error_status=503)
    response = requests.get(f"{sb.base_url}{JE}/1", auth=sb.oauth1(), timeout=5)
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")


def test_error_rate_is_deterministic_under_a_seed(sb: Sandbox) -> None:
    sb.set_faults(error_rate=0.5, seed=7)
    first = [get_status(sb) for _ in range(12)]
    sb.set_faults(error_rate=0.5, seed=7)
    second = [get_status(sb) for _ in range(12)]

    assert first == second
    assert set(first) == {404, 500}


def test_429_burst(sb: Sandbox, session) -> None:
    sb.set_faults(burst_429=2)
    statuses = [session.get(f"{sb.base_url}{JE}/1").status_code for _ in range(3)]
    refused = session.post(sb.base_url + JE, json=journal_body("B-1"))

    assert statuses == [429, 429, 404]
    assert refused.status_code == 204
    sb.set_faults(burst_429=1)
    body = session.get(f"{sb.base_url}{JE}/1").json()
    assert body == {
        "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
        "title": "Bad Request",
        "status": 429,
        "o:errorDetails": [
            {
                "detail": "Concurrent request limit exceeded. Request blocked.",
                "o:errorCode": "CONCURRENCY_LIMIT_EXCEEDED",
            }
        ],
    }


def test_timeout_saves_nothing(sb: Sandbox) -> None:
    sb.set_faults(timeout_next=1, timeout_seconds=0.6)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(sb.base_url + JE, json=journal_body("T-1"), auth=sb.oauth1(), timeout=0.3)
    time.sleep(0.4)  # let the hung request finish and free its concurrency slot
    assert sb.entries() == []
    assert sb.request_count("timeout") == 1


def test_commit_then_drop_saves_the_entry_but_loses_the_answer(sb: Sandbox, session) -> None:
    sb.set_faults(drop_next=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(sb.base_url + JE, json=journal_body("D-1"))
    retry = session.post(sb.base_url + JE, json=journal_body("D-1"))
    upsert = session.put(
        f"{sb.base_url}{JE}/eid:D-1", params={"replace": "line"}, json=journal_body(None)
    )

    assert sb.entry_by_external_id("D-1") is not None
    assert retry.status_code == 400  # a blind POST retry hits the duplicate check
    assert upsert.status_code == 204  # an upsert retry is safe
    assert len(sb.entries()) == 1
    assert sb.request_count("dropped") == 1


def test_concurrency_limit_refuses_excess_requests(sb: Sandbox) -> None:
    sb.set_faults(latency_ms=400, concurrency_limit=2)
    try:
        with ThreadPoolExecutor(max_workers=5) as pool:
            statuses = sorted(pool.map(lambda _: get_status(sb), range(5)))
    finally:
        sb.set_faults(concurrency_limit=5)

    assert statuses == [404, 404, 429, 429, 429]
    log = sb.requests(limit=0)
    assert log["refused_concurrency"] == 3
    assert log["inflight"] == 0


def test_faults_are_per_account(sb: Sandbox) -> None:
    other = sb.create_account("7654321")
    sb.set_faults(error_rate=1.0)
    from requests_oauthlib import OAuth1

    auth = OAuth1(
        other["consumer_key"],
        client_secret=other["consumer_secret"],
        resource_owner_key=other["token_id"],
        resource_owner_secret=other["token_secret"],
        signature_method="HMAC-SHA256",
        realm="7654321",
    )
    assert requests.get(f"{sb.base_url}{JE}/1", auth=auth, timeout=5).status_code == 404
    assert get_status(sb) == 500


def test_unknown_fault_knob_is_refused(sb: Sandbox) -> None:
    from netsuite_sandbox.testing import SandboxError

    with pytest.raises(SandboxError, match="unknown fault knob"):
        sb.set_faults(explode=True)
