"""A large close on a real Celery worker: progress while it works, a worker killed mid-close
leaves the period open and unfrozen, and another worker closes it exactly once."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from closebooks.models import AccountingPeriod, CloseRun, JournalEntry
from closebooks.progress import progress_read
from closebooks.services import periods_ensure
from leases.models import Lease, LeasePayment, Subsidiary
from tests.e2e.support import client_for, wait_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not settings.REDIS_URL, reason="progress is shared through the Redis cache (REDIS_URL)"
    ),
]

LEASES = 3000
JAN = date(2026, 1, 1)


def portfolio(company) -> AccountingPeriod:
    subsidiary = Subsidiary.objects.filter(company=company).first()  # the e2e personas' chart
    leases = Lease.objects.bulk_create(
        Lease(
            company=company,
            code=f"L-{n:05d}",
            name=f"Lease {n}",
            subsidiary=subsidiary,
            currency="USD",
            commencement_date=JAN,
            term_months=60 + n % 60,
            standard="asc842",
            classification="operating" if n % 2 else "finance",
            discount_rate=Decimal(5) + Decimal(n % 40) / 10,
            status="active",
        )
        for n in range(LEASES)
    )
    LeasePayment.objects.bulk_create(
        LeasePayment(
            lease=lease,
            amount=Decimal(1000 + n),
            escalation_kind="percent",
            escalation_value=Decimal(3),
        )  # fmt: skip
        for n, lease in enumerate(leases)
    )
    periods_ensure(company=company, through=JAN)
    return AccountingPeriod.objects.get(company=company, start=JAN)


def press(client, period):
    return client.post(reverse("period_close", args=[period.pk]))


def test_a_worker_killed_mid_close_leaves_the_period_open_and_another_worker_closes_it_once(
    personas, start_worker, settings
):
    settings.CLOSE_INLINE_MAX_LEASES = 10
    jan = portfolio(personas.company)
    client = client_for(personas.accountant)
    first = start_worker(concurrency=1)

    assert press(client, jan).url == reverse("period_closing", args=[jan.pk])
    run = CloseRun.objects.get()
    wait_for(
        lambda: progress_read(run.pk).get("done", 0) >= 500,
        what="the worker to compute 500 leases",
    )
    page = client.get(reverse("period_closing_status", args=[jan.pk])).content.decode()
    assert "Computing each lease" in page and f"of {LEASES:,} leases" in page
    first.kill()

    run.refresh_from_db()
    jan.refresh_from_db()
    assert run.status == "running" and not jan.is_closed
    assert not JournalEntry.objects.exists()  # the close rolled back with the worker
    # A minute later the run still says running, its heartbeat silent, and nobody holds the
    # period's lock: the page sends the same run to the next free worker.
    a_minute_ago = timezone.now() - timedelta(minutes=1)
    CloseRun.objects.filter(pk=run.pk).update(started_at=a_minute_ago, heartbeat_at=a_minute_ago)
    page = client.get(reverse("period_closing", args=[jan.pk])).content.decode()
    assert "stopped before it finished; nothing was frozen" in page

    start_worker(concurrency=1)
    press(client, jan)  # a press meanwhile starts nothing more
    wait_for(
        lambda: CloseRun.objects.get(pk=run.pk).status == "succeeded",
        timeout=120,
        what="the close run to finish on the second worker",
    )

    jan.refresh_from_db()
    run.refresh_from_db()
    assert (CloseRun.objects.count(), run.resume_count) == (1, 1)
    assert jan.is_closed and jan.close_version == 1
    assert JournalEntry.objects.filter(period=jan).count() == LEASES
    page = client.get(reverse("period_closing", args=[jan.pk])).content.decode()
    assert f"Closed Jan 2026: {LEASES:,} journal entries frozen and locked" in page
