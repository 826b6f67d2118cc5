"""The lease list sorts by a column, keeps its filters, and pages."""

import re

from django.urls import reverse

from tests.leases.factories import make_lease


def codes(body: str) -> list[str]:
    return re.findall(r'<td><a href="/leases/\d+/">([^<]+)</a>', body)


def test_the_list_sorts_by_term_keeping_the_filter_and_reverses(amy, personas, subsidiary):
    make_lease(personas.company, code="A-1", term_months=60)
    make_lease(personas.company, code="B-1", term_months=12)
    make_lease(personas.company, code="C-1", term_months=36, status="draft")

    body = amy.get(reverse("lease_list"), {"status": "active", "sort": "term"}).content.decode()
    assert codes(body) == ["B-1", "A-1"]
    assert 'name="sort" value="term"' in body
    body = amy.get(reverse("lease_list"), {"status": "active", "sort": "-term"}).content.decode()
    assert codes(body) == ["A-1", "B-1"]


def test_the_list_pages_by_fifty_in_code_order(amy, personas, subsidiary):
    for n in range(52):
        make_lease(personas.company, code=f"L-{n:03d}")
    first = amy.get(reverse("lease_list")).content.decode()
    second = amy.get(reverse("lease_list"), {"page": 2}).content.decode()
    assert codes(first)[0] == "L-000" and len(codes(first)) == 50
    assert codes(second) == ["L-050", "L-051"]
    assert "Showing 1–50 of 52" in first and "Showing 51–52 of 52" in second
