"""Benchmark: Books vs schedule for 10,000 leases after a year of closes; bound 2 s for the page.

Usage: DATABASE_URL=postgres://user@host:5432/any python benchmarks/report_drift.py
[--leases N] [--repeat R] [--keep]. Runs in a database of its own (``bench_drift``, created
fresh and dropped afterwards unless --keep). The portfolio: leases commencing over 2025 (3 to 10
years; operating, finance and IFRS 16; monthly, quarterly and annual payments, half of them
escalating), 3 % short-term and exempt, 2 % with an approved rent change in June. January to
December 2025 are closed through the close service (detail entries, about 55 lines a lease
over the year), then the comparison (`reports.drift.books_vs_schedule`) and the page (Django's
test client, first page) are timed. Prints each figure beside its bound, the ratio and the load.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from datetime import date
from decimal import Decimal

from bench_database import django_on_fresh_database  # noqa: E402 - a sibling script module

BENCH_DB = "bench_drift"
PAGE_BOUND_S = 2.0
RENT_UP = {"annual_rate": "0.07", "payments": [{"amount": "1100.00"}]}


def build(count: int):
    """A company with `count` active leases, a reader allowed to see the reports, and a
    closer."""
    from companies.models import Company, Membership, User
    from leases.models import (
        AccountingDefaults,
        GLAccount,
        Lease,
        LeaseChange,
        LeasePayment,
        Subsidiary,
    )

    company = Company.objects.create(name="Bench Co", slug="bench-co")
    user = User.objects.create_user(username="reader", password=None)
    Membership.objects.create(company=company, user=user, can_access_lease_accounting=True)
    accounts = {
        field: GLAccount.objects.create(company=company, number=number, name=field)
        for number, field in [
            ("1410", "rou_asset_account"),
            ("2310", "lease_liability_account"),
            ("6400", "lease_expense_account"),
            ("7100", "interest_expense_account"),
            ("6410", "rou_amortization_account"),
            ("2150", "cash_clearing_account"),
            ("1300", "prepaid_rent_account"),
            ("2400", "provision_account"),
            ("1420", "finance_rou_asset_account"),
            ("2320", "finance_lease_liability_account"),
            ("1425", "accumulated_amortization_account"),
            ("2160", "deferred_rent_account"),
            ("6430", "short_term_expense_account"),
            ("7200", "modification_gain_loss_account"),
        ]
    }
    AccountingDefaults.objects.create(
        company=company, short_term_asset_types=["equipment"], **accounts
    )
    subsidiaries = [
        Subsidiary.objects.create(company=company, name=f"Sub {n}", currency="USD") for n in (1, 2)
    ]
    kinds = [("asc842", "operating"), ("asc842", "finance"), ("ifrs16", "")]

    def exempt(n: int) -> bool:
        return n % 33 == 0

    leases = Lease.objects.bulk_create(
        [
            Lease(
                company=company,
                code=f"L-{n:05d}",
                name=f"Lease {n}",
                asset_type="equipment" if exempt(n) else ("real_estate", "vehicle")[n % 2],
                subsidiary=subsidiaries[n % 2],
                currency="USD",
                commencement_date=date(2025, 1 + n % 12, 1),
                term_months=12 if exempt(n) else 36 + (n % 8) * 12,
                standard=kinds[n % 3][0],
                classification=kinds[n % 3][1],
                discount_rate=Decimal("4") + Decimal(n % 40) / 10,
                exemption="short_term" if exempt(n) else "",
                status="active",
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    LeasePayment.objects.bulk_create(
        [
            LeasePayment(
                lease=lease,
                amount=Decimal(500 + n % 97 * 25),
                frequency=1 if exempt(n) else (1, 1, 3, 12)[n % 4],
                escalation_kind="percent" if n % 2 else "",
                escalation_value=Decimal("3") if n % 2 else None,
            )
            for n, lease in enumerate(leases)
        ],
        batch_size=2000,
    )
    # 2 %: a rent change from 15 June, approved before June closes (booked by June's close).
    LeaseChange.objects.bulk_create(
        [
            LeaseChange(
                company=company,
                lease=lease,
                number=1,
                kind="consideration",
                effective_date=date(2025, 6, 15),
                details=RENT_UP,
                status="approved",
            )
            for n, lease in enumerate(leases)
            if n % 50 == 7 and n % 12 < 5 and not exempt(n)  # commenced by May
        ],
        batch_size=2000,
    )
    return company, user


def _timed(fn, repeat: int) -> tuple[list[float], list[float], object]:
    wall, cpu, result = [], [], None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu, result


def _line(name: str, wall: list[float], cpu: list[float], bound: float | None) -> None:
    median = statistics.median(wall)
    text = f"{name}: median {median:.2f} s, best {min(wall):.2f} s, CPU best {min(cpu):.2f} s"
    if bound is not None:
        text += f" (bound {bound} s, ratio {median / bound:.2f})"
    print(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database.")
    args = parser.parse_args()
    # The close queues the reports' facts task once it commits: kept in this process.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    with django_on_fresh_database(BENCH_DB, keep=args.keep):
        run(args)


def run(args) -> None:
    """The measured part; Django is set up on the benchmark's own database."""
    from django.db import connection
    from django.test import Client

    from closebooks.models import JournalLine
    from closebooks.services import period_close, periods_ensure
    from reports.drift import books_vs_schedule

    started = time.perf_counter()
    company, user = build(args.leases)
    periods = periods_ensure(company=company, through=date(2025, 12, 1))
    for period in periods:
        period_close(period=period, actor=user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would leave them
    lines = JournalLine.objects.filter(entry__company=company).count()
    print(f"set-up: {args.leases:,} leases, {len(periods)} periods closed, {lines:,} frozen "
          f"lines in {time.perf_counter() - started:.0f} s")  # fmt: skip

    logging.getLogger("axes").setLevel(logging.WARNING)
    client = Client()
    client.force_login(user)
    url = "/accounting/reports/books-vs-schedule/"
    client.get(url, secure=True)  # warm-up: templates compiled, session read

    def page():
        response = client.get(url, secure=True)
        assert response.status_code == 200
        return response

    # Interleaved: the comparison alone, then the page, run after run.
    figures: dict[str, tuple[list[float], list[float]]] = {"check": ([], []), "page": ([], [])}
    check = None
    for _ in range(args.repeat):
        for name, fn in (("check", lambda: books_vs_schedule(company)), ("page", page)):
            wall, cpu, result = _timed(fn, 1)
            figures[name][0].extend(wall)
            figures[name][1].extend(cpu)
            check = result if name == "check" else check
    assert check is not None and check.findings == [], "the product's own closes must agree"
    load = os.getloadavg()[0]
    print(f"books vs schedule at the end of {check.period.label}: {check.leases_checked:,} "
          f"leases, {check.compared:,} balances compared, {len(check.findings)} differ; "
          f"load average {load:.1f} on {os.cpu_count()} cores")  # fmt: skip
    _line("comparison (books_vs_schedule)", *figures["check"], None)
    _line("page (first page, every lease compared)", *figures["page"], PAGE_BOUND_S)


if __name__ == "__main__":
    main()
