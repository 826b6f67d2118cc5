"""Benchmark: a yearly index review of 10,000 active leases (preview, save, approve), and the close
of the month with those changes against the same close without them, on PostgreSQL.

Usage: DATABASE_URL=postgres://user@host:5432/any python benchmarks/lease_changes.py
[--leases N] [--keep]. The run uses its own database ``bench_changes`` on the same server
(created fresh, dropped afterwards unless --keep).

Bounds (issue: lease changes): preview + save + approve ≤ 10 s; the close with the changes
≤ 1.5 × the same close without them.
"""

from __future__ import annotations

import argparse
import io
import os
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


def close_measured(period, actor) -> dict:
    """Close the period, timing it: wall clock, this process's CPU, the CPU of each step
    (reading, computing the leases, building entries, writing), entries and lines written."""
    from closebooks.models import JournalLine
    from closebooks.services import period_close

    marks: list[tuple[str, float]] = []

    def progress(step: str, done: int = 0, total: int = 0) -> None:
        if step == "postings" and total:
            if done == 0:
                marks.append(("computing", time.process_time()))
            return
        marks.append(("reading" if step == "postings" else step, time.process_time()))

    started, cpu_started = time.perf_counter(), time.process_time()
    entries = period_close(period=period, actor=actor, progress=progress)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    marks.append(("done", cpu_started + cpu))
    steps = ", ".join(
        f"{name} {end - begin:.2f}"
        for (name, begin), (_, end) in zip(marks, marks[1:], strict=False)
    )
    period.refresh_from_db()
    lines = JournalLine.objects.filter(
        entry__period=period, entry__close_version=period.close_version
    ).count()
    return {"wall": wall, "cpu": cpu, "entries": len(entries), "lines": lines, "steps": steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leases", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="Keep the bench_changes database.")
    args = parser.parse_args()
    with django_on_fresh_database(BENCH_DB, keep=args.keep):
        run(args)


def run(args) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from closebooks.models import AccountingPeriod, JournalEntry
    from closebooks.services import period_reopen, periods_ensure
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

    # The same month closed without changes first, then reopened: the baseline.
    without = close_measured(period, maker)
    period_reopen(period=period, actor=maker, reason="benchmark baseline")

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

    period.refresh_from_db()
    with_changes = close_measured(period, maker)
    assert (
        JournalEntry.objects.filter(period=period, close_version=2).count()
        == (with_changes["entries"])
    )
    for label, close in (
        ("without changes", without),
        (f"with {args.leases} changes", with_changes),
    ):
        print(
            f"close {REVIEW:%b %Y} {label}: {close['wall']:.2f} s wall, CPU {close['cpu']:.2f} s "
            f"({close['entries']} entries, {close['lines']} lines; CPU by step: {close['steps']})"
        )
    ratio, cpu_ratio = with_changes["wall"] / without["wall"], with_changes["cpu"] / without["cpu"]
    lines_ratio = with_changes["lines"] / without["lines"]
    print(
        f"close with / without changes: {ratio:.2f} × wall, {cpu_ratio:.2f} × CPU (bound ≤ 1.5 ×); "
        f"it writes {lines_ratio:.2f} × the lines; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
