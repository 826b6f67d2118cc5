"""A closed period's entries page, sort and search on the server, in a fixed number of queries."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.list_pages import closed_period_with_entries, queries_for

# The queries one page of a period's entries may run, whatever the number of entries.
PERIOD_ENTRIES_QUERY_BUDGET = 8


def keys(html: str) -> list[str]:
    return re.findall(r'<td><a href="/[^"]+">(JE-[^<]+)</a></td>', html)


@pytest.fixture
def accountant(personas):
    client = Client()
    client.force_login(personas.accountant.user)
    return client


def test_entries_page_sort_and_search(personas, accountant):
    period = closed_period_with_entries(personas.company, 60)
    url = reverse("period_entries", args=[period.pk])

    first = accountant.get(url).content.decode()
    second = accountant.get(url, {"page": 2}).content.decode()
    by_debits = accountant.get(url, {"sort": "-debits", "q": "L-0000"}).content.decode()

    assert keys(first)[0] == "JE-202601-L-00000" and len(keys(first)) == 50
    assert keys(second) == [f"JE-202601-L-{n:05d}" for n in range(50, 60)]
    assert "Showing 1–50 of 60" in first and "Showing 51–60 of 60" in second
    assert keys(by_debits) == [f"JE-202601-L-{n:05d}" for n in range(9, -1, -1)]
    assert 'name="sort" value="-debits"' in by_debits
    assert "No entries match." in accountant.get(url, {"q": "nothing"}).content.decode()


def test_entries_queries_do_not_grow(personas, accountant, django_assert_max_num_queries):
    small = closed_period_with_entries(personas.company, 5)
    large = closed_period_with_entries(personas.company, 60, start=small.start.replace(month=2))
    queries_for(accountant, reverse("period_entries", args=[small.pk]))  # warm the session

    few, _ = queries_for(accountant, reverse("period_entries", args=[small.pk]))
    with django_assert_max_num_queries(PERIOD_ENTRIES_QUERY_BUDGET):
        many, html = queries_for(
            accountant, reverse("period_entries", args=[large.pk]), {"page": 2}
        )

    assert "Showing 51–60 of 60" in html
    assert many == few
