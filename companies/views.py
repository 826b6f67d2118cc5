"""Home, company switching, teams and the audit log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.presentation import action_kinds, audit_rows
from audit.selectors import audit_events_for_company
from companies.forms import CompanySettingsForm, InviteForm, MembershipFlagsForm, ProfileForm
from companies.middleware import SESSION_KEY
from companies.models import Company, Membership
from companies.navigation import settings_links
from companies.permissions import admin_required, member_required
from companies.selectors import company_members, memberships_for_user
from companies.services import (
    company_update_settings,
    membership_invite,
    membership_update_flags,
    user_update_time_zone,
)
from companies.sod import DUTY_CONFLICTS, conflict_sentence, conflicts_for
from companies.tables import sort_queryset


def _get_membership_for_admin(request, pk: int) -> Membership:
    """A membership of the admin's current company; another company's is a 404."""
    return get_object_or_404(
        Membership.objects.select_related("user"), pk=pk, company=request.company
    )


@login_required
@require_POST
def switch_company(request):
    company_id = request.POST.get("company_id", "")
    chosen = memberships_for_user(request.user).filter(company_id=company_id).first()
    if chosen is None:
        messages.error(request, "You are not a member of that company.")
    else:
        request.session[SESSION_KEY] = chosen.company_id
        messages.success(request, f"You are now working in {chosen.company.name}.")
    return redirect("home")


def _duty_conflicts_for_script() -> list[dict]:
    """The segregation-of-duties pairs, for the warning shown while flags are being ticked."""
    return [
        {"first": c.first.value, "second": c.second.value, "sentence": conflict_sentence(c)}
        for c in DUTY_CONFLICTS
    ]


@admin_required
def team_list(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = membership_invite(
                company=request.company,
                actor=request.user,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                flags=form.flags(),
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                for message in field_errors:
                    form.add_error(field, message)
        else:
            messages.success(
                request,
                f"Invited {membership.user.email}: we emailed them a link to sign in to "
                f"{request.company.name}.",
            )
            for conflict in conflicts_for(membership.flags()):
                messages.warning(request, conflict_sentence(conflict))
            return redirect("team_list")
    members = [
        (m, [conflict_sentence(c) for c in conflicts_for(m.flags())])
        for m in company_members(request.company)
    ]
    return render(
        request,
        "companies/team_list.html",
        {"members": members, "form": form, "duty_conflicts": _duty_conflicts_for_script()},
    )


@admin_required
def membership_edit(request, pk: int):
    membership = _get_membership_for_admin(request, pk)
    form = MembershipFlagsForm(request.POST or None, instance=Membership.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            membership_update_flags(
                membership=membership, actor=request.user, flags=form.cleaned_data
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                for message in field_errors:
                    form.add_error(field, message)
        else:
            messages.success(request, f"Saved the permissions of {membership.user}.")
            for conflict in conflicts_for(form.cleaned_data):
                messages.warning(request, conflict_sentence(conflict))
            return redirect("team_list")
    current_flags = form.cleaned_data if form.is_bound and form.is_valid() else membership.flags()
    warnings = [conflict_sentence(c) for c in conflicts_for(current_flags)]
    return render(
        request,
        "companies/membership_edit.html",
        {
            "form": form,
            "member": membership,
            "warnings": warnings,
            "duty_conflicts": _duty_conflicts_for_script(),
        },
    )


@member_required()
def settings_index(request):
    links = settings_links(request.membership)
    if not links:
        raise PermissionDenied(
            "Your permissions in this company include no settings. Ask a company admin on "
            "Settings → Teams if you need some."
        )
    return render(request, "companies/settings_index.html", {"links": links})


@admin_required
def company_settings(request):
    form = CompanySettingsForm(
        request.POST or None, instance=Company.objects.get(pk=request.company.pk)
    )
    if request.method == "POST" and form.is_valid():
        company_update_settings(
            company=request.company,
            actor=request.user,
            **{field: form.cleaned_data[field] for field in form.changed_data},
        )
        messages.success(request, f"Saved the settings of {form.cleaned_data['name']}.")
        return redirect("company_settings")
    return render(request, "companies/company_settings.html", {"form": form})


@member_required()
def profile(request):
    """Your profile: the time zone your times are shown in."""
    form = ProfileForm(request.POST or None, instance=request.user, company=request.company)
    if request.method == "POST" and form.is_valid():
        user_update_time_zone(
            user=request.user, company=request.company, time_zone=form.cleaned_data["time_zone"]
        )
        messages.success(request, "Saved your profile.")
        return redirect("profile")
    return render(request, "companies/profile.html", {"form": form})


# The audit log's sortable columns (?sort=<key>, '-' first for descending) and its page size.
AUDIT_COLUMNS = {
    "when": "created_at",
    "who": "actor__username",
    "what": "action",
    "subject": "subject_label",
}
AUDIT_EVENTS_PER_PAGE = 50


@admin_required
def audit_log(request):
    action = request.GET.get("action", "")
    q = request.GET.get("q", "").strip()
    events, sort = sort_queryset(
        request,
        audit_events_for_company(request.company, action_prefix=action, q=q),
        AUDIT_COLUMNS,
        default="-when",
    )
    page = Paginator(events, AUDIT_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "companies/audit_log.html",
        {
            "page": page,
            "rows": audit_rows(page),
            "action": action,
            "q": q,
            "sort": sort,
            # The filter offers the kinds of action (the code before the dot) by name.
            "kinds": action_kinds(),
        },
    )
