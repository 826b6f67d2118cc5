"""Benchmark: close one period for 10,000 active leases (detail mode) on PostgreSQL.

Usage: DATABASE_URL=postgres://user@host:5432/any python benchmarks/close_period.py [--leases N]
[--keep]. The run uses a dedicated database named ``bench_close`` on the same server (created
fresh, dropped afterwards unless --keep), so test and development data are never touched.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from decimal import Decimal

from bench_database import (  # noqa: E402 - a sibling script module
    bulk_active_leases,
    django_on_fresh_database,
)

BENCH_DB = "bench_close"


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
    parser.add_argument("--keep", action="store_true", help="Keep the bench_close database.")
    args = parser.parse_args()
    with django_on_fresh_database(BENCH_DB, keep=args.keep):
        run(args)


def run(args) -> None:
    """The measured part; Django is set up on the benchmark's own database."""
    from django.utils import timezone

    from closebooks.models import AccountingPeriod, JournalEntry, JournalLine
    from closebooks.services import period_close, periods_ensure

    started = time.perf_counter()
    company, user = portfolio(args.leases)
    print(f"set-up: {args.leases} leases in {time.perf_counter() - started:.1f} s")
    periods_ensure(company=company, through=date(2025, 12, 1))
    period = AccountingPeriod.objects.get(company=company, start=date(2025, 12, 1))
    # Earlier months are marked closed directly: only December's close is measured.
    AccountingPeriod.objects.filter(company=company, start__lt=period.start).update(
        status="closed", closed_at=timezone.now(), close_version=1
    )

    started = time.perf_counter()
    entries = period_close(period=period, actor=user)
    seconds = time.perf_counter() - started

    lines = JournalLine.objects.filter(entry__period=period).count()
    assert JournalEntry.objects.filter(period=period).count() == len(entries) == args.leases
    print(
        f"period_close: {len(entries)} entries, {lines} lines, detail mode: {seconds:.2f} s "
        f"(target ≤ 10 s)"
    )


if __name__ == "__main__":
    main()
