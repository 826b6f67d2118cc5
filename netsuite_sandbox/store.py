"""SQLite state: accounts, credentials, reference data and journal entries."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .oauth import Credentials

DEFAULT_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "reference_data.json"
DB_FILENAME = "sandbox.sqlite3"
# Reference: API-FACTS 4 (record types exposed to SuiteQL under these names).
REFERENCE_TYPES = (
    "subsidiary",
    "currency",
    "account",
    "department",
    "classification",
    "location",
    "accountingperiod",
    "vendor",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    account_id TEXT PRIMARY KEY,
    concurrency_limit INTEGER NOT NULL DEFAULT 5,
    refdata_version INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS integrations (
    consumer_key TEXT PRIMARY KEY,
    consumer_secret TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(account_id),
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_id TEXT PRIMARY KEY,
    token_secret TEXT NOT NULL,
    consumer_key TEXT NOT NULL REFERENCES integrations(consumer_key),
    account_id TEXT NOT NULL REFERENCES accounts(account_id),
    is_active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refrecords (
    account_id TEXT NOT NULL,
    rtype TEXT NOT NULL,
    id INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (account_id, rtype, id)
);
CREATE TABLE IF NOT EXISTS journal_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    external_id TEXT,
    tran_id TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    UNIQUE (account_id, external_id)
);
"""


def utcnow() -> str:
    """Return the current UTC time as ISO 8601 with a Z suffix."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """All persistent sandbox state behind one SQLite connection."""

    def __init__(self, data: str) -> None:
        if data == ":memory:":
            path = ":memory:"
        else:
            directory = Path(data)
            directory.mkdir(parents=True, exist_ok=True)
            path = str(directory / DB_FILENAME)
        # One connection used from the event loop thread; the lock guards CLI/tests threads.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.executescript(SCHEMA)
        self._ref_cache: dict[str, tuple[int, dict[str, dict[int, dict[str, Any]]]]] = {}
        self._seed_ids()

    def _seed_ids(self) -> None:
        # Internal ids start above small numbers so they are never mistaken for fixture ids.
        with self._lock:
            row = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name='journal_entries'")
            if row.fetchone() is None:
                self._conn.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES ('journal_entries', 1000)"
                )

    def change_count(self) -> int:
        """How many rows were changed through this store since it opened: a cache key that moves
        with every write (all writes go through this one connection)."""
        with self._lock:
            return self._conn.total_changes

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()

    # Accounts and credentials -------------------------------------------------------------

    def account_exists(self, account_id: str) -> bool:
        """Return whether the account exists (exact, case-sensitive id)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM accounts WHERE account_id = ?", (account_id,)
            ).fetchone()
        return row is not None

    def list_accounts(self) -> list[str]:
        """Return every account id."""
        with self._lock:
            rows = self._conn.execute("SELECT account_id FROM accounts ORDER BY account_id")
            return [r[0] for r in rows]

    def create_account(
        self,
        account_id: str,
        fixture: Path | None = None,
        concurrency_limit: int | None = None,
    ) -> dict[str, str]:
        """Create (or re-issue credentials for) an account; return the new secrets."""
        now = utcnow()
        creds = {
            "account_id": account_id,
            "consumer_key": secrets.token_hex(32),
            "consumer_secret": secrets.token_hex(32),
            "token_id": secrets.token_hex(32),
            "token_secret": secrets.token_hex(32),
        }
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                is_new = not self.account_exists(account_id)
                if is_new:
                    self._conn.execute(
                        "INSERT INTO accounts (account_id, concurrency_limit, created_at)"
                        " VALUES (?, ?, ?)",
                        (account_id, concurrency_limit or 5, now),
                    )
                elif concurrency_limit:
                    self._conn.execute(
                        "UPDATE accounts SET concurrency_limit = ? WHERE account_id = ?",
                        (concurrency_limit, account_id),
                    )
                if is_new or fixture is not None:
                    self._load_fixture(account_id, fixture or DEFAULT_FIXTURE)
                self._conn.execute(
                    "INSERT INTO integrations VALUES (?, ?, ?, ?)",
                    (creds["consumer_key"], creds["consumer_secret"], account_id, now),
                )
                self._conn.execute(
                    "INSERT INTO tokens VALUES (?, ?, ?, ?, 1, ?)",
                    (
                        creds["token_id"],
                        creds["token_secret"],
                        creds["consumer_key"],
                        account_id,
                        now,
                    ),
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return creds

    def _load_fixture(self, account_id: str, fixture: Path) -> None:
        data = json.loads(Path(fixture).read_text(encoding="utf-8"))
        self._conn.execute("DELETE FROM refrecords WHERE account_id = ?", (account_id,))
        for rtype in REFERENCE_TYPES:
            for row in data.get(rtype, []):
                self._conn.execute(
                    "INSERT INTO refrecords VALUES (?, ?, ?, ?)",
                    (account_id, rtype, int(row["id"]), json.dumps(row)),
                )
        self._bump_refdata(account_id)

    def _bump_refdata(self, account_id: str) -> None:
        self._conn.execute(
            "UPDATE accounts SET refdata_version = refdata_version + 1 WHERE account_id = ?",
            (account_id,),
        )

    def credentials(self, account_id: str, consumer_key: str, token_id: str) -> Credentials | None:
        """Return the credentials for an active token of this consumer in this account."""
        with self._lock:
            row = self._conn.execute(
                "SELECT i.consumer_secret, t.token_secret FROM tokens t"
                " JOIN integrations i ON i.consumer_key = t.consumer_key"
                " WHERE t.token_id = ? AND t.consumer_key = ? AND t.account_id = ?"
                " AND i.account_id = ? AND t.is_active = 1",
                (token_id, consumer_key, account_id, account_id),
            ).fetchone()
        if row is None:
            return None
        return Credentials(account_id, consumer_key, row[0], token_id, row[1])

    def concurrency_limit(self, account_id: str) -> int:
        """Return the account's concurrency limit."""
        with self._lock:
            row = self._conn.execute(
                "SELECT concurrency_limit FROM accounts WHERE account_id = ?", (account_id,)
            ).fetchone()
        return int(row[0]) if row else 5

    def set_concurrency_limit(self, account_id: str, limit: int) -> None:
        """Change the account's concurrency limit."""
        with self._lock:
            self._conn.execute(
                "UPDATE accounts SET concurrency_limit = ? WHERE account_id = ?",
                (limit, account_id),
            )

    # Reference data -----------------------------------------------------------------------

    def reference(self, account_id: str) -> dict[str, dict[int, dict[str, Any]]]:
        """Return the account's reference records by type and id (cached per version)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT refdata_version FROM accounts WHERE account_id = ?", (account_id,)
            ).fetchone()
            version = int(row[0]) if row else -1
            cached = self._ref_cache.get(account_id)
            if cached and cached[0] == version:
                return cached[1]
            result: dict[str, dict[int, dict[str, Any]]] = {t: {} for t in REFERENCE_TYPES}
            for r in self._conn.execute(
                "SELECT rtype, id, data FROM refrecords WHERE account_id = ?", (account_id,)
            ):
                result.setdefault(r[0], {})[int(r[1])] = json.loads(r[2])
            self._ref_cache[account_id] = (version, result)
            return result

    def update_reference(
        self, account_id: str, rtype: str, record_id: int, changes: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Merge changes into one reference record (e.g. close a period); None if absent."""
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM refrecords WHERE account_id = ? AND rtype = ? AND id = ?",
                (account_id, rtype, record_id),
            ).fetchone()
            if row is None:
                return None
            data = json.loads(row[0])
            data.update({k: v for k, v in changes.items() if k != "id"})
            self._conn.execute(
                "UPDATE refrecords SET data = ? WHERE account_id = ? AND rtype = ? AND id = ?",
                (json.dumps(data), account_id, rtype, record_id),
            )
            self._bump_refdata(account_id)
        return data

    # Journal entries ----------------------------------------------------------------------

    def insert_entry(self, account_id: str, entry: dict[str, Any]) -> dict[str, Any] | None:
        """Insert a journal entry; return it with id, or None if the external id exists."""
        now = utcnow()
        with self._lock:
            try:
                cur = self._conn.execute(
                    "INSERT INTO journal_entries"
                    " (account_id, external_id, tran_id, data, created_at, last_modified)"
                    " VALUES (?, ?, '', '{}', ?, ?)",
                    (account_id, entry.get("externalId"), now, now),
                )
            except sqlite3.IntegrityError:
                return None
            entry_id = int(cur.lastrowid or 0)
            # Reference: NetSuite auto-numbers journals as JE<n> unless tranId is given.
            stored = dict(entry, id=entry_id, tranId=entry.get("tranId") or f"JE{entry_id}")
            stored["createdDate"] = stored["lastModifiedDate"] = now
            self._conn.execute(
                "UPDATE journal_entries SET tran_id = ?, data = ? WHERE id = ?",
                (stored["tranId"], json.dumps(stored), entry_id),
            )
        return stored

    def replace_entry(self, entry_id: int, entry: dict[str, Any]) -> dict[str, Any]:
        """Overwrite an existing entry's fields, keeping id and created date."""
        now = utcnow()
        with self._lock:
            old = self.entry(entry_id)
            assert old is not None
            stored = dict(entry, id=entry_id, tranId=entry.get("tranId") or old["tranId"])
            stored["createdDate"] = old["createdDate"]
            stored["lastModifiedDate"] = now
            self._conn.execute(
                "UPDATE journal_entries SET tran_id = ?, data = ?, last_modified = ? WHERE id = ?",
                (stored["tranId"], json.dumps(stored), now, entry_id),
            )
        return stored

    def entry(self, entry_id: int, account_id: str | None = None) -> dict[str, Any] | None:
        """Return one entry by internal id (optionally only within an account)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT account_id, data FROM journal_entries WHERE id = ?", (entry_id,)
            ).fetchone()
        if row is None or (account_id is not None and row[0] != account_id):
            return None
        return dict(json.loads(row[1]), account_id=row[0])

    def entry_by_external_id(self, account_id: str, external_id: str) -> dict[str, Any] | None:
        """Return one entry by external id within an account."""
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM journal_entries WHERE account_id = ? AND external_id = ?",
                (account_id, external_id),
            ).fetchone()
        return dict(json.loads(row[0]), account_id=account_id) if row else None

    def entries(self, account_id: str) -> list[dict[str, Any]]:
        """Return every entry of an account, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT data FROM journal_entries WHERE account_id = ? ORDER BY id", (account_id,)
            ).fetchall()
        return [dict(json.loads(r[0]), account_id=account_id) for r in rows]

    def delete_entry(self, entry_id: int) -> bool:
        """Delete one entry by internal id; whether it existed."""
        with self._lock:
            cur = self._conn.execute("DELETE FROM journal_entries WHERE id = ?", (entry_id,))
        return cur.rowcount > 0

    def delete_entries(self, account_id: str | None = None) -> int:
        """Delete entries of one account (or all); return how many."""
        with self._lock:
            if account_id is None:
                cur = self._conn.execute("DELETE FROM journal_entries")
            else:
                cur = self._conn.execute(
                    "DELETE FROM journal_entries WHERE account_id = ?", (account_id,)
                )
        return cur.rowcount
