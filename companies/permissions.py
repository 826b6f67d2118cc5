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


# The read-only flag that opens a full flag's pages for looking only.
READ_ONLY_FLAGS = {Permission.LEASE_ACCOUNTING: Permission.VIEW_LEASE_ACCOUNTING}
READ_METHODS = ("GET", "HEAD")


def member_can_read(permission: Permission):
    """A page that only shows: GET and HEAD accept the flag or its read-only flag; any other
    method (a change) needs the full flag, so a read-only member can never post through it."""

    read_only = READ_ONLY_FLAGS[permission]

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            membership = request.membership
            if membership is None:
                return render(request, "companies/no_company.html", status=403)
            if membership.has(permission):
                return view(request, *args, **kwargs)
            if not membership.has(read_only):
                raise PermissionDenied(
                    f"You need “{permission.label}” or “{read_only.label}” for this page. "
                    "Ask a company admin to grant it on Settings → Teams."
                )
            if request.method not in READ_METHODS:
                raise PermissionDenied(
                    f"“{read_only.label}” lets you look, not change anything: this needs "
                    f"“{permission.label}”. Ask a company admin on Settings → Teams."
                )
            return view(request, *args, **kwargs)

        # Read by the tests that classify every page as read or write.
        wrapper.reads = permission
        return wrapper

    return decorator


admin_required = member_required(Permission.COMPANY_ADMIN)
