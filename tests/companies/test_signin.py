"""Sign-in hardening: lockout after repeated wrong passwords, two-factor sign-in, reset links."""

import re
import time

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from tests.factories import PASSWORD


@pytest.fixture
def lockout_after_three(settings):
    settings.AXES_FAILURE_LIMIT = 3


def sign_in(client, username, password, url="/accounts/login/", **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def test_wrong_passwords_lock_the_user_out_with_a_clear_message_and_an_audit_row(
    personas, lockout_after_three
):
    client = Client()
    for _ in range(2):
        response = sign_in(client, "alice", "wrong")
        assert response.status_code == 200 and "case-sensitive" in response.content.decode()
    response = sign_in(client, "alice", "wrong")
    assert response.status_code == 429
    # Even the right password is refused while the lock lasts.
    response = sign_in(client, "alice", PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429
    assert "3 wrong passwords in a row for “alice”" in page and "15 minutes" in page
    assert "_auth_user_id" not in client.session
    # One row for the attempt that locked, one for the refused attempt during the lock.
    event = AuditEvent.objects.filter(action="auth.locked_out").first()
    assert AuditEvent.objects.filter(action="auth.locked_out").count() == 2
    assert event.subject_label == str(personas.settings_admin.user) and "alice" in event.note
    assert AccessAttempt.objects.get(username="alice").failures_since_start >= 3


def test_one_address_trying_many_user_names_is_locked_out(personas, lockout_after_three):
    client = Client()
    for name in ("amy", "rita", "olivia"):
        sign_in(client, name, "wrong")
    # Molly's own password is right, but this address is locked.
    assert sign_in(client, "molly", PASSWORD).status_code == 429
    # Another address signs Molly in.
    response = sign_in(Client(), "molly", PASSWORD, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302


def test_the_admin_sign_in_is_locked_out_too(personas, lockout_after_three, admin_user):
    client = Client()
    for _ in range(3):
        sign_in(client, "admin", "wrong", url="/admin/login/")
    assert sign_in(client, "admin", "password", url="/admin/login/").status_code == 429


def test_a_right_password_before_the_limit_clears_the_count(personas, lockout_after_three):
    client = Client()
    sign_in(client, "amy", "wrong")
    sign_in(client, "amy", "wrong")
    assert sign_in(client, "amy", PASSWORD).status_code == 302
    assert sign_in(Client(), "amy", "wrong").status_code == 200  # the count started again


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def mfa_company(personas):
    personas.company.require_mfa = True
    personas.company.save()
    return personas


def test_an_admin_of_a_company_that_requires_it_sets_up_an_app_then_is_asked_each_time(
    mfa_company,
):
    client = Client()
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 302
    response = client.get(reverse("team_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_setup"))
    page = client.get(response.url).content.decode()
    assert "Your company asks everyone who manages the team" in page
    assert 'src="data:image/svg+xml' in page
    device = TOTPDevice.objects.get(user__username="alice", confirmed=False)

    response = client.post(reverse("mfa_setup"), {"code": "000000"})
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next try wait a second; do not wait here
    response = client.post(
        reverse("mfa_setup"), {"code": _code(device), "next": "/settings/teams/"}
    )
    codes = re.findall(r"<code>([a-z0-9]+)</code>", response.content.decode())
    assert len(codes) == 10
    assert client.get(reverse("team_list")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.mfa_enabled").count() == 1

    # The next sign-in asks for a code; a recovery code works once.
    second = Client()
    sign_in(second, "alice", PASSWORD)
    assert second.get(reverse("home")).url.startswith(reverse("mfa_verify"))
    response = second.post(reverse("mfa_verify"), {"code": "123456"})
    assert "That code is not right" in response.content.decode()
    assert second.get(reverse("home")).status_code == 302
    response = second.post(reverse("mfa_verify"), {"code": codes[0], "next": "/"})
    assert response.status_code == 302 and response.url == "/"
    assert second.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.recovery_code_used").count() == 1

    third = Client()
    sign_in(third, "alice", PASSWORD)
    assert (
        "That code is not right"
        in third.post(reverse("mfa_verify"), {"code": codes[0]}).content.decode()
    )
    device.refresh_from_db()
    device.throttle_reset()
    assert third.post(reverse("mfa_verify"), {"code": _code(device, 1)}).status_code == 302
    assert third.get(reverse("home")).status_code == 200


def test_the_admin_site_asks_for_the_second_factor_too(mfa_company):
    user = mfa_company.settings_admin.user
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    sign_in(client, "alice", PASSWORD, url="/admin/login/")
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_setup"))


def test_people_who_cannot_manage_the_team_or_settings_are_not_forced(mfa_company):
    client = Client()
    sign_in(client, "amy", PASSWORD)
    assert client.get(reverse("home")).status_code == 200


def test_without_the_company_setting_admins_sign_in_with_a_password_only(personas):
    client = Client()
    sign_in(client, "alice", PASSWORD)
    assert client.get(reverse("team_list")).status_code == 200


def test_password_reset_links_use_the_site_url_not_the_request_host(personas, settings):
    settings.SITE_URL = "https://lease.example.com"
    settings.ALLOWED_HOSTS = ["attacker.example.net", "testserver"]
    client = Client(HTTP_HOST="attacker.example.net")
    client.post(reverse("password_reset"), {"email": "alice@example.com"})
    (message,) = mail.outbox
    assert "https://lease.example.com/accounts/reset/" in message.body
    assert "attacker" not in message.body + message.subject
    assert message.subject == "Reset your Occupier password"


def test_a_wrong_password_is_explained_once(personas):
    page = sign_in(Client(), "alice", "wrong").content.decode()
    # Django's sentence already says so; the page added a second one before.
    assert page.count("case-sensitive") == 1
