"""/metrics: what an operator scrapes, and only from the monitoring server's address."""

import re

import pytest
import responses
from django.test import Client

from integrations.models import SyncRun, SyncStatus
from integrations.netsuite.credentials import NetSuiteCredentials
from integrations.netsuite.errors import AuthenticationError
from integrations.netsuite.limiter import LocalConcurrencyLimiter
from integrations.netsuite.rest import RestClient
from tests.integrations.factories import close_first_period

KEYS = {k: k[0] * 64 for k in ("consumer_key", "consumer_secret", "token_id", "token_secret")}


def scrape() -> str:
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def value(text: str, name: str, labels: str = "") -> float:
    pattern = re.escape(name + (f"{{{labels}}}" if labels else "")) + r" ([0-9.e+]+)"
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


def test_metrics_are_refused_to_other_addresses(db):
    assert Client(REMOTE_ADDR="203.0.113.7").get("/metrics").status_code == 403


def test_syncs_by_outcome_come_from_the_ledger(personas):
    period = close_first_period(personas.company)
    SyncRun.objects.create(
        company=personas.company, period=period, close_version=1, status=SyncStatus.COMPLETED
    )
    SyncRun.objects.create(
        company=personas.company, period=period, close_version=1, status=SyncStatus.FAILED
    )
    text = scrape()
    assert value(text, "occupier_sync_runs", 'outcome="completed"') == 1
    assert value(text, "occupier_sync_runs", 'outcome="failed"') == 1
    assert value(text, "occupier_sync_runs", 'outcome="in_progress"') == 0
    assert "django_http_requests_total_by_method_total" in text


@responses.activate
def test_netsuite_status_codes_latency_and_limiter_waits_are_counted(db):
    base = "https://1234567-sb1.suitetalk.api.netsuite.com"
    suiteql = f"{base}/services/rest/query/v1/suiteql"
    responses.post(suiteql, json={"items": [], "hasMore": False, "count": 0, "offset": 0})
    responses.post(suiteql, status=401, json={"o:errorDetails": [{"detail": "Invalid login"}]})
    before = scrape()
    client = RestClient(
        NetSuiteCredentials.from_input(account_id="1234567_SB1", **KEYS),
        limiter=LocalConcurrencyLimiter(2),
    )
    client.suiteql_page("SELECT id FROM subsidiary")
    with pytest.raises(AuthenticationError):
        client.suiteql_page("SELECT id FROM subsidiary")
    after = scrape()
    for status in ("200", "401"):
        name, labels = "occupier_netsuite_requests_total", f'status="{status}"'
        assert value(after, name, labels) - value(before, name, labels) == 1
    for name in (
        "occupier_netsuite_request_seconds_count",
        "occupier_netsuite_limiter_wait_seconds_count",
    ):
        assert value(after, name) - value(before, name) == 2
    assert "occupier_queue_depth" in after
