"""A lease's restoration provision in the close: its unwinding posts each month on lines of its
own, to the interest expense (finance cost) account against the provision account."""

from datetime import date
from decimal import Decimal

from leases.models import Lease
from leases.selectors import lease_terms, leases_with_terms, period_postings
from tests.leases.factories import make_lease, set_up_accounting


def test_the_unwinding_posts_to_finance_cost_against_the_provision(personas):
    set_up_accounting(personas.company)
    make_lease(
        personas.company,
        code="SITE-1",
        standard="ifrs16",
        classification="",
        term_months=36,
        rate_convention="effective",
        restoration_estimate=Decimal("10000.00"),
        restoration_rate=Decimal("6"),
    )
    lease = leases_with_terms(Lease.objects.filter(code="SITE-1")).get()
    # 10,000 / 1.06^3 (see tests/leases/engine/test_restoration.py for the figures by hand).
    assert lease_terms(lease).restoration_cost == Decimal("8396.19")
    january = period_postings(personas.company, date(2026, 1, 1))
    assert january.problems == []
    own = [x for x in january.lines if x.memo.startswith("Restoration provision: unwinding")]
    assert [(x.account_number, x.debit, x.credit) for x in own] == [
        ("7100", Decimal("40.87"), Decimal(0)),
        ("2400", Decimal(0), Decimal("40.87")),
    ]
    assert ("2400", Decimal(0), Decimal("8396.19")) in [
        (x.account_number, x.debit, x.credit) for x in january.lines
    ]
