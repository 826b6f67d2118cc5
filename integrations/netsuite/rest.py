"""REST web services client: journal entry upsert/get, SuiteQL with paging, verify."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from .credentials import NetSuiteCredentials
from .errors import (
    NetSuiteConnectionError,
    NetSuiteTimeoutError,
    ProtocolError,
    QueryTooLargeError,
    RecordNotFoundError,
    error_from_rest_response,
)
from .limiter import ConcurrencyLimiter
from .payload import (
    AttemptRecord,
    JournalEntryData,
    JournalEntryRecord,
    UpsertResult,
    dumps_exact,
    from_rest_record,
    to_rest_body,
)
from .retry import RetryPolicy, run_with_retries
from .signing import Clock, NonceFactory, TbaAuth, build_url, default_nonce, default_timestamp

__all__ = ["RestClient", "SuiteQLPage", "VerifyResult"]

log = logging.getLogger(__name__)

RECORD_PATH = "/services/rest/record/v1/journalentry"
SUITEQL_PATH = "/services/rest/query/v1/suiteql"
MAX_PAGE_SIZE = 1000  # NetSuite's cap on `limit`
DEFAULT_MAX_PAGES = 100


@dataclass(frozen=True, slots=True)
class SuiteQLPage:
    """One page of SuiteQL results (values are strings, column names lower case)."""

    items: tuple[dict[str, Any], ...]
    offset: int
    count: int
    has_more: bool
    total_results: int | None


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Proof that credentials and role work."""

    account_id: str
    account_kind: str
    transport: str
    duration_ms: int
    detail: str


class RestClient:
    """Signed REST calls to one NetSuite account with retries and a shared concurrency limit."""

    transport_name = "rest"

    def __init__(
        self,
        credentials: NetSuiteCredentials,
        *,
        base_url: str | None = None,
        session: requests.Session | None = None,
        timeout_s: float = 60.0,
        retry_policy: RetryPolicy | None = None,
        limiter: ConcurrencyLimiter | None = None,
        nonce_factory: NonceFactory = default_nonce,
        clock: Clock = default_timestamp,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        max_suiteql_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self.credentials = credentials
        self.base_url = (base_url or credentials.account.rest_base_url).rstrip("/")
        self.session = session or requests.Session()
        self.timeout_s = timeout_s
        self.retry_policy = retry_policy or RetryPolicy()
        self.limiter = limiter
        self.max_suiteql_pages = max_suiteql_pages
        self._auth = TbaAuth(credentials, nonce_factory=nonce_factory, clock=clock)
        self._environments: dict[tuple[str, str], dict[str, Any]] = {}
        self._sleep = sleep
        self._rng = rng

    def __repr__(self) -> str:
        return f"RestClient(account={self.credentials.realm!r}, base_url={self.base_url!r})"

    # Reference: https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156335203191.html
    def upsert_journal_entry(self, entry: JournalEntryData) -> UpsertResult:
        """PUT …/journalentry/eid:<key> creates or updates, so a replay never duplicates."""
        body = dumps_exact(to_rest_body(entry))
        path = f"{RECORD_PATH}/eid:{quote(entry.external_id, safe='')}"
        attempts: list[AttemptRecord] = []
        started = time.monotonic()
        # replace=line: the line sublist is not keyed, so without it an update appends lines.
        response = self._send(
            "PUT",
            path,
            params=[("replace", "line")],
            body=body,
            operation="upsert",
            attempts=attempts,
        )
        internal_id = _id_from_location(response.headers.get("Location"))
        if internal_id is None:
            # Not every NetSuite version returns Location on update; read the record back.
            internal_id = self.get_journal_entry(external_id=entry.external_id).internal_id
        return UpsertResult(
            external_id=entry.external_id,
            internal_id=internal_id,
            status_code=response.status_code,
            duration_ms=int((time.monotonic() - started) * 1000),
            transport=self.transport_name,
            attempts=tuple(attempts),
        )

    def delete_journal_entry(self, external_id: str) -> UpsertResult:
        """DELETE …/journalentry/eid:<key>; an entry already gone counts as deleted (a replay)."""
        path = f"{RECORD_PATH}/eid:{quote(external_id, safe='')}"
        attempts: list[AttemptRecord] = []
        started = time.monotonic()
        try:
            response = self._send("DELETE", path, operation="delete", attempts=attempts)
            status = response.status_code
        except RecordNotFoundError:
            # Deleted by an earlier attempt whose answer was lost, or by someone in NetSuite.
            status = 404
        return UpsertResult(
            external_id=external_id,
            internal_id="",
            status_code=status,
            duration_ms=int((time.monotonic() - started) * 1000),
            transport=self.transport_name,
            attempts=tuple(attempts),
        )

    # Reference: https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1545141500.html
    def get_journal_entry(
        self, *, internal_id: str | None = None, external_id: str | None = None
    ) -> JournalEntryRecord:
        """Read one journal entry with its lines, by internal ID or external ID."""
        if (internal_id is None) == (external_id is None):
            raise ValueError("pass exactly one of internal_id or external_id")
        key = (
            quote(str(internal_id), safe="")
            if internal_id
            else f"eid:{quote(external_id or '', safe='')}"
        )
        response = self._send(
            "GET",
            f"{RECORD_PATH}/{key}",
            params=[("expandSubResources", "true")],
            operation="get",
        )
        return from_rest_record(_json(response))

    # Reference: https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157909186990.html
    def suiteql_page(
        self, query: str, *, limit: int = MAX_PAGE_SIZE, offset: int = 0
    ) -> SuiteQLPage:
        """One page of a SuiteQL query (POST with limit/offset as signed query parameters)."""
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        response = self._send(
            "POST",
            SUITEQL_PATH,
            params=[("limit", str(limit)), ("offset", str(offset))],
            body=dumps_exact({"q": query}),
            headers={"Prefer": "transient"},
            operation="suiteql",
        )
        data = _json(response)
        items = tuple(
            {k: v for k, v in item.items() if k != "links"} for item in data.get("items", [])
        )
        return SuiteQLPage(
            items=items,
            offset=int(data.get("offset", offset)),
            count=int(data.get("count", len(items))),
            has_more=bool(data.get("hasMore", False)),
            total_results=data.get("totalResults"),
        )

    def iter_suiteql(
        self, query: str, *, page_size: int = MAX_PAGE_SIZE, max_pages: int | None = None
    ) -> Iterator[SuiteQLPage]:
        """Follow `hasMore` page by page; raise QueryTooLargeError past the page cap."""
        cap = max_pages or self.max_suiteql_pages
        offset = 0
        for _ in range(cap):
            page = self.suiteql_page(query, limit=page_size, offset=offset)
            yield page
            if not page.has_more or not page.items:
                return
            offset = page.offset + len(page.items)
        raise QueryTooLargeError(
            f"SuiteQL query has more than {cap} pages of {page_size} rows",
            code="PAGE_CAP_EXCEEDED",
            operation="suiteql",
        )

    def suiteql(
        self, query: str, *, page_size: int = MAX_PAGE_SIZE, max_pages: int | None = None
    ) -> list[dict[str, Any]]:
        """All rows of a SuiteQL query, within the page cap."""
        rows: list[dict[str, Any]] = []
        for page in self.iter_suiteql(query, page_size=page_size, max_pages=max_pages):
            rows.extend(page.items)
        return rows

    def verify_connection(self) -> VerifyResult:
        """A one-row SuiteQL query: proves login, role, and REST web services permission."""
        started = time.monotonic()
        page = self.suiteql_page("SELECT id, name FROM subsidiary", limit=1)
        name = page.items[0].get("name") if page.items else None
        return VerifyResult(
            account_id=self.credentials.realm,
            account_kind=self.credentials.account.kind_label,
            transport=self.transport_name,
            duration_ms=int((time.monotonic() - started) * 1000),
            detail=f"First subsidiary: {name}" if name else "No subsidiary is visible to the role",
        )

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        body: str | None = None,
        headers: dict[str, str] | None = None,
        operation: str,
        attempts: list[AttemptRecord] | None = None,
    ) -> requests.Response:
        """One logical call: retried attempts, each signed afresh and holding a limiter slot."""
        url = build_url(self.base_url, path, params or ())
        all_headers = {"Accept": "application/json", **(headers or {})}
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        data = body.encode("utf-8") if body is not None else None
        return run_with_retries(
            lambda prepared: self._attempt(prepared, operation),
            # Built and signed afresh for each attempt, before it takes a limiter slot: the slot
            # is held while the request is on the wire, not while Python builds it.
            prepare=lambda: self._prepared(method, url, data, all_headers),
            policy=self.retry_policy,
            limiter=self.limiter,
            limiter_key=self.credentials.realm,
            attempts=attempts if attempts is not None else [],
            sleep=self._sleep,
            rng=self._rng,
        )

    def _prepared(
        self, method: str, url: str, data: bytes | None, headers: dict[str, str]
    ) -> requests.PreparedRequest:
        """The request as it goes out: session headers merged, a fresh OAuth signature."""
        request = requests.Request(method, url, data=data, headers=headers, auth=self._auth)
        return self.session.prepare_request(request)

    def _environment(self, url: str) -> dict[str, Any]:
        """Proxies and TLS settings from the environment, read once per host (not per call)."""
        host = urlsplit(url)[:2]
        settings = self._environments.get(host)
        if settings is None:
            settings = self.session.merge_environment_settings(url, {}, None, None, None)
            self._environments[host] = settings
        return settings

    def _attempt(self, request: requests.PreparedRequest, operation: str) -> requests.Response:
        """A single HTTP attempt (already signed) mapped to a typed error on failure."""
        settings = self._environment(str(request.url))
        try:
            response = self.session.send(
                request, timeout=self.timeout_s, allow_redirects=False, **settings
            )
        except requests.Timeout as exc:
            raise NetSuiteTimeoutError(
                f"NetSuite did not answer within {self.timeout_s:.0f}s", operation=operation
            ) from exc
        except requests.ConnectionError as exc:
            raise NetSuiteConnectionError(
                f"Could not connect to NetSuite: {type(exc).__name__}", operation=operation
            ) from exc
        method, url = request.method, str(request.url)
        log.debug("NetSuite %s %s -> %s", method, url.split("?", 1)[0], response.status_code)
        if response.status_code >= 300:
            raise error_from_rest_response(response.status_code, response.text, operation=operation)
        return response


def _json(response: requests.Response) -> dict[str, Any]:
    """Decode a JSON object body or raise ProtocolError."""
    try:
        data = response.json()
    except ValueError as exc:
        raise ProtocolError(
            "NetSuite returned a body that is not JSON", status_code=response.status_code
        ) from exc
    if not isinstance(data, dict):
        raise ProtocolError("NetSuite returned unexpected JSON", status_code=response.status_code)
    return data


def _id_from_location(location: str | None) -> str | None:
    """The internal ID is the last path segment of the Location header."""
    if not location:
        return None
    last = location.rstrip("/").rsplit("/", 1)[-1]
    return last if last.isdigit() else None
