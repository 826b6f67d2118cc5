"""OAuth 1.0a (TBA) signing and verification as NetSuite performs it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

# Reference: API-FACTS 1.1 (nonce 6-64 characters) and 1.3 (base string steps).
NONCE_RE = re.compile(r"^[A-Za-z0-9]{6,64}$")
# NetSuite publishes no window; five minutes matches common OAuth servers (API-FACTS 9).
TIMESTAMP_WINDOW_SECONDS = 300
ACCOUNT_ID_RE = re.compile(r"^(\d+(_SB\d+|_RP)?|TSTDRV\d+)$")


class AuthError(Exception):
    """A TBA check failed; the reason goes to the request log, never to the client."""


def percent_encode(value: str) -> str:
    """Encode per RFC 5849 section 3.6 (unreserved characters kept)."""
    return quote(value, safe="~-._")


def canonical_realm(account_id: str) -> str:
    """Return the realm form of an account id: upper case with an underscore."""
    # Reference: API-FACTS 1.2 (realm = account id upper case, '_' not '-').
    return account_id.upper().replace("-", "_")


def host_label(account_id: str) -> str:
    """Return the host label of an account id: lower case with a hyphen."""
    # Reference: API-FACTS 1.2 and 6 (1234567-sb1.suitetalk.api.netsuite.com).
    return account_id.lower().replace("_", "-")


def base_string_uri(scheme: str, host: str, path: str) -> str:
    """Build the RFC 5849 section 3.4.1.2 base string URI from the request's own parts."""
    scheme = scheme.lower()
    host = host.lower()
    # Default ports are dropped; any other port stays in the signed URI.
    if (scheme == "http" and host.endswith(":80")) or (scheme == "https" and host.endswith(":443")):
        host = host.rsplit(":", 1)[0]
    return f"{scheme}://{host}{path or '/'}"


def normalized_parameters(params: Iterable[tuple[str, str]]) -> str:
    """Encode, sort by name then value, and join the parameters (RFC 5849 section 3.4.1.3.2)."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in encoded)


def signature_base_string(method: str, uri: str, params: Iterable[tuple[str, str]]) -> str:
    """Join method, encoded URI and encoded parameters with '&'."""
    # Reference: API-FACTS 1.3 (Oracle section_1534939551 steps 1-4).
    return "&".join(
        [method.upper(), percent_encode(uri), percent_encode(normalized_parameters(params))]
    )


def hmac_sha256(key: str, message: str) -> str:
    """Return the base64 HMAC-SHA256 of message."""
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signing_key(consumer_secret: str, token_secret: str) -> str:
    """Key = encoded consumer secret '&' encoded token secret."""
    # Reference: API-FACTS 1.4.
    return f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"


def sign_rest(
    method: str,
    url: str,
    oauth_params: dict[str, str],
    consumer_secret: str,
    token_secret: str,
    form_params: Iterable[tuple[str, str]] = (),
) -> str:
    """Sign a REST request URL; oauth_params excludes realm and oauth_signature."""
    parts = urlsplit(url)
    uri = base_string_uri(parts.scheme, parts.netloc, parts.path)
    params = list(parse_qsl(parts.query, keep_blank_values=True))
    params += list(oauth_params.items()) + list(form_params)
    base = signature_base_string(method, uri, params)
    return hmac_sha256(signing_key(consumer_secret, token_secret), base)


def passport_signature(
    account: str,
    consumer_key: str,
    token: str,
    nonce: str,
    timestamp: str,
    consumer_secret: str,
    token_secret: str,
) -> str:
    """Sign a SOAP tokenPassport: base 'account&ck&token&nonce&ts', key 'cs&ts'."""
    # Reference: API-FACTS 2.2 (Oracle TokenPassport; Connect vector).
    base = "&".join([account, consumer_key, token, nonce, timestamp])
    return hmac_sha256(f"{consumer_secret}&{token_secret}", base)


_HEADER_PARAM_RE = re.compile(r'\s*([A-Za-z0-9_\-]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


def parse_authorization(header: str) -> dict[str, str]:
    """Parse an 'OAuth k="v", …' header into decoded parameters."""
    if not header[:6].lower() == "oauth ":
        raise AuthError("not an OAuth header")
    rest = header[6:].strip()
    params: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        match = _HEADER_PARAM_RE.match(rest, pos)
        if not match:
            raise AuthError("malformed OAuth header")
        name, value = match.group(1), unquote(match.group(2))
        if name in params:
            raise AuthError(f"duplicate OAuth parameter {name}")
        params[name] = value
        pos = match.end()
    return params


@dataclass(frozen=True)
class Credentials:
    """The secrets a verifier needs for one consumer key and token."""

    account_id: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str


class NonceCache:
    """Remembers (token, nonce, timestamp) inside the timestamp window to refuse replays."""

    def __init__(self, window: int = TIMESTAMP_WINDOW_SECONDS) -> None:
        self.window = window
        self._seen: dict[tuple[str, str, str], float] = {}
        self._last_prune = 0.0

    def check_and_add(self, token: str, nonce: str, timestamp: str, now: float) -> None:
        """Record a nonce, raising AuthError if it was already used."""
        if now - self._last_prune > 30:
            cutoff = now - 2 * self.window
            self._seen = {k: v for k, v in self._seen.items() if v >= cutoff}
            self._last_prune = now
        # Reference: RFC 5849 3.3 (nonce unique per timestamp/client/token); API-FACTS 1.1.
        key = (token, nonce, timestamp)
        if key in self._seen:
            raise AuthError("nonce already used")
        self._seen[key] = now

    def clear(self) -> None:
        """Forget every nonce (admin reset)."""
        self._seen.clear()


def check_timestamp(timestamp: str, now: float, window: int) -> None:
    """Refuse timestamps outside the window around now."""
    if not timestamp.isdigit():
        raise AuthError("timestamp is not an integer")
    if abs(int(timestamp) - now) > window:
        raise AuthError("timestamp outside window")


def check_nonce(nonce: str) -> None:
    """Refuse nonces that are not 6-64 alphanumerics."""
    # Reference: Oracle TokenPassport (section_4395630653), API-FACTS 1.1.
    if not NONCE_RE.match(nonce):
        raise AuthError("nonce must be 6-64 alphanumeric characters")


def verify_rest(
    *,
    method: str,
    scheme: str,
    host: str,
    path: str,
    query_params: list[tuple[str, str]],
    form_params: list[tuple[str, str]],
    oauth: dict[str, str],
    creds: Credentials,
    nonces: NonceCache | None,
    now: float | None = None,
    window: int = TIMESTAMP_WINDOW_SECONDS,
) -> None:
    """Verify a parsed REST Authorization header against creds; raise AuthError on failure."""
    now = time.time() if now is None else now
    # Reference: Oracle section_1534941088 (HMAC-SHA1 unsupported since 2023.1).
    if oauth.get("oauth_signature_method") != "HMAC-SHA256":
        raise AuthError("signature method must be HMAC-SHA256")
    # Reference: Oracle section_156537025868 (oauth_version optional, must be 1.0).
    if oauth.get("oauth_version", "1.0") != "1.0":
        raise AuthError("oauth_version must be 1.0")
    for required in ("oauth_consumer_key", "oauth_token", "oauth_nonce", "oauth_timestamp"):
        if not oauth.get(required):
            raise AuthError(f"missing {required}")
    if oauth["oauth_consumer_key"] != creds.consumer_key or oauth["oauth_token"] != creds.token_id:
        raise AuthError("consumer key or token mismatch")
    check_nonce(oauth["oauth_nonce"])
    check_timestamp(oauth["oauth_timestamp"], now, window)
    # realm and the signature itself are never part of the base string (RFC 5849 3.4.1.3.1).
    signed = [(k, v) for k, v in oauth.items() if k not in ("realm", "oauth_signature")]
    base = signature_base_string(
        method, base_string_uri(scheme, host, path), query_params + form_params + signed
    )
    expected = hmac_sha256(signing_key(creds.consumer_secret, creds.token_secret), base)
    if not hmac.compare_digest(expected, oauth.get("oauth_signature", "")):
        raise AuthError("invalid signature")
    if nonces is not None:
        nonces.check_and_add(creds.token_id, oauth["oauth_nonce"], oauth["oauth_timestamp"], now)


def verify_passport(
    *,
    passport: dict[str, str],
    creds: Credentials,
    nonces: NonceCache | None,
    now: float | None = None,
    window: int = TIMESTAMP_WINDOW_SECONDS,
) -> None:
    """Verify a SOAP tokenPassport; raise AuthError on failure."""
    now = time.time() if now is None else now
    # Reference: Oracle TokenPassport complex type (section_4395630653): every field required.
    for field in ("account", "consumerKey", "token", "nonce", "timestamp", "signature"):
        if not passport.get(field):
            raise AuthError(f"MissingTokenPassportRequiredFields: {field}")
    # Reference: API-FACTS 2.1 (accept HMAC-SHA256 and HMAC_SHA256, refuse SHA1).
    if passport.get("algorithm") not in ("HMAC-SHA256", "HMAC_SHA256"):
        raise AuthError("signature algorithm must be HMAC-SHA256")
    if passport["consumerKey"] != creds.consumer_key or passport["token"] != creds.token_id:
        raise AuthError("consumer key or token mismatch")
    check_nonce(passport["nonce"])
    check_timestamp(passport["timestamp"], now, window)
    expected = passport_signature(
        passport["account"],
        passport["consumerKey"],
        passport["token"],
        passport["nonce"],
        passport["timestamp"],
        creds.consumer_secret,
        creds.token_secret,
    )
    if not hmac.compare_digest(expected, passport["signature"]):
        raise AuthError("invalid signature")
    if nonces is not None:
        nonces.check_and_add(creds.token_id, passport["nonce"], passport["timestamp"], now)
