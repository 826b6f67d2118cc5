"""Benchmark: the long list pages at 10,000 rows, p95 render time and queries per page.

Usage: DATABASE_URL=postgres://user@host:5432/any python benchmarks/list_pages.py [--rows N]
[--requests N] [--keep]. Builds 10,000 leases, a closed period of 10,000 entries, its sync run
with 10,000 entries, 10,000 audit events and 10,000 runs in the log, in a dedicated database
named ``bench_list_pages`` (created fresh, dropped afterwards unless --keep), then times each
page through Django's test client: the first page in its default order, and a page in the
middle, sorted and searched.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time

from bench_database import django_on_fresh_database  # noqa: E402 - a sibling script module

BENCH_DB = "bench_list_pages"
P95_BOUND_MS = 150


def build(rows: int):
    """A company with `rows` of each list and one user who may see every page."""
    from companies.models import Company, Membership, User
    from integrations.models import SyncRun
    from tests.leases.factories import set_up_accounting
    from tests.list_pages import (
        audit_events,
        bulk_leases,
        closed_period_with_entries,
        run_with_entries,
    )

    company = Company.objects.create(name="Bench Co", slug="bench-co")
    user = User.objects.create_user(username="reader", password=None)
    Membership.objects.create(
        company=company,
        user=user,
        is_company_admin=True,
        can_access_lease_accounting=True,
        can_access_integrations=True,
    )
    bulk_leases(company, set_up_accounting(company), rows)
    period = closed_period_with_entries(company, rows)
    run = run_with_entries(period)
    audit_events(company, rows, actor=user)
    # Earlier syncs of the same close fill the Integration Log to `rows` runs.
    SyncRun.objects.bulk_create(
        [
            SyncRun(company=company, period=period, close_version=1, status="completed")
            for _ in range(rows - 1)
        ],
        batch_size=2000,
    )
    return user, period, run


def measure(client, url: str, params: dict, requests: int) -> tuple[float, float, int, str]:
    """p95 and median milliseconds over `requests` views (after one warm-up), queries, pager."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params, secure=True)  # warm-up: templates compiled, session cached
    timings = []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params, secure=True)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    shown = re.search(r"Showing [^<]+", response.content.decode())
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[-1]
    return p95, statistics.median(timings), len(captured.captured_queries), shown.group(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
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
    user, period, sync_run = build(args.rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would leave them
    print(f"set-up: {args.rows} rows of each list in {time.perf_counter() - started:.1f} s")

    logging.getLogger("axes").setLevel(logging.WARNING)  # not one sign-in line per page
    client = Client()
    client.force_login(user)
    middle = args.rows // 100  # page 100 of 200 at 50 a page
    pages = [
        ("lease list", reverse("lease_list"), {}),
        ("lease list, sorted+searched", reverse("lease_list"), {"sort": "-term", "q": "L-"}),
        ("lease list, middle page", reverse("lease_list"), {"sort": "landlord", "page": middle}),
        ("run entries", reverse("sync_run_detail", args=[sync_run.pk]), {}),
        (
            "run entries, middle page",
            reverse("sync_run_detail", args=[sync_run.pk]),
            {"sort": "-amount", "page": middle},
        ),
        (
            "run entries, failed+searched",
            reverse("sync_run_detail", args=[sync_run.pk]),
            {"status": "failed", "q": "L-0"},
        ),
        ("period entries", reverse("period_entries", args=[period.pk]), {}),
        (
            "period entries, middle page",
            reverse("period_entries", args=[period.pk]),
            {"sort": "-debits", "page": middle},
        ),
        ("audit log", reverse("audit_log"), {}),
        ("audit log, middle page", reverse("audit_log"), {"sort": "subject", "page": middle}),
        ("audit log, searched", reverse("audit_log"), {"q": "Change 99"}),
        ("integration log", reverse("integration_log"), {}),
        (
            "integration log, middle page",
            reverse("integration_log"),
            {"sort": "failed", "page": middle, "status": "completed"},
        ),
    ]
    print(f"{'page':32} {'p95 ms':>8} {'bound':>6} {'median':>7} {'queries':>8}  pager")
    for label, url, params in pages:
        p95, median, queries, shown = measure(client, url, params, args.requests)
        verdict = "ok" if p95 <= P95_BOUND_MS else "OVER"
        print(
            f"{label:32} {p95:8.1f} {'≤' + str(P95_BOUND_MS):>6} {median:7.1f} {queries:8d}  "
            f"{shown} ({verdict})"
        )


if __name__ == "__main__":
    main()
