"""Token-Based Authentication: OAuth 1.0a headers for REST and the SOAP tokenPassport."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import string
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

import requests
from requests_oauthlib import OAuth1

from .credentials import NetSuiteCredentials

__all__ = [
    "SIGNATURE_METHOD",
    "TbaAuth",
    "TokenPassport",
    "build_url",
    "canonical_url",
    "default_nonce",
    "default_timestamp",
    "encode",
    "make_token_passport",
    "passport_signature",
    "rest_authorization_header",
]

SIGNATURE_METHOD = "HMAC-SHA256"  # HMAC-SHA1 is refused by NetSuite since 2023.1

NonceFactory = Callable[[], str]
Clock = Callable[[], int]

_NONCE_ALPHABET = string.ascii_letters + string.digits


def default_nonce() -> str:
    """A fresh 24-character alphanumeric nonce from a CSPRNG (NetSuite allows 6-64)."""
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(24))


def default_timestamp() -> int:
    """Current Unix time in seconds."""
    return int(time.time())


def encode(value: str) -> str:
    """RFC 3986 percent-encoding as TBA requires (space -> %20, never '+')."""
    return quote(value, safe="-._~")


def build_url(base_url: str, path: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """Join base, path and query with one encoder, so the URL sent is exactly the URL signed."""
    query = "&".join(f"{encode(str(k))}={encode(str(v))}" for k, v in params)
    return canonical_url(base_url.rstrip("/") + path + (f"?{query}" if query else ""))


def canonical_url(url: str) -> str:
    """Lower-case scheme/host, drop a default port and empty query segments, re-encode the query.

    The query is decoded as NetSuite decodes it, as a form (RFC 5849 §3.4.1.3.1): a `+` is a
    space. Re-encoded, it becomes `%20`, so the URL sent means what was written and is the one
    signed; keeping `+` literal would send and sign a plus sign instead of a space.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is not None and (scheme, port) not in {("https", 443), ("http", 80)}:
        host = f"{host}:{port}"
    pairs = []
    for segment in parts.query.split("&"):
        if not segment:
            continue  # a trailing '&' would otherwise be signed as an empty parameter
        name, _, value = segment.partition("=")
        pairs.append(f"{encode(unquote_plus(name))}={encode(unquote_plus(value))}")
    return urlunsplit((scheme, host, parts.path, "&".join(pairs), ""))


class TbaAuth(requests.auth.AuthBase):
    """requests auth hook signing each attempt with a fresh nonce and timestamp (OAuth 1.0a)."""

    def __init__(
        self,
        credentials: NetSuiteCredentials,
        *,
        nonce_factory: NonceFactory = default_nonce,
        clock: Clock = default_timestamp,
    ) -> None:
        self._credentials = credentials
        self._nonce_factory = nonce_factory
        self._clock = clock

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        creds = self._credentials
        request.url = canonical_url(str(request.url))
        oauth = OAuth1(
            client_key=creds.consumer_key,
            client_secret=creds.consumer_secret,
            resource_owner_key=creds.token_id,
            resource_owner_secret=creds.token_secret,
            signature_method="HMAC-SHA256",
            realm=creds.realm,
            nonce=self._nonce_factory(),
            timestamp=str(self._clock()),
        )
        # A JSON body is never signed; only a form-encoded body would be (and we never send one).
        signed = oauth(request)
        for name, value in list(signed.headers.items()):
            if isinstance(value, bytes):  # requests-oauthlib hands back bytes; keep headers str
                signed.headers[name] = value.decode("latin-1")
        return signed

    def __repr__(self) -> str:
        return f"TbaAuth(realm={self._credentials.realm!r})"


def rest_authorization_header(
    credentials: NetSuiteCredentials,
    method: str,
    url: str,
    *,
    nonce: str,
    timestamp: int,
    content_type: str = "application/json",
) -> str:
    """The Authorization header for one request (used by tests and diagnostics)."""
    request = requests.Request(method, url, headers={"Content-Type": content_type}).prepare()
    auth = TbaAuth(credentials, nonce_factory=lambda: nonce, clock=lambda: timestamp)
    header = auth(request).headers["Authorization"]
    return header.decode("ascii") if isinstance(header, bytes) else header


@dataclass(frozen=True, slots=True)
class TokenPassport:
    """The SOAP tokenPassport header values."""

    account: str
    consumer_key: str
    token: str
    nonce: str
    timestamp: int
    signature: str
    algorithm: str = SIGNATURE_METHOD

    def __repr__(self) -> str:
        return f"TokenPassport(account={self.account!r}, nonce={self.nonce!r}, signature='***')"


def passport_signature(
    *,
    account: str,
    consumer_key: str,
    consumer_secret: str,
    token: str,
    token_secret: str,
    nonce: str,
    timestamp: int,
) -> str:
    """base64(HMAC-SHA256(secret&tokenSecret, account&consumerKey&token&nonce&timestamp))."""
    base = "&".join(encode(str(p)) for p in (account, consumer_key, token, nonce, timestamp))
    key = f"{encode(consumer_secret)}&{encode(token_secret)}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def make_token_passport(
    credentials: NetSuiteCredentials,
    *,
    nonce_factory: NonceFactory = default_nonce,
    clock: Clock = default_timestamp,
) -> TokenPassport:
    """A freshly signed passport; the account is always the upper-case realm form."""
    nonce, timestamp = nonce_factory(), clock()
    signature = passport_signature(
        account=credentials.realm,
        consumer_key=credentials.consumer_key,
        consumer_secret=credentials.consumer_secret,
        token=credentials.token_id,
        token_secret=credentials.token_secret,
        nonce=nonce,
        timestamp=timestamp,
    )
    return TokenPassport(
        account=credentials.realm,
        consumer_key=credentials.consumer_key,
        token=credentials.token_id,
        nonce=nonce,
        timestamp=timestamp,
        signature=signature,
    )


class _DropSigningDebug(logging.Filter):
    """Keep signing libraries' debug output (headers, base strings) out of our logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


# requests-oauthlib logs the signed headers at DEBUG; oauthlib logs base strings and tokens.
for _name in ("requests_oauthlib.oauth1_auth", "oauthlib.oauth1.rfc5849"):
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, _DropSigningDebug) for f in _logger.filters):
        _logger.addFilter(_DropSigningDebug())
