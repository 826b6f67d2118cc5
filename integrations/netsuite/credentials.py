"""The five Token-Based Authentication credentials, normalised and with secrets masked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .accounts import NetSuiteAccount, parse_account_id

__all__ = ["InvalidCredentialError", "NetSuiteCredentials", "mask"]

# Keys and secrets NetSuite issues are 64 hex characters; we accept any token-like string so a
# simulator or a future format still works, but refuse what is obviously a paste accident.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9._~+/=-]{8,512}$")

_LABELS = {
    "consumer_key": "Consumer Key",
    "consumer_secret": "Consumer Secret",
    "token_id": "Token ID",
    "token_secret": "Token Secret",
}
_INTEGRATION = "shown once when the integration record was saved (Setup > Integration)"
_TOKEN = "shown once when the access token was created (Setup > Users/Roles > Access Tokens)"
_WHERE = {
    "consumer_key": _INTEGRATION,
    "consumer_secret": _INTEGRATION,
    "token_id": _TOKEN,
    "token_secret": _TOKEN,
}


class InvalidCredentialError(ValueError):
    """A credential that cannot be right; `user_message` says what is expected."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        label = _LABELS[field]
        self.user_message = (
            f"The {label} {reason}. Paste the {label} {_WHERE[field]}; it is usually "
            "64 letters and digits."
        )
        super().__init__(self.user_message)


def mask(value: str) -> str:
    """Show only the last four characters of an identifier, never of a secret."""
    return f"…{value[-4:]}" if len(value) > 8 else "…"


@dataclass(frozen=True, slots=True)
class NetSuiteCredentials:
    """Account plus consumer and token key pairs; `repr` never shows a secret."""

    account: NetSuiteAccount
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str

    @classmethod
    def from_input(
        cls,
        *,
        account_id: str,
        consumer_key: str,
        consumer_secret: str,
        token_id: str,
        token_secret: str,
    ) -> NetSuiteCredentials:
        """Normalise what a user pasted (whitespace, URLs as account ID) or raise a ValueError."""
        values = {
            "consumer_key": consumer_key,
            "consumer_secret": consumer_secret,
            "token_id": token_id,
            "token_secret": token_secret,
        }
        cleaned = {name: _clean_token(name, value) for name, value in values.items()}
        if cleaned["consumer_key"] == cleaned["token_id"]:
            raise InvalidCredentialError("token_id", "is the same as the Consumer Key")
        return cls(account=parse_account_id(account_id), **cleaned)

    @property
    def realm(self) -> str:
        """OAuth realm / SOAP passport account: upper case with underscore."""
        return self.account.realm

    def __repr__(self) -> str:
        return (
            f"NetSuiteCredentials(account={self.account.realm!r}, "
            f"consumer_key={mask(self.consumer_key)!r}, consumer_secret='***', "
            f"token_id={mask(self.token_id)!r}, token_secret='***')"
        )

    __str__ = __repr__


def _clean_token(name: str, value: str) -> str:
    """Strip surrounding whitespace and quotes; refuse empty or malformed values."""
    if not isinstance(value, str):
        raise InvalidCredentialError(name, "must be text")
    cleaned = value.strip().strip("\"'").strip()
    if not cleaned:
        raise InvalidCredentialError(name, "is empty")
    if any(ch.isspace() for ch in cleaned):
        raise InvalidCredentialError(name, "contains spaces or line breaks")
    if not _TOKEN_RE.match(cleaned):
        raise InvalidCredentialError(name, "does not look like a NetSuite key")
    return cleaned
