"""The sync service against the simulator over real HTTP (the worker's body, called directly)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from integrations.models import EntryStatus, ReferenceMapping, SyncAttempt, SyncRun, SyncStatus
from integrations.services.sync import (
    SyncInterrupted,
    SyncNotPossible,
    period_sync_start,
    sync_run_process,
    sync_run_retry,
    sync_runs_recover,
)
from notifications.models import SyncNotification
from tests.factories import make_company, make_user
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)

NO_QUEUE = lambda run_id: None  # noqa: E731 - the tests run the worker's body themselves


@pytest.fixture
def company(db):
    company = make_company()
    set_up_netsuite_accounting(company)
    return company


@pytest.fixture
def finance_user(db):
    return make_user("fiona", first_name="Fiona", last_name="Finance")


def start(period, user):
    return period_sync_start(period=period, actor=user, enqueue=NO_QUEUE)


def test_happy_path_sends_each_entry_once_and_links_to_netsuite(company, finance_user, sandbox):
    for code in ("HQ-1", "HQ-2", "WH-3"):
        add_lease(company, code)
    connect(company, sandbox)
    period = close_first_period(company)

    run = start(period, finance_user)
    assert run.status == SyncStatus.IN_PROGRESS and run.entries_total == 3
    run = sync_run_process(run.pk)

    assert run.status == SyncStatus.COMPLETED
    assert (run.entries_sent, run.entries_failed) == (3, 0)
    in_netsuite = {e["externalId"]: e for e in sandbox.entries()}
    assert set(in_netsuite) == set(run.entries.values_list("external_key", flat=True))
    for entry in run.entries.all():
        assert entry.status == EntryStatus.SENT
        assert entry.netsuite_internal_id == str(in_netsuite[entry.external_key]["id"])
        assert entry.netsuite_url == sandbox.journal_url(entry.netsuite_internal_id)
    assert SyncAttempt.objects.filter(run=run, operation="upsert", outcome="ok").count() == 3
    assert SyncNotification.objects.get(run=run).outcome == "completed"
    assert AuditEvent.objects.filter(action="sync.start").count() == 1


def test_sending_twice_never_duplicates_in_netsuite(company, finance_user, sandbox):
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    period = close_first_period(company)
    run = start(period, finance_user)
    sync_run_process(run.pk)
    # A redelivered task finds the run finished and does nothing.
    assert sync_run_process(run.pk) is None
    # Force a replay as a lost answer would: the same entry is upserted again.
    SyncRun.objects.filter(pk=run.pk).update(status=SyncStatus.IN_PROGRESS)
    run.entries.update(status=EntryStatus.PENDING)
    sync_run_process(run.pk)
    assert len(sandbox.entries()) == 1


def test_a_second_sync_while_one_is_in_flight_is_refused(company, finance_user, sandbox):
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    period = close_first_period(company)
    first = start(period, finance_user)
    with pytest.raises(SyncNotPossible, match="already being sent") as refusal:
        start(period, finance_user)
    assert refusal.value.run == first
    assert SyncRun.objects.count() == 1


def test_unknown_department_fails_then_mapping_and_retry_complete_it(
    company, finance_user, sandbox
):
    add_lease(company, "HQ-1")
    add_lease(company, "FAC-2", department="Facilities Management")
    connect(company, sandbox)
    period = close_first_period(company)
    run = sync_run_process(start(period, finance_user).pk)

    assert run.status == SyncStatus.FAILED
    failed = run.entries.get(status=EntryStatus.FAILED)
    assert failed.error_message == ("Department 'Facilities Management' was not found in NetSuite.")
    assert "Mappings" in failed.corrective_action
    assert "kind=department" in failed.fix_url
    assert len(sandbox.entries()) == 1  # the good entry is kept
    assert "1 of 2 entries was not accepted. Review the error, fix its cause" in run.message

    ReferenceMapping.objects.create(
        company=company,
        kind="department",
        our_value="Facilities Management",
        netsuite_value="Facilities",
    )
    seen = sandbox.request_count()
    run = sync_run_retry(run=run, actor=finance_user, enqueue=NO_QUEUE)
    run = sync_run_process(run.pk)

    assert run.status == SyncStatus.COMPLETED
    assert run.retry_count == 1
    assert len(sandbox.entries()) == 2
    # Only the failed entry was sent again; the rest of the retry's requests are look-ups.
    retry_requests = [r for r in sandbox.requests(limit=1000)["recent"] if r["seq"] > seen]
    writes = [r for r in retry_requests if r["method"] == "PUT"]
    assert [w["path"].rsplit(":", 1)[-1] for w in writes] == [failed.external_key]
    assert set(SyncNotification.objects.filter(run=run).values_list("outcome", flat=True)) == {
        "failed",
        "completed",
    }


def test_inactive_department_rejected_by_netsuite_reads_as_a_sentence(
    company, finance_user, sandbox
):
    add_lease(company, "OLD-1", department="Legacy Ops")  # inactive in the simulator
    connect(company, sandbox)
    period = close_first_period(company)
    run = sync_run_process(start(period, finance_user).pk)
    entry = run.entries.get()
    assert run.status == SyncStatus.FAILED
    assert entry.error_code == "INVALID_KEY_OR_REF"
    assert "Legacy Ops" in entry.error_message
    assert entry.corrective_action.endswith("then press Retry.")
    assert sandbox.entries() == []


def test_answer_lost_after_netsuite_saved_is_not_duplicated(company, finance_user, sandbox):
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    sandbox.set_faults(drop_next=1)
    period = close_first_period(company)
    run = sync_run_process(start(period, finance_user).pk)
    assert run.status == SyncStatus.COMPLETED
    assert len(sandbox.entries()) == 1


def test_netsuite_down_interrupts_the_run_and_it_finishes_when_back(company, finance_user, sandbox):
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    period = close_first_period(company)
    run = start(period, finance_user)
    sandbox.set_faults(error_rate=1.0, error_status=503)
    with pytest.raises(SyncInterrupted):
        sync_run_process(run.pk, client=_fast_retry_client(company))
    run.refresh_from_db()
    assert run.status == SyncStatus.IN_PROGRESS and sandbox.entries() == []
    sandbox.set_faults()
    assert sync_run_process(run.pk).status == SyncStatus.COMPLETED
    assert len(sandbox.entries()) == 1


def test_bad_token_fails_the_run_with_the_login_causes(company, finance_user, sandbox):
    add_lease(company, "HQ-1")
    connection = connect(company, sandbox)
    from integrations.crypto import encrypt_secret

    connection.token_secret_encrypted = encrypt_secret("x" * 64)
    connection.save()
    period = close_first_period(company)
    run = sync_run_process(start(period, finance_user).pk)
    assert run.status == SyncStatus.FAILED
    assert "Token-Based Authentication" in run.message
    assert sandbox.entries() == []


def test_a_stale_run_is_resumed_then_given_up(company, finance_user, sandbox):
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    period = close_first_period(company)
    run = start(period, finance_user)
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    queued = []
    assert sync_runs_recover(enqueue=queued.append) == [run.pk] == queued
    SyncRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - timedelta(hours=1), resume_count=3
    )
    assert sync_runs_recover(enqueue=queued.append) == []
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED
    assert "press Retry" in run.message


def test_the_outcome_email_is_sent_once_with_its_button(company, finance_user, sandbox, settings):
    from notifications.services import sync_notification_send

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    period = close_first_period(company)
    run = sync_run_process(start(period, finance_user).pk)
    notification = SyncNotification.objects.get(run=run)
    assert sync_notification_send(notification.pk) is True
    assert sync_notification_send(notification.pk) is False  # a second delivery sends nothing
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["fiona@example.com"]
    assert "View Closed Periods" in message.body
    html = message.alternatives[0][0]
    assert "View Closed Periods" in html and settings.SITE_URL in html
    for secret in (sandbox.consumer_secret, sandbox.token_secret):
        assert secret not in message.body and secret not in html


def _fast_retry_client(company):
    from integrations.models import NetSuiteConnection
    from integrations.netsuite.retry import RetryPolicy
    from integrations.services.connection import netsuite_client

    connection = NetSuiteConnection.objects.get(company=company)
    return netsuite_client(connection, retry_policy=RetryPolicy(max_attempts=2, base_delay_s=0.01))
