"""Benchmark: close one period for 10,000 active leases (detail mode) on PostgreSQL.

Usage: DATABASE_URL=postgres://user@host:5432/any python benchmarks/close_period.py [--leases N]
[--runs 3] [--keep] [--database bench_close] [--profile FILE] [--sequential]. The run uses a
dedicated database (``bench_close`` unless --database names another) on the same server
(created fresh, dropped afterwards unless --keep), so test and development data are never
touched. Each run closes December and commits, as a user's close does: the figure includes the
foreign-key checks and the commit itself. It prints wall clock, this process's CPU time, the
server's CPU time for the close (its backend process, where the server runs on this machine),
each step (the checks and the commit among them), how long the writer thread of a streamed
close spent on its COPY parts, and the load average; then, outside the timed part, deletes the
entries and opens December again for the next run. Tasks the close queues after its commit go
to an in-memory broker. With --profile the last run is profiled (cProfile) and its statistics
written to FILE. With --sequential each run is followed (or, every other run, preceded) by a
close that computes every lease before writing (the summary granularity's path: no writer
thread), so both are measured under the same load, and the medians are printed at the end."""

from __future__ import annotations

import argparse
import os
import statistics
import time
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

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
        "--sequential",
        action="store_true",
        help="Also close each run without streaming (compute all, then write), interleaved.",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="Profile the last run with cProfile and write its statistics to FILE (pstats).",
    )
    args = parser.parse_args()
    # The close queues the reports' facts task once it commits: kept in this process, never
    # sent to a broker other work uses.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    with django_on_fresh_database(args.database, keep=args.keep):
        run(args)


def _mark(steps: list, step: str, done: int, total: int) -> None:
    """Note when each step starts: reading the leases, computing them, building, writing."""
    if step == "postings" and total:
        if done == 0:
            steps.append(("computing", time.perf_counter()))
        return
    steps.append(("reading" if step == "postings" else step, time.perf_counter()))


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
    figures: dict[str, list[float]] = {}
    for number in range(1, args.runs + 1):
        profile = args.profile if number == args.runs else None
        paths = [False, True] if args.sequential else [False]
        for sequential in paths if number % 2 else paths[::-1]:
            label = f"run {number}" + (" sequential" if sequential else " streamed") * bool(
                args.sequential
            )
            with _sequential(sequential):
                seconds = _close_once(period, user, args, label, profile=profile)
            figures.setdefault("sequential" if sequential else "streamed", []).append(seconds)
    if args.sequential:
        _summary(figures)
    if args.reference:
        from closebooks import services
        from closebooks.changes import close_postings

        services.close_postings_flat = lambda company, start, progress=None: close_postings(
            company, start
        )
        services.copy_available = lambda: False
        print(f"reference path; load average {os.getloadavg()[0]:.1f}")
        _close_once(period, user, args, "reference (ORM prefetch, whole schedules, bulk_create)")


@contextmanager
def _sequential(on: bool):
    """With `on`, the close computes every lease before it writes (`services.streams` off)."""
    from closebooks import services

    streams = services.streams
    if on:
        services.streams = lambda company: False
    try:
        yield
    finally:
        services.streams = streams


def _summary(figures: dict[str, list[float]]) -> None:
    """Each path's median wall beside the bound; runs after the first (imports, caches)."""
    parts = []
    for path, walls in figures.items():
        warm = walls[1:] or walls
        median = statistics.median(warm)
        parts.append(
            f"{path} median {median:.2f} s (ratio {median / BOUND_SECONDS:.2f}, "
            f"{min(warm):.2f}-{max(warm):.2f} s over {len(warm)} runs)"
        )
    print(f"summary, runs after the first: {'; '.join(parts)}; bound ≤ {BOUND_SECONDS:.1f} s")


def _server_cpu() -> float | None:
    """CPU seconds of this connection's server process so far (None: not on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _TimedWriter:
    """Sums how long the streamed close's writer spends on its COPY jobs (the server storing
    and checking each part, and the round trips), and how many jobs."""

    def __init__(self) -> None:
        self.busy, self.jobs = 0.0, 0

    @contextmanager
    def installed(self):
        from closebooks import stream

        original = stream._Writer.write
        timed = self

        def write(writer, cursor, job):
            began = time.perf_counter()
            try:
                return original(writer, cursor, job)
            finally:
                timed.busy += time.perf_counter() - began
                timed.jobs += 1

        stream._Writer.write = write
        try:
            yield self
        finally:
            stream._Writer.write = original


def _close_once(period, user, args, label: str, profile: str | None = None) -> float:
    """Close December once in a transaction that commits, as a user's close does, and print the
    figures (with `profile`, under cProfile, its statistics written to that file); then, outside
    the timed part, delete what it wrote and open December again for the next run."""
    import cProfile

    from closebooks.models import JournalEntry, JournalLine

    steps: list[tuple[str, float]] = []
    period.refresh_from_db()
    profiler = cProfile.Profile() if profile else None
    server = _server_cpu()
    writer = _TimedWriter()
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    # period_close commits on return: its own transaction, as in the app (the foreign-key
    # checks PostgreSQL defers to the commit are run just before it, so they are timed apart).
    with writer.installed():
        entries = _period_close(period, user, steps)
    seconds = time.perf_counter() - wall
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    cpu = time.process_time() - cpu
    server_after = _server_cpu()
    server_cpu = (
        f", {server_after - server:.2f} s CPU in the server"
        if server is not None and server_after is not None
        else ""
    )
    streamed = (
        f"; the writer thread busy {writer.busy:.2f} s over {writer.jobs} COPY parts"
        if writer.jobs
        else ""
    )
    checks_and_commit = wall + seconds - steps[-2][1]
    lines = JournalLine.objects.filter(entry__period=period).count()
    count = JournalEntry.objects.filter(period=period).count()
    assert count == len(entries) == args.leases, (count, len(entries))
    _reopen_for_next_run(period)
    marks = [*steps, ("done", wall + seconds)]
    split = ", ".join(
        f"{name} {end - begin:.2f} s"
        for (name, begin), (_, end) in zip(marks, marks[1:], strict=False)
    )
    print(
        f"{label}: period_close {len(entries)} entries, {lines} lines, detail mode, committed: "
        f"{seconds:.2f} s wall (bound ≤ {BOUND_SECONDS:.1f} s, ratio "
        f"{seconds / BOUND_SECONDS:.2f}), {cpu:.2f} s CPU in this process{server_cpu}; {split}"
        f"{streamed}; the commit with its checks {checks_and_commit:.2f} s "
        f"({checks_and_commit / seconds:.0%} of the wall); load average {os.getloadavg()[0]:.1f}"
    )
    return seconds


class _TimedSignal:
    """`period_closed`, noting when its handlers start (the first close of a process imports
    what they need); after them, the last thing the close does before it commits, the
    foreign-key checks the commit would run are run (`SET CONSTRAINTS ALL IMMEDIATE`), so the
    commit's two parts are timed apart."""

    def __init__(self, signal, steps: list) -> None:
        self.signal, self.steps = signal, steps

    def send(self, *args, **kwargs):
        from django.db import connection

        self.steps.append(("period_closed handlers", time.perf_counter()))
        sent = self.signal.send(*args, **kwargs)
        self.steps.append(("foreign-key checks", time.perf_counter()))
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.steps.append(("commit", time.perf_counter()))
        return sent


def _period_close(period, user, steps):
    from closebooks import services

    signal = services.period_closed
    services.period_closed = _TimedSignal(signal, steps)
    try:
        return services.period_close(
            period=period,
            actor=user,
            progress=lambda step, done=0, total=0, steps=steps: _mark(steps, step, done, total),
        )
    finally:
        services.period_closed = signal


def _reopen_for_next_run(period) -> None:
    """Delete the close's entries and lines and open the period again, then vacuum both tables
    (as autovacuum would between two closes), so every run writes to the same tables."""
    from django.db import connection, transaction

    from closebooks.models import AccountingPeriod, JournalEntry, JournalLine

    entries, lines = JournalEntry._meta.db_table, JournalLine._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {lines} WHERE entry_id IN "
            f"(SELECT id FROM {entries} WHERE period_id = %s)",
            [period.pk],
        )
        cursor.execute(f"DELETE FROM {entries} WHERE period_id = %s", [period.pk])
        AccountingPeriod.objects.filter(pk=period.pk).update(status="open", closed_at=None)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {entries}, {lines}")


if __name__ == "__main__":
    main()
