"""Reads of companies and memberships."""

from __future__ import annotations

from django.db.models import QuerySet

from companies.models import Membership


def memberships_for_user(user) -> QuerySet[Membership]:
    """The user's memberships with their companies, in name order."""
    return Membership.objects.filter(user=user).select_related("company").order_by("company__name")


def membership_for_session(user, company_id) -> Membership | None:
    """The membership for the company chosen in the session, else the user's first one."""
    memberships = memberships_for_user(user)
    if company_id is not None:
        chosen = memberships.filter(company_id=company_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def company_members(company) -> QuerySet[Membership]:
    """Every membership of a company with its user."""
    return (
        Membership.objects.filter(company=company).select_related("user").order_by("user__username")
    )


def company_admins(company) -> list:
    """The company's admins (the people who grant permissions), by name."""
    admins = Membership.objects.filter(company=company, is_company_admin=True).select_related(
        "user"
    )
    return sorted((m.user for m in admins), key=lambda user: str(user).lower())
