"""Two-factor sign-in (django-otp): who must use it, enrolment, and the check on every request.

A person confirms a sign-in with a TOTP code from an authenticator app, or with one of the
single-use recovery codes shown at enrolment. It is required, per company (`require_mfa`), of
company admins (they manage the team and reopen periods) and of people who manage integration
settings; anyone else may enrol, and is then asked for a code at each sign-in.
"""

from __future__ import annotations

import time

import django_otp
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_record
from companies.models import Membership

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# Pages a signed-in person reaches before the second factor: signing in or out, the code pages.
_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/health/", "/metrics")
SESSION_KEY = "second_factor_owed"
RECHECK_SECONDS = 300


def mfa_required_for(user) -> bool:
    """Whether a company of the user's requires a second factor for what the user may do."""
    return Membership.objects.filter(
        Q(is_company_admin=True) | Q(can_manage_integration_settings=True),
        user=user,
        company__require_mfa=True,
    ).exists()


def has_app_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_app_device(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up (a new secret each time none is pending)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def mfa_enrol_confirm(*, request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the app with its first code; new recovery codes (shown once), or None if wrong."""
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    codes = recovery_codes_replace(user=device.user)
    django_otp.login(request, device)
    audit_record(
        company=getattr(request, "company", None),
        actor=device.user,
        action="auth.mfa_enabled",
        subject=device.user,
        note="Authenticator app confirmed; new recovery codes issued.",
    )
    return codes


def recovery_codes_replace(*, user) -> list[str]:
    """Replace the user's recovery codes with new ones (returned once, stored for checking)."""
    static, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def mfa_verify(*, request, token: str):
    """Check an app code or a recovery code; mark the session verified. The device, or None."""
    token = token.strip().replace(" ", "").replace("-", "").lower()
    user = request.user
    # Six digits are an app code, anything else a recovery code, so that a mistyped code counts
    # (and slows down: django-otp's throttling) against one device only.
    model = TOTPDevice if token.isdigit() and len(token) <= 8 else StaticDevice
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            if not device.verify_token(token):
                continue
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                audit_record(
                    company=getattr(request, "company", None),
                    actor=user,
                    action="auth.recovery_code_used",
                    subject=user,
                    note=f"{device.token_set.count()} recovery codes left.",
                )
            return device
    return None


def second_factor_owed(user) -> str:
    """ "verify" when the user has an app, "setup" when one is required but missing, else ""."""
    if has_app_device(user):
        return "verify"
    return "setup" if mfa_required_for(user) else ""


def remember_second_factor_owed(request, user) -> str:
    """Work out what the session owes and keep it there (so pages cost no extra query)."""
    owed = second_factor_owed(user)
    request.session[SESSION_KEY] = [owed, time.time()]
    return owed


class SecondFactorMiddleware:
    """Send a signed-in person who still owes a second factor to enter or set it up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_EXEMPT_PREFIXES)
        ):
            owed, checked_at = request.session.get(SESSION_KEY) or ("", 0)
            # Worked out at sign-in; again every few minutes, so that a company turning the
            # requirement on reaches sessions already open.
            if time.time() - checked_at > RECHECK_SECONDS:
                owed = remember_second_factor_owed(request, user)
            if owed:
                query = urlencode({"next": request.get_full_path()})
                page = "mfa_verify" if owed == "verify" else "mfa_setup"
                return redirect(f"{reverse(page)}?{query}")
        return self.get_response(request)
