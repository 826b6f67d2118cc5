"""Integration pages: permissions for every persona, settings behaviour, and secrets kept secret."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from integrations.crypto import decrypt_secret
from integrations.models import NetSuiteConnection, SyncAttempt, SyncRun
from integrations.services.sync import period_sync_start, sync_run_process
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)
from tests.permissions import AM, OP, A, R, Route, X, check_matrix, everyone


def codes(**overrides: int) -> dict[str, int]:
    return everyone(403, **overrides)


@pytest.fixture
def synced(personas, sandbox):
    """A closed Jan 2026 of the personas' company, connected and synced once."""
    company = personas.company
    set_up_netsuite_accounting(company)
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    period = close_first_period(company)
    run = period_sync_start(period=period, actor=personas.reviewer.user, enqueue=lambda pk: None)
    sync_run_process(run.pk)
    return period, SyncRun.objects.get(pk=run.pk)


def test_every_integration_view_answers_each_persona_as_expected(personas, synced):
    period, run = synced
    readers = codes(**{AM: 200, OP: 200, R: 200, X: 404})
    routes = [
        Route("settings", lambda p: reverse("integration_settings"), codes(**{A: 200, X: 200})),
        Route(
            "log", lambda p: reverse("integration_log"), codes(**{AM: 200, OP: 200, R: 200, X: 200})
        ),
        Route("status", lambda p: reverse("period_sync_status", args=[period.pk]), readers),
        Route("run detail", lambda p: reverse("sync_run_detail", args=[run.pk]), readers),
        Route("run errors", lambda p: reverse("sync_run_errors", args=[run.pk]), readers),
        Route(
            "mappings",
            lambda p: reverse("reference_mappings"),
            # Segregation of duties: the operator syncs but does not choose where lines post.
            codes(**{A: 200, AM: 200, R: 200, X: 200}),
        ),
        Route(
            "sync",
            lambda p: reverse("period_sync", args=[period.pk]),
            codes(**{OP: 302, R: 302, X: 404}),
            method="post",
        ),
        Route(
            "retry",
            lambda p: reverse("sync_run_retry", args=[run.pk]),
            codes(**{OP: 302, R: 302, X: 404}),
            method="post",
        ),
    ]
    assert check_matrix(personas, routes) == []


def test_a_forged_sync_post_without_the_flag_starts_nothing(personas, synced):
    period, _ = synced
    client = Client()
    client.force_login(personas.accountant.user)
    response = client.post(reverse("period_sync", args=[period.pk]))
    assert response.status_code == 403
    assert SyncRun.objects.count() == 1


def test_people_without_the_flag_see_the_status_but_no_sync_button(personas, sandbox):
    company = personas.company
    set_up_netsuite_accounting(company)
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    close_first_period(company)
    client = Client()
    client.force_login(personas.accountant.user)
    page = client.get(reverse("closed_periods")).content.decode()
    assert "Not synced" in page and ">Sync</button>" not in page
    client.force_login(personas.integrations_operator.user)
    page = client.get(reverse("closed_periods")).content.decode()
    assert ">Sync</button>" in page


def test_sync_button_press_starts_a_run_and_promises_an_email(
    personas, sandbox, monkeypatch, django_capture_on_commit_callbacks
):
    from integrations import tasks

    company = personas.company
    set_up_netsuite_accounting(company)
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    period = close_first_period(company)
    client = Client()
    client.force_login(personas.reviewer.user)
    queued = []
    monkeypatch.setattr(tasks.sync_run_task, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("period_sync", args=[period.pk]), follow=True)
    run = SyncRun.objects.get()
    assert run.status == "in_progress" and run.started_by == personas.reviewer.user
    assert "we will email you when the sync is complete" in response.content.decode()
    assert queued == [run.pk]  # queued only once the run was committed


def _settings_post(sandbox, **changes):
    data = {
        "enabled": "on",
        "account_id": sandbox.account_id.lower().replace("_", "-"),  # as people type it
        "consumer_key": f"  {sandbox.consumer_key}  ",
        "consumer_secret": sandbox.consumer_secret,
        "token_id": sandbox.token_id,
        "token_secret": sandbox.token_secret,
        "transport": "rest",
        "concurrency_limit": "4",
        "base_url": sandbox.base_url,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_verify_and_save_stores_encrypted_secrets_and_never_shows_them(personas, sandbox):
    client = Client()
    client.force_login(personas.settings_admin.user)
    response = client.post(reverse("integration_settings"), _settings_post(sandbox), follow=True)
    page = response.content.decode()
    assert "Verified and saved" in page
    connection = NetSuiteConnection.objects.get(company=personas.company)
    assert connection.enabled and connection.last_verify_ok
    assert connection.account_id == "1234567_SB1"
    assert decrypt_secret(connection.consumer_key_encrypted) == sandbox.consumer_key
    assert sandbox.token_secret not in connection.token_secret_encrypted
    for secret in (
        sandbox.consumer_key,
        sandbox.consumer_secret,
        sandbox.token_id,
        sandbox.token_secret,
    ):
        assert secret not in page
    assert f"…{sandbox.token_secret[-4:]}" in page
    event = AuditEvent.objects.get(action="integration.settings")
    stored = str(event.before) + str(event.after) + event.note
    assert sandbox.token_secret not in stored and sandbox.consumer_secret not in stored


def test_blank_secret_fields_keep_the_stored_values(personas, sandbox):
    client = Client()
    client.force_login(personas.settings_admin.user)
    client.post(reverse("integration_settings"), _settings_post(sandbox))
    blank = dict.fromkeys(["consumer_key", "consumer_secret", "token_id", "token_secret"], "")
    response = client.post(
        reverse("integration_settings"), _settings_post(sandbox, concurrency_limit="3", **blank)
    )
    assert response.status_code == 302
    connection = NetSuiteConnection.objects.get()
    assert connection.concurrency_limit == 3
    assert decrypt_secret(connection.token_secret_encrypted) == sandbox.token_secret


def test_failed_verification_saves_nothing_and_explains_the_login_causes(personas, sandbox):
    client = Client()
    client.force_login(personas.settings_admin.user)
    response = client.post(
        reverse("integration_settings"), _settings_post(sandbox, token_secret="f" * 64)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Verification failed; nothing was saved." in page
    assert "Token-Based Authentication" in page
    assert not NetSuiteConnection.objects.exists()
    assert not AuditEvent.objects.filter(action="integration.settings").exists()


def test_failed_verification_can_be_saved_disabled_on_purpose(personas, sandbox):
    client = Client()
    client.force_login(personas.settings_admin.user)
    response = client.post(
        reverse("integration_settings"),
        _settings_post(sandbox, token_secret="f" * 64, save_disabled_if_unverified="on"),
        follow=True,
    )
    assert "Saved with the integration disabled" in response.content.decode()
    connection = NetSuiteConnection.objects.get()
    assert connection.enabled is False and connection.last_verify_ok is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("account_id", "system.netsuite.com", "does not contain a NetSuite account ID"),
        ("account_id", "ACME", "is not a NetSuite account ID"),
        ("token_id", "has spaces in it", "Token ID"),
        ("concurrency_limit", "0", "greater than or equal to 1"),
    ],
)
def test_bad_input_names_what_is_expected_and_saves_nothing(
    personas, sandbox, field, value, message
):
    client = Client()
    client.force_login(personas.settings_admin.user)
    response = client.post(
        reverse("integration_settings"), _settings_post(sandbox, **{field: value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not NetSuiteConnection.objects.exists()


def test_sync_logs_and_attempts_never_hold_secrets_or_the_authorization_header(
    personas, sandbox, caplog
):
    caplog.set_level(logging.DEBUG)
    company = personas.company
    set_up_netsuite_accounting(company)
    add_lease(company, "HQ-1")
    add_lease(company, "BAD-1", department="Nowhere")
    connect(company, sandbox)
    period = close_first_period(company)
    run = period_sync_start(period=period, actor=personas.reviewer.user, enqueue=lambda pk: None)
    sync_run_process(run.pk)
    stored = " ".join(
        f"{a.detail} {a.netsuite_code}" for a in SyncAttempt.objects.all()
    ) + " ".join(str(e.__dict__) for e in SyncRun.objects.get().entries.all())
    everything = caplog.text + stored
    for secret in (sandbox.consumer_secret, sandbox.token_secret):
        assert secret not in everything
    assert "oauth_signature" not in everything
    assert "Authorization" not in stored
