"""Log records that say which request, company and sync run they belong to, and never a secret."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from django.core.signals import request_finished
from django.dispatch import receiver

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
company_id_var: ContextVar[str] = ContextVar("company_id", default="")
sync_run_id_var: ContextVar[str] = ContextVar("sync_run_id", default="")

REDACTED = "[redacted]"

# Header and OAuth forms: "Authorization: OAuth realm=…", "oauth_signature=…".
_AUTH_HEADER = re.compile(r"(?i)(\b(?:proxy-)?authorization['\"]?\s*[:=]\s*)(['\"]?)[^'\"\n]+\2")
# key=value, key: value, "key": "value" for any key naming a secret.
_SECRET_PAIR = re.compile(
    r"(?i)(['\"]?\b[\w-]*(?:secret|password|passwd|token|signature|api[_-]?key|consumer[_-]?key"
    r"|session[_-]?id|csrftoken)[\w-]*['\"]?\s*[:=]\s*)(['\"]?)([^'\"\s,;&}]+)\2"
)
# SOAP: <signature …>…</signature>, <consumerKey>…</consumerKey>, <token>…</token>, <password>.
_XML_SECRET = re.compile(
    r"(?i)(<(?:\w+:)?(signature|token|consumerKey|password|nonce)\b[^>]*>)[^<]*(</)"
)
# A URL with a password in it: scheme://user:password@host.
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/\s@]+:)[^@\s/]+@")


def redact(text: str) -> str:
    """The text with secrets, Authorization headers and URL passwords replaced."""
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}{m.group(2)}", text)
    text = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}{m.group(2)}", text)
    text = _XML_SECRET.sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(3)}", text)
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)


class RedactingFilter(logging.Filter):
    """Render the message once, redacted, so no handler or formatter sees the original."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None  # the formatter would render the unredacted one again
        return True


class ContextFilter(logging.Filter):
    """Attach request_id, company_id and sync_run_id (empty when not known)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.company_id = company_id_var.get()
        record.sync_run_id = sync_run_id_var.get()
        return True


class RequestContextMiddleware:
    """Give each request an id (or keep the proxy's X-Request-ID) and note its company."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if re.fullmatch(r"[\w.-]{8,64}", incoming) else uuid.uuid4().hex
        company = getattr(request, "company", None)
        # Left set until the response is closed (request_finished), so that Django's own
        # "Not Found" / "Server Error" lines, written after the middleware, carry them too.
        request_id_var.set(request_id)
        company_id_var.set(str(company.pk) if company is not None else "")
        sync_run_id_var.set("")
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


@receiver(request_finished)
def _forget_request(**kwargs) -> None:
    clear_context()


def clear_context() -> None:
    for var in (request_id_var, company_id_var, sync_run_id_var):
        var.set("")


# Tasks whose first argument is a sync run's id.
SYNC_RUN_TASKS = {"integrations.sync_run"}


def task_context_start(task_id: str, task_name: str, args, kwargs) -> None:
    """Called before each Celery task: the task id stands in for the request id."""
    request_id_var.set(task_id or "")
    run_id = kwargs.get("run_id") if kwargs else None
    if run_id is None and task_name in SYNC_RUN_TASKS and args:
        run_id = args[0]
    sync_run_id_var.set(str(run_id) if run_id is not None else "")
    company_id_var.set("")
    if run_id is not None:
        from integrations.models import SyncRun

        company_id = SyncRun.objects.filter(pk=run_id).values_list("company_id", flat=True).first()
        company_id_var.set(str(company_id) if company_id else "")


def task_context_end() -> None:
    clear_context()
