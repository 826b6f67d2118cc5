"""What a member may ask for and whom to ask, for pages that explain missing access."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from companies.models import Membership, Permission
from companies.selectors import company_admins

register = template.Library()


@dataclass(frozen=True)
class PermissionNote:
    label: str
    allows: str
    held: bool


@register.simple_tag
def admins_of(company) -> list:
    """{% admins_of company as admins %}: the people to ask for a permission."""
    return company_admins(company)


@register.simple_tag
def permission_notes(membership: Membership) -> list[PermissionNote]:
    """{% permission_notes membership as notes %}: each permission, what it allows, held or not."""
    return [
        PermissionNote(
            label=str(p.label),
            allows=str(Membership._meta.get_field(p.value).help_text),
            held=membership.has(p),
        )
        for p in Permission
    ]
