"""NetSuite REST error bodies (RFC 9457-style with o:errorDetails)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

# Reference: Oracle "Error Handling in REST Web Services" (section_156570709583), API-FACTS 3.
ERROR_CONTENT_TYPE = "application/vnd.oracle.resource+json; type=error"
RFC9110 = "https://www.rfc-editor.org/rfc/rfc9110.html#section-"
TYPES = {
    400: (RFC9110 + "15.5.1", "Bad Request"),
    401: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2", "Unauthorized"),
    404: (RFC9110 + "15.5.5", "Not Found"),
    405: (RFC9110 + "15.5.6", "Method Not Allowed"),
    # Reference: API-FACTS 3 (observed 429 body keeps the rfc2616 type and title "Bad Request").
    429: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html", "Bad Request"),
    500: (RFC9110 + "15.6.1", "Internal Server Error"),
}
# Reference: API-FACTS 1.6 (the body never says why a login failed).
INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)


def error_body(status: int, code: str, detail: str, **extra: str | None) -> dict[str, Any]:
    """Build NetSuite's error body; extra carries o:errorPath, o:errorQueryParam and so on."""
    type_url, title = TYPES.get(status, (RFC9110 + "15.5.1", "Bad Request"))
    item: dict[str, Any] = {"detail": detail}
    for key, value in extra.items():
        if value is not None:
            item[f"o:{key}"] = value
    item["o:errorCode"] = code
    return {"type": type_url, "title": title, "status": status, "o:errorDetails": [item]}


def error_response(status: int, code: str, detail: str, **extra: str | None) -> web.Response:
    """Return NetSuite's error body as a response."""
    return web.Response(
        status=status,
        body=json.dumps(error_body(status, code, detail, **extra)).encode(),
        headers={"Content-Type": ERROR_CONTENT_TYPE},
    )


def invalid_login() -> web.Response:
    """Return the 401 INVALID_LOGIN answer."""
    return error_response(401, "INVALID_LOGIN", INVALID_LOGIN_DETAIL)


def concurrency_exceeded() -> web.Response:
    """Return the REST 429 governance answer."""
    # Reference: API-FACTS 3 and 5 (REST 429 CONCURRENCY_LIMIT_EXCEEDED, no Retry-After).
    return error_response(
        429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked."
    )
