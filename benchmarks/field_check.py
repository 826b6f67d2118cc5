"""Benchmark: the inline field check of the lease and change forms, p95 answer time.

Usage: DATABASE_URL=postgres://user@host:5432/any python benchmarks/field_check.py
[--requests N] [--keep]. Builds one company with a 30-year lease (three payment streams with
yearly escalation) in a dedicated database named ``bench_field_check``, then times the JSON check
a field's blur sends (the whole form validated as on submit, the engine's checks included)
through Django's test client. The answer should be back before the user is in the next field.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time

from bench_database import django_on_fresh_database  # noqa: E402 - a sibling script module

BENCH_DB = "bench_field_check"
P95_BOUND_MS = 150


def build():
    from datetime import date
    from decimal import Decimal

    from companies.models import Company, Membership, User
    from leases.models import LeasePayment
    from tests.leases.factories import make_lease, set_up_accounting

    company = Company.objects.create(name="Bench Co", slug="bench-co")
    user = User.objects.create_user(username="amy", password=None)
    Membership.objects.create(company=company, user=user, can_access_lease_accounting=True)
    subsidiary = set_up_accounting(company)
    lease = make_lease(company, code="LONG-1", commencement=date(2026, 1, 1), term_months=360)
    for amount in ("250.00", "75.00"):
        LeasePayment.objects.create(
            lease=lease,
            amount=Decimal(amount),
            frequency=1,
            timing="advance",
            escalation_kind="percent",
            escalation_value=Decimal("3"),
            escalation_every_months=12,
        )
    return user, subsidiary, lease


def measure(client, url: str, data: dict, requests: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.post(url, data, secure=True)  # warm-up
    timings = []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post(url, data, secure=True)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content)
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[-1]
    return p95, statistics.median(timings), len(captured.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database.")
    args = parser.parse_args()
    with django_on_fresh_database(BENCH_DB, keep=args.keep):
        run(args)


def run(args) -> None:
    from django.test import Client
    from django.urls import reverse

    from leases.forms import LeaseEditor
    from leases.selectors import accounting_defaults

    user, subsidiary, lease = build()
    logging.getLogger("axes").setLevel(logging.WARNING)
    client = Client()
    client.force_login(user)
    # The form as the edit page renders it, sent back as the browser would.
    editor = LeaseEditor(
        company=lease.company, defaults=accounting_defaults(lease.company), lease=lease
    )
    form_data = {}
    for form in [editor.form, editor.payments.management_form, *editor.payments.forms,
                 editor.incentives.management_form, *editor.incentives.forms]:  # fmt: skip
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            form_data[key] = getattr(value, "pk", value)
    change = {
        "kind": "consideration",
        "effective": "2030-03-10",
        "new_rent": "1200",
        "annual_rate": "6",
    }
    edit_check = reverse("lease_edit_check", args=[lease.pk])
    checks = [
        ("lease form: currency", edit_check, form_data | {"_field": "currency"}),
        ("lease form: a stream's amount", edit_check, form_data | {"_field": "payments-0-amount"}),
        (
            "change form: new payment",
            reverse("lease_change_check", args=[lease.pk]),
            change | {"_field": "new_rent"},
        ),
    ]
    print(f"{'check':32} {'p95 ms':>8} {'bound':>6} {'ratio':>6} {'median':>7} {'queries':>8}")
    for label, url, data in checks:
        cpu = time.process_time()
        p95, median, queries = measure(client, url, data, args.requests)
        cpu_ms = (time.process_time() - cpu) * 1000 / (args.requests + 1)
        verdict = "ok" if p95 <= P95_BOUND_MS else "OVER"
        print(
            f"{label:32} {p95:8.1f} {P95_BOUND_MS:6} {p95 / P95_BOUND_MS:6.2f} {median:7.1f} "
            f"{queries:8}  cpu {cpu_ms:.1f} ms/request  {verdict}"
        )


if __name__ == "__main__":
    main()
