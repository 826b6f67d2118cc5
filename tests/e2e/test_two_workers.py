"""Two Celery workers pulling from one queue share the NetSuite account's concurrency limit.

Each worker is a process of its own with one task at a time, so two syncs pressed together run
on different workers at once. The simulator allows 10 requests in flight for the account, so it
would accept more than our limit: it records the most it saw in flight, and that must be the
connection's limit (2), never the 4 that two workers with a limit each would reach. The limit is
shared through Redis (RedisConcurrencyLimiter); without Redis each worker has its own, which is
why production runs Redis (docs/operations.md).
"""

from datetime import date

import pytest
from django.conf import settings

from closebooks.models import AccountingPeriod
from closebooks.services import period_close, periods_ensure
from integrations.models import EntryStatus, SyncRun, SyncStatus
from tests.e2e.support import run_finished, wait_for
from tests.e2e.test_sync_worker import closed_period, press_sync

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not settings.REDIS_URL, reason="workers share the limit through Redis (REDIS_URL unset)"
    ),
]

LIMIT = 2


def two_closed_periods(personas, sandbox, transport: str) -> list[AccountingPeriod]:
    """Jan and Feb 2026 closed, twelve leases' entries in each, connected with limit 2."""
    codes = [f"HQ-{n}" for n in range(1, 13)]
    january = closed_period(personas, sandbox, codes, concurrency_limit=LIMIT, transport=transport)
    periods_ensure(company=personas.company, through=date(2026, 2, 1))
    february = AccountingPeriod.objects.get(company=personas.company, start=date(2026, 2, 1))
    period_close(period=february, actor=personas.accountant.user)
    return [january, february]


@pytest.mark.parametrize("transport", ["rest", "soap"])
def test_two_workers_on_one_queue_never_exceed_the_accounts_limit_together(
    transport, personas, sandbox, start_worker, monkeypatch
):
    monkeypatch.setenv("NETSUITE_SOAP_BATCH_SIZE", "2")  # six batches a period over SOAP
    periods = two_closed_periods(personas, sandbox, transport)
    # NetSuite itself would take 10 at once; every request takes 300 ms.
    sandbox.set_faults(latency_ms=300, concurrency_limit=10)
    workers = [start_worker(concurrency=1), start_worker(concurrency=1)]

    for period in periods:
        assert press_sync(personas.integrations_operator, period).status_code == 302
    runs = list(SyncRun.objects.filter(period__in=periods))
    # Both runs are being worked on at once, each by its own worker.
    wait_for(
        lambda: SyncRun.objects.filter(pk__in=[r.pk for r in runs]).exclude(lease_token="").count()
        == 2,
        what="both runs to be worked on at the same time",
    )
    runs = [run_finished(run) for run in runs]

    for run in runs:
        assert run.status == SyncStatus.COMPLETED, run.message
        assert (run.entries_sent, run.entries_failed) == (12, 0)
    for worker in workers:
        assert worker.log().count("Task integrations.sync_run[") >= 1  # each took one
    log = sandbox.requests(limit=0)
    assert log["refused_concurrency"] == 0
    assert log["max_inflight"] == LIMIT
    # Each entry of both periods is in NetSuite once, and our ledger links to it.
    by_key = {e["externalId"]: e for e in sandbox.entries()}
    assert len(by_key) == len(sandbox.entries()) == 24
    for run in runs:
        for entry in run.entries.all():
            assert entry.status == EntryStatus.SENT
            assert entry.netsuite_internal_id == str(by_key[entry.external_key]["id"])
