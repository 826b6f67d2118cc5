from datetime import date
from decimal import Decimal

import pytest

from closebooks.models import AccountingPeriod
from closebooks.services import period_close, periods_ensure
from leases.models import AssetType
from tests.leases.factories import make_lease, set_up_accounting

JAN, FEB, MAR, APR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)


def close_through(company, last: date, actor=None) -> None:
    """Close every period from the first up to `last`, in order."""
    for period in periods_ensure(company=company, through=last):
        if period.start <= last and not period.is_closed:
            period_close(period=period, actor=actor)


@pytest.fixture
def books(personas):
    """Two operating leases from January, a finance lease from February, closed through March."""
    personas.subsidiary = set_up_accounting(personas.company)
    make_lease(personas.company, code="L-1", amount="1000.00", commencement=JAN)
    make_lease(
        personas.company,
        code="L-2",
        amount="2500.00",
        commencement=JAN,
        term_months=60,
        asset_type=AssetType.EQUIPMENT,
    )
    make_lease(
        personas.company,
        code="F-1",
        amount="730.15",
        commencement=FEB,
        classification="finance",
        discount_rate=Decimal("7.5"),
    )
    close_through(personas.company, MAR, personas.accountant.user)
    personas.periods = {
        p.start: p for p in AccountingPeriod.objects.filter(company=personas.company)
    }
    return personas
