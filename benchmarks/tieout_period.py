"""Benchmark: tie out a synced period of 10,000 journal lines at 150 ms latency; target 5 s.

2,500 operating leases commencing in December 2025 give January 2026 four lines each (10,000
lines in 2,500 entries). December and January are closed and synced to the simulator with no
latency (set-up), then the simulator answers every request after 150 ms and the tie-out of January
is timed: SuiteQL reads of the posting periods, January's journals, their accounting lines and
subsidiaries, and the lease accounts' balances per subsidiary since go-live (one grouped query
beside the lines), paged at 1,000 rows, up to the connection's concurrency (4) at once, and the
comparison with the entries and the trial balance.

Usage: python benchmarks/tieout_period.py [--leases N] [--latency-ms N]. It runs on a fresh
SQLite database in a temporary folder with its own simulator; nothing else is touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_database import bulk_active_leases  # noqa: E402 - a sibling script module

TARGET_S = 5.0


def synced_period(count: int, sandbox):
    """A company on the simulator's reference data, `count` leases, Dec 2025 and Jan 2026 closed
    and sent."""
    from closebooks.models import AccountingPeriod
    from closebooks.services import period_close, periods_ensure
    from companies.models import Company, User
    from integrations.services.sync import period_sync_start, sync_run_process
    from tests.integrations.factories import connect, set_up_netsuite_accounting

    company = Company.objects.create(name="Bench Co", slug="bench-co")
    user = User.objects.create_user(username="tier", password=None)
    subsidiary = set_up_netsuite_accounting(company)
    bulk_active_leases(
        company,
        subsidiary,
        count,
        lambda n: {
            "commencement_date": date(2025, 12, 1),
            "term_months": 36 + n % 24,
            "standard": "asc842",
            "classification": "operating",
            "discount_rate": Decimal("6"),
        },
    )
    # Set-up sends over SOAP (upsertList, 200 entries a call); the tie-out reads over REST.
    connect(company, sandbox, concurrency_limit=4, transport="soap")
    periods_ensure(company=company, through=date(2026, 1, 1))
    for start in (date(2025, 12, 1), date(2026, 1, 1)):
        period_close(period=AccountingPeriod.objects.get(company=company, start=start), actor=user)
    for start in (date(2025, 12, 1), date(2026, 1, 1)):
        period = AccountingPeriod.objects.get(company=company, start=start)
        run = sync_run_process(
            period_sync_start(period=period, actor=user, enqueue=lambda _: None).pk
        )
    return period, run


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leases", type=int, default=2500)
    parser.add_argument("--latency-ms", type=int, default=150)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="bench-tieout-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["OCCUPIER_VAR_DIR"] = folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "occupier.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from closebooks.models import JournalLine
    from netsuite_sandbox.testing import running_sandbox
    from reports.services import tieout_run, tieout_start

    call_command("migrate", verbosity=0)
    with running_sandbox(Path(folder) / "sandbox", concurrency_limit=5) as sandbox:
        settings.NETSUITE_SANDBOX_URL = sandbox.base_url  # the server setting the demo sets
        started = time.perf_counter()
        period, run = synced_period(args.leases, sandbox)
        lines = JournalLine.objects.filter(entry__period=period).count()
        print(
            f"set-up: {run.entries_sent} entries ({lines:,} lines) closed and synced "
            f"({run.get_status_display()}) in {time.perf_counter() - started:.1f} s"
        )
        sandbox.set_faults(latency_ms=args.latency_ms, concurrency_limit=5)
        before = sandbox.request_count()
        server_before = _cpu_seconds(sandbox.process.pid)
        started, started_cpu = time.perf_counter(), time.process_time()
        tieout = tieout_run(tieout_start(period=period, enqueue=lambda _: None).pk)
        seconds = time.perf_counter() - started
        our_cpu = time.process_time() - started_cpu
        server_cpu = _cpu_seconds(sandbox.process.pid) - server_before
        requests = sandbox.request_count() - before
    print(
        f"tie-out: {tieout.entries_checked:,} entries, {tieout.lines_read:,} rows read in "
        f"{requests} requests at {args.latency_ms} ms: {seconds:.2f} s (bound {TARGET_S} s, "
        f"ratio {seconds / TARGET_S:.2f}); "
        f"{tieout.get_status_display()}, {tieout.findings.count()} findings"
    )
    # On a shared machine wall time includes waiting for a core; CPU time is the work itself.
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"CPU time: ours {our_cpu:.2f} s, simulator {server_cpu:.2f} s; floor of the reads: "
        f"{requests} requests x {args.latency_ms} ms / 4 at once = "
        f"{requests * args.latency_ms / 1000 / 4:.2f} s (load average {load:.1f} on "
        f"{os.cpu_count()} cores)"
    )
    print(f"target <= {TARGET_S} s:", "met" if seconds <= TARGET_S else "NOT met")
    from django.db import connections

    connections.close_all()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
