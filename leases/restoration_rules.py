"""A lease's restoration cost fields (IFRS 16 with IAS 37): what the lease form and the portfolio
import refuse before the engine sees them.

One place, as ``leases.stub_rules`` is for end dates and payment days, so the form and the import
say the same sentence. The engine checks the rest (an expected cost under ASC 842, amounts finer
than the currency) with its own sentences, which both show on the field or column.
"""

from __future__ import annotations

from decimal import Decimal

HUNDRED = Decimal(100)
RATE_DECIMALS = 6  # Lease.restoration_rate keeps 6 decimals of a percent


def restoration_rate_refusal(rate: Decimal | None) -> str | None:
    """Why a restoration discount rate (percent a year; blank = the lease's rate) cannot be
    taken, or None. The engine takes it as a fraction, so its own sentence would speak of one."""
    if rate is None:
        return None
    if not rate.is_finite() or not 0 <= rate < HUNDRED:
        return "Enter the restoration discount rate in percent, from 0 to below 100 (6 for 6 %)."
    if rate != rate.quantize(Decimal(1).scaleb(-RATE_DECIMALS)):
        return f"Enter the restoration discount rate with at most {RATE_DECIMALS} decimals."
    return None
