"""SOAP (SuiteTalk 2023_2) client: upsert and upsertList of JournalEntry with a tokenPassport."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import requests
import zeep
import zeep.exceptions
from lxml import etree
from zeep.cache import SqliteCache

from .credentials import NetSuiteCredentials
from .errors import (
    InvalidJournalEntryError,
    NetSuiteConnectionError,
    NetSuiteError,
    NetSuiteTimeoutError,
    ProtocolError,
    WsdlNotNetSuiteError,
    WsdlUnavailableError,
    error_from_rest_response,
    error_from_soap_fault,
    error_from_status_detail,
)
from .limiter import ConcurrencyLimiter
from .memory import release_freed_memory
from .payload import AttemptRecord, JournalEntryData, UpsertResult, validate_entry
from .retry import RetryPolicy, run_with_retries
from .signing import (
    Clock,
    NonceFactory,
    default_nonce,
    default_timestamp,
    make_token_passport,
)
from .soap_envelope import EnvelopeWriter

__all__ = [
    "MAX_RECORDS_PER_LIST",
    "WSDL_PATH",
    "SoapClient",
    "forget_loaded_wsdls",
    "load_wsdl",
    "wsdl_url",
]

log = logging.getLogger(__name__)

VERSION = "2023_2"
# Reference: API-FACTS 7. NetSuite serves the WSDL on each account's own host, and so does the
# simulator on its base URL, so a client needs no setting and no copy of Oracle's files.
WSDL_PATH = "/wsdl/v2023_2_0/netsuite.wsdl"
# How long a loaded WSDL (and the schemas it imports) is reused before it is fetched again.
WSDL_CACHE_TTL_S = 24 * 60 * 60
WSDL_CACHE_FILE = "netsuite-wsdl.sqlite"
MAX_RECORDS_PER_LIST = 200  # NetSuite's limit for transaction list operations
_SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_BINDING = f"{{urn:platform_{VERSION}.webservices.netsuite.com}}NetSuiteBinding"
_TRAN = f"urn:general_{VERSION}.transactions.webservices.netsuite.com"

# What loading a WSDL can raise: the network, a file, zeep's parser or lxml.
_WSDL_LOAD_ERRORS = (
    requests.RequestException,
    OSError,
    zeep.exceptions.Error,
    etree.LxmlError,
    ValueError,
    LookupError,
)

# location -> (loaded at, client): parsing the schemas costs far more than one request.
_wsdl_cache: dict[str, tuple[float, zeep.Client]] = {}
_wsdl_lock = threading.Lock()


def wsdl_url(base_url: str) -> str:
    """Where an account (or the simulator) serves the 2023_2 WSDL."""
    return base_url.rstrip("/") + WSDL_PATH


def load_wsdl(
    location: str,
    *,
    cache_dir: str | Path | None = None,
    ttl_s: float = WSDL_CACHE_TTL_S,
    session: requests.Session | None = None,
) -> zeep.Client:
    """The zeep client for a WSDL URL or path, reused for `ttl_s`; WsdlUnavailableError if not.

    With `cache_dir`, the fetched documents are also kept on disk (zeep's SqliteCache, keyed by
    URL, same TTL), so a restarted worker does not fetch them again.
    """
    with _wsdl_lock:
        cached = _wsdl_cache.get(location)
        if cached is not None and time.monotonic() - cached[0] < ttl_s:
            return cached[1]
        cache = None
        if cache_dir is not None:
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            cache = SqliteCache(path=str(Path(cache_dir) / WSDL_CACHE_FILE), timeout=int(ttl_s))
        # A session of its own: zeep sets its User-Agent on the session it is given.
        transport = zeep.Transport(cache=cache, session=session or requests.Session(), timeout=30)
        try:
            client = zeep.Client(location, transport=transport)
        except _WSDL_LOAD_ERRORS as exc:
            raise WsdlUnavailableError(location, _load_failure(exc)) from exc
        _wsdl_cache[location] = (time.monotonic(), client)
        return client


def forget_loaded_wsdls() -> None:
    """Drop the WSDLs this process has loaded (the on-disk cache is left as it is)."""
    with _wsdl_lock:
        _wsdl_cache.clear()


def _forget_loaded_wsdl(location: str, client: zeep.Client) -> None:
    """Drop one loaded WSDL, if it is still the one this process keeps for `location`."""
    with _wsdl_lock:
        cached = _wsdl_cache.get(location)
        if cached is not None and cached[1] is client:
            del _wsdl_cache[location]


def _load_failure(exc: BaseException) -> str:
    """Why a WSDL did not load, in words an administrator can check."""
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "could not connect"
    if isinstance(exc, requests.RequestException):
        return "the request failed"
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, OSError):
        return "the file could not be read"
    return "not a WSDL document"


class SoapClient:
    """SuiteTalk SOAP calls for one account: zeep reads the WSDL, we write, send and parse."""

    transport_name = "soap"

    def __init__(
        self,
        credentials: NetSuiteCredentials,
        *,
        wsdl: str | None = None,
        wsdl_cache_dir: str | Path | None = None,
        wsdl_ttl_s: float = WSDL_CACHE_TTL_S,
        base_url: str | None = None,
        session: requests.Session | None = None,
        timeout_s: float = 120.0,
        retry_policy: RetryPolicy | None = None,
        limiter: ConcurrencyLimiter | None = None,
        nonce_factory: NonceFactory = default_nonce,
        clock: Clock = default_timestamp,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.credentials = credentials
        base = (base_url or credentials.account.rest_base_url).rstrip("/")
        # The WSDL's own soap:address is the generic host; NetSuite requires the account's host.
        self.endpoint = f"{base}/services/NetSuitePort_{VERSION}"
        # The account's own WSDL unless an override (a URL or a path) is given.
        self.wsdl = wsdl or wsdl_url(base)
        self.wsdl_cache_dir = wsdl_cache_dir
        self.wsdl_ttl_s = wsdl_ttl_s
        self.session = session or requests.Session()
        self.timeout_s = timeout_s
        self.retry_policy = retry_policy or RetryPolicy()
        self.limiter = limiter
        self._nonce_factory = nonce_factory
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._zeep: zeep.Client | None = None
        self._writer: tuple[zeep.Client, EnvelopeWriter] | None = None
        # Envelopes are written one at a time: the work holds the GIL, so writing several at
        # once from threads is no faster, and each one in progress holds a batch's XML tree.
        self._building = threading.Lock()

    def __repr__(self) -> str:
        return f"SoapClient(account={self.credentials.realm!r}, endpoint={self.endpoint!r})"

    @property
    def zeep_client(self) -> zeep.Client:
        """The zeep client for the WSDL (loaded lazily); WsdlUnavailableError if it cannot be."""
        if self._zeep is None:
            self._zeep = load_wsdl(self.wsdl, cache_dir=self.wsdl_cache_dir, ttl_s=self.wsdl_ttl_s)
        return self._zeep

    @property
    def envelope_writer(self) -> EnvelopeWriter:
        """The envelope writer for the loaded WSDL; WsdlUnavailableError if it cannot be had."""
        z = self.zeep_client
        if self._writer is None or self._writer[0] is not z:
            try:
                writer = EnvelopeWriter(z, _BINDING, f"{{{_TRAN}}}JournalEntry")
            except (LookupError, AttributeError, ValueError, zeep.exceptions.Error) as exc:
                # Loaded, but not NetSuite's: the next Verify loads it again instead of
                # reusing this one for a day.
                _forget_loaded_wsdl(self.wsdl, z)
                # The writer's own LookupError says what is missing; anything else is a part
                # it expected in another shape.
                missing = (
                    str(exc)
                    if type(exc) is LookupError
                    else "it lacks parts a journal entry envelope needs"
                )
                raise WsdlNotNetSuiteError(self.wsdl, missing) from exc
            self._writer = (z, writer)
        return self._writer[1]

    def build_envelope(self, operation: str, records: Sequence[JournalEntryData]) -> bytes:
        """The signed SOAP envelope for `upsert` (one entry) or `upsertList` of checked entries."""
        writer = self.envelope_writer
        passport = make_token_passport(
            self.credentials, nonce_factory=self._nonce_factory, clock=self._clock
        )
        return writer.write(operation, records, passport)

    # Reference: https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_N3532463.html
    def upsert_journal_entry(self, entry: JournalEntryData) -> UpsertResult:
        """Upsert one journal entry by external ID; raise the typed error if NetSuite refuses it."""
        validate_entry(entry)
        attempts: list[AttemptRecord] = []
        started = time.monotonic()
        status, responses = self._call("upsert", lambda: [entry], attempts)
        (result,) = self._results([entry], responses, status, started, attempts)
        if result.error is not None:
            raise result.error
        return result

    # Reference: https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_N3533243.html
    def upsert_journal_entries(self, entries: Sequence[JournalEntryData]) -> list[UpsertResult]:
        """upsertList in chunks of 200: one result per entry, in order; a refused record has
        `error` set (NetSuite's, or our pre-send check's) and the rest of its batch is saved."""
        results: list[UpsertResult | None] = [None] * len(entries)
        # Our own checks first: an entry NetSuite would refuse is never sent, and never sinks
        # the batch it would have travelled in.
        sendable: list[int] = []
        for index, entry in enumerate(entries):
            try:
                validate_entry(entry)
            except InvalidJournalEntryError as error:
                results[index] = UpsertResult(
                    external_id=entry.external_id,
                    internal_id=None,
                    status_code=None,
                    duration_ms=0,
                    transport=self.transport_name,
                    error=error,
                )
            else:
                sendable.append(index)
        for start in range(0, len(sendable), MAX_RECORDS_PER_LIST):
            indexes = sendable[start : start + MAX_RECORDS_PER_LIST]
            chunk = [entries[i] for i in indexes]
            attempts: list[AttemptRecord] = []
            started = time.monotonic()
            # The envelope is written (and signed) afresh for each attempt: what a batch keeps
            # while it waits for NetSuite is its envelope's bytes.
            status, responses = self._call("upsertList", lambda chunk=chunk: chunk, attempts)
            batch = self._results(chunk, responses, status, started, attempts)
            for index, result in zip(indexes, batch, strict=True):
                results[index] = result
        return [result for result in results if result is not None]

    def _results(
        self,
        entries: Sequence[JournalEntryData],
        responses: list[dict[str, Any]],
        status: int,
        started: float,
        attempts: list[AttemptRecord],
    ) -> list[UpsertResult]:
        if len(responses) != len(entries):
            raise ProtocolError(
                f"Expected {len(entries)} writeResponse elements, got {len(responses)}",
                status_code=status,
            )
        duration = int((time.monotonic() - started) * 1000)
        out = []
        for entry, resp in zip(entries, responses, strict=True):
            error = None
            if not resp["success"]:
                error = error_from_status_detail(resp["code"], resp["message"], operation="upsert")
            out.append(
                UpsertResult(
                    external_id=entry.external_id,
                    internal_id=resp["internal_id"],
                    status_code=status,
                    duration_ms=duration,
                    transport=self.transport_name,
                    attempts=tuple(attempts),
                    error=error,
                )
            )
        return out

    def _call(
        self,
        operation: str,
        records: Callable[[], Sequence[JournalEntryData]],
        attempts: list[AttemptRecord],
    ) -> tuple[int, list[dict[str, Any]]]:
        """Send with retries: each attempt's envelope is built and signed afresh before it takes
        a limiter slot, which it holds only while the request is in flight."""
        return run_with_retries(
            lambda body: self._attempt(operation, body),
            prepare=lambda: self._envelope(operation, records),
            policy=self.retry_policy,
            limiter=self.limiter,
            limiter_key=self.credentials.realm,
            attempts=attempts,
            sleep=self._sleep,
            rng=self._rng,
            status_of=lambda result: result[0],
        )

    def _envelope(self, operation: str, records: Callable[[], Sequence[JournalEntryData]]) -> bytes:
        with self._building:
            body = self.build_envelope(operation, records())
            # The batch's XML tree is garbage now; without this each thread that wrote an
            # envelope keeps its pages in its arena.
            release_freed_memory()
            return body

    def _attempt(self, operation: str, body: bytes) -> tuple[int, list[dict[str, Any]]]:
        """One POST of a signed envelope; faults become typed errors."""
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": operation}
        try:
            # Never follow a redirect: the envelope carries the signed token passport.
            response = self.session.post(
                self.endpoint,
                data=body,
                headers=headers,
                timeout=self.timeout_s,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise NetSuiteTimeoutError(
                f"NetSuite did not answer within {self.timeout_s:.0f}s", operation=operation
            ) from exc
        except requests.ConnectionError as exc:
            raise NetSuiteConnectionError(
                f"Could not connect to NetSuite: {type(exc).__name__}", operation=operation
            ) from exc
        log.debug("NetSuite SOAP %s -> %s", operation, response.status_code)
        return response.status_code, parse_write_responses(
            response.status_code, response.content, operation=operation
        )


def parse_write_responses(
    status_code: int, content: bytes, *, operation: str
) -> list[dict[str, Any]]:
    """writeResponse elements as dicts (success, internal_id, code, message) or a typed error."""
    try:
        root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        text = content.decode("utf-8", "replace")
        raise error_from_rest_response(status_code, text, operation=operation) from None
    fault = root.find(f".//{{{_SOAP_ENV}}}Fault")
    if fault is not None:
        raise _fault_error(fault, status_code, operation, content)
    if status_code >= 300:
        raise error_from_rest_response(status_code, "", operation=operation)
    list_status = root.find(".//{*}writeResponseList/{*}status")
    items = []
    for write in root.iter("{*}writeResponse"):
        status = write.find("{*}status")
        detail = status.find("{*}statusDetail") if status is not None else None
        base_ref = write.find("{*}baseRef")
        items.append(
            {
                "success": status is not None and status.get("isSuccess") == "true",
                "internal_id": base_ref.get("internalId") if base_ref is not None else None,
                "code": detail.findtext("{*}code") if detail is not None else None,
                "message": (detail.findtext("{*}message") if detail is not None else None)
                or "NetSuite did not accept the record.",
            }
        )
    if not items and list_status is not None and list_status.get("isSuccess") == "false":
        detail = list_status.find("{*}statusDetail")
        code = detail.findtext("{*}code") if detail is not None else None
        message = detail.findtext("{*}message") if detail is not None else "List rejected"
        raise error_from_status_detail(code, message or "List rejected", operation=operation)
    return items


def _fault_error(
    fault: etree._Element, status_code: int, operation: str, content: bytes
) -> NetSuiteError:
    """Map <soapenv:Fault> with its platformFaults detail to a typed error."""
    faultstring = fault.findtext("faultstring") or "SOAP fault"
    fault_name = code = None
    message = faultstring
    detail = fault.find("detail")
    if detail is not None:
        for child in detail:
            if not isinstance(child.tag, str) or "faults" not in (
                etree.QName(child).namespace or ""
            ):
                continue
            fault_name = etree.QName(child).localname
            code = child.findtext("{*}code")
            message = child.findtext("{*}message") or faultstring
            break
    return error_from_soap_fault(
        fault_name,
        code,
        message,
        status_code=status_code,
        operation=operation,
        body=content.decode("utf-8", "replace"),
    )
