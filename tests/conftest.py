import os

import pytest

from tests.factories import make_personas


@pytest.fixture
def personas(db):
    return make_personas()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing passwords the production way costs ~0.3 s a user; tests make hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL")
    return f"database: {'DATABASE_URL' if url else 'SQLite (embedded profile)'}"
