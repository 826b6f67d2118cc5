"""Benchmark: full schedules (with posted figures) for N leases x M months on one core.

Usage: python benchmarks/engine_schedules.py [--leases 10000] [--months 120] [--runs 3]
[--reference] [--journal] [--keep]. Each run builds every schedule with the fast path
(`leases.engine.fast`, identical figures) or, with --reference, `build_schedule`; then the
streamed peak memory of 1,000 and 10,000 leases is measured in fresh processes.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from leases.engine import (  # noqa: E402 - path set above so the script runs from a checkout
    Classification,
    Escalation,
    EscalationKind,
    Frequency,
    Incentive,
    LeaseTerms,
    PaymentStream,
    RateConvention,
    Standard,
    Timing,
    build_schedule,
    journal_lines,
)
from leases.engine.fast import fast_schedule  # noqa: E402


def portfolio_lease(i: int, months: int) -> LeaseTerms:
    """Lease `i` of a deterministic mix of operating, finance and IFRS 16 leases."""
    standard = Standard.IFRS_16 if i % 3 == 2 else Standard.ASC_842
    classification = None
    if standard is Standard.ASC_842:
        classification = Classification.OPERATING if i % 3 == 0 else Classification.FINANCE
    return LeaseTerms(
        commencement=date(2024, 1 + i % 12, 1),
        term_months=months,
        standard=standard,
        classification=classification,
        annual_rate=Decimal("0.0904088") - Decimal(i % 50) / 1000,
        rate_convention=RateConvention.EFFECTIVE if i % 2 else RateConvention.NOMINAL,
        payments=(
            PaymentStream(
                amount=Decimal(1000 + i % 9000) + Decimal("0.25"),
                frequency=Frequency.QUARTERLY if i % 5 == 0 else Frequency.MONTHLY,
                timing=Timing.ARREARS if i % 4 == 0 else Timing.ADVANCE,
                escalations=(Escalation(EscalationKind.PERCENT, Decimal("0.03"), 12),),
                rent_free_months=i % 3,
            ),
        ),
        initial_direct_costs=Decimal(i % 700),
        incentives=(Incentive(Decimal(i % 500)),),
    )


def portfolio(count: int, months: int) -> list[LeaseTerms]:
    """A deterministic mix of operating, finance and IFRS 16 leases with escalations."""
    return [portfolio_lease(i, months) for i in range(count)]


BOUND_SECONDS = 1.5  # issue #16: 10,000 leases x 120 months


def _peak_mb() -> float:
    """This process's peak resident memory so far: VmHWM on Linux (ru_maxrss would carry the
    parent's peak into a child across exec), else ru_maxrss."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _streamed_peak(count: int, months: int) -> float:
    """Peak memory of a fresh process streaming `count` leases (terms generated lazily too)."""
    here = str(Path(__file__).resolve().parent)
    code = (
        f"import sys; sys.path.insert(0, {here!r}); import engine_schedules as b; "
        "from collections import deque; from leases.engine.fast import stream_schedules; "
        f"deque((s.posted() for s in stream_schedules(b.lazy_portfolio({count}, {months}))), 0); "
        "print(b._peak_mb())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def lazy_portfolio(count: int, months: int) -> Iterator[LeaseTerms]:
    """The same leases as `portfolio`, made one at a time."""
    for i in range(count):
        yield portfolio_lease(i, months)


def main() -> None:
    """Build every schedule (reference or fast path), print seconds, CPU and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leases", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--journal", action="store_true", help="also build every journal line")
    parser.add_argument("--reference", action="store_true", help="build_schedule, not fast")
    parser.add_argument("--keep", action="store_true", help="keep every schedule in memory")
    args = parser.parse_args()
    leases = portfolio(args.leases, args.months)
    build = build_schedule if args.reference else fast_schedule
    path = "reference build_schedule" if args.reference else "fast path"
    print(f"{path}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for number in range(1, args.runs + 1):
        kept = []
        wall, cpu = time.perf_counter(), time.process_time()
        for terms in leases:
            schedule = build(terms)
            schedule.posted()
            if args.journal:
                journal_lines(schedule)
            if args.keep:
                kept.append(schedule)
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        print(
            f"run {number}: {args.leases} leases x {args.months} months with posted figures"
            + (" and journal lines" if args.journal else "")
            + f": {wall:.2f} s wall (bound ≤ {BOUND_SECONDS} s, ratio {wall / BOUND_SECONDS:.2f}), "
            f"{cpu:.2f} s CPU, peak RSS {_peak_mb():.0f} MB"
            + (" (all schedules kept)" if args.keep else "")
        )
    small, large = _streamed_peak(1_000, args.months), _streamed_peak(10_000, args.months)
    print(
        f"streamed (stream_schedules), fresh process: peak RSS {small:.0f} MB for 1,000 leases, "
        f"{large:.0f} MB for 10,000 (bound: no growth with the number of leases; ratio "
        f"{large / small:.2f})"
    )


if __name__ == "__main__":
    main()
