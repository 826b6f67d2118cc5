"""Benchmark: a yearly index review of 10,000 active leases (preview, save, approve), and the close
of the month with those changes against the same close without them, on PostgreSQL.

Usage: DATABASE_URL=postgres://user@host:5432/any python benchmarks/lease_changes.py
[--leases N] [--runs 3] [--keep] [--database bench_changes]. The run uses its own database
(``bench_changes`` unless --database names another) on the same server, created fresh and
dropped afterwards unless --keep. The month is closed `--runs` times without the changes, then as
many times with them, each close rolled back; the ratio compares the medians.

Bounds (issue: lease changes): preview + save + approve ≤ 10 s; the close with the changes
≤ 1.5 × the same close without them.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from datetime import date
from decimal import Decimal

from bench_database import (  # noqa: E402 - a sibling script module
    bulk_active_leases,
    django_on_fresh_database,
)

BENCH_DB = "bench_changes"
REVIEW = date(2026, 1, 1)


def portfolio(count: int):
    """`count` active leases from 2025 (a third IFRS 16, the rest ASC 842 operating / finance)."""
    from companies.models import Company, Membership, User
    from tests.leases.factories import set_up_accounting

    company = Company.objects.create(name="Bench Co", slug="bench-co")
    maker = User.objects.create_user(username="maker", password=None)
    checker = User.objects.create_user(username="checker", password=None)
    for user in (maker, checker):
        Membership.objects.create(
            company=company, user=user, can_access_lease_accounting=True, is_company_admin=True
        )
    subsidiary = set_up_accounting(company)
    leases = bulk_active_leases(
        company,
        subsidiary,
        count,
        lambda n: {
            "commencement_date": date(2025, 1 + n % 12, 1),
            "term_months": 60 + 12 * (n % 5),
            "standard": "ifrs16" if n % 3 == 0 else "asc842",
            "classification": "" if n % 3 == 0 else ("operating" if n % 2 else "finance"),
            "discount_rate": Decimal("5") + Decimal(n % 40) / 10,
        },
    )
    return company, maker, checker, leases


def review_csv(leases) -> bytes:
    """The CPI review file: every lease's rent up 3.2 % from January 2026."""
    out = io.StringIO()
    out.write("lease_code,kind,effective_date,new_payment,reason\n")
    for lease in leases:
        n = int(lease.code[2:])
        rent = (Decimal(1000 + n % 9000) + Decimal("0.25")) * Decimal("1.032")
        out.write(f"{lease.code},index,{REVIEW.isoformat()},{rent.quantize(Decimal('0.01'))},CPI\n")
    return out.getvalue().encode()


class _Rollback(Exception):
    pass


def close_measured(period, actor) -> dict:
    """Close the period and roll the close back, timing it: wall clock, this process's CPU, the
    CPU of each step (reading, computing the leases, building entries, writing), entries and
    lines written, and the load average when it ended."""
    from django.db import transaction

    from closebooks.models import JournalLine
    from closebooks.services import period_close

    marks: list[tuple[str, float]] = []

    def progress(step: str, done: int = 0, total: int = 0) -> None:
        if step == "postings" and total:
            if done == 0:
                marks.append(("computing", time.process_time()))
            return
        marks.append(("reading" if step == "postings" else step, time.process_time()))

    period.refresh_from_db()
    try:
        with transaction.atomic():
            started, cpu_started = time.perf_counter(), time.process_time()
            entries = period_close(period=period, actor=actor, progress=progress)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            lines = JournalLine.objects.filter(entry__period=period).count()
            raise _Rollback  # the month stays open, the changes unbooked, for the next run
    except _Rollback:
        pass
    marks.append(("done", cpu_started + cpu))
    steps = ", ".join(
        f"{name} {end - begin:.2f}"
        for (name, begin), (_, end) in zip(marks, marks[1:], strict=False)
    )
    return {
        "wall": wall,
        "cpu": cpu,
        "entries": len(entries),
        "lines": lines,
        "steps": steps,
        "load": os.getloadavg()[0],
    }


def _show(label: str, close: dict) -> None:
    print(
        f"close {REVIEW:%b %Y} {label}: {close['wall']:.2f} s wall, CPU {close['cpu']:.2f} s "
        f"({close['entries']} entries, {close['lines']} lines; CPU by step: {close['steps']}); "
        f"load average {close['load']:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="Closes measured each way.")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark's database.")
    parser.add_argument("--database", default=BENCH_DB, help="Its name (default %(default)s).")
    args = parser.parse_args()
    with django_on_fresh_database(args.database, keep=args.keep):
        run(args)


def run(args) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from closebooks.models import AccountingPeriod, JournalEntry
    from closebooks.services import periods_ensure
    from leases.change_imports import validate_changes_file
    from leases.change_services import lease_changes_approve_many, lease_changes_import
    from leases.imports import MAX_ROWS

    started = time.perf_counter()
    company, maker, checker, leases = portfolio(args.leases)
    print(f"set-up: {args.leases} leases in {time.perf_counter() - started:.1f} s")
    periods_ensure(company=company, through=REVIEW)
    period = AccountingPeriod.objects.get(company=company, start=REVIEW)
    AccountingPeriod.objects.filter(company=company, start__lt=REVIEW).update(
        status="closed", closed_at=timezone.now(), close_version=1
    )

    # The same month closed without changes first: the baseline.
    without = [close_measured(period, maker) for _ in range(args.runs)]
    for close in without:
        _show("without changes", close)

    # An upload holds at most 5,000 rows (leases.imports.MAX_ROWS): the review is two files.
    preview = save = 0.0
    cpu_started = time.process_time()
    changes = []
    for part in range(0, len(leases), MAX_ROWS):
        upload = SimpleUploadedFile("review.csv", review_csv(leases[part : part + MAX_ROWS]))
        started = time.perf_counter()
        rows, errors = validate_changes_file(company, upload)
        preview += time.perf_counter() - started
        assert not errors, errors[:3]
        started = time.perf_counter()
        changes += lease_changes_import(company=company, actor=maker, rows=rows)
        save += time.perf_counter() - started
    started = time.perf_counter()
    # The pending page's "Approve all proposed by others".
    approved = lease_changes_approve_many(company=company, actor=checker)
    assert approved == len(changes)
    approve = time.perf_counter() - started
    assert approved == args.leases
    total = preview + save + approve
    cpu = time.process_time() - cpu_started
    print(
        f"index review of {args.leases} leases: preview {preview:.2f} s + save {save:.2f} s + "
        f"approve {approve:.2f} s = {total:.2f} s (bound ≤ 10 s, {total / 10:.2f} of it); "
        f"this process's CPU {cpu:.2f} s ({cpu / 10:.2f} of the bound), load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )

    with_changes = [close_measured(period, maker) for _ in range(args.runs)]
    for close in with_changes:
        _show(f"with {args.leases} changes", close)
    assert not JournalEntry.objects.filter(period=period).exists()  # every close rolled back

    def median(closes: list[dict], key: str) -> float:
        return statistics.median(close[key] for close in closes)

    ratio = median(with_changes, "wall") / median(without, "wall")
    cpu_ratio = median(with_changes, "cpu") / median(without, "cpu")
    lines_ratio = with_changes[0]["lines"] / without[0]["lines"]
    print(
        f"close with / without changes, medians of {args.runs} runs each: CPU "
        f"{median(with_changes, 'cpu'):.2f} / {median(without, 'cpu'):.2f} s = {cpu_ratio:.2f} ×, "
        f"wall {median(with_changes, 'wall'):.2f} / {median(without, 'wall'):.2f} s = "
        f"{ratio:.2f} × (bound ≤ 1.5 ×, CPU {cpu_ratio / 1.5:.2f} of it); it writes "
        f"{lines_ratio:.2f} × the lines; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
