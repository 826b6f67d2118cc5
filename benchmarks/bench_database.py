"""A throw-away PostgreSQL database for a benchmark, so it never touches test or demo data."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def server_url(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


def _recreate(url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    conninfo = server_url(url, "postgres").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def django_on_fresh_database(name: str, *, keep: bool = False) -> Iterator[None]:
    """Create database `name` on DATABASE_URL's server, set Django up on it, migrate, then drop."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server; the benchmark uses its own database.")
    _recreate(url, name)
    os.environ["DATABASE_URL"] = server_url(url, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "occupier.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    try:
        call_command("migrate", verbosity=0)
        yield
    finally:
        connections.close_all()
        if not keep:
            _recreate(url, name, drop_only=True)


def bulk_active_leases(company, subsidiary, count: int, terms, payment=None) -> list:
    """`count` active leases with one payment stream each, written in bulk.

    `terms(n)` gives lease n's own fields (commencement, term, standard, classification, rate);
    `payment(n)` its payment stream's fields beyond the amount (level rent when omitted).
    """
    from decimal import Decimal

    from leases.models import Lease, LeasePayment

    leases = Lease.objects.bulk_create(
        [
            Lease(
                company=company,
                code=f"L-{n:05d}",
                name=f"Lease {n}",
                subsidiary=subsidiary,
                currency="USD",
                status="active",
                **terms(n),
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    LeasePayment.objects.bulk_create(
        [
            LeasePayment(
                lease=lease,
                amount=Decimal(1000 + n % 9000) + Decimal("0.25"),
                **(payment(n) if payment else {}),
            )
            for n, lease in enumerate(leases)
        ],
        batch_size=2000,
    )
    return leases
