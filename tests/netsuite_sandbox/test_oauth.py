"""TBA signing and verification against Oracle's published vectors."""

from __future__ import annotations

import pytest

from netsuite_sandbox.oauth import (
    AuthError,
    Credentials,
    NonceCache,
    canonical_realm,
    host_label,
    parse_authorization,
    passport_signature,
    sign_rest,
    verify_passport,
    verify_rest,
)

# Reference: API-FACTS 1.5 (Oracle section_1534941088 inputs).
CK = "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4"
CS = "d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5"
TOKEN = "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc"
TS_SECRET = "c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295"
NONCE = "fjaLirsIcCGVZWzBX0pg"
TIMESTAMP = "1508242306"
OAUTH = {
    "oauth_consumer_key": CK,
    "oauth_nonce": NONCE,
    "oauth_signature_method": "HMAC-SHA256",
    "oauth_timestamp": TIMESTAMP,
    "oauth_token": TOKEN,
    "oauth_version": "1.0",
}
ORACLE_HEADER = (
    'OAuth realm="123456", oauth_token="' + TOKEN + '", oauth_consumer_key="' + CK + '", '
    'oauth_nonce="fjaLirsIcCGVZWzBX0pg", oauth_timestamp="1508242306", '
    'oauth_signature_method="HMAC-SHA256", oauth_version="1.0", '
    'oauth_signature="B5OIWznZ2YP0OB7VrJrGkYsTh%2B8H%2B5T9Hag%2Bo92q0zY%3D"'
)
CREDS = Credentials("123456", CK, CS, TOKEN, TS_SECRET)


@pytest.mark.parametrize(
    ("method", "url", "signature"),
    [
        (
            "GET",
            "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/employee/40",
            "B5OIWznZ2YP0OB7VrJrGkYsTh+8H+5T9Hag+o92q0zY=",
        ),
        (
            "POST",
            "https://123456.restlets.api.netsuite.com/app/site/hosting/restlet.nl"
            "?script=6&deploy=1&customParam=someValue&testParam=someOtherValue",
            "+KK4SKNgz4ZiILGLwOMtfYlgcXSy1eis8ldE9X90azQ=",
        ),
        (
            "POST",
            "https://1234567.restlets.api.netsuite.com/app/site/hosting/restlet.nl"
            "?script=6&deploy=1&customParam=someValue&testParam=someOtherValue",
            "i7MEtGwhCTIZbTsTrNGw9LdcERn4wsjt5C7TxmKWIfU=",
        ),
        (
            "POST",
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql"
            "?limit=5&offset=10",
            "wduNSyegmmqit2gxq8tDwCT1cw3J3gtBKezNOdxBfPA=",
        ),
        (
            "POST",
            "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/journalEntry",
            "mE7b2gtmZ94vf6LY2XyUKs91IrMuQFy6WDrJjgU3nTQ=",
        ),
        (
            "PUT",
            "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/journalEntry/eid:LEASE-42",
            "g5ly0BpjFmV5GgLarxJK3LRvmwzgNqZQUpvkt1S1MDI=",
        ),
    ],
)
def test_rest_signature_matches_published_vector(method: str, url: str, signature: str) -> None:
    assert sign_rest(method, url, OAUTH, CS, TS_SECRET) == signature


def test_default_https_port_is_dropped_from_the_base_string() -> None:
    url = "https://123456.suitetalk.api.netsuite.com:443/services/rest/record/v1/employee/40"
    assert sign_rest("GET", url, OAUTH, CS, TS_SECRET) == (
        "B5OIWznZ2YP0OB7VrJrGkYsTh+8H+5T9Hag+o92q0zY="
    )


def test_oracle_header_verifies_with_realm_left_out_of_the_base_string() -> None:
    oauth = parse_authorization(ORACLE_HEADER)
    assert oauth["realm"] == "123456"
    assert oauth["oauth_signature"] == "B5OIWznZ2YP0OB7VrJrGkYsTh+8H+5T9Hag+o92q0zY="
    verify_rest(
        method="GET",
        scheme="https",
        host="123456.suitetalk.api.netsuite.com",
        path="/services/rest/record/v1/employee/40",
        query_params=[],
        form_params=[],
        oauth=oauth,
        creds=CREDS,
        nonces=NonceCache(),
        now=int(TIMESTAMP),
    )


def _verify(oauth: dict[str, str], *, path: str = "/services/rest/record/v1/employee/40",
            now: int = int(TIMESTAMP), nonces: NonceCache | None = None) -> None:  # fmt: skip
    verify_rest(
        method="GET",
        scheme="HTTPS",
        host="123456.SuiteTalk.api.netsuite.com",
        path=path,
        query_params=[],
        form_params=[],
        oauth=oauth,
        creds=CREDS,
        nonces=nonces,
        now=now,
    )


def test_one_changed_byte_in_the_path_is_refused() -> None:
    oauth = parse_authorization(ORACLE_HEADER)
    with pytest.raises(AuthError, match="invalid signature"):
        _verify(oauth, path="/services/rest/record/v1/employee/41")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"oauth_signature_method": "HMAC-SHA1"}, "HMAC-SHA256"),
        ({"oauth_version": "2.0"}, "oauth_version"),
        ({"oauth_nonce": "abc"}, "nonce"),
        ({"oauth_signature": "B5OIWznZ2YP0OB7VrJrGkYsTh+8H+5T9Hag+o92q0zZ="}, "signature"),
    ],
)
def test_invalid_parameters_are_refused(change: dict[str, str], reason: str) -> None:
    oauth = dict(parse_authorization(ORACLE_HEADER), **change)
    with pytest.raises(AuthError, match=reason):
        _verify(oauth)


def test_timestamp_outside_window_is_refused() -> None:
    oauth = parse_authorization(ORACLE_HEADER)
    _verify(oauth, now=int(TIMESTAMP) + 299)
    with pytest.raises(AuthError, match="window"):
        _verify(oauth, now=int(TIMESTAMP) + 301)


def test_nonce_reuse_is_refused() -> None:
    nonces = NonceCache()
    oauth = parse_authorization(ORACLE_HEADER)
    _verify(oauth, nonces=nonces)
    with pytest.raises(AuthError, match="nonce already used"):
        _verify(oauth, nonces=nonces)


def test_connect_token_password_vector() -> None:
    # Reference: API-FACTS 2.2 (Oracle article_163240164565).
    assert (
        passport_signature(
            "1234567",
            "71cc02b731f05895561ef0862d71553a3ac99498a947c3b7beaf4a1e4a29f7c4",
            "89e08d9767c5ac85b374415725567d05b54ecf0960ad2470894a52f741020d82",
            "6obMKq0tmY8ylVOdEkA1",
            "1439829974",
            "7278da58caf07f5c336301a601203d10a58e948efa280f0618e25fcee1ef2abd",
            "060cd9ab3ffbbe1e3d3918e90165ffd37ab12acc76b4691046e2d29c7d7674c2",
        )
        == "FCghIZqXNetuZY8ILWOFH0ucdfzQOmAuL+q+kF21zPs="
    )


@pytest.mark.parametrize(
    ("account", "signature"),
    [
        ("123456", "tIcC5zyKUmycB5Ml/cNxOHDusw03Y5KPQiXVNUHHp4U="),
        ("1234567_SB1", "RT8CL3t/Sb0/zfUmVIYoCmA6QjppQ6BiHinvEbPecao="),
    ],
)
def test_passport_derived_vectors(account: str, signature: str) -> None:
    assert passport_signature(account, CK, TOKEN, NONCE, TIMESTAMP, CS, TS_SECRET) == signature
    passport = {
        "account": account,
        "consumerKey": CK,
        "token": TOKEN,
        "nonce": NONCE,
        "timestamp": TIMESTAMP,
        "signature": signature,
        "algorithm": "HMAC-SHA256",
    }
    verify_passport(passport=passport, creds=CREDS, nonces=None, now=int(TIMESTAMP))
    with pytest.raises(AuthError):
        verify_passport(
            passport=dict(passport, algorithm="HMAC-SHA1"),
            creds=CREDS,
            nonces=None,
            now=int(TIMESTAMP),
        )


def test_realm_and_host_forms() -> None:
    assert canonical_realm("1234567-sb1") == "1234567_SB1"
    assert canonical_realm("tstdrv9") == "TSTDRV9"
    assert host_label("1234567_SB1") == "1234567-sb1"
