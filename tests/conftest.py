import os

import pytest
from django.test import override_settings

from tests.factories import make_personas


@pytest.fixture
def personas(db):
    return make_personas()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing passwords the production way costs ~0.3 s a user; tests make hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _plain_http():
    # With DATABASE_URL set the production profile redirects to HTTPS; the test client and the
    # live server speak plain HTTP (tests/security/test_deploy_check.py covers the redirect).
    # Session-wide, so that it is in force before the live server loads its middleware.
    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL")
    return f"database: {'DATABASE_URL' if url else 'SQLite (embedded profile)'}"
