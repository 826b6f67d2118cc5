"""The client over real HTTP against the NetSuite simulator (REST and SOAP)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest

from integrations.netsuite.client import NetSuiteClient
from integrations.netsuite.credentials import NetSuiteCredentials
from integrations.netsuite.errors import (
    AuthenticationError,
    RecordValidationError,
    WsdlUnavailableError,
)
from integrations.netsuite.limiter import LocalConcurrencyLimiter
from integrations.netsuite.payload import JournalEntryData, JournalLineData
from integrations.netsuite.retry import RetryPolicy
from integrations.netsuite.soap import MAX_RECORDS_PER_LIST

testing = pytest.importorskip("netsuite_sandbox.testing")
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sb(tmp_path_factory):
    with testing.running_sandbox(tmp_path_factory.mktemp("sandbox")) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def clean(sb):
    sb.reset()


def make_client(sb, transport: str = "rest", **overrides) -> NetSuiteClient:
    creds = NetSuiteCredentials.from_input(
        account_id=sb.account_id,
        consumer_key=overrides.pop("consumer_key", sb.consumer_key),
        consumer_secret=sb.consumer_secret,
        token_id=sb.token_id,
        token_secret=overrides.pop("token_secret", sb.token_secret),
    )
    return NetSuiteClient(
        creds,
        transport=transport,
        base_url=sb.base_url,  # SOAP reads the WSDL the simulator serves there
        retry_policy=RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.05),
        timeout_s=10,
        **overrides,
    )


def entry(external_id: str, amount: str = "1250.10", department_id: str | None = "1"):
    return JournalEntryData(
        external_id=external_id,
        subsidiary_id="1",
        currency_id="1",
        tran_date=date(2025, 6, 30),
        memo="Lease L-42 June 2025",
        lines=(
            JournalLineData(
                "103", Decimal(amount), None, memo="Prepaid", department_id=department_id
            ),
            JournalLineData("107", None, Decimal(amount), memo="Liability"),
        ),
    )


def test_rest_upsert_then_replay_updates_without_duplicating(sb):
    client = make_client(sb)
    first = client.upsert_journal_entry(entry("SIM-REST-1"))
    again = client.upsert_journal_entry(entry("SIM-REST-1", amount="99.99"))
    assert first.internal_id and again.internal_id == first.internal_id
    stored = [e for e in sb.entries() if e.get("external_id", e.get("externalId")) == "SIM-REST-1"]
    assert len(stored) == 1
    back = client.get_journal_entry(external_id="SIM-REST-1")
    assert back.internal_id == first.internal_id
    assert [ln.debit for ln in back.lines] == [Decimal("99.99"), None]
    assert client.get_journal_entry(internal_id=first.internal_id).external_id == "SIM-REST-1"


def test_soap_upsert_and_upsert_list(sb):
    client = make_client(sb, "soap")
    one = client.upsert_journal_entry(entry("SIM-SOAP-1"))
    assert one.ok and one.internal_id
    results = client.upsert_journal_entries(
        [entry("SIM-SOAP-1"), entry("SIM-SOAP-2"), entry("SIM-SOAP-3", department_id="999")]
    )
    assert [r.external_id for r in results] == ["SIM-SOAP-1", "SIM-SOAP-2", "SIM-SOAP-3"]
    assert results[0].internal_id == one.internal_id
    assert results[1].ok
    assert not results[2].ok and isinstance(results[2].error, RecordValidationError)
    assert sb.entry_by_external_id("SIM-SOAP-2") is not None
    assert sb.entry_by_external_id("SIM-SOAP-3") is None


def test_suiteql_paging_and_verify(sb):
    client = make_client(sb)
    rows = client.suiteql("SELECT id, acctnumber FROM account", page_size=3)
    assert len(rows) > 3
    assert len({r["id"] for r in rows}) == len(rows)
    result = client.verify_connection()
    assert result.account_id == "1234567_SB1" and result.account_kind == "Sandbox 1"


def test_bad_token_is_an_authentication_error_and_not_retried(sb):
    client = make_client(sb, token_secret="0" * 64)
    before = sb.request_count()
    with pytest.raises(AuthenticationError):
        client.verify_connection()
    assert sb.request_count() - before == 1
    assert sb.entries() == []


def test_soap_verify_loads_the_wsdl_from_the_simulator_and_a_bad_base_url_says_so(sb):
    assert make_client(sb, "soap").verify_connection().account_id == "1234567_SB1"

    client = make_client(sb, "soap")
    client.soap.wsdl = sb.base_url + "/wsdl/v2023_2_0/missing.wsdl"
    with pytest.raises(WsdlUnavailableError) as caught:
        client.upsert_journal_entry(entry("SIM-SOAP-9"))
    assert "(HTTP 404)" in str(caught.value)
    assert sb.entries() == []


def test_soap_batches_in_flight_together_stay_under_the_limit_and_fail_only_bad_records(sb):
    """What the worker will do: upsertList calls of 200 from threads, one limiter slot each."""
    limit_before = sb.set_faults()["concurrency_limit"]
    sb.set_faults(latency_ms=50, concurrency_limit=2)
    limiter = LocalConcurrencyLimiter(2)
    entries = [
        entry(f"SIM-B-{n:03d}", department_id="999" if n in (7, 404) else "1") for n in range(450)
    ]
    chunks = [entries[i : i + MAX_RECORDS_PER_LIST] for i in range(0, 450, MAX_RECORDS_PER_LIST)]
    clients = [make_client(sb, "soap", limiter=limiter) for _ in chunks]

    try:
        with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
            batches = list(pool.map(lambda c, e: c.upsert_journal_entries(e), clients, chunks))
            # A replay of the whole run (a lost answer, a killed worker) updates, never adds.
            list(pool.map(lambda c, e: c.upsert_journal_entries(e), clients, chunks))
    finally:
        sb.set_faults(concurrency_limit=limit_before)  # the limit outlives a reset

    results = [r for batch in batches for r in batch]
    assert [r.external_id for r in results] == [e.external_id for e in entries]
    assert [r.external_id for r in results if not r.ok] == ["SIM-B-007", "SIM-B-404"]
    assert all(isinstance(r.error, RecordValidationError) for r in results if not r.ok)
    stored = sb.entries()
    assert len(stored) == len({e["externalId"] for e in stored}) == 448
    log = sb.requests(limit=0)
    assert log["by_outcome"] == {"ok": 6}  # 3 calls twice; none refused for concurrency
