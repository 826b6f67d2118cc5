"""Server-side permission checks: every view starts here, never with a hidden button."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from companies.models import Permission


def member_required(*permissions: Permission):
    """Require a signed-in member of the current company holding every given flag."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            membership = request.membership
            if membership is None:
                return render(request, "companies/no_company.html", status=403)
            missing = [p for p in permissions if not membership.has(p)]
            if missing:
                raise PermissionDenied(
                    "You need “" + "”, “".join(str(p.label) for p in missing) + "” for this page. "
                    "Ask a company admin to grant it on Settings → Teams."
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def member_required_any(*permissions: Permission):
    """Require a signed-in member of the current company holding at least one given flag."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            membership = request.membership
            if membership is None:
                return render(request, "companies/no_company.html", status=403)
            if not any(membership.has(p) for p in permissions):
                raise PermissionDenied(
                    "You need one of “" + "”, “".join(str(p.label) for p in permissions) + "” "
                    "for this page. Ask a company admin to grant it on Settings → Teams."
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


admin_required = member_required(Permission.COMPANY_ADMIN)
