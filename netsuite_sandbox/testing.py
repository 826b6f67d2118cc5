"""Run the simulator as a subprocess for tests, benchmarks and the demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

DEFAULT_ACCOUNT = "1234567_SB1"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "reference_data.json"


class SandboxError(RuntimeError):
    """The simulator did not start or an admin call failed."""


def _admin(base_url: str, method: str, path: str, body: Any = None, timeout: float = 10) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    # base_url is always the http://127.0.0.1:<port> the server printed.
    request = urllib.request.Request(  # noqa: S310
        base_url + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"} if data else {},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise SandboxError(f"{method} {path}: {exc.code} {exc.read().decode()}") from exc


@dataclass
class Sandbox:
    """A running simulator process and one provisioned account."""

    base_url: str
    account_id: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def _account_path(self, suffix: str = "") -> str:
        return f"/_sandbox/accounts/{quote(self.account_id)}{suffix}"

    def entries(self) -> list[dict[str, Any]]:
        """Return every journal entry posted to the account (amounts as strings to the cent)."""
        return _admin(self.base_url, "GET", self._account_path("/entries"))["items"]

    def entry_by_external_id(self, external_id: str) -> dict[str, Any] | None:
        """Return the entry with this external id, or None."""
        path = self._account_path(f"/entries?external_id={quote(external_id, safe='')}")
        items = _admin(self.base_url, "GET", path)["items"]
        return items[0] if items else None

    def post_entry(self, body: dict[str, Any]) -> dict[str, Any]:
        """Enter a journal inside NetSuite (REST body shape), as a user of the account would."""
        return _admin(self.base_url, "POST", self._account_path("/entries"), body)

    def edit_entry(self, internal_id: int | str, lines: list[dict[str, Any]]) -> dict[str, Any]:
        """Change lines of a stored journal in place, e.g. [{"line": 0, "debit": "1100.00"}]."""
        return _admin(
            self.base_url, "PATCH", self._account_path(f"/entries/{internal_id}"), {"lines": lines}
        )

    def requests(self, limit: int = 100) -> dict[str, Any]:
        """Return request counters (total, by_outcome, refused_concurrency) and recent log."""
        return _admin(self.base_url, "GET", self._account_path(f"/requests?limit={limit}"))

    def request_count(self, outcome: str | None = None) -> int:
        """Return how many API requests the account received (optionally of one outcome)."""
        log = self.requests(limit=0)
        return log["total"] if outcome is None else log["by_outcome"].get(outcome, 0)

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """Replace the account's fault knobs (and concurrency_limit); see the docs."""
        return _admin(self.base_url, "PUT", self._account_path("/faults"), faults)

    def update_reference(self, rtype: str, record_id: int, **changes: Any) -> dict[str, Any]:
        """Change one reference record, e.g. ('accountingperiod', 103, closed=True)."""
        path = self._account_path(f"/reference/{rtype}/{record_id}")
        return _admin(self.base_url, "PATCH", path, changes)

    def reset(self) -> None:
        """Delete the account's entries and clear its request log and faults."""
        _admin(self.base_url, "POST", self._account_path("/reset"), {})

    def create_account(self, account_id: str, **options: Any) -> dict[str, str]:
        """Provision another account (or new tokens) on the same server."""
        return _admin(
            self.base_url, "POST", "/_sandbox/accounts", dict(options, account_id=account_id)
        )

    def journal_url(self, internal_id: int | str) -> str:
        """Return the UI link of an entry."""
        return f"{self.base_url}/app/accounting/transactions/journal.nl?id={internal_id}"

    def oauth1(self) -> Any:
        """Return a requests-oauthlib OAuth1 signer for this account (HMAC-SHA256, realm)."""
        from requests_oauthlib import OAuth1

        return OAuth1(
            self.consumer_key,
            client_secret=self.consumer_secret,
            resource_owner_key=self.token_id,
            resource_owner_secret=self.token_secret,
            signature_method="HMAC-SHA256",
            realm=self.account_id,
        )

    def stop(self) -> None:
        """Stop the server process (idempotent)."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _read_port_line(process: subprocess.Popen[bytes], timeout: float) -> str:
    result: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        result.append(process.stdout.readline().decode())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not result or "listening on" not in result[0]:
        raise SandboxError(f"the simulator did not start: {result[0] if result else 'timeout'}")
    return result[0].rsplit(" ", 1)[-1].strip()


@contextmanager
def running_sandbox(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    account_id: str = DEFAULT_ACCOUNT,
    fixture: str | os.PathLike[str] | None = None,
    concurrency_limit: int | None = None,
    startup_timeout: float = 15.0,
    **faults: Any,
) -> Iterator[Sandbox]:
    """Start the simulator on a free loopback port, provision an account, stop it on exit."""
    data = str(data_dir) if data_dir is not None else ":memory:"
    if data_dir is not None:
        Path(data).mkdir(parents=True, exist_ok=True)
    log = open(Path(data) / "sandbox.log", "ab") if data_dir is not None else subprocess.DEVNULL  # noqa: SIM115
    command = [sys.executable, "-m", "netsuite_sandbox", "serve", "--port", "0", "--data", data]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # Run from the package's parent so the subprocess imports this same code.
    cwd = str(Path(__file__).resolve().parent.parent)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, cwd=cwd, env=env)
    sandbox: Sandbox | None = None
    try:
        base_url = _read_port_line(process, startup_timeout)
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                _admin(base_url, "GET", "/_sandbox/health", timeout=2)
                break
            except (OSError, SandboxError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        options: dict[str, Any] = {"account_id": account_id}
        if fixture is not None:
            options["fixture"] = str(fixture)
        if concurrency_limit is not None:
            options["concurrency_limit"] = concurrency_limit
        creds = _admin(base_url, "POST", "/_sandbox/accounts", options)
        sandbox = Sandbox(
            base_url=base_url,
            account_id=account_id,
            consumer_key=creds["consumer_key"],
            consumer_secret=creds["consumer_secret"],
            token_id=creds["token_id"],
            token_secret=creds["token_secret"],
            process=process,
        )
        if faults:
            sandbox.set_faults(**faults)
        yield sandbox
    finally:
        if sandbox is not None:
            sandbox.stop()
        elif process.poll() is None:
            process.terminate()
            process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()
        if log is not subprocess.DEVNULL:
            log.close()  # type: ignore[union-attr]
