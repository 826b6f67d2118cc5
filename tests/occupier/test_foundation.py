"""The project's own plumbing: settings parsing, health, the database CI runs on, compose file."""

import os
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from audit.services import scrub
from occupier.config import fernet_keys, strict_bool, strict_int

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_the_suite_on_postgresql():
    if os.environ.get("CI") != "true":
        pytest.skip("only CI promises PostgreSQL")
    assert connection.vendor == "postgresql"


def test_database_url_decides_the_database_engine():
    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected


def test_bad_boolean_setting_fails_loudly(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG='maybe' is not a boolean"):
        strict_bool("DJANGO_DEBUG", default=False)


def test_bad_integer_setting_fails_loudly(monkeypatch):
    monkeypatch.setenv("CELERY_TASK_TIME_LIMIT", "ten")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        strict_int("CELERY_TASK_TIME_LIMIT", 5)


def test_an_encryption_key_that_is_not_fernet_is_refused():
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        fernet_keys("not-a-key", source="CREDENTIALS_ENCRYPTION_KEYS")


def test_health_reports_database_and_broker(client, db):
    response = client.get("/health/")
    body = response.json()
    assert body["database"] == "ok"
    assert response.status_code == (200 if body["broker"] == "ok" else 503)


def test_audit_rows_never_keep_secrets():
    cleaned = scrub(
        {
            "consumer_secret": "abc",
            "token_id": "t",
            "account_id": "123",
            "nested": {"password": "x"},
        }
    )
    assert cleaned == {
        "consumer_secret": "••••",
        "token_id": "••••",
        "account_id": "123",
        "nested": {"password": "••••"},
    }


def test_docker_compose_describes_the_production_shape():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in services[name], name
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert set(compose["volumes"]) >= {"pgdata"}
