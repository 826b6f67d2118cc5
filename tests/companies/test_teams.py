"""Team settings: flags, segregation-of-duties warnings and their audit trail."""

from django.urls import reverse

from audit.models import AuditEvent
from companies.models import Membership


def test_admin_grants_a_flag_and_the_audit_log_says_who(client, personas):
    client.force_login(personas.settings_admin.user)
    response = client.post(
        reverse("membership_edit", args=[personas.read_only.pk]),
        {"can_access_lease_accounting": "on"},
    )
    assert response.status_code == 302
    personas.read_only.refresh_from_db()
    assert personas.read_only.can_access_lease_accounting is True
    event = AuditEvent.objects.get(action="membership.flags")
    assert event.actor == personas.settings_admin.user
    assert event.company == personas.company
    assert event.before["can_access_lease_accounting"] is False
    assert event.after["can_access_lease_accounting"] is True


def test_granting_both_sides_of_a_duty_pair_warns_and_records_the_warning(client, personas):
    client.force_login(personas.settings_admin.user)
    response = client.post(
        reverse("membership_edit", args=[personas.accountant.pk]),
        {"can_access_lease_accounting": "on", "can_manage_integration_settings": "on"},
        follow=True,
    )
    assert "breaks segregation of duties" in response.content.decode()
    event = AuditEvent.objects.get(action="membership.flags")
    assert "segregation of duties" in event.note
    team_page = client.get(reverse("team_list")).content.decode()
    assert "breaks segregation of duties" in team_page


def test_the_only_admin_cannot_remove_their_own_admin_flag(client, personas):
    client.force_login(personas.settings_admin.user)
    response = client.post(
        reverse("membership_edit", args=[personas.settings_admin.pk]),
        {"can_manage_integration_settings": "on"},
    )
    assert response.status_code == 200
    assert "only admin" in response.content.decode()
    assert Membership.objects.get(pk=personas.settings_admin.pk).is_company_admin is True
    assert not AuditEvent.objects.filter(action="membership.flags").exists()


def test_switching_to_a_company_you_do_not_belong_to_is_refused(client, personas):
    client.force_login(personas.accountant.user)
    response = client.post(
        reverse("switch_company"), {"company_id": personas.other_company.pk}, follow=True
    )
    assert "not a member of that company" in response.content.decode()
    assert client.session.get("company_id") is None


def test_a_member_of_two_companies_switches_between_them(client, personas):
    from companies.models import Membership as M

    M.objects.create(user=personas.accountant.user, company=personas.other_company)
    client.force_login(personas.accountant.user)
    client.post(reverse("switch_company"), {"company_id": personas.other_company.pk})
    response = client.get(reverse("home"))
    assert response.context["company"] == personas.other_company
