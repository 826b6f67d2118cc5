"""A helper to run a view against every persona and compare status codes exactly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.test import Client

from tests.factories import Personas


@dataclass
class Route:
    """One view: how to reach it, and the status code each persona must get."""

    name: str
    url: Callable[[Personas], str]
    expected: dict[str, int]
    method: str = "get"
    data: Callable[[Personas], dict] = field(default=lambda p: {})


def check_matrix(personas: Personas, routes: list[Route]) -> list[str]:
    """Every mismatch between expected and actual status, as readable lines."""
    mismatches = []
    for route in routes:
        for persona, membership in personas.all().items():
            client = Client()
            client.force_login(membership.user)
            response = getattr(client, route.method)(route.url(personas), route.data(personas))
            want = route.expected[persona]
            if response.status_code != want:
                mismatches.append(
                    f"{route.method.upper()} {route.name} as {persona}: "
                    f"got {response.status_code}, expected {want}"
                )
    return mismatches


# Short names for the personas, for compact expectation tables.
A, AM, OP, R, M, X = (
    "settings_admin",
    "accountant",
    "integrations_operator",
    "reviewer",
    "read_only",
    "outsider",
)


def everyone(status: int, **overrides: int) -> dict[str, int]:
    """The same status for every persona, except those named."""
    result = dict.fromkeys([A, AM, OP, R, M, X], status)
    result.update(overrides)
    return result


# The outside auditor (read-only lease accounting): Personas.auditor, not in Personas.all().
AU = "auditor"
