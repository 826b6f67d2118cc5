"""The tie-out is offered only when there is something in NetSuite to tie out; otherwise the
page says why there is nothing yet."""

from django.urls import reverse

from integrations.models import NetSuiteConnection
from tests.reports.conftest import FEB
from tests.reports.test_tieout_views import sent  # noqa: F401 (a fixture)


def test_without_a_netsuite_connection_the_page_says_there_is_nothing_to_tie_out(client, books):
    client.force_login(books.accountant.user)
    html = client.get(reverse("reports_tieout", args=[books.periods[FEB].pk])).content.decode()
    assert "Nothing to tie out yet." in html
    assert "NetSuite is not connected for this company" in html
    assert "Run the tie-out now" not in html
    assert "No tie-out has run" not in html


def test_a_period_never_sent_says_to_sync_it_first(client, sent):  # noqa: F811
    assert NetSuiteConnection.objects.filter(company=sent.company).exists()
    client.force_login(sent.accountant.user)
    html = client.get(reverse("reports_tieout", args=[sent.periods[FEB].pk])).content.decode()
    assert "Nothing to tie out yet." in html
    assert "No entry of Feb 2026 is in NetSuite yet: press Sync on Closed Periods first." in html
    assert reverse("closed_periods") in html
    assert "Run the tie-out now" not in html


def test_a_sent_period_offers_the_tie_out(client, sent):  # noqa: F811
    client.force_login(sent.accountant.user)
    html = client.get(reverse("reports_tieout", args=[sent.period.pk])).content.decode()
    assert "Run the tie-out now" in html and "Nothing to tie out yet." not in html


def test_the_list_says_which_periods_have_nothing_in_netsuite(client, sent):  # noqa: F811
    client.force_login(sent.accountant.user)
    html = client.get(reverse("reports_tieout_list")).content.decode()
    assert html.count("Not in NetSuite yet") == 2  # February and March
    assert html.count('<span class="badge idle">Not run</span>') == 1  # January, sent
