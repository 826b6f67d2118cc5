"""Structured logs: request, company and sync run ids on every line; secrets never written."""

import copy
import io
import json
import logging
import logging.config

import pytest
from django.conf import settings
from django.test import Client

from occupier.logs import redact, task_context_end, task_context_start
from tests.integrations.factories import close_first_period

SECRET = "f3a9c1d2e4b5a6978877665544332211ffeeddccbbaa00998877665544332211"


@pytest.fixture
def json_log():
    """The project's LOGGING, in its JSON form, written to a buffer."""
    buffer = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"].update(formatter="json", stream=buffer)
    logging.config.dictConfig(config)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        logging.config.dictConfig(settings.LOGGING)


@pytest.mark.parametrize(
    "text",
    [
        f'Authorization: OAuth realm="1234567_SB1", oauth_token="{SECRET}"',
        f"headers={{'Authorization': 'OAuth oauth_signature=\"{SECRET}\"'}}",
        f'{{"token_secret": "{SECRET}", "account": "1234567"}}',
        f"consumer_secret={SECRET}&x=1",
        f"consumerKey: {SECRET}",
        f"password={SECRET}",
        f"redis://default:{SECRET}@redis.internal:6379/0",
        f'<tokenPassport><signature algorithm="HMAC-SHA256">{SECRET}</signature>',
    ],
)
def test_redaction_removes_the_secret_and_keeps_the_rest(text):
    cleaned = redact(text)
    assert SECRET not in cleaned
    assert "[redacted]" in cleaned


def test_redaction_leaves_ordinary_messages_alone():
    text = "Sync #42 of Jan 2026: 12 entries sent, HTTP 204 in 150 ms"
    assert redact(text) == text


def test_log_lines_are_json_with_the_request_and_company_ids_and_no_secret(personas, json_log):
    client = Client()
    client.force_login(personas.accountant.user)
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-1234abcd")
    assert response.status_code == 404 and response["X-Request-ID"] == "req-1234abcd"
    logging.getLogger("integrations.netsuite.rest").warning(
        "NetSuite answered with headers %s", {"Authorization": f"OAuth oauth_token={SECRET}"}
    )
    lines = json_log()
    not_found = next(line for line in lines if "Not Found" in line["message"])
    assert not_found["request_id"] == "req-1234abcd"
    assert not_found["company_id"] == str(personas.company.pk)
    assert {"time", "level", "logger"} <= set(not_found)
    assert SECRET not in json.dumps(lines)


def test_an_exception_traceback_is_redacted_too(json_log):
    try:
        raise RuntimeError(f"token_secret={SECRET}")
    except RuntimeError:
        logging.getLogger("integrations").exception("sync failed")
    (line,) = json_log()
    assert SECRET not in json.dumps(line) and "RuntimeError" in line["exc_info"]


def test_a_sync_task_logs_its_run_and_company(personas, json_log):
    from integrations.models import SyncRun

    period = close_first_period(personas.company)
    run = SyncRun.objects.create(company=personas.company, period=period, close_version=1)
    task_context_start("task-abc", "integrations.sync_run", (run.pk,), {})
    logging.getLogger("integrations.services.sync").info("sending")
    task_context_end()
    logging.getLogger("integrations.services.sync").info("after")
    during, after = json_log()
    assert (during["request_id"], during["sync_run_id"], during["company_id"]) == (
        "task-abc",
        str(run.pk),
        str(personas.company.pk),
    )
    assert (after["request_id"], after["sync_run_id"]) == ("", "")
