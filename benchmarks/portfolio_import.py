"""Benchmark: import a 10,000-lease portfolio workbook (read, validate, save) on PostgreSQL.

Usage: DATABASE_URL=postgres://user@host:5432/any python benchmarks/portfolio_import.py
[--leases N] [--keep]. The run uses its own database ``bench_portfolio`` on the same server
(created fresh, dropped afterwards unless --keep). Half the leases commenced before the
company's go-live and come in with opening balances (ASC 840 transition or balances from a
previous system); one in four commences on the 15th and gives its end date (the last day of a
month, the term derived from it) and payment day (the 1st): part months at both ends, under the
actual-days convention. Every lease has a payment stream, one in four a variable payment.

Bound (issue: go-live with an existing portfolio): ≤ 60 s for 10,000 leases, file to saved.
A second run of the same file (all leases unchanged) is timed too.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from datetime import date, timedelta

from bench_database import django_on_fresh_database  # noqa: E402 - a sibling script module

BENCH_DB = "bench_portfolio"
GO_LIVE = date(2026, 7, 1)
BOUND_SECONDS = 60


def workbook(count: int) -> bytes:
    """A portfolio workbook of `count` leases in the template's layout."""
    from openpyxl import Workbook

    from leases.portfolio import SHEETS

    book = Workbook(write_only=True)
    sheets = {name: book.create_sheet(name) for name in SHEETS}
    for name, columns in SHEETS.items():
        sheets[name].append([column for column, _ in columns])
    for n in range(count):
        code = f"P-{n:05d}"
        before = n % 2 == 0 and n % 5 != 0  # finance leases (n % 5 == 0) commence later
        start = date(2023 + n % 3, 1 + n % 12, 1) if before else date(2026, 7 + n % 6, 1)
        term, end, day = 60 + 12 * (n % 4), "", ""
        if n % 4 == 1:
            # Real dates: from the 15th to the end of a month, rent on the 1st (stubs both ends).
            start, years = start.replace(day=15), 5 + n % 4
            term, end, day = "", date(start.year + years, start.month, 1) - timedelta(1), 1
        sheets["leases"].append(
            [code, f"Lease {n}", "Acme US", "real_estate", "Landlord", "USD", start.isoformat(),
             term, end and end.isoformat(), day, "asc842",
             "finance" if n % 5 == 0 else "operating", f"{5 + n % 30 / 10}", "nominal", "", "",
             "active"]
        )  # fmt: skip
        sheets["payment_streams"].append(
            [code, f"{1000 + n % 900}.00", "monthly", "advance", 0, "percent", "3", 12, ""]
        )
        if n % 4 == 0:
            sheets["variable_payments"].append([code, "2026-08", "cam", "125.00", "CAM"])
        if before:
            sheets["opening_balances"].append([code, "asc840", "", "250.00", "", "", "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leases", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="Keep the bench_portfolio database.")
    args = parser.parse_args()
    with django_on_fresh_database(BENCH_DB, keep=args.keep):
        from companies.models import Company, User
        from leases.models import Lease
        from leases.portfolio import portfolio_import, read_portfolio
        from tests.leases.factories import set_up_accounting

        company = Company.objects.create(
            name="Bench Co", slug="bench-co", go_live_date=GO_LIVE, transition_method=""
        )
        actor = User.objects.create_user(username="importer", password=None)
        set_up_accounting(company)
        data = workbook(args.leases)
        print(f"workbook: {args.leases} leases, {len(data) / 1e6:.1f} MB")
        for label in ("first import", "re-run (unchanged)"):
            started, cpu = time.perf_counter(), time.process_time()
            plan = read_portfolio(io.BytesIO(data), company=company)
            checked = time.perf_counter() - started
            if not plan.ok:
                raise SystemExit("\n".join(str(e) for e in plan.errors[:20]))
            portfolio_import(company=company, actor=actor, plan=plan)
            total = time.perf_counter() - started
            cpu = time.process_time() - cpu
            print(
                f"{label}: read + validate + preview {checked:.1f} s, total {total:.1f} s "
                f"(bound ≤ {BOUND_SECONDS} s, ratio {total / BOUND_SECONDS:.2f}; CPU {cpu:.1f} s, "
                f"load {os.getloadavg()[0]:.2f}) — {plan.counts}"
            )
        leases = Lease.objects.filter(company=company)
        assert leases.count() == args.leases
        dated = leases.filter(end_date__isnull=False, payment_day=1)
        assert dated.count() == (args.leases + 2) // 4


if __name__ == "__main__":
    main()
