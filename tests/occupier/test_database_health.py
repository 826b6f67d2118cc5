"""A database connection the server dropped (restart, failover) is replaced before the next
request uses it, instead of that request failing (CONN_HEALTH_CHECKS)."""

import psycopg
import pytest
from django.db import close_old_connections, connection

from companies.models import Company

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
)


def terminate(pid: int) -> None:
    """End a server process from another connection, as a database restart would."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_dropped_connection_is_replaced_at_the_next_request(transactional_db):
    assert connection.settings_dict["CONN_MAX_AGE"] > 0  # connections are reused between requests
    Company.objects.count()
    terminate(connection.connection.info.backend_pid)

    close_old_connections()  # what Django does when the next request starts

    assert Company.objects.count() == 0
