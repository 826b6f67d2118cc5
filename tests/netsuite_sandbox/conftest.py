"""Fixtures for the simulator's tests; nothing here needs Django."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from netsuite_sandbox.testing import Sandbox, running_sandbox

REPO_ROOT = Path(__file__).resolve().parents[2]
WSDL = REPO_ROOT.parent / "shared" / "netsuite" / "wsdl" / "v2023_2" / "netsuite.wsdl"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One simulator process per test module, with the default account."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as sb:
        yield sb


@pytest.fixture
def sb(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The module's simulator, reset before each test."""
    sandbox.reset()
    yield sandbox


@pytest.fixture
def session(sb: Sandbox) -> Iterator[requests.Session]:
    """A requests session signed independently with requests-oauthlib (HMAC-SHA256, realm)."""
    with requests.Session() as s:
        s.auth = sb.oauth1()
        yield s


def journal_body(external_id: str | None = "LEASE-1", **overrides: object) -> dict:
    """A valid two-line journal entry in March 2025 for subsidiary 1."""
    body: dict = {
        "subsidiary": {"id": "1"},
        "tranDate": "2025-03-31",
        "memo": "March lease expense",
        "line": {
            "items": [
                {"account": {"id": "112"}, "debit": 1234.56, "department": {"id": "1"}},
                {"account": {"id": "109"}, "credit": "1234.56", "entity": {"id": "501"}},
            ]
        },
    }
    if external_id is not None:
        body["externalId"] = external_id
    body.update(overrides)
    return body
