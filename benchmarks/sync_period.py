"""Benchmark: sync closed periods to the simulator through the worker's own code, beside bounds.

The simulator answers every API request after 150 ms and allows 5 requests in flight; the
connection also keeps at most 5 in flight (the Redis limiter when REDIS_URL is set, as in
production). Each sync runs `sync_run_process` (the Celery task's body) in a process of its own,
started like a worker, so its time, CPU and resident memory are the worker's alone:

- REST, one entry per request, 1,000 and 5,000 entries: the bound is entries × latency ÷ limit
  (30 s and 150 s); target ≤ 1.05× it, and the ratio must not grow with the size.
- SOAP, upsertList batches of 200 with several batches in flight, 5,000 entries: target
  ≤ 0.1× the REST bound for the same entries (15 s).
- Memory: a 5,000-entry sync adds ≤ 20 MB to the worker's resident memory (peak RSS during the
  run minus RSS before it, the worker already warm, MALLOC_ARENA_MAX=2 as docker-compose.yml
  runs the worker; set MALLOC_ARENA_MAX in the environment to measure another value).
- *Send again* (`--resend`, 5,000 and 20,000 entries): a period already in NetSuite (sent over
  SOAP, which is quicker to set up) is sent again; the worker reads NetSuite back and folds the
  period's ledger to confirm that nothing is missing, and sends nothing. Its memory must not
  grow with the period: ≤ 20 MB at every size (the ledger, our entries and the run's rows are
  read 200 keys at a time), and each entry more adds ≤ 0.5 KB (NetSuite's list of the period's
  entries, one small tuple an entry, is the one thing kept whole: it is the confirmation).

For scale, each line also shows the simulator's own mean time per write: a client that kept all 5
slots busy without any pause would still take entries × that time ÷ limit.

Usage: DATABASE_URL=postgres://user@host:5432/any [REDIS_URL=redis://host:6379/0]
python benchmarks/sync_period.py [--rest 1000,5000] [--soap 5000] [--latency-ms 150]
[--concurrency 5] [--keep] [--database bench_sync]. A dedicated database (``bench_sync`` unless
--database names another) is created on the same server and dropped afterwards (unless --keep).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from bench_database import (  # noqa: E402 - a sibling script module
    bulk_active_leases,
    django_on_fresh_database,
)

BENCH_DB = "bench_sync"
REST_TARGET = 1.05  # × entries × latency ÷ limit
SOAP_TARGET = 0.10  # × the REST bound
MEMORY_BOUND_MB = 20.0  # at 5,000 entries
MEMORY_AT = 5000
WARM_UP_ENTRIES = 20
GROWTH_NOISE = 1.05  # run to run, the same size varies by ±3 % on a shared 2-core machine
RESEND_KB_PER_ENTRY = 0.5  # what a resend adds for each entry more, beyond a chunk's memory


def closed_period(name: str, count: int, sandbox, concurrency: int, transport: str):
    """A company wired to the simulator's reference data, `count` leases, Jan 2026 closed."""
    from companies.models import Company, User
    from tests.integrations.factories import close_first_period, connect, set_up_netsuite_accounting

    company = Company.objects.create(name=f"Bench {name}", slug=f"bench-{name}")
    user, _ = User.objects.get_or_create(username="syncer")
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
    connect(company, sandbox, concurrency_limit=concurrency, transport=transport)
    return close_first_period(company, actor=user), user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rest", default="1000,5000", help="REST sizes ('' for none)")
    parser.add_argument("--soap", default="5000", help="SOAP sizes ('' for none)")
    parser.add_argument("--resend", default="5000,20000", help="Send again sizes ('' for none)")
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument(
        "--latency-on-top",
        action="store_true",
        help="The simulator's own work comes on top of the latency (before 2026-11-30 it "
        "always did) instead of within it.",
    )
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark's database.")
    parser.add_argument("--database", default=BENCH_DB, help="Its name (default %(default)s).")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # the measured child
    parser.add_argument("--warm-up", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.warm_up)
        return
    with django_on_fresh_database(args.database, keep=args.keep):
        run(args)


def sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def run(args) -> None:
    """Set every period up, then sync each in a worker process of its own and print the figures."""
    from django.conf import settings

    from integrations.models import SyncRun, SyncStatus
    from integrations.services.sync import period_sync_start
    from netsuite_sandbox.testing import running_sandbox

    scenarios = [("rest", n) for n in sizes(args.rest)] + [("soap", n) for n in sizes(args.soap)]
    scenarios += [("resend", n) for n in sizes(args.resend)]
    latency = args.latency_ms / 1000
    ok = True
    ratios: dict[int, float] = {}
    resends: dict[int, float] = {}
    with running_sandbox(concurrency_limit=args.concurrency) as sandbox:
        settings.NETSUITE_SANDBOX_URL = sandbox.base_url  # the server setting the demo sets
        runs = []
        started = time.perf_counter()
        for transport, count in scenarios:
            pair = []
            # A small sync first warms the worker up (imports, connections, the WSDL), as a
            # worker that has synced before is; then the measured one.
            warm_up = (f"warm-{transport}-{count}", WARM_UP_ENTRIES)
            for name, size in (warm_up, (f"{transport}-{count}", count)):
                # A resend is measured on a period already sent (over SOAP, quicker to set up).
                sent_by = "soap" if transport == "resend" else transport
                period, user = closed_period(name, size, sandbox, args.concurrency, sent_by)
                run = period_sync_start(period=period, actor=user, enqueue=lambda run_id: None)
                pair.append(run.pk)
            runs.append((transport, count, *pair))
        total = sum(count for _, count in scenarios)
        print(
            f"set-up: {total:,} entries closed in {time.perf_counter() - started:.1f} s; "
            f"simulator latency {args.latency_ms} ms "
            f"({'its own work on top' if args.latency_on_top else 'time to answer'}), "
            f"concurrency limit {args.concurrency} "
            f"({'Redis' if os.environ.get('REDIS_URL') else 'in-process'} limiter)"
        )
        for transport, count, warm_up_id, run_id in runs:
            sandbox.reset()  # a reset clears the faults too: set the latency again
            sandbox.set_faults(
                latency_ms=args.latency_ms,
                concurrency_limit=args.concurrency,
                latency_includes_work=0 if args.latency_on_top else 1,
            )
            if transport == "resend":
                # Sent here (the reset above empties NetSuite), then pressed again.
                warm_up_id, run_id = (send_then_press_again(pk) for pk in (warm_up_id, run_id))
            requests_before = sandbox.request_count()
            figures = measure(run_id, warm_up_id, sandbox)
            run = SyncRun.objects.get(pk=run_id)
            if transport == "resend":
                grew = figures["peak_rss_mb"] - figures["rss_before_mb"]
                resends[count] = grew
                met = run.status == SyncStatus.COMPLETED and grew <= MEMORY_BOUND_MB
                print(
                    f"Send again {count:>6,} entries already in NetSuite: "
                    f"{figures['seconds']:.2f} s, worker CPU {figures['cpu_seconds']:.1f} s, "
                    f"{sandbox.request_count() - requests_before} requests with the warm-up "
                    f"(reads); {run.status}, {run.entries_total} sent again\n"
                    f"      memory: RSS {figures['rss_before_mb']:.0f} MB before, peak "
                    f"{figures['peak_rss_mb']:.0f} MB: +{grew:.1f} MB (bound ≤ "
                    f"{MEMORY_BOUND_MB:.0f} MB) {'met' if met else 'MISSED'}"
                )
                ok &= met
                continue
            log = sandbox.requests(limit=10_000)
            # The writes' own time in the simulator (REST PUTs, SOAP upsertList calls).
            writes = [
                r["duration_ms"]
                for r in log["recent"]
                if r["method"] == "PUT" or r.get("api") == "soap"
            ] or [0.0]
            keys = set(run.entries.values_list("external_key", flat=True))
            in_netsuite = sum(1 for e in sandbox.entries() if e["externalId"] in keys)
            rest_bound = count * latency / args.concurrency
            seconds = figures["seconds"]
            grew = figures["peak_rss_mb"] - figures["rss_before_mb"]
            done = (
                run.status == SyncStatus.COMPLETED
                and in_netsuite == count
                and run.entries_sent == count
                and log["refused_concurrency"] == 0
            )
            if transport == "rest":
                ratio = seconds / rest_bound
                ratios[count] = ratio
                met = ratio <= REST_TARGET
                print(
                    f"REST {count:>6,} entries: {seconds:7.2f} s   bound {rest_bound:7.2f} s   "
                    f"{ratio:.3f}× bound (target ≤ {REST_TARGET})   "
                    f"{'met' if met else 'MISSED'}"
                )
            else:
                target = SOAP_TARGET * rest_bound
                met = seconds <= target
                print(
                    f"SOAP {count:>6,} entries: {seconds:7.2f} s   target ≤ {target:6.2f} s "
                    f"(0.1× REST bound {rest_bound:.0f} s)   {seconds / rest_bound:.3f}× REST "
                    f"bound   {'met' if met else 'MISSED'}"
                )
            sim_mean = statistics.mean(writes)
            print(
                f"      worker CPU {figures['cpu_seconds']:.1f} s; {log['total']} requests "
                f"with the warm-up "
                f"({log['by_outcome']}), refused for concurrency {log['refused_concurrency']}; "
                f"simulator's own mean {sim_mean:.1f} ms a request "
                f"(no-pause floor {len(writes) * sim_mean / 1000 / args.concurrency:.1f} s); "
                f"{run.status}, {run.entries_sent} sent, {in_netsuite} in NetSuite"
            )
            memory_met = count < MEMORY_AT or grew <= MEMORY_BOUND_MB
            print(
                f"      memory: RSS {figures['rss_before_mb']:.0f} MB before, peak "
                f"{figures['peak_rss_mb']:.0f} MB: +{grew:.1f} MB"
                + (
                    f" (bound ≤ {MEMORY_BOUND_MB:.0f} MB at {MEMORY_AT:,} entries) "
                    f"{'met' if memory_met else 'MISSED'}"
                    if count >= MEMORY_AT
                    else ""
                )
            )
            ok &= done and met and memory_met
    if len(ratios) > 1:
        smallest, largest = min(ratios), max(ratios)
        growth = ratios[largest] / ratios[smallest]
        print(
            f"REST ratio at {largest:,} ÷ at {smallest:,}: {growth:.3f} "
            f"(must not grow: ≤ {GROWTH_NOISE} allowing for a shared machine's noise) "
            f"{'met' if growth <= GROWTH_NOISE else 'MISSED'}"
        )
        ok &= growth <= GROWTH_NOISE
    if len(resends) > 1:
        smallest, largest = min(resends), max(resends)
        per_entry = (resends[largest] - resends[smallest]) * 1024 / (largest - smallest)
        print(
            f"Send again memory from {smallest:,} to {largest:,} entries: "
            f"{per_entry:.2f} KB an entry more (bound ≤ {RESEND_KB_PER_ENTRY} KB) "
            f"{'met' if per_entry <= RESEND_KB_PER_ENTRY else 'MISSED'}"
        )
        ok &= per_entry <= RESEND_KB_PER_ENTRY
    print("all targets met" if ok else "TARGET MISSED")


def send_then_press_again(run_id: int) -> int:
    """Send the run here, then press *Send again* on its period: the new run's ID."""
    from integrations.models import SyncRun
    from integrations.services.sync import period_sync_start, sync_run_process

    sync_run_process(run_id)
    run = SyncRun.objects.select_related("period", "started_by").get(pk=run_id)
    again = period_sync_start(
        period=run.period, actor=run.started_by, enqueue=lambda pk: None, resend=True
    )
    return again.pk


def measure(run_id: int, warm_up_id: int, sandbox) -> dict:
    """Sync one run in a fresh worker-like process, after a warm-up; its time, CPU and memory."""
    env = dict(os.environ, NETSUITE_SANDBOX_URL=sandbox.base_url, PYTHONUNBUFFERED="1")
    # As docker-compose.yml runs the worker (fewer malloc arenas for its threads).
    env.setdefault("MALLOC_ARENA_MAX", "2")
    here = Path(__file__).resolve()
    done = subprocess.run(
        [sys.executable, str(here), "--worker", str(run_id), "--warm-up", str(warm_up_id)],
        env=env,
        cwd=here.parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"the worker process failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker(run_id: int, warm_up_id: int | None) -> None:
    """The child: a worker warmed up by a small sync of its own, then the measured sync."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "occupier.settings")
    import django

    django.setup()
    from integrations.services.sync import sync_run_process

    if warm_up_id:
        sync_run_process(warm_up_id)
    gc.collect()
    with contextlib.suppress(OSError):
        # Peak RSS from here on (Linux: writing 5 to clear_refs resets VmHWM).
        Path("/proc/self/clear_refs").write_text("5")
    before = _status_mb("VmRSS")
    cpu = time.process_time()
    started = time.perf_counter()
    sync_run_process(run_id)
    seconds = time.perf_counter() - started
    figures = {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "rss_before_mb": before,
        "peak_rss_mb": max(_status_mb("VmHWM"), _status_mb("VmRSS")),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
