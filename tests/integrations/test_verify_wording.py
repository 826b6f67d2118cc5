"""Verify & Save after a failure: it speaks of the credentials typed, names the real buttons and
(from the page's htmx form) leaves what was typed in the form without echoing any secret."""

from django.test import Client
from django.urls import reverse

from integrations.models import NetSuiteConnection
from tests.integrations.test_views import _settings_post

HTMX = {"HTTP_HX_REQUEST": "true"}


def admin_client(personas) -> Client:
    client = Client()
    client.force_login(personas.settings_admin.user)
    return client


def test_a_failed_verify_answers_with_the_outcome_only_and_no_secret(personas, sandbox):
    wrong = "f" * 64
    data = _settings_post(sandbox, token_secret=wrong)

    response = admin_client(personas).post(reverse("integration_settings"), data, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<form" not in html  # only the outcome is swapped in; the typed form stays as it is
    assert "with the credentials you entered" in html and "saved credentials" not in html
    assert "Then correct them and press Verify &amp; Save." in html
    assert "Verify connection" not in html  # no such button
    assert "What you typed is still in the form below" in html
    for secret in (wrong, sandbox.consumer_secret, sandbox.consumer_key, sandbox.token_id):
        assert secret not in html
    assert not NetSuiteConnection.objects.exists()


def test_without_htmx_the_page_says_the_secrets_must_be_typed_again(personas, sandbox):
    data = _settings_post(sandbox, token_secret="f" * 64)

    html = admin_client(personas).post(reverse("integration_settings"), data).content.decode()

    assert "the secrets you typed are not sent back to this page: enter them again" in html
    assert "f" * 64 not in html


def test_a_verified_save_from_htmx_reloads_the_page(personas, sandbox):
    response = admin_client(personas).post(
        reverse("integration_settings"), _settings_post(sandbox), **HTMX
    )
    assert response.headers["HX-Redirect"] == reverse("integration_settings")
    assert NetSuiteConnection.objects.get().last_verify_ok


def test_invalid_input_from_htmx_lists_each_problem(personas, sandbox):
    response = admin_client(personas).post(
        reverse("integration_settings"), _settings_post(sandbox, account_id=""), **HTMX
    )
    html = response.content.decode()
    assert "Nothing was saved." in html and "Account ID" in html


def test_the_setup_guide_lists_the_role_permissions_and_marks_the_likely_missing_step(
    personas, sandbox
):
    client = admin_client(personas)
    page = client.get(reverse("integration_settings")).content.decode()
    for permission in ("Log in using Access Tokens", "REST Web Services", "Make Journal Entry"):
        assert permission in page
    assert "Token-Based Authentication" in page and "1234567_SB1" in page

    failed = client.post(
        reverse("integration_settings"), _settings_post(sandbox, token_secret="f" * 64)
    ).content.decode()

    assert 'id="setup-step-4" class="likely-missing"' in failed
    assert 'href="#setup-step-4">step 4 of the NetSuite setup guide' in failed


def test_a_refused_permission_points_at_the_role_step():
    from integrations.netsuite.errors import AuthenticationError, PermissionDeniedError
    from integrations.setup_guide import FEATURES, ROLE, TOKEN, likely_missing_step

    assert likely_missing_step(PermissionDeniedError("Your current role lacks it")) == ROLE
    assert likely_missing_step(AuthenticationError("Invalid login attempt.")) == TOKEN
    assert likely_missing_step(AuthenticationError("x", code="FEATURE_DISABLED")) == FEATURES
