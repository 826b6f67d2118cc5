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
