"""The run detail page pages, sorts and searches its entries, in a fixed number of queries."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from integrations.models import SyncRun
from tests.list_pages import closed_period_with_entries, queries_for, run_with_entries

# The queries one page of the run detail or the integration log may run, whatever the rows.
RUN_DETAIL_QUERY_BUDGET = 8
LOG_QUERY_BUDGET = 7


def keys(html: str) -> list[str]:
    return re.findall(r"<td><code>([^<]+)</code></td>", html)


@pytest.fixture
def reviewer(personas):
    client = Client()
    client.force_login(personas.reviewer.user)
    return client


def test_entries_page_by_fifty_and_say_which_rows_show(personas, reviewer):
    run = run_with_entries(closed_period_with_entries(personas.company, 60))
    url = reverse("sync_run_detail", args=[run.pk])

    first = reviewer.get(url).content.decode()
    second = reviewer.get(url, {"page": 2}).content.decode()

    assert len(keys(first)) == 50 and keys(first)[0] == "JE-202601-L-00000"
    assert keys(second) == [f"JE-202601-L-{n:05d}" for n in range(50, 60)]
    assert "Showing 1–50 of 60" in first and "Showing 51–60 of 60" in second


def test_search_status_and_sort_stay_in_the_address(personas, reviewer):
    run = run_with_entries(closed_period_with_entries(personas.company, 60))
    url = reverse("sync_run_detail", args=[run.pk])

    failed = reviewer.get(url, {"status": "failed", "sort": "-key"}).content.decode()
    searched = reviewer.get(url, {"q": "L-0005"}).content.decode()

    assert keys(failed) == [f"JE-202601-L-{n:05d}" for n in (55, 48, 41, 34, 27, 20, 13, 6)]
    assert 'name="sort" value="-key"' in failed  # the filter form keeps the order
    assert '<option value="failed" selected>' in failed
    assert keys(searched) == [f"JE-202601-L-{n:05d}" for n in range(50, 60)]
    nothing = reviewer.get(url, {"q": "no such entry"}).content.decode()
    assert "No entries match." in nothing


def test_an_unknown_sort_or_page_still_answers(personas, reviewer):
    run = run_with_entries(closed_period_with_entries(personas.company, 3))
    url = reverse("sync_run_detail", args=[run.pk])
    response = reviewer.get(url, {"sort": "password", "page": "x"})
    assert response.status_code == 200
    assert len(keys(response.content.decode())) == 3


def test_run_detail_queries_do_not_grow_with_entries(
    personas, reviewer, django_assert_max_num_queries
):
    small = run_with_entries(closed_period_with_entries(personas.company, 5))
    large = run_with_entries(
        closed_period_with_entries(personas.company, 60, start=small.period.start.replace(month=2))
    )
    queries_for(reviewer, reverse("sync_run_detail", args=[small.pk]))  # warm the session

    few, _ = queries_for(reviewer, reverse("sync_run_detail", args=[small.pk]))
    with django_assert_max_num_queries(RUN_DETAIL_QUERY_BUDGET):
        many, html = queries_for(reviewer, reverse("sync_run_detail", args=[large.pk]), {"page": 2})

    assert "Showing 51–60 of 60" in html
    assert many == few


def test_integration_log_queries_do_not_grow_with_runs(
    personas, reviewer, django_assert_max_num_queries
):
    period = closed_period_with_entries(personas.company, 1)
    url = reverse("integration_log")

    def add_runs(count):
        SyncRun.objects.bulk_create(
            [
                SyncRun(
                    company=personas.company, period=period, close_version=1, status="completed"
                )
                for _ in range(count)
            ]
        )

    add_runs(5)
    queries_for(reviewer, url)  # warm the session
    few, _ = queries_for(reviewer, url)
    add_runs(55)
    with django_assert_max_num_queries(LOG_QUERY_BUDGET):
        many, html = queries_for(reviewer, url, {"page": 2})

    assert "Showing 51–60 of 60" in html
    assert many == few


def failed_keys(html: str) -> list[str]:
    return re.findall(r"<td data-label=\"Entry\"><div><code>([^<]+)</code>", html)


def test_the_errors_page_pages_its_failed_entries_in_a_fixed_number_of_queries(personas, reviewer):
    # Every entry failed (one missing mapping does that to a whole period).
    run = run_with_entries(closed_period_with_entries(personas.company, 60), failed_every=1)
    url = reverse("sync_run_errors", args=[run.pk])
    queries_for(reviewer, url)  # warm the session

    first_count, first = queries_for(reviewer, url)
    second_count, second = queries_for(reviewer, url, {"page": 2})

    assert failed_keys(first) == [f"JE-202601-L-{n:05d}" for n in range(50)]
    assert failed_keys(second) == [f"JE-202601-L-{n:05d}" for n in range(50, 60)]
    assert "Showing 1–50 of 60" in first and "Showing 51–60 of 60" in second
    assert "Fix the causes below" in first
    assert 'action="' + reverse("sync_run_retry", args=[run.pk]) + '"' in second  # Retry stays
    assert first_count == second_count
    assert len(failed_keys(reviewer.get(url, {"page": "x"}).content.decode())) == 50
