"""Sign-in pages beyond Django's: the second factor, password reset links, and lockout audit."""

from __future__ import annotations

import base64
import logging

import segno
from axes.signals import user_locked_out
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from audit.services import audit_record
from companies.mfa import (
    has_app_device,
    mfa_enrol_confirm,
    mfa_required_for,
    mfa_verify,
    pending_app_device,
    remember_second_factor_owed,
)
from occupier.cleaning import CleanForm

log = logging.getLogger(__name__)


class CodeForm(CleanForm):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@login_required
def second_factor(request):
    """Ask for an app code (or a recovery code) after the password."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not has_app_device(request.user):
        return redirect("mfa_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa_verify(request=request, token=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error(
            "code",
            "That code is not right. Enter the 6 digits your authenticator app shows now, or one "
            "of your recovery codes. After several wrong codes each try has to wait longer.",
        )
    return render(
        request, "registration/mfa_verify.html", {"form": form, "next": _next_url(request)}
    )


@login_required
def second_factor_setup(request):
    """Add an authenticator app: scan the code, type the first code, keep the recovery codes."""
    if has_app_device(request.user) and not request.user.is_verified():
        return redirect("mfa_verify")
    device = pending_app_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa_enrol_confirm(request=request, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            return render(
                request,
                "registration/mfa_recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error(
            "code", "That code is not right. Check the time on your phone and enter the new code."
        )
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "registration/mfa_setup.html",
        {
            "form": form,
            "qr_svg": qr.svg_data_uri(scale=5),
            "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
            "required": mfa_required_for(request.user),
            "already": has_app_device(request.user),
            "next": _next_url(request),
        },
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Links in the email come from SITE_URL, never from the request's Host header."""

    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


@receiver(user_logged_in)
def _note_second_factor(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        remember_second_factor_owed(request, user)


@receiver(user_locked_out)
def _audit_lockout(sender, request, username, ip_address, **kwargs):
    """An audit row (and a warning in the log) for every lockout, with the user if one exists."""
    user = get_user_model().objects.filter(username=username).first() if username else None
    audit_record(
        company=None,
        actor=None,
        action="auth.locked_out",
        subject=user,
        note=f"Sign-in locked after repeated wrong passwords for “{username}” from {ip_address}.",
    )
    log.warning("sign-in locked out: user=%s address=%s", username, ip_address)
