"""Benchmark: a fiscal year of disclosures (and the roll-forward) for 10,000 leases; target 3 s.

Usage: [DATABASE_URL=postgres://user@host:5432/any] python benchmarks/report_disclosures.py
[--leases N] [--repeat R] [--golive] [--database NAME]. With DATABASE_URL pointing at PostgreSQL it
runs in a database of its own on that server (``bench_disclosures`` unless named, created fresh
and dropped afterwards); without it, on a fresh SQLite database in a temporary folder (never the
development or test database). The
portfolio mixes operating and finance (ASC 842) and IFRS 16 leases, 3 to 10 years, monthly,
quarterly and annual payments, some escalating, commencing over 2022-2026. The months of the
fiscal year are then marked closed, and three figures are printed: the disclosures built from
every schedule (what a range with an open month costs), keeping the closed months' figures (what
the task after each sync does, here for the whole year at once), and the reports after it
(which read the kept figures): the target is for those.

With ``--golive`` the company goes live on 1 January 2026 and every lease commenced before it
(2023-2025), so the whole portfolio is brought in at go-live and FY2026 is the year of initial
application: the disclosures then also show the IFRS 16 C12(a) figures (the liability recognised
at go-live and its weighted-average rate; a third of the IFRS 16 leases carry a transition rate of
their own), timed on their own as well.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_S = 3.0


GO_LIVE = date(2026, 1, 1)


def portfolio(company, count: int, *, golive: bool = False) -> None:
    """`count` active leases with one payment stream each, mapped through company defaults;
    `golive`: all commencing in 2023-2025 (before GO_LIVE) and still running at it."""
    from leases.models import (
        AccountingDefaults,
        GLAccount,
        Lease,
        LeaseOpeningBalance,
        LeasePayment,
        Subsidiary,
    )

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
        ]
    }
    AccountingDefaults.objects.create(company=company, **accounts)
    subsidiaries = [
        Subsidiary.objects.create(company=company, name=f"Sub {n}", currency="USD") for n in (1, 2)
    ]
    kinds = [("asc842", "operating"), ("asc842", "finance"), ("ifrs16", "")]
    leases = Lease.objects.bulk_create(
        Lease(
            company=company,
            code=f"L-{n:05d}",
            name=f"Lease {n}",
            asset_type=("real_estate", "equipment", "vehicle")[n % 3],
            subsidiary=subsidiaries[n % 2],
            currency="USD",
            # Terms of 3 years or more from 2023 on all still run on 1 January 2026.
            commencement_date=date((2023 + n % 3) if golive else (2022 + n % 5), 1 + n % 12, 1),
            term_months=36 + (n % 8) * 12,
            standard=kinds[n % 3][0],
            classification=kinds[n % 3][1],
            discount_rate=Decimal("4") + Decimal(n % 40) / 10,
            status="active",
        )
        for n in range(count)
    )
    LeasePayment.objects.bulk_create(
        LeasePayment(
            lease=lease,
            amount=Decimal(500 + n % 97 * 25),
            frequency=(1, 1, 3, 12)[n % 4],
            escalation_kind="percent" if n % 2 else "",
            escalation_value=Decimal("3") if n % 2 else None,
        )
        for n, lease in enumerate(leases)
    )
    if golive:
        # A transition rate of its own for every third IFRS 16 lease (IFRS 16 C8, C12(a)).
        LeaseOpeningBalance.objects.bulk_create(
            LeaseOpeningBalance(lease=lease, transition_rate=Decimal("5.5"))
            for n, lease in enumerate(leases)
            if kinds[n % 3][0] == "ifrs16" and n % 9 == 2
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Keep the PostgreSQL database.")
    parser.add_argument(
        "--database", default="bench_disclosures", help="Its name (default %(default)s)."
    )
    parser.add_argument(
        "--golive",
        action="store_true",
        help="Bring the whole portfolio in at go-live on 1 Jan 2026 (FY2026: initial application).",
    )
    args = parser.parse_args()

    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        from bench_database import django_on_fresh_database  # noqa: E402 - a sibling script

        with django_on_fresh_database(args.database, keep=args.keep):
            run(args, "PostgreSQL")
        return
    folder = tempfile.mkdtemp(prefix="bench-disclosures-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["OCCUPIER_VAR_DIR"] = folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "occupier.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    try:
        run(args, "SQLite")
    finally:
        connections.close_all()
        shutil.rmtree(folder, ignore_errors=True)


def _timed(fn, repeat: int) -> tuple[list[float], list[float], object]:
    """Wall and CPU seconds of each of `repeat` calls, and the last result."""
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


def run(args, database: str) -> None:
    """The measured part, on the benchmark's own database."""
    from django.utils import timezone

    from closebooks.models import AccountingPeriod
    from closebooks.services import periods_ensure
    from companies.models import Company
    from reports.models import PeriodFacts
    from reports.periods import fiscal_range
    from reports.selectors import disclosures, ifrs16_transition, rollforward
    from reports.snapshots import period_facts_keep
    from reports.subledger import computed_lease_facts, lease_facts

    company = Company.objects.create(
        name="Bench Co", slug="bench-co", go_live_date=GO_LIVE if args.golive else None
    )
    portfolio(company, args.leases, golive=args.golive)
    span = fiscal_range(company, 2026)

    def computed():
        (facts,) = computed_lease_facts(company, [(span.start, span.end)])
        return facts, disclosures(company, span, facts=facts)

    def kept():
        facts = lease_facts(company, span.start, span.end)
        return facts, disclosures(company, span, facts=facts)

    before_wall, before_cpu, (facts, expected) = _timed(computed, max(1, args.repeat - 1))
    open_wall, open_cpu, open_transitions = _timed(lambda: ifrs16_transition(company, span), 1)
    # The fiscal year closes (its entries are not needed here: only the periods' state).
    periods_ensure(company=company, through=span.end)
    AccountingPeriod.objects.filter(company=company, start__lte=span.end).update(
        status="closed", closed_at=timezone.now(), close_version=1
    )
    # What the task queued after each sync does (here for the whole year at once).
    ids = list(
        AccountingPeriod.objects.filter(company=company, start__gte=span.start).values_list(
            "pk", flat=True
        )
    )
    first_wall, first_cpu, _ = _timed(lambda: period_facts_keep(period_ids=ids), 1)
    assert PeriodFacts.objects.filter(company=company).count() == span.months
    wall, cpu, (facts, result) = _timed(kept, args.repeat)
    assert len(facts) == args.leases
    same = [(d.figures, d.maturities) for d in result] == [
        (d.figures, d.maturities) for d in expected
    ]
    assert same, "the kept figures differ from the schedules"
    started = time.perf_counter()
    report = rollforward(company, span, facts=facts)
    roll_s = time.perf_counter() - started
    transition_wall, transition_cpu, transitions = _timed(
        lambda: ifrs16_transition(company, span), args.repeat
    )
    if args.golive:
        brought_in = sum(len(t.liabilities) for t in transitions.values())
        assert brought_in, "no IFRS 16 lease was brought in at go-live"
        assert {c: (t.liability, t.rate) for c, t in transitions.items()} == {
            c: (t.liability, t.rate) for c, t in open_transitions.items()
        }, "the go-live figures read from the kept month differ from the schedules"

    on_books = sum(1 for f in facts if f.on_balance_sheet)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"disclosures FY2026 on {database}: {args.leases:,} leases ({on_books:,} on the "
          f"balance sheet); load average {load:.1f} on {os.cpu_count()} cores")  # fmt: skip
    if args.golive:
        print(f"go-live {GO_LIVE:%d %b %Y}, FY2026 the year of initial application: every lease "
              f"brought in at go-live, {brought_in:,} of them IFRS 16")  # fmt: skip
    _line("from every schedule (a range with an open month)", before_wall, before_cpu, None)
    if args.golive:
        _line(
            "of which the IFRS 16 go-live figures (go-live month open)", open_wall, open_cpu, None
        )
    _line("keeping the year's figures (the task after each sync; here 12 months at once)",
          first_wall, first_cpu, None)  # fmt: skip
    _line("disclosures from the kept figures", wall, cpu, TARGET_S)
    _line(
        "of which the IFRS 16 go-live figures (C12(a), go-live month kept)",
        transition_wall,
        transition_cpu,
        TARGET_S,
    )
    print(f"roll-forward grouping and reconciliation on the same facts: {roll_s:.2f} s "
          f"({len(report.rows)} rows)")  # fmt: skip
    print(f"target <= {TARGET_S} s:", "met" if statistics.median(wall) <= TARGET_S else "NOT met")


if __name__ == "__main__":
    main()
