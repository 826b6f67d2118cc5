"""Home for a member without any permission (the demo's Molly): not an empty page, but what she
can do, what each permission would let her do and which admins to ask, by name and email."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from companies.models import Membership, Permission
from tests.factories import make_member


def _access_section(client) -> str:
    page = client.get(reverse("home")).content.decode()
    return page.split('<h2 id="your-pages">', 1)[1].split("</section>", 1)[0]


def test_home_says_what_she_can_do_what_each_permission_allows_and_whom_to_ask(client, personas):
    admin = personas.settings_admin.user
    admin.first_name, admin.last_name = "Alice", "Admin"
    admin.save(update_fields=["first_name", "last_name"])
    client.force_login(personas.read_only.user)

    section = _access_section(client)

    assert section.startswith("Your access</h2>")
    assert "no permissions in Acme Property Holdings yet" in section
    assert f'<a href="{reverse("profile")}">your profile</a>' in section
    for permission in Permission:
        allows = Membership._meta.get_field(permission.value).help_text.replace("'", "&#x27;")
        assert f"<li><b>{permission.label}</b>: {allows}</li>" in section
    assert (
        "ask the company admin: <b>Alice Admin</b> "
        '(<a href="mailto:alice@example.com">alice@example.com</a>)'
    ) in section
    assert "oscar" not in section  # the other company's admin is never named


def test_every_admin_is_named_when_there_are_several(client, personas):
    make_member(personas.company, "zoe", is_company_admin=True)
    client.force_login(personas.read_only.user)

    section = _access_section(client)

    admins = re.findall(r"<b>(\w+)</b> \(<a href=\"mailto:", section)
    assert admins == ["alice", "zoe"] and "ask a company admin:" in section


def test_a_member_with_a_permission_sees_her_pages_instead(client, personas):
    client.force_login(personas.accountant.user)

    section = _access_section(client)

    assert section.startswith("Your pages</h2>") and "What each permission" not in section


def test_the_explanation_costs_a_fixed_number_of_queries(client, personas):
    client.force_login(personas.read_only.user)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as one_admin:
        client.get(reverse("home"))
    for name in ("zoe", "yann", "xavier"):
        make_member(personas.company, name, is_company_admin=True)

    with CaptureQueriesContext(connection) as four_admins:
        client.get(reverse("home"))

    assert len(four_admins) == len(one_admin)
