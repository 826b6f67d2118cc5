"""Account IDs and credentials: normalising what users paste, refusing what cannot be right."""

from __future__ import annotations

import pytest

from integrations.netsuite.accounts import AccountKind, InvalidAccountIdError, parse_account_id
from integrations.netsuite.credentials import InvalidCredentialError, NetSuiteCredentials

from .conftest import ORACLE_CONSUMER_SECRET, ORACLE_TOKEN_SECRET, oracle_credentials


@pytest.mark.parametrize(
    ("raw", "realm", "host", "kind", "label"),
    [
        ("1234567", "1234567", "1234567", AccountKind.PRODUCTION, "Production"),
        ("  1234567\n", "1234567", "1234567", AccountKind.PRODUCTION, "Production"),
        ("1234567_SB1", "1234567_SB1", "1234567-sb1", AccountKind.SANDBOX, "Sandbox 1"),
        ("1234567-sb1", "1234567_SB1", "1234567-sb1", AccountKind.SANDBOX, "Sandbox 1"),
        ("1234567_sb2", "1234567_SB2", "1234567-sb2", AccountKind.SANDBOX, "Sandbox 2"),
        ("tstdrv1234567", "TSTDRV1234567", "tstdrv1234567", AccountKind.TEST_DRIVE, "Test drive"),
        ("7654321_RP", "7654321_RP", "7654321-rp", AccountKind.RELEASE_PREVIEW, "Release preview"),
        (
            "https://1234567-sb1.app.netsuite.com/app/center/card.nl?sc=-29&whence=",
            "1234567_SB1",
            "1234567-sb1",
            AccountKind.SANDBOX,
            "Sandbox 1",
        ),
        (
            "1234567.suitetalk.api.netsuite.com",
            "1234567",
            "1234567",
            AccountKind.PRODUCTION,
            "Production",
        ),
        ("'TSTDRV99'", "TSTDRV99", "tstdrv99", AccountKind.TEST_DRIVE, "Test drive"),
    ],
)
def test_account_ids_normalise_to_realm_and_host_forms(raw, realm, host, kind, label):
    account = parse_account_id(raw)
    assert account.realm == realm
    assert account.host_label == host
    assert account.kind is kind
    assert account.kind_label == label
    assert account.is_production is (kind is AccountKind.PRODUCTION)
    assert account.rest_base_url == f"https://{host}.suitetalk.api.netsuite.com"
    assert account.app_base_url == f"https://{host}.app.netsuite.com"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "acme",
        "1234567_SB",
        "1234567_XX1",
        "123 4567",
        "https://system.netsuite.com/app/x",
    ],
)
def test_impossible_account_ids_are_refused_with_what_is_expected(raw):
    with pytest.raises(InvalidAccountIdError) as info:
        parse_account_id(raw)
    assert isinstance(info.value, ValueError)
    assert "for example 1234567 (production), 1234567_SB1 (sandbox)" in info.value.user_message


def test_credentials_are_stripped_and_repr_masks_secrets():
    creds = NetSuiteCredentials.from_input(
        account_id=" 1234567-SB1 ",
        consumer_key="  ck-abcdefgh1234 ",
        consumer_secret="\tcs-secret-value-1\n",
        token_id="tk-abcdefgh5678",
        token_secret=" ts-secret-value-2",
    )
    assert creds.realm == "1234567_SB1"
    assert creds.consumer_key == "ck-abcdefgh1234"
    assert creds.consumer_secret == "cs-secret-value-1"
    assert creds.token_secret == "ts-secret-value-2"
    text = repr(creds) + str(creds)
    assert "cs-secret-value-1" not in text
    assert "ts-secret-value-2" not in text
    assert "ck-abcdefgh1234" not in text
    assert "1234" in text  # the last four characters of the key help users tell tokens apart


def test_oracle_credentials_repr_hides_both_secrets():
    text = repr(oracle_credentials())
    assert ORACLE_CONSUMER_SECRET not in text
    assert ORACLE_TOKEN_SECRET not in text


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("token_secret", "   ", "is empty"),
        ("consumer_key", "abc def ghi jkl", "contains spaces"),
        ("token_id", "short", "does not look like a NetSuite key"),
    ],
)
def test_malformed_credentials_are_refused_naming_the_field(field, value, reason):
    kwargs = {
        "account_id": "1234567",
        "consumer_key": "a" * 64,
        "consumer_secret": "b" * 64,
        "token_id": "c" * 64,
        "token_secret": "d" * 64,
    }
    kwargs[field] = value
    with pytest.raises(InvalidCredentialError) as info:
        NetSuiteCredentials.from_input(**kwargs)
    assert info.value.field == field
    assert reason in info.value.user_message
