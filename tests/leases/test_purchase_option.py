"""The purchase option as its own fields: its price is a lease payment when reasonably certain."""

from datetime import date
from decimal import Decimal as D

from leases import engine
from leases.selectors import lease_terms, leases_with_terms
from tests.leases.factories import make_lease


def _liability(lease) -> D:
    stored = leases_with_terms(type(lease).objects.filter(pk=lease.pk)).get()
    return engine.measure(lease_terms(stored)).liability


def test_a_reasonably_certain_purchase_option_price_joins_the_liability(personas, subsidiary):
    # ASC 842-20-30-5(c) / IFRS 16.27(d): the exercise price of a purchase option the lessee is
    # reasonably certain to exercise is a lease payment.
    fields = dict(
        classification="finance",
        term_months=36,
        useful_life_months=60,
        purchase_option_price=D("5000.00"),
        purchase_option_date=date(2028, 12, 31),
    )
    without = make_lease(personas.company, code="PO-0", **fields)
    certain = make_lease(
        personas.company, code="PO-1", purchase_option_reasonably_certain=True, **fields
    )
    v = 1 / (1 + D("0.06") / 12)
    # Paid at the end of the term's last month: 36 months from commencement.
    assert abs(_liability(certain) - _liability(without) - D("5000.00") * v**36) < D("1e-20")
    schedule = engine.build_schedule(
        lease_terms(leases_with_terms(type(certain).objects.filter(pk=certain.pk)).get())
    )
    months = schedule.posted_months()
    assert months[35].payment == D("6000.00")  # the last rent and the exercise price
    assert months[35].closing_liability == 0
    # The ROU asset is amortized over the useful life: ownership is expected to pass.
    assert len(months) == 60 and months[-1].rou_closing == 0
