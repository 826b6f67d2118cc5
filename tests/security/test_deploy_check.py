"""The production profile passes Django's deployment checklist with no warning at all."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "SECURE_", "SESSION_", "AXES_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="occupier.settings",
        # Never connected to by `check`; its presence selects the production profile.
        DATABASE_URL="postgres://occupier:occupier@127.0.0.1:5432/occupier",
        REDIS_URL="redis://127.0.0.1:6379/0",
        SECRET_KEY=secrets.token_urlsafe(64),
        CREDENTIALS_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        SITE_URL="https://lease.example.com",
        ALLOWED_HOSTS="lease.example.com",
        CSRF_TRUSTED_ORIGINS="https://lease.example.com",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.example.com:587",
        OCCUPIER_VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
    )
    return env


SCRIPT = """
import django
django.setup()
from django.conf import settings as s
from django.core.management import call_command
call_command("check", deploy=True, fail_level="WARNING")
print("settings:", s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE,
      s.CSRF_COOKIE_SECURE, s.DATABASES["default"]["CONN_HEALTH_CHECKS"], s.LOG_FORMAT)
"""


def test_check_deploy_prints_no_warning_in_the_production_profile(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    # `check` raises (exit 1) on any warning at --fail-level WARNING, and prints each one.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    # HTTPS only, HSTS for a year, secure cookies, connection health checks, JSON logs.
    assert "settings: True 31536000 True True True json" in result.stdout
