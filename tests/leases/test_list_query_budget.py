"""The lease list runs a fixed number of queries, whatever the number of leases."""

from django.urls import reverse

from tests.list_pages import bulk_leases, queries_for

# The queries one page of the lease list may run, whatever the number of leases.
LEASE_LIST_QUERY_BUDGET = 7


def test_lease_list_queries_do_not_grow(personas, amy, subsidiary, django_assert_max_num_queries):
    url = reverse("lease_list")
    bulk_leases(personas.company, subsidiary, 5)
    queries_for(amy, url)  # warm the session
    few, _ = queries_for(amy, url, {"sort": "-term"})
    bulk_leases(personas.company, subsidiary, 55, start=5)
    with django_assert_max_num_queries(LEASE_LIST_QUERY_BUDGET):
        many, html = queries_for(amy, url, {"sort": "-term", "page": 2, "q": "L-"})

    assert "Showing 51–60 of 60" in html
    assert many == few
