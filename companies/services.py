"""Writes to companies and memberships; each is atomic and audited."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
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


@transaction.atomic
def company_update_settings(*, company: Company, actor, **changes) -> Company:
    """Change the company's own settings (name, standard, journal entries…); audited."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    before = {field: getattr(company, field) for field in changes}
    if before == changes:
        return company
    for field, value in changes.items():
        setattr(company, field, value)
    company.full_clean()
    company.save(update_fields=list(changes))
    audit_record(
        company=company,
        actor=actor,
        action="company.settings",
        subject=company,
        before=before,
        after=changes,
    )
    return company


@transaction.atomic
def user_update_time_zone(*, user: User, company: Company, time_zone: str) -> User:
    """A person's own time zone (blank: the company's); audited in the company they were in."""
    user = User.objects.select_for_update().get(pk=user.pk)
    before = user.time_zone
    if before == time_zone:
        return user
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    audit_record(
        company=company,
        actor=user,
        action="user.time_zone",
        subject=user,
        before={"time_zone": before},
        after={"time_zone": time_zone},
    )
    return user


def _send_invitation(*, user_id: int, company_id: int, inviter: str) -> None:
    """Email the invitee a link to set their password and sign in."""
    user = User.objects.get(pk=user_id)
    company = Company.objects.get(pk=company_id)
    set_password_url = settings.SITE_URL + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "company": company,
        "inviter": inviter,
        "set_password_url": set_password_url if not user.has_usable_password() else "",
        "sign_in_url": settings.SITE_URL + reverse("login"),
    }
    send_mail(
        subject=f"{inviter} invited you to {company.name} on Occupier",
        message=render_to_string("companies/invite_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def membership_invite(
    *, company: Company, actor, email: str, full_name: str = "", flags: dict[str, bool]
) -> Membership:
    """Add a person to the company by email (creating their account) and email them a link."""
    email = email.strip().lower()
    user = (
        User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
        .order_by("pk")
        .first()
    )
    if user is None:
        first, _, last = full_name.strip().partition(" ")
        user = User(username=email[:150], email=email, first_name=first[:150], last_name=last[:150])
        # No password until they choose one from the emailed link.
        user.set_unusable_password()
        user.save()
    elif Membership.objects.filter(company=company, user=user).exists():
        raise ValidationError({"email": f"{email} is already a member of {company.name}."})
    membership = Membership.objects.create(company=company, user=user, **flags)
    audit_record(
        company=company,
        actor=actor,
        action="membership.invite",
        subject=membership,
        after={"email": email, **membership.flags()},
        note=" ".join(conflict_sentence(c) for c in conflicts_for(membership.flags())),
    )
    inviter = str(actor) if actor is not None else company.name
    transaction.on_commit(
        lambda: _send_invitation(user_id=user.pk, company_id=company.pk, inviter=inviter)
    )
    return membership
