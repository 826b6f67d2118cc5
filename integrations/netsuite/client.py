"""The facade the product uses: one NetSuite account, REST or SOAP transport."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import requests
from requests.adapters import HTTPAdapter

from .credentials import NetSuiteCredentials
from .limiter import ConcurrencyLimiter
from .payload import JournalEntryData, JournalEntryRecord, UpsertResult
from .rest import RestClient, VerifyResult
from .retry import RetryPolicy
from .signing import Clock, NonceFactory, default_nonce, default_timestamp
from .soap import SoapClient

__all__ = ["NetSuiteClient", "pooled_session"]

Transport = Literal["rest", "soap"]


def pooled_session(pool_size: int | None) -> requests.Session:
    """A session keeping one open connection per concurrency slot (requests keeps 10).

    With fewer, threads beyond the pool open a new TCP/TLS connection for every request and
    throw it away; with more, idle connections are kept for nothing.
    """
    session = requests.Session()
    if pool_size:
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    return session


class NetSuiteClient:
    """Upsert journal entries, read them back, run SuiteQL, verify, and link to the UI."""

    def __init__(
        self,
        credentials: NetSuiteCredentials,
        *,
        transport: Transport = "rest",
        base_url: str | None = None,
        app_base_url: str | None = None,
        wsdl: str | None = None,
        wsdl_cache_dir: str | Path | None = None,
        session: requests.Session | None = None,
        timeout_s: float = 60.0,
        retry_policy: RetryPolicy | None = None,
        limiter: ConcurrencyLimiter | None = None,
        nonce_factory: NonceFactory = default_nonce,
        clock: Clock = default_timestamp,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if transport not in ("rest", "soap"):
            raise ValueError(f"transport must be 'rest' or 'soap', not {transport!r}")
        self.credentials = credentials
        self.transport = transport
        # With an override (the simulator) every service, the UI included, lives on that base.
        self.app_base_url = (app_base_url or base_url or credentials.account.app_base_url).rstrip(
            "/"
        )
        session = session or pooled_session(getattr(limiter, "limit", None))
        common: dict[str, Any] = {
            "base_url": base_url,
            "session": session,
            "retry_policy": retry_policy,
            "limiter": limiter,
            "nonce_factory": nonce_factory,
            "clock": clock,
            "sleep": sleep,
            "rng": rng,
        }
        self.rest = RestClient(credentials, timeout_s=timeout_s, **common)
        self.soap = SoapClient(
            credentials,
            wsdl=wsdl,
            wsdl_cache_dir=wsdl_cache_dir,
            timeout_s=max(timeout_s, 120.0),
            **common,
        )

    def __repr__(self) -> str:
        return f"NetSuiteClient(account={self.credentials.realm!r}, transport={self.transport!r})"

    def upsert_journal_entry(self, entry: JournalEntryData) -> UpsertResult:
        """Create or update by external ID; a replay never duplicates."""
        if self.transport == "soap":
            return self.soap.upsert_journal_entry(entry)
        return self.rest.upsert_journal_entry(entry)

    def upsert_journal_entries(self, entries: Sequence[JournalEntryData]) -> list[UpsertResult]:
        """SOAP upsertList (200 a call) or one REST upsert each (the first error raises)."""
        if self.transport == "soap":
            return self.soap.upsert_journal_entries(entries)
        return [self.rest.upsert_journal_entry(entry) for entry in entries]

    def delete_journal_entry(self, external_id: str) -> UpsertResult:
        """Delete by external ID (always over REST); deleting what is gone succeeds."""
        return self.rest.delete_journal_entry(external_id)

    def get_journal_entry(
        self, *, internal_id: str | None = None, external_id: str | None = None
    ) -> JournalEntryRecord:
        """Read one entry with its lines (always over REST)."""
        return self.rest.get_journal_entry(internal_id=internal_id, external_id=external_id)

    def suiteql(
        self, query: str, *, page_size: int = 1000, max_pages: int | None = None
    ) -> list[dict[str, Any]]:
        """All rows of a SuiteQL query within the page cap (always over REST)."""
        return self.rest.suiteql(query, page_size=page_size, max_pages=max_pages)

    def iter_suiteql_rows(
        self, query: str, *, page_size: int = 1000, max_pages: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """The rows of a SuiteQL query, a page in memory at a time (always over REST)."""
        for page in self.rest.iter_suiteql(query, page_size=page_size, max_pages=max_pages):
            yield from page.items

    def verify_connection(self) -> VerifyResult:
        """A one-row SuiteQL query proving credentials, role and web services access."""
        result = self.rest.verify_connection()
        if self.transport == "soap":
            # Also prove the WSDL loads and is NetSuite's (WsdlUnavailableError or
            # WsdlNotNetSuiteError if not) by reading from it what every envelope needs, so a
            # wrong WSDL shows at verify time rather than at the first sync.
            _ = self.soap.envelope_writer
        return result

    def journal_entry_url(self, internal_id: str) -> str:
        """The *View in Integration* link to the entry in the NetSuite UI."""
        return f"{self.app_base_url}/app/accounting/transactions/journal.nl?id={internal_id}"
