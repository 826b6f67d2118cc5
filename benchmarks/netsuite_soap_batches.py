"""Benchmark: REST one entry per request against SOAP upsertList batches of 200, at the client.

Both run against the simulator answering every API request after 150 ms with 5 requests
allowed in flight; the client also keeps at most 5 in flight (one limiter slot per request).
- REST bound: entries × latency ÷ limit (1,000 entries: 30 s; 5,000: 150 s).
- SOAP target: ≤ 0.1 × that REST bound, with batches of 200 records, 5 batches in flight.
Measured at the client (no database, no Celery): what the transports can give at best. The
sync worker's own figures, database and all, are in benchmarks/sync_period.py. Beside each time
it prints the client's CPU time (the simulator runs in a process of its own) and the load
average, since the machine may be shared.

Usage: python benchmarks/netsuite_soap_batches.py [--sizes 1000,5000] [--latency-ms 150]
       [--limit 5] [--batch 200] [--skip-rest]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from integrations.netsuite.client import NetSuiteClient  # noqa: E402
from integrations.netsuite.credentials import NetSuiteCredentials  # noqa: E402
from integrations.netsuite.limiter import LocalConcurrencyLimiter  # noqa: E402
from integrations.netsuite.payload import JournalEntryData, JournalLineData  # noqa: E402
from integrations.netsuite.retry import RetryPolicy  # noqa: E402
from netsuite_sandbox.testing import Sandbox, running_sandbox  # noqa: E402

SOAP_TARGET = 0.10  # of the REST bound


def entries(count: int, prefix: str) -> list[JournalEntryData]:
    """Balanced two-line entries on the simulator's reference data, distinct amounts."""
    out = []
    for n in range(count):
        amount = Decimal("100.00") + Decimal(n) / 100
        out.append(
            JournalEntryData(
                external_id=f"{prefix}-{n:05d}",
                subsidiary_id="1",
                currency_id="1",
                tran_date=date(2025, 6, 30),
                memo=f"Benchmark {n}",
                lines=(
                    JournalLineData("103", amount, None, memo="Prepaid"),
                    JournalLineData("107", None, amount, memo="Liability"),
                ),
            )
        )
    return out


def make_client_factory(sb: Sandbox, transport: str, limit: int) -> Callable[[], NetSuiteClient]:
    """One client per thread (as separate workers would have), sharing one limiter."""
    creds = NetSuiteCredentials.from_input(
        account_id=sb.account_id,
        consumer_key=sb.consumer_key,
        consumer_secret=sb.consumer_secret,
        token_id=sb.token_id,
        token_secret=sb.token_secret,
    )
    limiter = LocalConcurrencyLimiter(limit)
    local = threading.local()

    def client() -> NetSuiteClient:
        if not hasattr(local, "client"):
            local.client = NetSuiteClient(
                creds,
                transport=transport,
                base_url=sb.base_url,
                limiter=limiter,
                retry_policy=RetryPolicy(max_attempts=5, base_delay_s=0.05, max_delay_s=1),
            )
        return local.client

    return client


def run_rest(sb: Sandbox, batch: Sequence[JournalEntryData], limit: int) -> tuple[float, float]:
    """Seconds and client CPU seconds to upsert every entry, one REST request each."""
    client = make_client_factory(sb, "rest", limit)
    cpu = time.process_time()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=limit) as pool:
        results = list(pool.map(lambda e: client().upsert_journal_entry(e), batch))
    elapsed = time.monotonic() - started
    assert all(r.ok for r in results)
    return elapsed, time.process_time() - cpu


def run_soap(
    sb: Sandbox, batch: Sequence[JournalEntryData], limit: int, size: int
) -> tuple[float, float]:
    """Seconds and client CPU seconds to upsert every entry with upsertList calls of `size`,
    `limit` calls in flight."""
    client = make_client_factory(sb, "soap", limit)
    # Load the WSDL before the clock starts, as a warm worker has it.
    _ = client().soap.envelope_writer
    chunks = [batch[i : i + size] for i in range(0, len(batch), size)]
    cpu = time.process_time()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=limit) as pool:
        results = [
            r for rs in pool.map(lambda c: client().upsert_journal_entries(c), chunks) for r in rs
        ]
    elapsed = time.monotonic() - started
    cpu = time.process_time() - cpu
    failed = [r for r in results if not r.ok]
    assert len(results) == len(batch) and not failed, failed[:1]
    return elapsed, cpu


def load_average() -> str:
    """The 1-minute load average, for reading a time on a shared machine."""
    try:
        return f"load {os.getloadavg()[0]:.2f}"
    except OSError:
        return "load n/a"


def main() -> None:
    """Run each size over REST then SOAP and print every figure beside its bound."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--skip-rest", action="store_true", help="print only the SOAP figures")
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"simulator latency {args.latency_ms:.0f} ms, concurrency limit {args.limit}, "
        f"SOAP batches of {args.batch}"
    )
    ok = True
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_sandbox(tmp, concurrency_limit=args.limit, latency_ms=args.latency_ms) as sb,
    ):
        for count in sizes:
            bound = count * latency / args.limit
            if not args.skip_rest:
                sb.reset()  # a reset also clears the faults: set the latency again
                sb.set_faults(latency_ms=args.latency_ms)
                rest, cpu = run_rest(sb, entries(count, "REST"), args.limit)
                refused = sb.request_count("refused_concurrency")
                print(
                    f"REST {count:>6,} entries: {rest:7.2f} s   bound {bound:7.2f} s   "
                    f"{rest / bound:.2f}× bound   client CPU {cpu:.2f} s   "
                    f"(refused for concurrency: {refused})   {load_average()}"
                )
            sb.reset()
            sb.set_faults(latency_ms=args.latency_ms)
            soap, cpu = run_soap(sb, entries(count, "SOAP"), args.limit, args.batch)
            calls = sb.request_count()
            target = SOAP_TARGET * bound
            ok &= soap <= target
            print(
                f"SOAP {count:>6,} entries: {soap:7.2f} s   target ≤ {target:6.2f} s "
                f"(0.1× REST bound)   {soap / bound:.3f}× REST bound   client CPU {cpu:.2f} s "
                f"({cpu * 1000 / count:.3f} ms an entry)   ({calls} calls)   {load_average()}"
            )
    print("SOAP target met" if ok else "SOAP target MISSED")


if __name__ == "__main__":
    main()
