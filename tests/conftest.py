import os

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from tests.factories import make_personas

# Hashing passwords the production way costs ~0.3 s a user; tests make hundreds.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def personas(db):
    return make_personas()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    # Session-wide, so that data built once for several tests (built_once) hashes fast too.
    with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """PostgreSQL keeps each query's joins in the order written (join_collapse_limit=1).

    A lease read with everything the engine and the GL mapping need joins ~27 tables; weighing
    every join order costs the planner 20-30 ms a query (over 100 ms on a busy machine), more
    than running it, and the tests read leases thousands of times. The order written (the lease,
    then each table it points to) is the plan PostgreSQL picks anyway on these tables; the
    answers are the same under any plan. Production settings are untouched.
    """
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.postgresql":
        options = db.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c join_collapse_limit=1".strip()


@pytest.fixture(autouse=True, scope="session")
def _plain_http():
    # With DATABASE_URL set the production profile redirects to HTTPS; the test client and the
    # live server speak plain HTTP (tests/security/test_deploy_check.py covers the redirect).
    # Session-wide, so that it is in force before the live server loads its middleware.
    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


def built_once(django_db_blocker, build):
    """For a class-scoped fixture: data several tests read, built once in a transaction of its own.

    Each test (with `db`) works inside it, in a savepoint undone at the test's end, so every
    test starts from exactly what `build()` made; the whole is undone once the class is done.
    `yield from built_once(django_db_blocker, lambda: ...)` in the fixture.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            data = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL")
    return f"database: {'DATABASE_URL' if url else 'SQLite (embedded profile)'}"
