"""Settings → Teams: every permission says what it allows, on the invitation as on a member's
page, and the team table reads the same on a phone (stacked cards) as on a wide screen."""

import re

from django.urls import reverse

from companies.models import Membership, Permission

ADMIN_HELP = "May invite people and choose what each may do"


def _help_texts(page: str) -> dict[str, str]:
    """Each tick box's label and the help text under it."""
    found = re.findall(
        r'<input type="checkbox" name="(\w+)"[^>]*>\s*<label[^>]*>[^<]*</label>\s*'
        r'<p class="help">([^<]*)</p>',
        page,
    )
    return {name: text.strip() for name, text in found}


def test_the_company_admin_flag_says_what_it_allows_on_the_invitation(client, personas):
    client.force_login(personas.settings_admin.user)

    page = client.get(reverse("team_list")).content.decode()

    texts = _help_texts(page)
    assert sorted(texts) == sorted(p.value for p in Permission)
    assert texts["is_company_admin"].startswith(ADMIN_HELP)
    assert "read the audit log, reopen closed periods" in texts["is_company_admin"]
    for permission in Permission:
        expected = Membership._meta.get_field(permission.value).help_text
        assert texts[permission.value] == expected


def test_the_company_admin_flag_says_what_it_allows_on_a_members_page(client, personas):
    client.force_login(personas.settings_admin.user)

    page = client.get(reverse("membership_edit", args=[personas.read_only.pk])).content.decode()

    assert _help_texts(page)["is_company_admin"].startswith(ADMIN_HELP)


def test_each_card_on_a_phone_labels_a_flag_as_its_column_does_and_says_yes_or_no(client, personas):
    client.force_login(personas.settings_admin.user)

    page = client.get(reverse("team_list")).content.decode()

    headers = ["Company admin", "Lease accounting", "Read-only lease accounting"]
    headers.append("Lease accounting integrations")
    headers.append("Manage integration settings")
    for header in headers:
        assert f'data-label="{header}"' in page
    row = page.split(f"<b>{personas.settings_admin.user}</b>", 1)[1].split("</tr>", 1)[0]
    flags = re.findall(r'<span class="visually-hidden">(Yes|No)</span>', row)
    assert flags == ["Yes", "No", "No", "No", "Yes"]  # admin and integration settings
    assert '<span aria-hidden="true">✔</span>' in row
