"""Benchmark: the lease pages a finance user opens most, at 10,000 leases, p95 and queries.

Usage: DATABASE_URL=postgres://user@host:5432/any python benchmarks/lease_pages.py [--rows N]
[--accounts N] [--requests N] [--keep]. Builds a company with 10,000 leases, a chart of 518
accounts of every type (500 besides the 18 it maps), a go-live date, and three leases a user
opens: one measured from commencement, one with an approved change, one brought in at go-live
with its opening balances. Times each page through Django's test client, in a dedicated
database named ``bench_lease_pages`` (created fresh, dropped afterwards unless --keep): the
lease page, the lease form, the *Change lease* form and its preview, the schedule exports and
the opening balances page; and the new-lease form and GL defaults, whose pickers are the lease
form's.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from datetime import date
from decimal import Decimal

from bench_database import django_on_fresh_database  # noqa: E402 - a sibling script module

BENCH_DB = "bench_lease_pages"
P95_BOUND_MS = 150
# NetSuite account types spread over the chart; untyped accounts fit every picker.
ACCOUNT_TYPES = (
    "Other Current Asset",
    "Fixed Asset",
    "Other Current Liability",
    "Expense",
    "Bank",
    "Equity",
    "Income",
    "",
)


def build(rows: int, accounts: int):
    """A company of `rows` leases and `accounts` accounts; the three leases a user opens."""
    from closebooks.services import company_go_live_set
    from companies.models import Company, Membership, User
    from leases.change_services import lease_change_approve, lease_change_create
    from leases.models import GLAccount, LeaseOpeningBalance
    from tests.leases.factories import make_lease, set_up_accounting
    from tests.list_pages import bulk_leases

    company = Company.objects.create(name="Bench Co", slug="bench-co")
    users = []
    for name in ("maker", "checker"):
        user = User.objects.create_user(username=name, password=None)
        Membership.objects.create(
            company=company, user=user, is_company_admin=True, can_access_lease_accounting=True
        )
        users.append(user)
    subsidiary = set_up_accounting(company)
    GLAccount.objects.bulk_create(
        [
            GLAccount(
                company=company,
                number=f"8{n:04d}",
                name=f"Account {n}",
                account_type=ACCOUNT_TYPES[n % len(ACCOUNT_TYPES)],
            )
            for n in range(accounts)
        ]
    )
    bulk_leases(company, subsidiary, rows)
    company_go_live_set(company=company, actor=users[0], go_live=date(2026, 7, 1))
    company.refresh_from_db()
    plain = make_lease(company, code="NEW-1", commencement=date(2026, 8, 1), term_months=120)
    changed = make_lease(company, code="CHG-1", commencement=date(2026, 8, 1), term_months=120)
    change = lease_change_create(
        lease=changed,
        actor=users[0],
        kind="consideration",
        effective=date(2028, 2, 10),
        details={
            "payments": [{"amount": "1200.00", "frequency": "monthly", "timing": "advance"}],
            "annual_rate": "0.06",
        },
        reason="Rent review",
    )
    lease_change_approve(change=change, actor=users[1])
    # The finance lease of tests/leases/test_opening_balances.py, brought in at go-live.
    old = make_lease(
        company,
        code="OLD-FIN",
        commencement=date(2024, 7, 1),
        term_months=48,
        classification="finance",
        useful_life_months=48,
    )
    LeaseOpeningBalance.objects.create(
        lease=old,
        method="opening_balances",
        liability=Decimal("22675.68"),
        rou_asset=Decimal("21396.61"),
        accumulated_amortization=Decimal("21396.61"),
    )
    return users[0], plain, changed, old


def measure(client, method: str, url: str, data: dict, requests: int) -> tuple[float, float, int]:
    """p95 and median milliseconds over `requests` views (after one warm-up), and queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    send = client.post if method == "POST" else client.get
    send(url, data, secure=True)  # warm-up: templates compiled, session cached
    timings = []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = send(url, data, secure=True)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[-1]
    return p95, statistics.median(timings), len(captured.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database.")
    args = parser.parse_args()
    with django_on_fresh_database(BENCH_DB, keep=args.keep):
        run(args)


def run(args) -> None:
    """The measured part; Django is set up on the benchmark's own database."""
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    started = time.perf_counter()
    user, plain, changed, old = build(args.rows, args.accounts)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would leave them
    print(
        f"set-up: {args.rows} leases, {args.accounts + 18} accounts in "
        f"{time.perf_counter() - started:.1f} s"
    )

    logging.getLogger("axes").setLevel(logging.WARNING)  # not one sign-in line per page
    client = Client()
    client.force_login(user)
    preview = {
        "kind": "consideration",
        "effective": "2027-07-10",
        "new_rent": "1100.00",
        "annual_rate": "6",
        "reason": "Rent review",
        "action": "preview",
    }
    pages = [
        ("lease page", "GET", reverse("lease_detail", args=[plain.pk]), {}),
        ("lease page, approved change", "GET", reverse("lease_detail", args=[changed.pk]), {}),
        ("lease page, go-live lease", "GET", reverse("lease_detail", args=[old.pk]), {}),
        ("lease form (edit)", "GET", reverse("lease_edit", args=[plain.pk]), {}),
        ("lease form (new)", "GET", reverse("lease_create"), {}),
        ("GL defaults", "GET", reverse("accounting_defaults"), {}),
        ("change form", "GET", reverse("lease_change", args=[plain.pk]), {}),
        ("change preview", "POST", reverse("lease_change", args=[plain.pk]), preview),
        (
            "change preview, changed lease",
            "POST",
            reverse("lease_change", args=[changed.pk]),
            preview,
        ),
        (
            "schedule CSV, changed lease",
            "GET",
            reverse("lease_schedule_csv", args=[changed.pk]),
            {},
        ),
        (
            "schedule XLSX, changed lease",
            "GET",
            reverse("lease_schedule_xlsx", args=[changed.pk]),
            {},
        ),
        ("opening balances", "GET", reverse("lease_opening_balances", args=[old.pk]), {}),
    ]
    print(f"{'page':32} {'p95 ms':>8} {'bound':>6} {'ratio':>6} {'median':>7} {'queries':>8}")
    for label, method, url, data in pages:
        p95, median, queries = measure(client, method, url, data, args.requests)
        verdict = "ok" if p95 <= P95_BOUND_MS else "OVER"
        print(
            f"{label:32} {p95:8.1f} {'≤' + str(P95_BOUND_MS):>6} {p95 / P95_BOUND_MS:6.2f} "
            f"{median:7.1f} {queries:8d}  ({verdict})"
        )


if __name__ == "__main__":
    main()
