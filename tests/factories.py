"""Factories and named personas shared by every test module."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from companies.models import Company, Membership, User

PASSWORD = "correct horse battery staple"


def make_company(name: str = "Acme Property Holdings", **fields) -> Company:
    slug = name.lower().replace(" ", "-")[:50]
    return Company.objects.create(name=name, slug=slug, **fields)


def make_user(username: str, **fields) -> User:
    fields.setdefault("email", f"{username}@example.com")
    return User.objects.create_user(username=username, password=PASSWORD, **fields)


def make_member(company: Company, username: str, **flags: bool) -> Membership:
    return Membership.objects.create(company=company, user=make_user(username), **flags)


@dataclass
class Personas:
    """Alice runs settings, Amy keeps the books, Olivia sends to NetSuite, Rita reviews,
    Molly has no permission, and Oscar belongs to another company and must see nothing.
    Audrey, an outside auditor, may read lease accounting and change nothing; she is made the
    first time a test asks for her and is not in all(), whose tables predate her."""

    company: Company
    other_company: Company
    settings_admin: Membership
    accountant: Membership
    integrations_operator: Membership
    reviewer: Membership
    read_only: Membership
    outsider: Membership

    def all(self) -> dict[str, Membership]:
        return {
            "settings_admin": self.settings_admin,
            "accountant": self.accountant,
            "integrations_operator": self.integrations_operator,
            "reviewer": self.reviewer,
            "read_only": self.read_only,
            "outsider": self.outsider,
        }

    @cached_property
    def auditor(self) -> Membership:
        return make_member(self.company, "audrey", can_view_lease_accounting=True)


def make_personas() -> Personas:
    company = make_company()
    other = make_company("Globex Leasing")
    return Personas(
        company=company,
        other_company=other,
        settings_admin=make_member(
            company, "alice", is_company_admin=True, can_manage_integration_settings=True
        ),
        accountant=make_member(company, "amy", can_access_lease_accounting=True),
        integrations_operator=make_member(company, "olivia", can_access_integrations=True),
        reviewer=make_member(
            company, "rita", can_access_lease_accounting=True, can_access_integrations=True
        ),
        read_only=make_member(company, "molly"),
        outsider=make_member(
            other,
            "oscar",
            is_company_admin=True,
            can_access_lease_accounting=True,
            can_access_integrations=True,
            can_manage_integration_settings=True,
        ),
    )
