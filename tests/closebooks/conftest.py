from datetime import date

import pytest

from tests.leases.factories import make_lease, set_up_accounting

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


@pytest.fixture
def books(personas):
    return plain_books(personas)


def plain_books(personas):
    """The personas' company with a mapped chart and three active leases from January 2026."""
    subsidiary = set_up_accounting(personas.company)
    for code, amount in (("L-1", "1000.00"), ("L-2", "2500.00"), ("L-3", "730.15")):
        make_lease(personas.company, code=code, amount=amount, commencement=JAN)
    personas.subsidiary = subsidiary
    return personas
