"""Benchmark: pre-flight of a closed period with 10,000 journal lines; the target is 1 s.

Usage: python benchmarks/preflight.py [--lines N] [--repeat R]. It runs on a fresh SQLite database
in a temporary folder (never the development or test database), reads the reference data from a
simulator started for the run, and prints the best and median time of pre-flight alone.
One line in ten refers to the inactive department, so problems are built too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LINES_PER_ENTRY = 4
ACCOUNTS = ["6400", "2310", "1410", "7100"]
DEPARTMENTS = ["Operations", "Facilities", "Operations", "Facilities", "Legacy Ops"]


def period_with_lines(company, count: int):
    """A closed Jan 2026 whose frozen entries hold `count` lines (4 a entry, balanced)."""
    from django.utils import timezone

    from closebooks.models import AccountingPeriod, JournalEntry, JournalLine

    period = AccountingPeriod.objects.create(
        company=company,
        start=date(2026, 1, 1),
        status="closed",
        closed_at=timezone.now(),
        close_version=1,
    )
    entries = JournalEntry.objects.bulk_create(
        JournalEntry(
            company=company,
            period=period,
            close_version=1,
            external_key=f"BENCH-202601-{n:05d}",
            subsidiary="Occupier Demo Inc.",
            currency="USD",
            tran_date=date(2026, 1, 31),
            lease_code=f"L-{n:05d}",
            line_count=LINES_PER_ENTRY,
            total_debit=Decimal("200.00"),
            total_credit=Decimal("200.00"),
        )
        for n in range(count // LINES_PER_ENTRY)
    )
    JournalLine.objects.bulk_create(
        (
            JournalLine(
                entry=entry,
                line_no=i + 1,
                account_number=ACCOUNTS[i],
                account_name="",
                debit=Decimal("100.00") if i < 2 else 0,
                credit=Decimal("100.00") if i >= 2 else 0,
                department=DEPARTMENTS[(n * LINES_PER_ENTRY + i) % 10 // 2],
                lease_class="Real Estate",
                location="New York HQ",
            )
            for n, entry in enumerate(entries)
            for i in range(LINES_PER_ENTRY)
        ),
        batch_size=2000,
    )
    return period


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="bench-preflight-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["OCCUPIER_VAR_DIR"] = folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "occupier.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from companies.models import Company
    from integrations.services.connection import connection_save
    from integrations.services.discovery import reference_data_refresh
    from integrations.services.preflight import period_preflight
    from netsuite_sandbox.testing import running_sandbox

    call_command("migrate", verbosity=0)
    company = Company.objects.create(name="Bench Co", slug="bench-co")
    with running_sandbox(Path(folder) / "sandbox") as sandbox:
        settings.NETSUITE_SANDBOX_URL = sandbox.base_url  # the server setting the demo sets
        connection_save(
            company=company,
            actor=None,
            account_id=sandbox.account_id,
            secrets={
                "consumer_key": sandbox.consumer_key,
                "consumer_secret": sandbox.consumer_secret,
                "token_id": sandbox.token_id,
                "token_secret": sandbox.token_secret,
            },
            transport="rest",
            concurrency_limit=4,
            enabled=True,
            base_url=sandbox.base_url,
        )
        started = time.perf_counter()
        refresh = reference_data_refresh(company=company)
        refresh_s = time.perf_counter() - started
    period = period_with_lines(company, args.lines)

    timings = []
    result = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = period_preflight(period)
        timings.append(time.perf_counter() - started)
    assert result is not None and result.checked
    best, median = min(timings), statistics.median(timings)
    print(f"reference refresh: {refresh.records_seen} records in {refresh_s:.2f} s")
    print(
        f"pre-flight: {result.entries} entries, {result.lines} lines, "
        f"{len(result.problems)} problems ({len(result.groups())} distinct)"
    )
    print(f"pre-flight time: best {best:.3f} s, median {median:.3f} s over {args.repeat} runs")
    print("target <= 1 s:", "met" if median <= 1.0 else "NOT met")
    from django.db import connections

    connections.close_all()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
