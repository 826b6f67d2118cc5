"""Every error becomes a sentence a finance user understands, plus what to do next."""

from __future__ import annotations

import json

import pytest

from integrations.netsuite.errors import (
    AuthenticationError,
    RateLimitedError,
    RecordValidationError,
    error_from_rest_response,
    error_from_soap_fault,
    error_from_status_detail,
)


def rest(status: int, code: str, detail: str, path: str | None = None):
    body = {"status": status, "o:errorDetails": [{"detail": detail, "o:errorCode": code}]}
    if path:
        body["o:errorDetails"][0]["o:errorPath"] = path
    return error_from_rest_response(status, json.dumps(body), operation="upsert")


def test_unknown_department_names_what_the_user_knows():
    error = error_from_status_detail(
        "INVALID_KEY_OR_REF", "Invalid department reference key 12 for subsidiary 3."
    )
    context = {"department": "Operations", "subsidiary": {"3": "Acme UK"}}
    assert error.user_message(context) == (
        "Department 'Operations' (internal ID 12) was not found in NetSuite for subsidiary "
        "'Acme UK'."
    )
    assert error.corrective_action(context) == (
        "Map the lease's department to an active NetSuite department, then press Retry."
    )
    assert error.user_message() == (
        "Department with internal ID 12 was not found in NetSuite for subsidiary '3'."
    )


def test_rest_invalid_field_value_for_account():
    error = rest(
        400,
        "INVALID_KEY_OR_REF",
        "Invalid Field Value 611 for the following field: account",
        "line.items[0]",
    )
    assert isinstance(error, RecordValidationError)
    assert error.field_path == "line.items[0]"
    assert error.user_message({"account": {"611": "6100 Rent expense"}}) == (
        "Account '6100 Rent expense' (internal ID 611) was not found in NetSuite."
    )
    assert "active NetSuite account" in error.corrective_action()


@pytest.mark.parametrize(
    ("code", "detail", "context", "sentence", "action"),
    [
        (
            "USER_ERROR",
            "Please enter value(s) for: Subsidiary.",
            {},
            "NetSuite needs a value for Subsidiary, which was not sent.",
            "missing mapping",
        ),
        (
            "TRAN_PERIOD_CLOSED",
            "The period is closed.",
            {"period": "Jan 2025"},
            "The posting period 'Jan 2025' is closed or locked in NetSuite, so the entry cannot be "
            "posted.",
            "reopen or unlock the period",
        ),
        (
            "JE_AMOUNTS_MUST_BALANCE",
            "Debits must equal credits.",
            {},
            "The journal entry's debits and credits do not balance.",
            "debits equal credits",
        ),
        (
            "EXCEEDED_MAX_TRANS_LINES",
            "Too many lines.",
            {},
            "The journal entry has more lines than NetSuite accepts in a single entry.",
            "smaller entries",
        ),
        (
            "USER_ERROR",
            "Error while accessing a resource. This entity already exists.",
            {"external_id": "LEASE-42"},
            "A journal entry with external ID LEASE-42 already exists in NetSuite.",
            "View in Integration",
        ),
        (
            "NONEXISTENT_ID",
            "The record instance does not exist.",
            {},
            "The journal entry was not found in NetSuite; it may have been deleted.",
            "Retry",
        ),
        (
            "SOMETHING_NEW",
            "Odd thing happened.",
            {},
            "NetSuite rejected the journal entry: Odd thing happened.",
            "then press Retry",
        ),
    ],
)
def test_validation_sentences_and_actions(code, detail, context, sentence, action):
    error = error_from_status_detail(code, detail)
    assert error.user_message(context) == sentence
    assert action in error.corrective_action(context)
    assert error.retryable is False


def test_login_failure_lists_the_usual_causes():
    error = rest(401, "INVALID_LOGIN", "Invalid login attempt.")
    assert isinstance(error, AuthenticationError) and not error.retryable
    assert error.user_message({"account_id": "1234567_SB1"}) == (
        "NetSuite refused to log in to account 1234567_SB1 with the credentials saved for this "
        "company."
    )
    # Verify & Save tests what was typed, and names the real button.
    entered = {"account_id": "1234567_SB1", "entered": True}
    assert error.user_message(entered) == (
        "NetSuite refused to log in to account 1234567_SB1 with the credentials you entered."
    )
    assert error.corrective_action(entered).endswith("Then correct them and press Verify & Save.")
    assert "Verify connection" not in error.corrective_action()
    action = error.corrective_action()
    for cause in (
        "Token-Based Authentication is not enabled",
        "sandbox",
        "revoked",
        "web services permissions",
        "Login Audit Trail",
    ):
        assert cause in action


def test_soap_login_fault_and_rate_limit():
    auth = error_from_soap_fault("invalidCredentialsFault", "USER_ERROR", "Invalid login attempt.")
    assert isinstance(auth, AuthenticationError)
    blocked = error_from_soap_fault(
        "ExceededConcurrentRequestLimitFault", "WS_REQUEST_BLOCKED", "Request blocked."
    )
    assert isinstance(blocked, RateLimitedError) and blocked.retryable
    assert "too many requests" in blocked.user_message()


def test_errors_keep_status_code_detail_and_path_in_str_and_repr():
    error = rest(
        400,
        "INVALID_KEY_OR_REF",
        "Invalid Field Value 5 for the following field: class",
        "line.items[1].class",
    )
    assert str(error) == (
        "[INVALID_KEY_OR_REF] Invalid Field Value 5 for the following field: class (HTTP 400) "
        "at line.items[1].class"
    )
    assert "INVALID_KEY_OR_REF" in repr(error)
    assert error.user_message({"class": "Retail"}) == (
        "Class 'Retail' (internal ID 5) was not found in NetSuite."
    )


def test_non_json_5xx_is_transient():
    error = error_from_rest_response(502, "<html>Bad gateway</html>")
    assert error.retryable and error.status_code == 502 and error.code is None
