"""Benchmark: sync one closed period of 1,000 journal entries to the simulator.

The simulator answers every API request after 150 ms and allows 5 requests in flight; our
connection also sends at most 5 at once. The floor is entries × latency ÷ concurrency
(1,000 × 0.15 s ÷ 5 = 30 s); the target is within 15 % of it with no request refused for
concurrency. The run goes through `sync_run_process`, the Celery task's body.

Usage: DATABASE_URL=postgres://user@host:5432/any [REDIS_URL=redis://host:6379/0]
python benchmarks/sync_period.py [--entries N] [--latency-ms N] [--concurrency N] [--keep].
A dedicated database named ``bench_sync`` is created on the same server and dropped afterwards
(unless --keep). With REDIS_URL set, slots are counted by the Redis limiter as in production.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date
from decimal import Decimal

from bench_database import (  # noqa: E402 - a sibling script module
    bulk_active_leases,
    django_on_fresh_database,
)

BENCH_DB = "bench_sync"
TARGET_RATIO = 1.15


def closed_period(count: int, sandbox, concurrency: int):
    """A company wired to the simulator's reference data, `count` leases, Jan 2026 closed."""
    from companies.models import Company, User
    from tests.integrations.factories import close_first_period, connect, set_up_netsuite_accounting

    company = Company.objects.create(name="Bench Co", slug="bench-co")
    user = User.objects.create_user(username="syncer", password=None)
    subsidiary = set_up_netsuite_accounting(company)
    bulk_active_leases(
        company,
        subsidiary,
        count,
        lambda n: {
            "commencement_date": date(2026, 1, 1),
            "term_months": 36 + n % 24,
            "standard": "asc842",
            "classification": "operating",
            "discount_rate": Decimal("6"),
        },
    )
    connect(company, sandbox, concurrency_limit=concurrency)
    return close_first_period(company, actor=user), user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="Keep the bench_sync database.")
    args = parser.parse_args()
    with django_on_fresh_database(BENCH_DB, keep=args.keep):
        run(args)


def run(args) -> None:
    """The measured part; Django is set up on the benchmark's own database."""

    from django.conf import settings

    from integrations.models import SyncRun, SyncStatus
    from integrations.services.sync import period_sync_start, sync_run_process
    from netsuite_sandbox.testing import running_sandbox

    with running_sandbox(concurrency_limit=args.concurrency) as sandbox:
        settings.NETSUITE_SANDBOX_URL = sandbox.base_url  # the server setting the demo sets
        started = time.perf_counter()
        period, user = closed_period(args.entries, sandbox, args.concurrency)
        run = period_sync_start(period=period, actor=user, enqueue=lambda run_id: None)
        print(
            f"set-up: {run.entries_total} entries closed in {time.perf_counter() - started:.1f} s"
        )
        sandbox.set_faults(latency_ms=args.latency_ms, concurrency_limit=args.concurrency)

        started = time.perf_counter()
        sync_run_process(run.pk)
        seconds = time.perf_counter() - started

        run = SyncRun.objects.get(pk=run.pk)
        log = sandbox.requests(limit=0)
        in_netsuite = len(sandbox.entries())
    bound = run.entries_total * args.latency_ms / 1000 / args.concurrency
    ratio = seconds / bound
    refused = log["refused_concurrency"]
    print(
        f"sync_run_process: {run.entries_total} entries, {args.latency_ms} ms latency, "
        f"concurrency {args.concurrency} ({'Redis' if os.environ.get('REDIS_URL') else 'local'}"
        f" limiter): {seconds:.2f} s, bound {bound:.1f} s, ratio {ratio:.3f} "
        f"(target ≤ {TARGET_RATIO})"
    )
    print(
        f"requests: {log['total']} ({log['by_outcome']}), refused for concurrency: {refused}; "
        f"status {run.status}, {run.entries_sent} sent, {in_netsuite} in NetSuite"
    )
    ok = (
        run.status == SyncStatus.COMPLETED
        and in_netsuite == run.entries_total
        and refused == 0
        and ratio <= TARGET_RATIO
    )
    print("target met" if ok else "TARGET MISSED")


if __name__ == "__main__":
    main()
