"""The audit log pages, sorts and searches on the server, in a fixed number of queries."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.list_pages import audit_events, queries_for

# The queries one page of the audit log may run, whatever the number of events.
AUDIT_LOG_QUERY_BUDGET = 6


def subjects(html: str) -> list[str]:
    return re.findall(r"<td[^>]*>(L-\d{5})</td>", html)


@pytest.fixture
def admin(personas):
    client = Client()
    client.force_login(personas.settings_admin.user)
    return client


def test_the_log_pages_sorts_and_searches_keeping_the_filter(personas, admin):
    audit_events(personas.company, 60, actor=personas.accountant.user)
    url = reverse("audit_log")

    second = admin.get(url, {"page": 2}).content.decode()
    by_subject = admin.get(url, {"sort": "subject", "action": "lease."}).content.decode()
    searched = admin.get(url, {"q": "Change 5"}).content.decode()

    assert "Showing 51–60 of 60" in second and len(subjects(second)) == 10
    assert subjects(by_subject)[:3] == ["L-00000", "L-00004", "L-00008"]
    assert "Showing 1–15 of 15" in by_subject
    assert 'name="sort" value="subject"' in by_subject
    assert sorted(subjects(searched)) == ["L-00005"] + [f"L-{n:05d}" for n in range(50, 60)]


def test_log_queries_do_not_grow_with_events(personas, admin, django_assert_max_num_queries):
    url = reverse("audit_log")
    audit_events(personas.company, 5, actor=personas.accountant.user)
    queries_for(admin, url)  # warm the session
    few, _ = queries_for(admin, url)
    audit_events(personas.company, 55, actor=personas.accountant.user)
    with django_assert_max_num_queries(AUDIT_LOG_QUERY_BUDGET):
        many, html = queries_for(admin, url, {"page": 2})

    assert "Showing 51–60 of 60" in html
    assert many == few
