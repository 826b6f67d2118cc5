"""Shared fixtures: Oracle's published TBA example credentials."""

from __future__ import annotations

import pytest

from integrations.netsuite.credentials import NetSuiteCredentials

# Oracle's published example values ("The Signature for Web Services and RESTlets").
ORACLE_CONSUMER_KEY = "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4"
ORACLE_CONSUMER_SECRET = "d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5"
ORACLE_TOKEN_ID = "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc"
ORACLE_TOKEN_SECRET = "c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295"
ORACLE_NONCE = "fjaLirsIcCGVZWzBX0pg"
ORACLE_TIMESTAMP = 1508242306


def oracle_credentials(account_id: str = "123456") -> NetSuiteCredentials:
    """Oracle's example credentials for the given account."""
    return NetSuiteCredentials.from_input(
        account_id=account_id,
        consumer_key=ORACLE_CONSUMER_KEY,
        consumer_secret=ORACLE_CONSUMER_SECRET,
        token_id=ORACLE_TOKEN_ID,
        token_secret=ORACLE_TOKEN_SECRET,
    )


@pytest.fixture
def creds() -> NetSuiteCredentials:
    """Oracle's example credentials on production account 123456."""
    return oracle_credentials()


@pytest.fixture
def sandbox_creds() -> NetSuiteCredentials:
    """Oracle's example credentials on sandbox account 1234567_SB1."""
    return oracle_credentials("1234567-sb1")
