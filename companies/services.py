"""Writes to companies and memberships; each is atomic and audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from audit.services import audit_record
from companies.models import Company, Membership, User
from companies.sod import conflict_sentence, conflicts_for


@transaction.atomic
def company_create(*, name: str, actor=None, **settings) -> Company:
    """Create a company with a unique slug."""
    base = slugify(name)[:50] or "company"
    slug, n = base, 1
    while Company.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    company = Company.objects.create(name=name, slug=slug, **settings)
    audit_record(
        company=company,
        actor=actor,
        action="company.create",
        subject=company,
        after={"name": name, **settings},
    )
    return company


@transaction.atomic
def membership_add(*, company: Company, user: User, actor=None, **flags: bool) -> Membership:
    """Add a user to a company with the given flags."""
    membership = Membership.objects.create(company=company, user=user, **flags)
    audit_record(
        company=company,
        actor=actor,
        action="membership.add",
        subject=membership,
        after=membership.flags(),
    )
    return membership


@transaction.atomic
def membership_update_flags(*, membership: Membership, actor, flags: dict[str, bool]) -> Membership:
    """Change a member's permission flags; the last company admin cannot lose the admin flag."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    before = membership.flags()
    if before["is_company_admin"] and not flags.get("is_company_admin", True):
        other_admins = Membership.objects.filter(
            company_id=membership.company_id, is_company_admin=True
        ).exclude(pk=membership.pk)
        if not other_admins.exists():
            raise ValidationError(
                {
                    "is_company_admin": "This is the company's only admin. Make someone else a "
                    "company admin first, so the company is never left without one."
                }
            )
    for field, value in flags.items():
        setattr(membership, field, value)
    after = membership.flags()
    if after == before:
        return membership
    membership.save(update_fields=list(flags))
    warnings = [conflict_sentence(c) for c in conflicts_for(after)]
    audit_record(
        company=membership.company,
        actor=actor,
        action="membership.flags",
        subject=membership,
        before=before,
        after=after,
        note=" ".join(warnings),
    )
    return membership
