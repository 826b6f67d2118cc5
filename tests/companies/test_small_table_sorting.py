"""Short tables sort in the page by ?sort=, keeping the filters, like the long lists do."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from leases.models import GLAccount

TABLE = Template(
    "{% load tables %}"
    '{% sort_rows rows "code,amount,day=when.day,name" "code" as rows %}'
    "{% sort_header 'amount' 'Amount' numeric=True %}"
    "|{% for r in rows %}{{ r.code }} {% endfor %}|{{ sort }}"
)


def _render(query: str, rows) -> str:
    request = RequestFactory().get("/accounts/?" + query)
    return TABLE.render(Context({"request": request, "rows": rows}))


ROWS = [
    SimpleNamespace(code="b", amount=Decimal("10"), when=None, name="beta"),
    SimpleNamespace(
        code="a", amount=None, when=SimpleNamespace(day=date(2026, 1, 1)), name="Alpha"
    ),
    SimpleNamespace(
        code="c", amount=Decimal("-5"), when=SimpleNamespace(day=date(2025, 1, 1)), name="gamma"
    ),
]


def test_rows_sort_by_the_column_asked_blanks_last_either_way():
    assert "|c b a |amount" in _render("sort=amount", ROWS)
    assert "|b c a |-amount" in _render("sort=-amount", ROWS)
    assert "|c a b |day" in _render("sort=day", ROWS)
    assert "|a b c |name" in _render("sort=name", ROWS)  # text without regard to case


def test_an_unknown_or_hostile_key_falls_back_to_the_default():
    assert "|a b c |code" in _render("sort=__class__", ROWS)
    assert "|a b c |code" in _render("sort=-", ROWS)


def test_the_header_keeps_the_filters_and_says_its_state():
    body = _render("q=rent&sort=amount&page=3", ROWS)
    assert 'aria-sort="ascending"' in body
    assert 'href="?q=rent&amp;sort=-amount"' in body  # the page number is dropped


@pytest.fixture
def amy(personas):
    client = Client()
    client.force_login(personas.accountant.user)
    return client


def test_the_chart_of_accounts_sorts_by_name(amy, personas):
    for number, name in [("1", "Zeta"), ("2", "alpha"), ("3", "Mid")]:
        GLAccount.objects.create(company=personas.company, number=number, name=name)
    body = amy.get(reverse("chart_of_accounts"), {"sort": "-name"}).content.decode()
    assert body.index("Zeta") < body.index("Mid") < body.index("alpha")
    assert 'aria-sort="descending"' in body
