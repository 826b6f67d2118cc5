"""The admin shows a close run's recovery fields (heartbeat, claim token, resumes), read-only."""

import re
from datetime import UTC, datetime

from django.urls import reverse
from django.utils import timezone

from closebooks.models import AccountingPeriod, CloseRun, CloseRunStatus
from closebooks.services import period_close_request, periods_ensure

from .conftest import JAN

HEARTBEAT = datetime(2026, 2, 3, 9, 15, 42, tzinfo=UTC)
RESUMED = datetime(2026, 2, 3, 9, 14, 5, tzinfo=UTC)
TOKEN = "5f0c2a9e7b414d3c8a1e6b7d9c0f2e13"


def a_resumed_run(books) -> CloseRun:
    """A run that a recoverer sent to a second worker, which claimed it and beats."""
    periods_ensure(company=books.company, through=JAN)
    jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    period_close_request(period=jan, actor=books.accountant.user, expected_entries=3)
    # The state as the services leave it after a resume (set here directly: no worker runs).
    CloseRun.objects.update(
        status=CloseRunStatus.RUNNING,
        started_at=RESUMED,
        attempts=2,
        heartbeat_at=HEARTBEAT,
        lease_token=TOKEN,
        resume_count=1,
        resumed_at=RESUMED,
    )
    return CloseRun.objects.get()


def test_the_change_page_shows_the_recovery_fields_read_only(books, admin_client):
    run = a_resumed_run(books)

    before = timezone.now()
    response = admin_client.get(reverse("admin:closebooks_closerun_change", args=[run.pk]))
    after = timezone.now()

    assert response.status_code == 200
    page = response.content.decode()
    assert "Recovery" in page
    for label in ("Heartbeat at", "Lease token", "Resume count", "Resumed at"):
        assert label in page
    assert TOKEN in page
    assert "Feb. 3, 2026, 9:15 a.m." in page  # the heartbeat (UTC)
    assert "Feb. 3, 2026, 9:14 a.m." in page  # resumed and started
    # Heartbeat silent for: the seconds since the heartbeat at the time the page was drawn.
    (silent,) = re.findall(r'<div class="readonly">(\d+) s</div>', page)
    assert (before - HEARTBEAT).total_seconds() - 1 <= int(silent)
    assert int(silent) <= (after - HEARTBEAT).total_seconds()
    for field in ("heartbeat_at", "lease_token", "resume_count", "resumed_at", "status"):
        assert f'name="{field}"' not in page  # nothing to edit
    run.refresh_from_db()
    assert (run.lease_token, run.resume_count) == (TOKEN, 1)


def test_the_list_shows_resumes_and_the_heartbeat(books, admin_client):
    a_resumed_run(books)

    response = admin_client.get(reverse("admin:closebooks_closerun_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "column-resume_count" in page and "column-heartbeat_at" in page
    assert "Feb. 3, 2026, 9:15 a.m." in page


def test_a_finished_run_renders_without_a_heartbeat(books, admin_client):
    periods_ensure(company=books.company, through=JAN)
    jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    period_close_request(period=jan, actor=books.accountant.user, expected_entries=3)
    CloseRun.objects.update(status=CloseRunStatus.FAILED, message="The period changed.")
    run = CloseRun.objects.get()

    response = admin_client.get(reverse("admin:closebooks_closerun_change", args=[run.pk]))

    assert response.status_code == 200
    assert "The period changed." in response.content.decode()
