"""Benchmark: close one period for 10,000 active leases (detail mode) on PostgreSQL.

Usage: DATABASE_URL=postgres://user@host:5432/any python benchmarks/close_period.py [--leases N]
[--runs 3] [--keep] [--database bench_close] [--profile FILE]. The run uses a dedicated
database (``bench_close`` unless --database names another) on the same server (created fresh,
dropped afterwards unless --keep), so test and development data are never touched. Each run
closes December, prints wall clock, this process's CPU time, each step and the load average,
and the foreign-key checks the commit would run (timed apart), then reopens the month (rolled
back) for the next run. With --profile the last run is profiled (cProfile) and its statistics
written to FILE.
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

BENCH_DB = "bench_close"
BOUND_SECONDS = 2.0  # issue #16: one period of 10,000 leases


def portfolio(count: int) -> None:
    """A company with a mapped chart and `count` active leases commencing over 2025."""
    from companies.models import Company, Membership, User
    from tests.leases.factories import set_up_accounting

    company = Company.objects.create(name="Bench Co", slug="bench-co")
    user = User.objects.create_user(username="closer", password=None)
    Membership.objects.create(company=company, user=user, can_access_lease_accounting=True)
    subsidiary = set_up_accounting(company)
    bulk_active_leases(
        company,
        subsidiary,
        count,
        lambda n: {
            "commencement_date": date(2025, 1 + n % 12, 1),
            "term_months": 60 + n % 60,
            "standard": "asc842",
            "classification": "operating" if n % 2 else "finance",
            "discount_rate": Decimal("5") + Decimal(n % 40) / 10,
        },
        lambda n: {"escalation_kind": "percent", "escalation_value": Decimal(3)},
    )
    return company, user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark's database.")
    parser.add_argument("--database", default=BENCH_DB, help="Its name (default %(default)s).")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="Also close with the reference reader and bulk_create, for a same-load comparison.",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="Profile the last run with cProfile and write its statistics to FILE (pstats).",
    )
    args = parser.parse_args()
    with django_on_fresh_database(args.database, keep=args.keep):
        run(args)


def _mark(steps: list, step: str, done: int, total: int) -> None:
    """Note when each step starts: reading the leases, computing them, building, writing."""
    if step == "postings" and total:
        if done == 0:
            steps.append(("computing", time.perf_counter()))
        return
    steps.append(("reading" if step == "postings" else step, time.perf_counter()))


class _Rollback(Exception):
    pass


def run(args) -> None:
    """The measured part; Django is set up on the benchmark's own database."""
    from django.utils import timezone

    from closebooks.models import AccountingPeriod
    from closebooks.services import copy_available, periods_ensure

    started = time.perf_counter()
    company, user = portfolio(args.leases)
    print(f"set-up: {args.leases} leases in {time.perf_counter() - started:.1f} s")
    periods_ensure(company=company, through=date(2025, 12, 1))
    period = AccountingPeriod.objects.get(company=company, start=date(2025, 12, 1))
    # Earlier months are marked closed directly: only December's close is measured.
    AccountingPeriod.objects.filter(company=company, start__lt=period.start).update(
        status="closed", closed_at=timezone.now(), close_version=1
    )
    writer = "COPY" if copy_available() else "bulk_create"
    print(f"writing with {writer}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for number in range(1, args.runs + 1):
        profile = args.profile if number == args.runs else None
        _close_once(period, user, args, f"run {number}", profile=profile)
    if args.reference:
        from closebooks import services
        from closebooks.changes import close_postings

        services.close_postings_flat = lambda company, start, progress=None: close_postings(
            company, start
        )
        services.copy_available = lambda: False
        print(f"reference path; load average {os.getloadavg()[0]:.1f}")
        _close_once(period, user, args, "reference (ORM prefetch, whole schedules, bulk_create)")


def _close_once(period, user, args, label: str, profile: str | None = None) -> None:
    """Close December once inside a transaction that is rolled back, and print the figures
    (with `profile`, under cProfile, its statistics written to that file)."""
    import cProfile

    from django.db import connection, transaction

    from closebooks.models import JournalEntry, JournalLine
    from closebooks.services import period_close

    steps: list[tuple[str, float]] = []
    period.refresh_from_db()
    try:
        with transaction.atomic():
            profiler = cProfile.Profile() if profile else None
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            entries = period_close(
                period=period,
                actor=user,
                progress=lambda step, done=0, total=0, steps=steps: _mark(steps, step, done, total),
            )
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile)
            seconds = time.perf_counter() - wall
            cpu = time.process_time() - cpu
            # The foreign keys are checked when the close commits (deferred constraints); the
            # run is rolled back, so they are run here, timed apart from the close.
            checks = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            checks = time.perf_counter() - checks
            lines = JournalLine.objects.filter(entry__period=period).count()
            count = JournalEntry.objects.filter(period=period).count()
            assert count == len(entries) == args.leases, (count, len(entries))
            raise _Rollback  # leave December open for the next run
    except _Rollback:
        pass
    marks = [*steps, ("done", wall + seconds)]
    split = ", ".join(
        f"{name} {end - begin:.2f} s"
        for (name, begin), (_, end) in zip(marks, marks[1:], strict=False)
    )
    print(
        f"{label}: period_close {len(entries)} entries, {lines} lines, detail mode: "
        f"{seconds:.2f} s wall (bound ≤ {BOUND_SECONDS:.1f} s, ratio "
        f"{seconds / BOUND_SECONDS:.2f}), {cpu:.2f} s CPU in this process; {split}; load average "
        f"{os.getloadavg()[0]:.1f}; then {checks:.2f} s of foreign-key checks at commit"
    )


if __name__ == "__main__":
    main()
