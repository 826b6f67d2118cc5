"""Deterministic external keys for journal entries (they become NetSuite external IDs).

Format: ``LA-{company pk}-{YYYYMM}-{kind}-{body}`` where kind is ``D`` (detail, body = lease
code), ``S`` (summary, body = currency and subsidiary), ``M`` (a lease change's own entry,
body = change reference and lease code) or ``C`` (a lease's catch-up entry, body = lease code).
When the body is not already made of ``[A-Za-z0-9_-]`` or would push the key past
``MAX_KEY_LENGTH``, the kind gets an ``X`` and the body becomes a sanitised prefix plus a hash of
the original, so two different sources never share a key.
A split entry's part number follows the kind (``D2``, ``SX3``); an unsplit entry has none.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

MAX_KEY_LENGTH = 40
HASH_LENGTH = 10
_CLEAN = re.compile(r"[A-Za-z0-9_-]+")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def _stable_hash(source: str) -> str:
    """A short digest that is the same on every machine and every run."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def _key(company_id: int, period: date, kind: str, source: str, part: int | None) -> str:
    """Assemble a key; hash the body when it is unsafe or too long."""
    head = f"LA-{company_id}-{period:%Y%m}-"
    suffix = str(part) if part else ""
    plain = f"{head}{kind}{suffix}-{source}"
    if _CLEAN.fullmatch(source) and len(plain) <= MAX_KEY_LENGTH:
        return plain
    prefix = f"{head}{kind}X{suffix}-"
    room = max(MAX_KEY_LENGTH - len(prefix) - HASH_LENGTH - 1, 0)
    readable = _UNSAFE.sub("_", source)[:room]
    body = f"{readable}-{_stable_hash(source)}" if readable else _stable_hash(source)
    return prefix + body


def detail_key(*, company_id: int, period: date, lease_code: str, part: int | None = None) -> str:
    """The key of a lease's entry for a month (part only when the entry is split)."""
    return _key(company_id, period, "D", lease_code, part)


def summary_key(
    *, company_id: int, period: date, subsidiary: str, currency: str, part: int | None = None
) -> str:
    """The key of a subsidiary and currency's summary entry for a month."""
    # The currency (three letters, no '-') comes first so the split point is unambiguous.
    return _key(company_id, period, "S", f"{currency}-{subsidiary}", part)


def change_key(*, company_id: int, period: date, lease_code: str, reference: str) -> str:
    """The key of one lease change's entry (remeasurement, termination, ...) in its month."""
    return _key(company_id, period, "M", f"{reference}-{lease_code}", None)


def catchup_key(*, company_id: int, period: date, lease_code: str) -> str:
    """The key of a lease's catch-up entry for changes effective in closed months."""
    return _key(company_id, period, "C", lease_code, None)
