"""Benchmark: full schedules (with posted figures) for N leases x M months on one core.

Usage: python benchmarks/engine_schedules.py [--leases 10000] [--months 120] [--journal] [--stream]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
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


def portfolio(count: int, months: int) -> list[LeaseTerms]:
    """A deterministic mix of operating, finance and IFRS 16 leases with escalations."""
    leases = []
    for i in range(count):
        standard = Standard.IFRS_16 if i % 3 == 2 else Standard.ASC_842
        classification = None
        if standard is Standard.ASC_842:
            classification = Classification.OPERATING if i % 3 == 0 else Classification.FINANCE
        leases.append(
            LeaseTerms(
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
        )
    return leases


def main() -> None:
    """Build every schedule, keep them (unless --stream), print seconds and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leases", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--journal", action="store_true", help="also build every journal line")
    parser.add_argument("--stream", action="store_true", help="discard each schedule when done")
    args = parser.parse_args()
    leases = portfolio(args.leases, args.months)
    kept = []
    start = time.perf_counter()
    for terms in leases:
        schedule = build_schedule(terms)
        schedule.posted()
        if args.journal:
            journal_lines(schedule)
        if not args.stream:
            kept.append(schedule)
    elapsed = time.perf_counter() - start
    # ru_maxrss is in kilobytes on Linux.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    months = sum(len(s) for s in kept) if kept else args.leases * args.months
    print(
        f"{args.leases} leases x {args.months} months ({months} schedule months): "
        f"{elapsed:.2f} s, peak RSS {peak_mb:.0f} MB"
        + (" (with journal lines)" if args.journal else "")
        + (" (streaming)" if args.stream else " (all schedules kept)")
    )


if __name__ == "__main__":
    main()
