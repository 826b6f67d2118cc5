"""Company admins invite people by email and edit the company's settings, without Django's admin."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from companies.models import Company, Membership, User
from tests.permissions import A, Route, X, check_matrix, everyone


def admin(personas) -> Client:
    client = Client()
    client.force_login(personas.settings_admin.user)
    return client


def test_inviting_creates_the_account_and_emails_a_link_to_choose_a_password(
    personas, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    data = {"email": " Nina@Example.com ", "full_name": "Nina New"}
    with django_capture_on_commit_callbacks(execute=True):  # the email leaves after commit
        response = admin(personas).post(
            reverse("team_list"), {**data, "can_access_lease_accounting": "on"}
        )

    assert response.status_code == 302
    user = User.objects.get(email="nina@example.com")
    assert (user.first_name, user.last_name, user.has_usable_password()) == ("Nina", "New", False)
    membership = Membership.objects.get(user=user, company=personas.company)
    assert membership.flags() == {
        "is_company_admin": False,
        "can_access_lease_accounting": True,
        "can_view_lease_accounting": False,
        "can_access_integrations": False,
        "can_manage_integration_settings": False,
    }
    (message,) = mail.outbox
    assert message.to == ["nina@example.com"]
    assert "invited you to Acme Property Holdings" in message.subject
    link = re.search(r"http\S+/accounts/reset/\S+", message.body).group(0)
    page = Client().get(link, follow=True)
    assert page.status_code == 200 and "password" in page.content.decode().lower()
    event = AuditEvent.objects.get(action="membership.invite")
    assert (
        event.actor == personas.settings_admin.user and event.after["email"] == "nina@example.com"
    )


def test_inviting_someone_already_in_the_company_says_so_and_changes_nothing(personas, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    email = personas.accountant.user.email
    before = Membership.objects.count()

    response = admin(personas).post(reverse("team_list"), {"email": email.upper()})

    assert response.status_code == 200
    assert "is already a member of Acme Property Holdings" in response.content.decode()
    assert Membership.objects.count() == before and mail.outbox == []


def test_an_existing_account_from_another_company_is_added_without_a_new_user(
    personas, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    outsider = personas.outsider.user
    users = User.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        admin(personas).post(reverse("team_list"), {"email": outsider.email})

    assert User.objects.count() == users
    assert Membership.objects.filter(user=outsider, company=personas.company).exists()
    assert "Sign in with your usual account" in mail.outbox[0].body


def test_the_company_settings_are_saved_and_audited(personas):
    response = admin(personas).post(
        reverse("company_settings"),
        {
            "name": "Acme Holdings",
            "default_standard": "ifrs16",
            "journal_granularity": "summary",
            "date_format": "Y-m-d",
            "time_zone": "America/New_York",
        },
    )

    assert response.status_code == 302
    company = Company.objects.get(pk=personas.company.pk)
    assert (company.name, company.default_standard, company.journal_granularity) == (
        "Acme Holdings",
        "ifrs16",
        "summary",
    )
    event = AuditEvent.objects.get(action="company.settings")
    assert (
        event.before["name"] == "Acme Property Holdings" and event.after["name"] == "Acme Holdings"
    )


def test_only_company_admins_invite_or_change_the_company(personas):
    routes = [
        Route(
            "company settings",
            lambda p: reverse("company_settings"),
            everyone(403, **{A: 200, X: 200}),
        ),
        Route(
            "invite",
            lambda p: reverse("team_list"),
            everyone(403, **{A: 200, X: 200}),
            method="post",
            data=lambda p: {"email": ""},
        ),
    ]
    assert check_matrix(personas, routes) == []
    assert not AuditEvent.objects.filter(action="membership.invite").exists()


def test_pages_show_dates_in_the_companys_format_and_times_in_its_zone(personas):
    from audit.services import audit_record

    admin(personas).post(
        reverse("company_settings"),
        {
            "name": "Acme Property Holdings",
            "default_standard": "asc842",
            "journal_granularity": "detail",
            "date_format": "Y-m-d",
            "time_zone": "America/New_York",
        },
    )
    event = audit_record(company=personas.company, actor=None, action="period.reopen")
    AuditEvent.objects.filter(pk=event.pk).update(
        created_at=datetime(2026, 7, 1, 13, 5, tzinfo=ZoneInfo("UTC"))
    )

    html = admin(personas).get(reverse("audit_log")).content.decode()

    assert "2026-07-01, 09:05 EDT" in html  # New York time, its zone named


def test_a_time_zone_that_does_not_exist_is_refused(personas):
    response = admin(personas).post(
        reverse("company_settings"),
        {
            "name": "Acme",
            "default_standard": "asc842",
            "journal_granularity": "detail",
            "date_format": "j M Y",
            "time_zone": "Mars/Olympus_Mons",
        },
    )
    assert response.status_code == 200
    assert Company.objects.get(pk=personas.company.pk).time_zone == "UTC"


def _audit_row_at_13_05_utc(personas) -> None:
    from audit.services import audit_record

    event = audit_record(company=personas.company, actor=None, action="period.reopen")
    AuditEvent.objects.filter(pk=event.pk).update(
        created_at=datetime(2026, 7, 1, 13, 5, tzinfo=ZoneInfo("UTC"))
    )


def test_a_person_sees_times_in_their_own_zone_set_on_their_profile(personas):
    Company.objects.filter(pk=personas.company.pk).update(time_zone="America/New_York")
    _audit_row_at_13_05_utc(personas)
    client = admin(personas)

    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("profile")}"' in page  # the profile is one click from the header
    profile = client.get(reverse("profile")).content.decode()
    assert "The company&#x27;s (America/New York)" in profile
    assert "1 Jul 2026, 09:05 EDT" in client.get(reverse("audit_log")).content.decode()

    response = client.post(reverse("profile"), {"time_zone": "Asia/Tokyo"})

    assert response.status_code == 302
    assert User.objects.get(pk=personas.settings_admin.user.pk).time_zone == "Asia/Tokyo"
    assert "1 Jul 2026, 22:05 JST" in client.get(reverse("audit_log")).content.decode()
    event = AuditEvent.objects.get(action="user.time_zone")
    assert (event.before, event.after) == ({"time_zone": ""}, {"time_zone": "Asia/Tokyo"})

    client.post(reverse("profile"), {"time_zone": ""})  # back to the company's zone
    assert "1 Jul 2026, 09:05 EDT" in client.get(reverse("audit_log")).content.decode()


def test_a_profile_time_zone_that_does_not_exist_is_refused(personas):
    response = admin(personas).post(reverse("profile"), {"time_zone": "Mars/Olympus_Mons"})

    assert response.status_code == 200
    assert User.objects.get(pk=personas.settings_admin.user.pk).time_zone == ""


def test_every_member_has_a_profile_and_anonymous_visitors_sign_in(personas):
    for persona in (
        personas.settings_admin,
        personas.accountant,
        personas.integrations_operator,
        personas.read_only,
    ):
        client = Client()
        client.force_login(persona.user)
        assert client.get(reverse("profile")).status_code == 200
    assert Client().get(reverse("profile")).status_code == 302
