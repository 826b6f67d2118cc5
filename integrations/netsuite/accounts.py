"""NetSuite account IDs: parsing what users paste, realm and host forms, account kind."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["AccountKind", "InvalidAccountIdError", "NetSuiteAccount", "parse_account_id"]

# Production: digits; sandbox: + _SB<n>; release preview: + _RP; test drive: TSTDRV<digits>.
_ACCOUNT_RE = re.compile(r"^(?:(?P<tstdrv>TSTDRV\d+)|(?P<num>\d+)(?:_(?P<suffix>SB\d+|RP))?)$")
# A pasted hostname: "<account>.app.netsuite.com", "<account>.suitetalk.api.netsuite.com", ...
_HOST_RE = re.compile(r"^(?P<label>[a-z0-9-]+)\.(?:[a-z0-9.-]+\.)?netsuite\.com$")

EXPECTED_FORMAT = (
    "Enter the NetSuite account ID shown under Setup > Company > Company Information, "
    "for example 1234567 (production), 1234567_SB1 (sandbox) or TSTDRV1234567 (test drive)."
)


class InvalidAccountIdError(ValueError):
    """An account ID that cannot be a NetSuite account; `user_message` says what is expected."""

    def __init__(self, value: str, reason: str) -> None:
        self.value = value
        self.reason = reason
        self.user_message = f"{reason} {EXPECTED_FORMAT}"
        super().__init__(self.user_message)


class AccountKind(enum.Enum):
    """Which kind of NetSuite account an ID names."""

    PRODUCTION = "production"
    SANDBOX = "sandbox"
    RELEASE_PREVIEW = "release_preview"
    TEST_DRIVE = "test_drive"


@dataclass(frozen=True, slots=True)
class NetSuiteAccount:
    """A normalised NetSuite account ID with its realm and host forms."""

    realm: str  # canonical: upper case with underscores, e.g. 1234567_SB1
    kind: AccountKind

    @property
    def account_id(self) -> str:
        """The canonical account ID (same as the realm)."""
        return self.realm

    @property
    def host_label(self) -> str:
        """Lower-case hyphen form used in hostnames, e.g. 1234567-sb1."""
        return self.realm.lower().replace("_", "-")

    @property
    def is_production(self) -> bool:
        """True only for a production account, where postings are real."""
        return self.kind is AccountKind.PRODUCTION

    @property
    def kind_label(self) -> str:
        """What the user sees: 'Production', 'Sandbox 1', 'Release preview', 'Test drive'."""
        if self.kind is AccountKind.SANDBOX:
            number = self.realm.rsplit("_SB", 1)[1]
            return f"Sandbox {number}"
        return {
            AccountKind.PRODUCTION: "Production",
            AccountKind.RELEASE_PREVIEW: "Release preview",
            AccountKind.TEST_DRIVE: "Test drive",
        }[self.kind]

    @property
    def rest_base_url(self) -> str:
        """Base URL of REST web services and SOAP for this account."""
        return f"https://{self.host_label}.suitetalk.api.netsuite.com"

    @property
    def app_base_url(self) -> str:
        """Base URL of the NetSuite UI for this account."""
        return f"https://{self.host_label}.app.netsuite.com"

    def __str__(self) -> str:
        return self.realm


def parse_account_id(raw: str) -> NetSuiteAccount:
    """Normalise a pasted account ID (or NetSuite URL/hostname) into a `NetSuiteAccount`."""
    if not isinstance(raw, str):
        raise InvalidAccountIdError(repr(raw), "The account ID must be text.")
    value = raw.strip().strip("\"'").strip()
    if not value:
        raise InvalidAccountIdError(raw, "The account ID is empty.")
    value = _account_part_of_url(value)
    candidate = value.upper().replace("-", "_")
    match = _ACCOUNT_RE.match(candidate)
    if match is None:
        raise InvalidAccountIdError(raw, f"'{value}' is not a NetSuite account ID.")
    if match.group("tstdrv"):
        kind = AccountKind.TEST_DRIVE
    elif match.group("suffix") == "RP":
        kind = AccountKind.RELEASE_PREVIEW
    elif match.group("suffix"):
        kind = AccountKind.SANDBOX
    else:
        kind = AccountKind.PRODUCTION
    return NetSuiteAccount(realm=candidate, kind=kind)


def _account_part_of_url(value: str) -> str:
    """Extract the account label from a pasted URL or hostname; return other input unchanged."""
    host = value
    if "://" in value:
        host = urlsplit(value).hostname or ""
    elif "/" in value:
        host = value.split("/", 1)[0]
    host = host.lower().split(":", 1)[0]
    if "." not in host:
        return value
    match = _HOST_RE.match(host)
    if match is None or match.group("label") in {"system", "webservices", "www"}:
        # system.netsuite.com and friends carry no account: ask for the ID itself.
        raise InvalidAccountIdError(value, f"'{value}' does not contain a NetSuite account ID.")
    return match.group("label")
