"""Environment reading for settings: strict parsing and the embedded profile's local secrets."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def strict_bool(name: str, default: bool) -> bool:
    """Read a boolean variable and refuse anything that is not clearly yes or no."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false or yes/no.")


def strict_int(name: str, default: int, *, minimum: int = 0) -> int:
    """Read an integer variable and refuse anything else, or anything below the minimum."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    return value


def local_secrets(var_dir: Path) -> dict[str, str]:
    """Secrets of the embedded profile, generated once and kept in an untracked file."""
    path = var_dir / "local-secrets.json"
    var_dir.mkdir(parents=True, exist_ok=True)
    stored = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    if "SECRET_KEY" not in stored:
        stored["SECRET_KEY"] = secrets.token_urlsafe(50)
        changed = True
    if "CREDENTIALS_ENCRYPTION_KEYS" not in stored:
        stored["CREDENTIALS_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
        changed = True
    if changed:
        # Written with owner-only permissions: these keys decrypt stored NetSuite tokens.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(stored, handle, indent=2)
    return stored


def fernet_keys(raw: str, *, source: str) -> list[str]:
    """Split and check a comma-separated list of Fernet keys; the first one encrypts."""
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    if not keys:
        raise ImproperlyConfigured(f"{source} holds no key.")
    for key in keys:
        try:
            Fernet(key.encode())
        except ValueError:
            raise ImproperlyConfigured(
                f"{source} holds a value that is not a Fernet key (32 url-safe base64-encoded "
                "bytes). Generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from None
    return keys
