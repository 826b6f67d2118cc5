"""Drive N REST upserts against the simulator and compare requests/s with limit / latency.

Usage: python -m benchmarks.netsuite_upsert_throughput --n 200 --latency-ms 100 --limit 4
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import redis

from integrations.netsuite.client import NetSuiteClient
from integrations.netsuite.credentials import NetSuiteCredentials
from integrations.netsuite.limiter import RedisConcurrencyLimiter
from integrations.netsuite.payload import JournalEntryData, JournalLineData
from netsuite_sandbox.testing import running_sandbox


def _entry(n: int) -> JournalEntryData:
    amount = Decimal("100.00") + n
    return JournalEntryData(
        external_id=f"BENCH-{n}",
        subsidiary_id="1",
        currency_id="1",
        tran_date=date(2025, 6, 30),
        memo=f"Benchmark {n}",
        lines=(
            JournalLineData("103", amount, None),
            JournalLineData("107", None, amount),
        ),
    )


def main() -> None:
    """Run the benchmark and print achieved vs bound throughput."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--limit", type=int, default=4)
    parser.add_argument("--workers", type=int, default=16, help="threads competing for slots")
    args = parser.parse_args()

    redis_client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"))
    prefix = f"bench:netsuite:{uuid.uuid4().hex}"
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_sandbox(tmp, concurrency_limit=args.limit, latency_ms=args.latency_ms) as sb,
    ):
        creds = NetSuiteCredentials.from_input(
            account_id=sb.account_id,
            consumer_key=sb.consumer_key,
            consumer_secret=sb.consumer_secret,
            token_id=sb.token_id,
            token_secret=sb.token_secret,
        )
        limiter = RedisConcurrencyLimiter(redis_client, limit=args.limit, prefix=prefix)
        # One client per worker thread, as separate worker processes would have.
        clients = [
            NetSuiteClient(creds, base_url=sb.base_url, limiter=limiter)
            for _ in range(args.workers)
        ]
        entries = [_entry(n) for n in range(args.n)]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            results = list(
                pool.map(
                    lambda i: clients[i % args.workers].upsert_journal_entry(entries[i]),
                    range(args.n),
                )
            )
        elapsed = time.monotonic() - started
        log = sb.requests(limit=0)
        for key in redis_client.scan_iter(f"{prefix}:*"):
            redis_client.delete(key)

    bound = args.limit / (args.latency_ms / 1000.0)
    achieved = args.n / elapsed
    retries = sum(len(r.attempts) - 1 for r in results)
    print(f"upserts={args.n} limit={args.limit} latency_ms={args.latency_ms:.0f}")
    print(f"elapsed_s={elapsed:.2f} achieved_rps={achieved:.1f} bound_rps={bound:.1f}")
    print(f"ratio={achieved / bound:.1%} retries={retries}")
    print(f"simulator: total={log['total']} refused_concurrency={log.get('refused_concurrency')}")
    print(f"by_outcome={log.get('by_outcome')}")


if __name__ == "__main__":
    main()
