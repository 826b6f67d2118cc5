"""What the outcome emails and the errors page say: why entries failed, and when a run recovered."""

import pytest
from django.test import Client
from django.urls import reverse

from integrations.models import ReferenceMapping, SyncStatus
from integrations.services.sync import period_sync_start, sync_run_process, sync_run_retry
from notifications.services import render_sync_email
from tests.factories import make_personas
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)

NO_QUEUE = lambda run_id: None  # noqa: E731 - the tests run the worker's body themselves


@pytest.fixture
def failed_run(db, sandbox):
    """Jan 2026 synced with 2 of 3 entries in a department NetSuite does not know."""
    personas = make_personas()
    company = personas.company
    set_up_netsuite_accounting(company)
    add_lease(company, "HQ-1")
    add_lease(company, "FAC-2", department="Facilities Management")
    add_lease(company, "FAC-3", department="Facilities Management")
    connect(company, sandbox)
    period = close_first_period(company)
    run = period_sync_start(period=period, actor=personas.reviewer.user, enqueue=NO_QUEUE)
    run = sync_run_process(run.pk)
    assert (run.status, run.entries_failed) == (SyncStatus.FAILED, 2)
    run.personas = personas
    return run


def test_the_failure_email_names_each_reason_with_its_count(failed_run):
    _, text, html = render_sync_email(failed_run)
    reason = "Department 'Facilities Management' was not found in NetSuite."
    assert f"- {reason} (2 entries)" in text
    assert (
        "Department &#x27;Facilities Management&#x27; was not found in NetSuite. (2 entries)"
        in html
    )
    details = reverse("sync_run_detail", args=[failed_run.pk])
    assert details in text and 'href="http://' in html and details in html


def test_the_success_email_html_links_the_run_details_like_its_text(failed_run):
    ReferenceMapping.objects.create(
        company=failed_run.company,
        kind="department",
        our_value="Facilities Management",
        netsuite_value="Facilities",
    )
    sync_run_retry(run=failed_run, actor=failed_run.personas.reviewer.user, enqueue=NO_QUEUE)
    run = sync_run_process(failed_run.pk)
    assert run.status == SyncStatus.COMPLETED

    _, text, html = render_sync_email(run)
    details = reverse("sync_run_detail", args=[run.pk])
    assert details in text
    assert f'{details}">' in html


def test_the_errors_page_says_the_run_has_since_completed(failed_run):
    client = Client()
    client.force_login(failed_run.personas.reviewer.user)
    url = reverse("sync_run_errors", args=[failed_run.pk])
    before = client.get(url).content.decode()
    assert "Why the Jan 2026 sync failed" in before and ">Retry</button>" in before

    ReferenceMapping.objects.create(
        company=failed_run.company,
        kind="department",
        our_value="Facilities Management",
        netsuite_value="Facilities",
    )
    sync_run_retry(run=failed_run, actor=failed_run.personas.reviewer.user, enqueue=NO_QUEUE)
    sync_run_process(failed_run.pk)
    after = client.get(url).content.decode()

    assert "The Jan 2026 sync has since completed" in after
    assert "Why the Jan 2026 sync failed" not in after
    assert "fix the causes" not in after.lower() and ">Retry</button>" not in after


def test_emails_show_times_in_the_companys_date_format_and_zone(db):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from integrations.models import SyncRun
    from tests.list_pages import closed_period_with_entries, run_with_entries

    personas = make_personas()
    company = personas.company
    company.date_format, company.time_zone = "Y-m-d", "America/New_York"
    company.save(update_fields=["date_format", "time_zone"])
    run = run_with_entries(closed_period_with_entries(company, 3), failed_every=100)
    SyncRun.objects.filter(pk=run.pk).update(
        last_sent_at=datetime(2026, 2, 3, 15, 30, tzinfo=ZoneInfo("UTC")),
        started_by=personas.reviewer.user,
    )
    run = SyncRun.objects.select_related("company", "period", "started_by").get(pk=run.pk)
    assert run.status == SyncStatus.COMPLETED

    with timezone.override(ZoneInfo("Asia/Tokyo")):  # as if sent while a Tokyo user's page renders
        _, text, html = render_sync_email(run)
        assert timezone.get_current_timezone_name() == "Asia/Tokyo"  # put back afterwards

    assert "Sent: 2026-02-03, 10:30 EST" in text
    assert "sent to NetSuite on 2026-02-03, 10:30 EST." in html


def test_the_run_page_shows_each_failed_entrys_reason_and_leads_to_the_errors(failed_run):
    client = Client()
    client.force_login(failed_run.personas.reviewer.user)
    page = client.get(reverse("sync_run_detail", args=[failed_run.pk])).content.decode()
    errors = reverse("sync_run_errors", args=[failed_run.pk])
    assert f'<a href="{errors}">See why and retry</a>' in page
    # The reason sits in the row, readable on a phone and by a keyboard, not in a tooltip.
    reason = "Department &#x27;Facilities Management&#x27; was not found in NetSuite."
    assert page.count(f'<div class="muted">{reason}</div>') == 2
    assert 'title="Department' not in page


def test_the_errors_page_tells_an_accountant_who_presses_retry(failed_run):
    client = Client()
    client.force_login(failed_run.personas.accountant.user)  # reads the errors, cannot retry
    page = client.get(reverse("sync_run_errors", args=[failed_run.pk])).content.decode()
    assert "then someone with access to lease accounting integrations presses <b>Retry</b>" in page
    assert ">Retry</button>" not in page
    run_page = client.get(reverse("sync_run_detail", args=[failed_run.pk])).content.decode()
    assert ">See why</a>" in run_page and "See why and retry" not in run_page


def test_closed_periods_says_how_many_entries_failed_and_links_why(failed_run):
    client = Client()
    client.force_login(failed_run.personas.reviewer.user)
    page = client.get(reverse("closed_periods")).content.decode()
    errors = reverse("sync_run_errors", args=[failed_run.pk])
    assert f'2 of 3 entries not accepted by NetSuite: <a href="{errors}">see why</a>' in page
