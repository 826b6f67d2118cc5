"""Pages of the lifecycle: what will change, stale Sync, superseded Retry, Send again, settings."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from closebooks.services import period_close, period_reopen
from integrations.models import (
    NetSuiteConnection,
    NetSuiteRecord,
    RecordType,
    RemovalMethod,
    SyncRun,
    SyncStatus,
)
from integrations.services.sync import period_sync_start, sync_run_process
from leases.models import Lease
from notifications.models import NotificationStatus, SyncNotification
from notifications.services import sync_notification_send, sync_notifications_sweep
from tests.e2e.support import client_for
from tests.factories import make_member
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)


@pytest.fixture
def synced(personas, sandbox):
    """Jan 2026 with two leases, sent once by the reviewer."""
    company = personas.company
    set_up_netsuite_accounting(company)
    add_lease(company, "HQ-1")
    add_lease(company, "HQ-2")
    connect(company, sandbox)
    period = close_first_period(company)
    run = period_sync_start(period=period, actor=personas.reviewer.user, enqueue=lambda pk: None)
    sync_run_process(run.pk)
    return period


def reclose_without(personas, period, code):
    admin = personas.settings_admin.user
    period_reopen(period=period, actor=admin, reason="lease ended early")
    Lease.objects.filter(company=personas.company, code=code).update(status="draft")
    period.refresh_from_db()
    period_close(period=period, actor=admin)
    period.refresh_from_db()
    return period


def test_closed_periods_shows_what_will_change_before_sending(personas, synced):
    period = reclose_without(personas, synced, "HQ-2")
    page = client_for(personas.reviewer).get(reverse("closed_periods")).content.decode()
    assert "NetSuite will change:" in page and "1 to remove" in page
    assert reverse("period_sync_plan", args=[period.pk]) in page
    assert "Closed again" in page and ">Sync</button>" in page

    plan = client_for(personas.reviewer).get(reverse("period_sync_plan", args=[period.pk]))
    assert plan.status_code == 200
    assert "Delete in NetSuite" in plan.content.decode()


def test_a_closed_netsuite_period_is_named_before_anything_is_sent(personas, synced):
    NetSuiteConnection.objects.filter(company=personas.company).update(
        removal_method=RemovalMethod.DELETE
    )
    for internal_id, name, start, end, closed in [
        ("113", "Jan 2026", "2026-01-01", "2026-01-31", True),
        ("114", "Feb 2026", "2026-02-01", "2026-02-28", False),
    ]:
        NetSuiteRecord.objects.create(
            company=personas.company,
            record_type=RecordType.PERIOD,
            internal_id=internal_id,
            key=name,
            extra={"startdate": start, "enddate": end, "closed": closed, "isposting": True},
            changed_at=timezone.now(),
        )
    period = reclose_without(personas, synced, "HQ-2")

    page = client_for(personas.reviewer).get(reverse("closed_periods")).content.decode()
    assert "NetSuite's period is closed: 1 removal will be posted as a reversal" in page
    plan = client_for(personas.reviewer).get(reverse("period_sync_plan", args=[period.pk]))
    assert "Reversal in Feb 2026 dated 01 Feb 2026" in plan.content.decode()


def test_a_stale_sync_press_answers_already_in_netsuite(personas, synced):
    response = client_for(personas.reviewer).post(
        reverse("period_sync", args=[synced.pk]), HTTP_HX_REQUEST="true"
    )
    assert "Already in NetSuite; nothing to send" in response.content.decode()
    assert SyncRun.objects.filter(period=synced).count() == 1


def test_retry_on_a_superseded_run_is_refused_with_a_sentence(personas, sandbox):
    company = personas.company
    set_up_netsuite_accounting(company)
    add_lease(company, "HQ-1", department="Facilities Management")
    add_lease(company, "HQ-2")
    connect(company, sandbox)
    period = close_first_period(company)
    run = period_sync_start(period=period, actor=personas.reviewer.user, enqueue=lambda pk: None)
    run = sync_run_process(run.pk)
    assert run.status == SyncStatus.FAILED
    reclose_without(personas, period, "HQ-2")

    client = client_for(personas.reviewer)
    errors = client.get(reverse("sync_run_errors", args=[run.pk])).content.decode()
    assert "cannot be retried" in errors and ">Retry</button>" not in errors
    response = client.post(reverse("sync_run_retry", args=[run.pk]), follow=True)
    assert "closed again" in response.content.decode()
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED and run.retry_count == 0


def test_send_again_is_for_company_admins(personas, synced):
    url = reverse("period_send_again", args=[synced.pk])
    assert client_for(personas.reviewer).post(url).status_code == 403
    assert (
        "Send again"
        not in client_for(personas.reviewer).get(reverse("closed_periods")).content.decode()
    )
    admin = make_member(
        personas.company, "carla", is_company_admin=True, can_access_integrations=True
    )
    page = client_for(admin).get(reverse("closed_periods")).content.decode()
    assert "Send again" in page
    response = client_for(admin).post(url)
    assert response.status_code == 302
    run = SyncRun.objects.filter(period=synced).latest("id")
    assert run.resend and run.status == SyncStatus.IN_PROGRESS


def test_sync_settings_are_edited_by_a_company_admin(personas, synced):
    url = reverse("sync_settings")
    assert client_for(personas.reviewer).get(url).status_code == 403
    client = client_for(personas.settings_admin)
    bad = client.post(url, {"removal_method": "reverse", "notify_emails": "finance@x.com\nnope"})
    assert "Not an email address: nope" in bad.content.decode()
    client.post(url, {"removal_method": "reverse", "notify_emails": "finance@x.com, FINANCE@x.com"})
    connection = NetSuiteConnection.objects.get(company=personas.company)
    assert connection.removal_method == RemovalMethod.REVERSE
    assert connection.notify_email_list == ["finance@x.com"]


def test_outcome_email_goes_to_the_presser_and_the_company_list_once(personas, sandbox, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    company = personas.company
    set_up_netsuite_accounting(company)
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    NetSuiteConnection.objects.filter(company=company).update(
        notify_emails="finance@example.com\nrita@example.com"
    )
    period = close_first_period(company)
    run = period_sync_start(period=period, actor=personas.reviewer.user, enqueue=lambda pk: None)
    sync_run_process(run.pk)

    notification = SyncNotification.objects.get(run=run)
    assert notification.recipients == ["rita@example.com", "finance@example.com"]
    assert sync_notification_send(notification.pk) is True
    assert sync_notification_send(notification.pk) is False  # a second delivery sends nothing
    (email,) = mail.outbox
    assert email.to == ["rita@example.com", "finance@example.com"]


def test_the_sweep_sends_an_email_left_sending_by_a_dead_worker_once(personas, synced, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notification = SyncNotification.objects.get()
    # A worker claimed it and died before the mail server answered.
    SyncNotification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING, claimed_at=timezone.now()
    )
    assert sync_notifications_sweep(enqueue=lambda pk: None) == []  # not stuck yet
    later = timezone.now() + timezone.timedelta(minutes=6)
    queued: list[int] = []
    assert sync_notifications_sweep(now=later, enqueue=queued.append) == [notification.pk]
    assert sync_notifications_sweep(now=later, enqueue=queued.append) == [notification.pk]
    for notification_id in queued:  # the sweep ran twice: both deliveries arrive
        sync_notification_send(notification_id)
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert sync_notifications_sweep(now=later, enqueue=queued.append) == []


def test_the_sweep_sends_an_email_whose_task_was_lost(personas, synced, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notification = SyncNotification.objects.get()
    assert notification.status == NotificationStatus.PENDING  # its task never ran (no queue)
    later = timezone.now() + timezone.timedelta(minutes=3)
    assert sync_notifications_sweep(now=later, enqueue=sync_notification_send) == [notification.pk]
    assert len(mail.outbox) == 1 and date.today()


def test_closebooks_imports_nothing_from_integrations():
    """Dependencies run one way: integrations plugs its column and pre-flight into closebooks."""
    import ast
    from pathlib import Path

    import closebooks

    for path in Path(closebooks.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("integrations"), path
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("integrations") for a in node.names), path
