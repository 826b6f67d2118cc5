"""A journal entry's page: the menu marks Closed Periods, and the entry's NetSuite state shows."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from closebooks.models import AccountingPeriod, JournalEntry
from closebooks.services import period_close, periods_ensure
from integrations.models import NetSuiteConnection, SyncEntry, SyncRun
from tests.closebooks.conftest import JAN, MAR

NETSUITE_URL = "https://1234567.app.netsuite.com/app/accounting/transactions/journal.nl?id=4711"
SENT_AT = datetime(2026, 2, 3, 15, 30, tzinfo=ZoneInfo("UTC"))


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def entry(books):
    """A journal entry of January, closed by the accountant."""
    periods_ensure(company=books.company, through=MAR)
    jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    period_close(period=jan, actor=books.accountant.user)
    return JournalEntry.objects.filter(period=jan).order_by("pk").first()


def _ledger_row(entry, **fields) -> SyncEntry:
    run = SyncRun.objects.create(
        company=entry.company,
        period=entry.period,
        close_version=entry.close_version,
        status=fields.pop("run_status", "completed"),
    )
    return SyncEntry.objects.create(
        run=run,
        journal_entry=entry,
        external_key=entry.external_key,
        amount=entry.total_debit,
        **fields,
    )


def _active_menu_links(html: str) -> list[str]:
    menu = html[html.index('id="site-menu"') : html.index("</nav>", html.index('id="site-menu"'))]
    return re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', menu)


@pytest.mark.parametrize("persona", ["accountant", "integrations_operator"])
def test_the_entry_pages_mark_closed_periods_in_the_menu(books, entry, persona):
    client = client_for(getattr(books, persona))
    for url in (
        reverse("journal_entry_detail", args=[entry.pk]),
        reverse("period_entries", args=[entry.period_id]),
    ):
        assert _active_menu_links(client.get(url).content.decode()) == ["Closed Periods"]
    # The wizard's own pages still mark Close Books.
    if persona == "accountant":
        preview = client.get(reverse("period_preview", args=[entry.period_id]))
        assert _active_menu_links(preview.content.decode()) == ["Close Books"]


def test_an_entry_never_sent_says_so_and_where_it_is_sent(books, entry):
    NetSuiteConnection.objects.create(company=books.company, enabled=True)
    html = client_for(books.reviewer).get(reverse("journal_entry_detail", args=[entry.pk]))
    html = html.content.decode()
    assert '<span class="badge idle">Not sent</span>' in html
    assert "has not been sent to NetSuite yet" in html
    assert f'<a href="{reverse("closed_periods")}">Sync Jan 2026</a> on Closed Periods' in html


def test_without_a_connection_an_entry_says_netsuite_is_not_connected(books, entry):
    html = client_for(books.accountant).get(reverse("journal_entry_detail", args=[entry.pk]))
    html = html.content.decode()
    assert '<span class="badge idle">Not sent</span>' in html
    assert "NetSuite is not connected yet (Settings → Integrations)" in html
    assert "Sync Jan 2026" not in html


def test_an_entry_in_netsuite_links_to_it_and_to_its_run(books, entry):
    row = _ledger_row(
        entry,
        status="sent",
        sent_at=SENT_AT,
        netsuite_internal_id="4711",
        netsuite_url=NETSUITE_URL,
    )
    html = client_for(books.accountant).get(reverse("journal_entry_detail", args=[entry.pk]))
    html = html.content.decode()
    assert '<span class="badge ok">In NetSuite</span>' in html
    run_url = reverse("sync_run_detail", args=[row.run_id])
    assert f'<a href="{run_url}">sync #{row.run_id}</a>' in html
    assert "3 Feb 2026, 15:30 UTC" in html
    assert f'href="{NETSUITE_URL}"' in html
    assert "internal ID 4711" in html


def test_a_failed_entry_says_why_and_links_to_the_runs_errors(books, entry):
    row = _ledger_row(
        entry,
        run_status="failed",
        status="failed",
        error_message="The department 'Facilities Management' does not exist in NetSuite.",
        corrective_action="Map it to an active NetSuite department.",
    )
    html = client_for(books.integrations_operator).get(
        reverse("journal_entry_detail", args=[entry.pk])
    )
    html = html.content.decode()
    assert '<span class="badge bad">Failed</span>' in html
    assert f'href="{reverse("sync_run_errors", args=[row.run_id])}"' in html
    assert "does not exist in NetSuite. Map it to an active NetSuite department." in html


def test_the_entry_page_reads_its_netsuite_state_in_one_query(books, entry):
    """The ledger read adds one query to the page, whatever the number of runs."""
    client = client_for(books.accountant)
    url = reverse("journal_entry_detail", args=[entry.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(3):
        _ledger_row(entry, status="sent", sent_at=SENT_AT)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_an_entry_removed_after_a_re_close_or_still_waiting_says_so(books, entry):
    removed = _ledger_row(entry, status="sent", action="delete", sent_at=SENT_AT)
    client = client_for(books.accountant)
    url = reverse("journal_entry_detail", args=[entry.pk])
    html = client.get(url).content.decode()
    assert '<span class="badge idle">Removed from NetSuite</span>' in html
    assert f"sync #{removed.run_id}</a> deleted it on 3 Feb 2026" in html
    waiting = _ledger_row(entry, run_status="in_progress", status="pending")
    html = client.get(url).content.decode()
    assert '<span class="badge busy">Waiting</span>' in html
    assert f">Sync #{waiting.run_id}</a> has not sent this entry yet." in html
