"""Which addresses may receive an account's credentials: NetSuite's own, or a named simulator."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from .errors import NetSuiteError

__all__ = ["AddressNotAllowedError", "NETSUITE_DOMAINS", "check_base_url"]

# The services an account lives on: <account>.suitetalk.api.netsuite.com (REST and SOAP),
# <account>.app.netsuite.com (the UI) and <account>.restlets.api.netsuite.com.
NETSUITE_DOMAINS = ("suitetalk.api.netsuite.com", "app.netsuite.com", "restlets.api.netsuite.com")
_NETSUITE_HOST_RE = re.compile(
    r"^[a-z0-9][a-z0-9-]{0,62}\.(?:" + "|".join(re.escape(d) for d in NETSUITE_DOMAINS) + r")$"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class AddressNotAllowedError(NetSuiteError, ValueError):
    """A base URL outside NetSuite's domains and the server's simulator setting; never retried."""

    def user_message(self, context=None) -> str:
        return (
            f"{self.detail} Only NetSuite's own addresses (…{', …'.join(NETSUITE_DOMAINS)}) "
            "receive your credentials."
        )

    def corrective_action(self, context=None) -> str:
        return "Leave the NetSuite address override blank for a real NetSuite account."


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port  # raises ValueError for a port out of range or not a number
    return scheme, (parts.hostname or ""), port or _DEFAULT_PORTS.get(scheme)


def check_base_url(url: str, *, simulator_urls: Iterable[str] = ()) -> str:
    """Return the URL without a trailing slash, or raise AddressNotAllowedError saying why.

    `simulator_urls` come from the server's settings (never from a page): a URL with the same
    scheme, host and port as one of them is allowed too.
    """
    text = url.strip()
    if not text or any(ord(ch) < 32 or ch.isspace() or ord(ch) == 127 for ch in text):
        raise AddressNotAllowedError("The NetSuite address is empty or contains spaces.")
    try:
        parts = urlsplit(text)
        origin = _origin(text)
    except ValueError:
        raise AddressNotAllowedError(f"“{text[:100]}” is not a valid web address.") from None
    if parts.username is not None or parts.password is not None:
        raise AddressNotAllowedError("The NetSuite address must not contain a user name.")
    if parts.query or parts.fragment or parts.path not in ("", "/"):
        raise AddressNotAllowedError(
            "The NetSuite address is only the scheme and host, e.g. "
            "https://1234567.suitetalk.api.netsuite.com."
        )
    for allowed in simulator_urls:
        if allowed and _origin(allowed) == origin:
            return text.rstrip("/")
    scheme, host, port = origin
    if scheme != "https" or port != 443 or not _NETSUITE_HOST_RE.match(host):
        raise AddressNotAllowedError(f"{host or text[:100]} is not a NetSuite address.")
    return text.rstrip("/")
