"""The pages a test can reach without an argument."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

SKIPPED = {"logout", "metrics", "health", "mfa_verify", "password_reset_done"}


def pages_without_arguments() -> list[str]:
    """Every named route that takes no argument, outside the admin, that is not a download."""
    names: list[str] = []

    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.app_name != "admin":
                    walk(entry.url_patterns)
            elif (
                isinstance(entry, URLPattern)
                and entry.name not in SKIPPED | {None}
                and not entry.pattern.converters
                # Not a download (a CSV or XLSX file is no page).
                and "." not in str(entry.pattern)
            ):
                names.append(entry.name)

    walk(get_resolver().url_patterns)
    return sorted(set(names))
