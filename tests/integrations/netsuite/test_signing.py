"""Signing: Oracle's published vectors exactly, and the pitfalls other clients fell into."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from integrations.netsuite.signing import (
    build_url,
    canonical_url,
    make_token_passport,
    passport_signature,
    rest_authorization_header,
)

from .conftest import (
    ORACLE_CONSUMER_KEY,
    ORACLE_CONSUMER_SECRET,
    ORACLE_NONCE,
    ORACLE_TIMESTAMP,
    ORACLE_TOKEN_ID,
    ORACLE_TOKEN_SECRET,
    oracle_credentials,
)


def header_params(header: str) -> dict[str, str]:
    """Parse an OAuth Authorization header into a dict of (still encoded) values."""
    assert header.startswith("OAuth ")
    return dict(re.findall(r'(\w+)="([^"]*)"', header))


def sign(creds, method: str, url: str) -> dict[str, str]:
    header = rest_authorization_header(
        creds, method, url, nonce=ORACLE_NONCE, timestamp=ORACLE_TIMESTAMP
    )
    return header_params(header)


def test_oracle_vector_a_rest_get(creds):
    url = "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/employee/40"
    params = sign(creds, "GET", url)
    assert params == {
        "realm": "123456",
        "oauth_nonce": ORACLE_NONCE,
        "oauth_timestamp": str(ORACLE_TIMESTAMP),
        "oauth_version": "1.0",
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_consumer_key": ORACLE_CONSUMER_KEY,
        "oauth_token": ORACLE_TOKEN_ID,
        "oauth_signature": "B5OIWznZ2YP0OB7VrJrGkYsTh%2B8H%2B5T9Hag%2Bo92q0zY%3D",
    }


def test_oracle_vector_b_restlet_post_signs_sorted_query_parameters(creds):
    url = (
        "https://123456.restlets.api.netsuite.com/app/site/hosting/restlet.nl"
        "?script=6&deploy=1&customParam=someValue&testParam=someOtherValue"
    )
    assert unquote(sign(creds, "POST", url)["oauth_signature"]) == (
        "+KK4SKNgz4ZiILGLwOMtfYlgcXSy1eis8ldE9X90azQ="
    )
    other_host = url.replace("123456.", "1234567.")
    assert unquote(sign(creds, "POST", other_host)["oauth_signature"]) == (
        "i7MEtGwhCTIZbTsTrNGw9LdcERn4wsjt5C7TxmKWIfU="
    )


@pytest.mark.parametrize(
    ("method", "url", "signature"),
    [
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
def test_derived_vectors_c(creds, method, url, signature):
    assert unquote(sign(creds, method, url)["oauth_signature"]) == signature


def test_json_body_is_not_signed(creds):
    """Vector C's POST signature is the same whatever JSON body is sent."""
    import requests

    from integrations.netsuite.signing import TbaAuth

    url = "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/journalEntry"
    request = requests.Request(
        "POST", url, data=b'{"memo": "a=b&c=d"}', headers={"Content-Type": "application/json"}
    ).prepare()
    auth = TbaAuth(creds, nonce_factory=lambda: ORACLE_NONCE, clock=lambda: ORACLE_TIMESTAMP)
    header = auth(request).headers["Authorization"]
    header = header.decode() if isinstance(header, bytes) else header
    assert unquote(header_params(header)["oauth_signature"]) == (
        "mE7b2gtmZ94vf6LY2XyUKs91IrMuQFy6WDrJjgU3nTQ="
    )


@pytest.mark.parametrize("typed", ["1234567_sb1", "1234567-SB1", "1234567-sb1"])
def test_pitfall_realm_is_upper_case_underscore_for_sandbox(typed):
    creds = oracle_credentials(typed)
    url = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql?limit=5&offset=10"
    params = sign(creds, "POST", url)
    assert params["realm"] == "1234567_SB1"
    assert unquote(params["oauth_signature"]) == "wduNSyegmmqit2gxq8tDwCT1cw3J3gtBKezNOdxBfPA="


def test_pitfall_realm_is_upper_case_for_test_drive():
    assert (
        sign(oracle_credentials("tstdrv9"), "GET", "https://tstdrv9.app.netsuite.com/x")["realm"]
        == "TSTDRV9"
    )


def test_pitfall_upper_case_host_and_default_port_are_not_signed(creds):
    url = "HTTPS://123456.SUITETALK.API.NETSUITE.COM:443/services/rest/record/v1/employee/40"
    assert sign(creds, "GET", url)["oauth_signature"] == (
        "B5OIWznZ2YP0OB7VrJrGkYsTh%2B8H%2B5T9Hag%2Bo92q0zY%3D"
    )
    assert canonical_url(url) == (
        "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/employee/40"
    )


def test_pitfall_trailing_ampersand_is_not_signed_as_an_empty_parameter(creds):
    base = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql"
    expected = "wduNSyegmmqit2gxq8tDwCT1cw3J3gtBKezNOdxBfPA="
    for url in (f"{base}?limit=5&offset=10&", f"{base}?&limit=5&&offset=10"):
        assert unquote(sign(creds, "POST", url)["oauth_signature"]) == expected
    assert build_url(base, "", [("limit", "5"), ("offset", "10")]).endswith("?limit=5&offset=10")
    assert build_url(base, "", []) == base  # no dangling "?"


def _reference_signature(method: str, url: str, query: list[tuple[str, str]]) -> str:
    """Independent RFC 5849 implementation (FACTS section 10) to cross-check oauthlib."""
    import base64
    import hashlib
    import hmac
    from urllib.parse import quote

    def enc(s: str) -> str:
        return quote(s, safe="~-._")

    oauth = [
        ("oauth_consumer_key", ORACLE_CONSUMER_KEY),
        ("oauth_nonce", ORACLE_NONCE),
        ("oauth_signature_method", "HMAC-SHA256"),
        ("oauth_timestamp", str(ORACLE_TIMESTAMP)),
        ("oauth_token", ORACLE_TOKEN_ID),
        ("oauth_version", "1.0"),
    ]
    pairs = sorted((enc(k), enc(v)) for k, v in oauth + query)
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join([method, enc(url), enc(normalized)])
    key = f"{ORACLE_CONSUMER_SECRET}&{ORACLE_TOKEN_SECRET}"
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()).decode()


@pytest.mark.parametrize(
    "value",
    [
        'SELECT id FROM account WHERE email IS "a b"',
        "a+b",
        "a/b:c",
        "it's 100% ~ok~",
        "Ünïcode €",
    ],
)
def test_pitfall_awkward_query_values_are_encoded_once_and_signed(creds, value):
    base = "https://123456.suitetalk.api.netsuite.com"
    url = build_url(base, "/services/rest/query/v1/x", [("q", value), ("limit", "5")])
    assert "+" not in url.split("?", 1)[1]  # a space is %20 and a '+' is %2B, never a bare '+'
    assert " " not in url and '"' not in url
    expected = _reference_signature(
        "GET",
        f"{base}/services/rest/query/v1/x",
        [("q", value), ("limit", "5")],
    )
    assert unquote(sign(creds, "GET", url)["oauth_signature"]) == expected


def test_connect_vector_passport_algorithm():
    signature = passport_signature(
        account="1234567",
        consumer_key="71cc02b731f05895561ef0862d71553a3ac99498a947c3b7beaf4a1e4a29f7c4",
        consumer_secret="7278da58caf07f5c336301a601203d10a58e948efa280f0618e25fcee1ef2abd",
        token="89e08d9767c5ac85b374415725567d05b54ecf0960ad2470894a52f741020d82",
        token_secret="060cd9ab3ffbbe1e3d3918e90165ffd37ab12acc76b4691046e2d29c7d7674c2",
        nonce="6obMKq0tmY8ylVOdEkA1",
        timestamp=1439829974,
    )
    assert signature == "FCghIZqXNetuZY8ILWOFH0ucdfzQOmAuL+q+kF21zPs="


@pytest.mark.parametrize(
    ("typed", "account", "signature"),
    [
        ("123456", "123456", "tIcC5zyKUmycB5Ml/cNxOHDusw03Y5KPQiXVNUHHp4U="),
        ("1234567_sb1", "1234567_SB1", "RT8CL3t/Sb0/zfUmVIYoCmA6QjppQ6BiHinvEbPecao="),
        ("1234567-sb1", "1234567_SB1", "RT8CL3t/Sb0/zfUmVIYoCmA6QjppQ6BiHinvEbPecao="),
    ],
)
def test_token_passport_account_is_the_upper_case_realm(typed, account, signature):
    passport = make_token_passport(
        oracle_credentials(typed),
        nonce_factory=lambda: ORACLE_NONCE,
        clock=lambda: ORACLE_TIMESTAMP,
    )
    assert passport.account == account
    assert passport.signature == signature
    assert passport.algorithm == "HMAC-SHA256"
    assert passport.nonce == ORACLE_NONCE and passport.timestamp == ORACLE_TIMESTAMP
    assert signature not in repr(passport)


def test_each_signature_gets_a_fresh_nonce(creds):
    passports = {make_token_passport(creds).nonce for _ in range(50)}
    assert len(passports) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9]{20,64}", n) for n in passports)


def test_a_plus_in_a_written_query_is_a_space_as_netsuite_reads_it(creds):
    """RFC 5849 §3.4.1.3.1: the query is form-decoded, so `+` means a space.

    The URL is sent as signed: `q=a%20b`, which NetSuite (and the simulator) read as "a b".
    Before the fix the `+` became `%2B`, so the request asked for "a+b".
    """
    base = "https://123456.suitetalk.api.netsuite.com/services/rest/query/v1/x"
    assert canonical_url(f"{base}?q=a+b&limit=5") == f"{base}?q=a%20b&limit=5"
    assert canonical_url(f"{base}?q=a%2Bb") == f"{base}?q=a%2Bb"  # an encoded plus stays a plus
    expected = _reference_signature("GET", base, [("q", "a b"), ("limit", "5")])
    assert unquote(sign(creds, "GET", f"{base}?q=a+b&limit=5")["oauth_signature"]) == expected
    assert unquote(sign(creds, "GET", f"{base}?q=a%20b&limit=5")["oauth_signature"]) == expected


def test_a_plus_query_is_accepted_by_the_simulators_verifier(creds):
    """The simulator verifies the way NetSuite does (parse_qsl: `+` is a space)."""
    from urllib.parse import parse_qsl, urlsplit

    from netsuite_sandbox.oauth import Credentials, parse_authorization, verify_rest

    url = "https://123456.suitetalk.api.netsuite.com/services/rest/query/v1/x?q=a+b"
    header = rest_authorization_header(
        creds, "GET", url, nonce=ORACLE_NONCE, timestamp=ORACLE_TIMESTAMP
    )
    sent = canonical_url(url)
    parts = urlsplit(sent)
    verify_rest(
        method="GET",
        scheme="https",
        host=parts.netloc,
        path=parts.path,
        query_params=parse_qsl(parts.query, keep_blank_values=True),
        form_params=[],
        oauth=parse_authorization(header),
        creds=Credentials(
            "123456",
            ORACLE_CONSUMER_KEY,
            ORACLE_CONSUMER_SECRET,
            ORACLE_TOKEN_ID,
            ORACLE_TOKEN_SECRET,
        ),
        nonces=None,
        now=ORACLE_TIMESTAMP,
    )
    assert parse_qsl(parts.query) == [("q", "a b")]
