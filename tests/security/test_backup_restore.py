"""The README's PostgreSQL backup and restore: pg_dump of the live database, pg_restore into an
empty one, and the frozen journal entries, the sync ledger and the audit log come back identical
(and the stored NetSuite secrets still decrypt). Skipped without PostgreSQL and its tools."""

from __future__ import annotations

import os
import shutil
import subprocess

import psycopg
import pytest
from django.db import connection

from closebooks.models import AccountingPeriod
from closebooks.services import period_close, periods_ensure
from integrations.crypto import decrypt_secret
from integrations.services.connection import connection_save
from integrations.services.sync import period_sync_start
from tests.factories import make_personas
from tests.leases.factories import make_lease, set_up_accounting

TABLES = [
    "closebooks_accountingperiod",
    "closebooks_journalentry",
    "closebooks_journalline",
    "integrations_syncrun",
    "integrations_syncentry",
    "integrations_netsuiteconnection",
    "audit_auditevent",
]
pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
)


@pytest.fixture(autouse=True)
def _client_tools():
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        if os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("pg_dump and pg_restore are needed (apt-get install postgresql-client)")
        pytest.skip("pg_dump/pg_restore are not installed")


def fingerprints(cursor) -> dict[str, tuple[int, str]]:
    """Row count and an MD5 over every row's full text, per table, in id order."""
    found = {}
    for table in TABLES:
        cursor.execute(
            f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t.id)) FROM {table} t"
        )
        found[table] = tuple(cursor.fetchone())
    return found


def libpq_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        PGHOST=db.get("HOST") or "127.0.0.1",
        PGPORT=str(db.get("PORT") or 5432),
        PGUSER=db.get("USER") or "postgres",
        PGPASSWORD=db.get("PASSWORD") or "",
    )
    return env


def test_backup_and_restore_keep_the_ledger_and_the_frozen_entries(transactional_db, tmp_path):
    personas = make_personas()
    set_up_accounting(personas.company)
    lease = make_lease(personas.company)
    periods_ensure(company=personas.company, through=lease.commencement_date)
    period = AccountingPeriod.objects.get(company=personas.company, start=lease.commencement_date)
    period_close(period=period, actor=personas.accountant.user)
    saved = connection_save(
        company=personas.company,
        actor=personas.settings_admin.user,
        account_id="1234567",
        secrets={
            name: name[0] * 64
            for name in ("consumer_key", "consumer_secret", "token_id", "token_secret")
        },
        transport="rest",
        concurrency_limit=4,
        enabled=True,
    )
    period.refresh_from_db()
    period_sync_start(period=period, actor=personas.reviewer.user, enqueue=lambda run_id: None)

    source = connection.settings_dict["NAME"]
    scratch = f"{source}_restore"
    dump = tmp_path / "occupier.dump"
    env = libpq_env()
    # The README's commands (which it runs through docker compose).
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source],
        env=env,
        check=True,
        timeout=120,
    )
    subprocess.run(["dropdb", "--if-exists", scratch], env=env, check=True, timeout=60)
    subprocess.run(["createdb", scratch], env=env, check=True, timeout=60)
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={scratch}", str(dump)],
            env=env,
            check=True,
            timeout=120,
        )
        with connection.cursor() as cursor:
            before = fingerprints(cursor)
        params = {
            k.lower(): v
            for k, v in env.items()
            if k in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")
        }
        with (
            psycopg.connect(
                host=params["pghost"],
                port=params["pgport"],
                user=params["pguser"],
                password=params["pgpassword"] or None,
                dbname=scratch,
            ) as restored,
            restored.cursor() as cursor,
        ):
            after = fingerprints(cursor)
            cursor.execute(
                "SELECT token_secret_encrypted FROM integrations_netsuiteconnection WHERE id = %s",
                [saved.pk],
            )
            (token_secret,) = cursor.fetchone()
            # The database's own guards came back too: one sync in flight per period.
            cursor.execute(
                "SELECT count(*) FROM pg_indexes WHERE indexname = 'sync_one_in_flight_per_period'"
            )
            (guards,) = cursor.fetchone()
    finally:
        subprocess.run(["dropdb", "--if-exists", scratch], env=env, check=False, timeout=60)

    assert after == before
    assert before["closebooks_journalentry"][0] >= 1 and before["integrations_syncentry"][0] >= 1
    assert decrypt_secret(token_secret) == "t" * 64
    assert guards == 1
