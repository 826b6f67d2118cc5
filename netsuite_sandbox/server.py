"""The aiohttp application: NetSuite-shaped REST, SuiteQL, SOAP and UI, plus /_sandbox admin."""

from __future__ import annotations

import asyncio
import html
import ipaddress
import json
import re
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from . import journal, soap, suiteql, wsdl
from .faults import AccountState, Decision, Faults
from .journal import JournalError
from .oauth import AuthError, NonceCache, canonical_realm, parse_authorization, verify_rest
from .rest_errors import concurrency_exceeded, error_response, invalid_login
from .store import Store

RECORD_PREFIX = "/services/rest/record/v1"
SINGULAR = "application/vnd.oracle.resource+json; type=singular"
COLLECTION = "application/vnd.oracle.resource+json; type=collection"
# Reference: API-FACTS 1.2 (account-specific domains <label>.suitetalk.api.netsuite.com).
HOST_RE = re.compile(r"^([a-z0-9-]+)\.suitetalk\.api\.netsuite\.com(:\d+)?$", re.IGNORECASE)

STORE_KEY = web.AppKey("store", Store)
SANDBOX_KEY = web.AppKey("sandbox", "Sandbox")
ARRIVED_KEY = "netsuite_sandbox.arrived"  # monotonic time the request's headers were read
# Threads that only sleep out the latency of requests in flight (far above any account limit).
_TIMERS = ThreadPoolExecutor(max_workers=64, thread_name_prefix="latency")


class Dropped(Exception):
    """Raised after aborting the transport so no answer is written."""


class Sandbox:
    """Runtime state shared by the handlers."""

    def __init__(self, store: Store, default_faults: dict[str, Any] | None = None) -> None:
        self.store = store
        self.nonces = NonceCache()
        self.default_faults = default_faults or {}
        self.states: dict[str, AccountState] = {}

    def state(self, account_id: str) -> AccountState:
        """Return (creating) the runtime state of an account."""
        state = self.states.get(account_id)
        if state is None:
            state = AccountState()
            state.set_faults(Faults.from_dict(self.default_faults))
            self.states[account_id] = state
        return state

    async def governed(
        self,
        request: web.Request,
        *,
        api: str,
        account_id: str | None,
        authenticate: Callable[[], None],
        handler: Callable[[Decision], Awaitable[web.StreamResponse]],
        refuse: Callable[[], web.StreamResponse],
        server_error: Callable[[Decision], web.StreamResponse],
        operation: str = "",
        is_write: bool = False,
    ) -> web.StreamResponse:
        """Run one API request through governance, TBA, faults and the request log."""
        # From the request's arrival (headers read), so the latency is the time to answer.
        started = request.get(ARRIVED_KEY) or time.monotonic()
        log: dict[str, Any] = {
            "api": api,
            "method": request.method,
            "path": request.path,
            "operation": operation,
            "account": account_id,
        }
        state = self.state(account_id or "?")

        def finish(response: web.StreamResponse, outcome: str) -> web.StreamResponse:
            log.update(
                status=response.status,
                outcome=outcome,
                duration_ms=round((time.monotonic() - started) * 1000, 2),
            )
            state.record(log)
            return response

        if account_id is None:
            return finish(refuse_auth(api), "auth_failed")
        # Reference: API-FACTS 5 (per-account concurrency limit shared by REST and SOAP).
        if state.inflight >= self.store.concurrency_limit(account_id):
            return finish(refuse(), "refused_concurrency")
        state.inflight += 1
        state.max_inflight = max(state.max_inflight, state.inflight)
        try:
            try:
                authenticate()
            except AuthError as exc:
                log["auth_error"] = str(exc)
                return finish(refuse_auth(api), "auth_failed")
            decision = state.decide()
            # latency_includes_work: the answer leaves `delay` after the request arrived, the
            # simulator's own work (body, signature, validation, store) done within it, as
            # NetSuite's latency is its time to answer. Otherwise the delay comes on top of it.
            within = bool(state.faults.latency_includes_work)
            answer_at = started + decision.delay if within else time.monotonic() + decision.delay
            if decision.delay and not (within and decision.is_answered_by_handler):
                await _until(answer_at)
            if decision.refuse_429:
                return finish(refuse(), "refused_burst")
            if decision.timeout:
                log.update(status=0, outcome="timeout")
                state.record(log)
                await asyncio.sleep(state.faults.timeout_seconds)
                _abort(request)
                raise Dropped
            if decision.error_status:
                return finish(server_error(decision), "fault_5xx")
            response = await handler(decision)
            await _until(answer_at)
            if is_write and 200 <= response.status < 300 and state.should_drop():
                # The entry is saved but the client never sees the answer.
                finish(response, "dropped")
                _abort(request)
                raise Dropped
            return finish(response, "ok" if response.status < 400 else "error")
        finally:
            state.inflight -= 1


async def _until(moment: float) -> None:
    """Sleep until the monotonic clock reads `moment` (at once if it already has)."""
    wait = moment - time.monotonic()
    if wait > 0:
        # In a thread: the event loop's timers wake up to a millisecond late (epoll counts
        # whole milliseconds), which would add about 0.5 ms to every answer.
        await asyncio.get_running_loop().run_in_executor(_TIMERS, time.sleep, wait)


def _abort(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


def refuse_auth(api: str) -> web.StreamResponse:
    """Return the login failure in the API's own shape."""
    if api == "soap":
        return soap.invalid_credentials_fault()
    return invalid_login()


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _realm_account(request: web.Request, oauth: dict[str, str]) -> str | None:
    """Pick the account from realm (and Host when it is a NetSuite-style host)."""
    realm = oauth.get("realm")
    # Reference: API-FACTS 1.2 (realm required; a realm in the wrong case fails the login).
    if not realm or realm != canonical_realm(realm):
        return None
    match = HOST_RE.match(request.host or "")
    if match and canonical_realm(match.group(1)) != realm:
        return None
    return realm


@web.middleware
async def drop_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Turn Dropped into a silent close of the (already aborted) connection."""
    try:
        return await handler(request)
    except Dropped:
        # The transport is gone; this answer is never written.
        return web.Response(status=599)


# --- REST record API ---------------------------------------------------------------------


async def rest_api(
    request: web.Request,
    operation: str,
    handler: Callable[[str, bytes], Awaitable[web.StreamResponse]],
    *,
    api: str = "rest",
    is_write: bool = False,
) -> web.StreamResponse:
    """Authenticate a REST request with TBA, then run handler(account, body)."""
    sandbox: Sandbox = request.app[SANDBOX_KEY]
    store = sandbox.store
    body = await request.read()
    try:
        oauth = parse_authorization(request.headers.get("Authorization", ""))
        account_id = _realm_account(request, oauth)
    except AuthError:
        oauth, account_id = {}, None
    if account_id is not None and not store.account_exists(account_id):
        account_id = None

    def authenticate() -> None:
        assert account_id is not None
        creds = store.credentials(
            account_id, oauth.get("oauth_consumer_key", ""), oauth.get("oauth_token", "")
        )
        if creds is None:
            raise AuthError("unknown consumer key or token for this account")
        # Reference: API-FACTS 1.3 (form-encoded POST parameters are signed, JSON bodies not).
        form: list[tuple[str, str]] = []
        if request.content_type == "application/x-www-form-urlencoded":
            form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        verify_rest(
            method=request.method,
            scheme=request.scheme,
            host=request.host,
            path=request.raw_path.split("?", 1)[0],
            query_params=parse_qsl(request.query_string, keep_blank_values=True),
            form_params=form,
            oauth=oauth,
            creds=creds,
            nonces=sandbox.nonces,
        )

    async def run(decision: Decision) -> web.StreamResponse:
        assert account_id is not None
        return await handler(account_id, body)

    def server_error(decision: Decision) -> web.StreamResponse:
        return rest_server_error(decision)

    return await sandbox.governed(
        request,
        api=api,
        account_id=account_id,
        authenticate=authenticate,
        handler=run,
        refuse=concurrency_exceeded,
        server_error=server_error,
        operation=operation,
        is_write=is_write,
    )


def rest_server_error(decision: Decision) -> web.StreamResponse:
    """Return an injected 5xx: NetSuite's JSON for 500, an edge HTML page otherwise."""
    if decision.error_status == 500:
        # Reference: API-FACTS 11 ("An unexpected error occurred" is a retryable fault).
        return error_response(
            500,
            "UNEXPECTED_ERROR",
            f"An unexpected error occurred. Error ID: {decision.error_id}",
        )
    return edge_error(decision)


def edge_error(decision: Decision) -> web.StreamResponse:
    """Return the kind of HTML page a gateway answers with (not NetSuite JSON)."""
    status = decision.error_status or 503
    text = f"<html><body><h1>{status} Service Unavailable</h1></body></html>"
    return web.Response(status=status, text=text, content_type="text/html")


def _is_journal(rtype: str) -> bool:
    # Reference: API-FACTS 3 (record id journalentry; clients also send journalEntry).
    return rtype.lower() == "journalentry"


def _unsupported_type(rtype: str) -> web.Response:
    return error_response(
        400,
        "INVALID_PARAMETER",
        f"The record type '{rtype}' is not supported by the NetSuite sandbox.",
        urlPath=f"record/v1/{rtype}",
    )


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        raise JournalError(
            "INVALID_CONTENT",
            "Invalid content in the request body. The request body is not valid JSON.",
            "Invalid request.",
        ) from None


def journal_error_response(err: JournalError) -> web.Response:
    """Render a validation error in NetSuite's REST body."""
    return error_response(400, err.code, err.rest_detail, errorPath=err.path)


def _stored_lines_as_raw(entry: dict[str, Any]) -> list[dict[str, Any]]:
    raw = []
    for line in entry["lines"]:
        item = {k: line.get(k) for k in ("debit", "credit", "memo")}
        for field in journal.LINE_REFS:
            if line.get(field) is not None:
                item[field] = {"id": str(line[field])}
        raw.append(item)
    return raw


async def record_collection(request: web.Request) -> web.StreamResponse:
    """POST creates a journal entry; GET lists journal entry ids."""
    rtype = request.match_info["rtype"]
    store: Store = request.app[STORE_KEY]
    base = _base_url(request)

    async def create(account_id: str, body: bytes) -> web.StreamResponse:
        if not _is_journal(rtype):
            return _unsupported_type(rtype)
        try:
            raw = journal.parse_rest_body(_json_body(body))
            entry = journal.validate(raw, store.reference(account_id))
        except JournalError as err:
            return journal_error_response(err)
        stored = store.insert_entry(account_id, entry)
        if stored is None:
            # Reference: API-FACTS 3 (duplicate externalId on POST, measured live by a 3P).
            return error_response(
                400, "USER_ERROR", "Error while accessing a resource. This entity already exists."
            )
        # Reference: Oracle "Creating a Record Instance" (section_1545141395): 204 + Location.
        location = f"{base}{RECORD_PREFIX}/journalentry/{stored['id']}"
        return web.Response(status=204, headers={"Location": location})

    async def listing(account_id: str, body: bytes) -> web.StreamResponse:
        if not _is_journal(rtype):
            return _unsupported_type(rtype)
        try:
            limit, offset = suiteql.paging(request.query)
        except suiteql.SuiteQLError as err:
            return error_response(400, "INVALID_PARAMETER", err.detail, errorQueryParam=err.param)
        ids = [e["id"] for e in store.entries(account_id)]
        page = ids[offset : offset + limit]
        href = f"{base}{RECORD_PREFIX}/journalentry"
        payload = {
            "links": suiteql.page_links(href, limit, offset, len(ids)),
            "count": len(page),
            "hasMore": offset + limit < len(ids),
            "items": [
                {"links": [{"rel": "self", "href": f"{href}/{i}"}], "id": str(i)} for i in page
            ],
            "offset": offset,
            "totalResults": len(ids),
        }
        return _json(payload, COLLECTION)

    if request.method == "POST":
        return await rest_api(request, "journalentry.create", create, is_write=True)
    return await rest_api(request, "journalentry.list", listing)


async def record_instance(request: web.Request) -> web.StreamResponse:
    """GET reads an entry by id or eid:; PUT upserts by eid:; DELETE removes by id or eid:."""
    rtype = request.match_info["rtype"]
    key = request.match_info["key"]
    store: Store = request.app[STORE_KEY]
    base = _base_url(request)

    def find(account_id: str) -> dict[str, Any] | None:
        if key.startswith("eid:"):
            return store.entry_by_external_id(account_id, key[4:])
        if key.isdigit():
            return store.entry(int(key), account_id)
        return None

    async def read(account_id: str, body: bytes) -> web.StreamResponse:
        if not _is_journal(rtype):
            return _unsupported_type(rtype)
        entry = find(account_id)
        if entry is None:
            return _not_found()
        # Reference: Oracle sections 1545141500/1545141947 (sublists expand on request).
        expand = request.query.get("expandSubResources", "").lower() == "true"
        payload = render_entry(entry, store.reference(account_id), base, expand)
        return _json(payload, SINGULAR)

    async def upsert(account_id: str, body: bytes) -> web.StreamResponse:
        if not _is_journal(rtype):
            return _unsupported_type(rtype)
        # Reference: Oracle "Using the Upsert Operation" (section_156335203191): eid: and PUT only.
        if not key.startswith("eid:") or len(key) <= 4:
            return error_response(
                400,
                "INVALID_PARAMETER",
                "The upsert operation requires an external ID in the URL (eid:<externalId>).",
                urlPath=request.path,
            )
        external_id = key[4:]
        try:
            raw = journal.parse_rest_body(_json_body(body))
            raw["externalId"] = external_id
            existing = store.entry_by_external_id(account_id, external_id)
            replace = "line" in request.query.get("replace", "").split(",")
            if existing is not None and not replace and raw["lines"]:
                # Reference: Oracle sections 1545295601/1545297048 (updates append lines to the
                # non-keyed line sublist unless ?replace=line).
                raw["lines"] = _stored_lines_as_raw(existing) + raw["lines"]
            elif existing is not None and not raw["lines"]:
                raw["lines"] = _stored_lines_as_raw(existing)
            if existing is not None:
                # NetSuite refuses to change a transaction whose period is closed or locked.
                refusal = journal.closed_period_error(
                    store.reference(account_id), existing.get("postingPeriod"), "update"
                )
                if refusal is not None:
                    raise refusal
                for field in ("memo", "tranDate", "tranId"):
                    if raw.get(field) is None:
                        raw[field] = existing.get(field)
                for field in journal.HEADER_REFS:
                    if raw.get(field) is None and existing.get(field) is not None:
                        raw[field] = {"id": str(existing[field])}
            entry = journal.validate(raw, store.reference(account_id))
        except JournalError as err:
            return journal_error_response(err)
        if existing is None:
            stored = store.insert_entry(account_id, entry)
            if stored is None:  # lost a race with another upsert; update instead
                existing = store.entry_by_external_id(account_id, external_id)
        if existing is not None:
            stored = store.replace_entry(existing["id"], entry)
        assert stored is not None
        location = f"{base}{RECORD_PREFIX}/journalentry/{stored['id']}"
        return web.Response(status=204, headers={"Location": location})

    async def remove(account_id: str, body: bytes) -> web.StreamResponse:
        if not _is_journal(rtype):
            return _unsupported_type(rtype)
        entry = find(account_id)
        if entry is None:
            return _not_found()
        refusal = journal.closed_period_error(
            store.reference(account_id), entry.get("postingPeriod"), "delete"
        )
        if refusal is not None:
            return journal_error_response(refusal)
        store.delete_entry(entry["id"])
        # Reference: Oracle "Deleting a Record Instance" (section_1545142287): 204, no body.
        return web.Response(status=204)

    if request.method == "PUT":
        return await rest_api(request, "journalentry.upsert", upsert, is_write=True)
    if request.method == "DELETE":
        return await rest_api(request, "journalentry.delete", remove, is_write=True)
    return await rest_api(request, "journalentry.get", read)


def _not_found() -> web.Response:
    # Reference: API-FACTS 3 (404 NONEXISTENT_ID body).
    return error_response(404, "NONEXISTENT_ID", "The record instance does not exist.")


def _json(payload: Any, content_type: str) -> web.Response:
    return web.Response(body=json.dumps(payload).encode(), headers={"Content-Type": content_type})


REF_RECORD = {
    "subsidiary": "subsidiary",
    "currency": "currency",
    "postingPeriod": "accountingperiod",
    "department": "department",
    "class": "classification",
    "location": "location",
    "account": "account",
    "entity": "vendor",
}


def render_entry(
    entry: dict[str, Any], ref: dict[str, Any], base: str, expand: bool
) -> dict[str, Any]:
    """Render a stored entry the way NetSuite's REST GET does."""
    href = f"{base}{RECORD_PREFIX}/journalentry/{entry['id']}"

    def reference(field: str, rid: int) -> dict[str, Any]:
        # Reference: Oracle section_1545141500 (references rendered as {links, id, refName}).
        link = f"{base}{RECORD_PREFIX}/{REF_RECORD[field]}/{rid}"
        return {
            "links": [{"rel": "self", "href": link}],
            "id": str(rid),
            "refName": journal.ref_name(ref, field, rid),
        }

    out: dict[str, Any] = {"links": [{"rel": "self", "href": href}]}
    out["approved"] = bool(entry.get("approved", True))
    out["createdDate"] = entry["createdDate"]
    for field in journal.HEADER_REFS:
        if entry.get(field) is not None:
            out[field] = reference(field, entry[field])
    out["exchangeRate"] = float(entry.get("exchangeRate") or 1)
    if entry.get("externalId"):
        out["externalId"] = entry["externalId"]
    out["id"] = str(entry["id"])
    out["lastModifiedDate"] = entry["lastModifiedDate"]
    if entry.get("memo"):
        out["memo"] = entry["memo"]
    out["tranDate"] = entry["tranDate"]
    out["tranId"] = entry["tranId"]
    line_href = f"{href}/line"
    lines: dict[str, Any] = {"links": [{"rel": "self", "href": line_href}]}
    if expand:
        items = []
        for line in entry["lines"]:
            item: dict[str, Any] = {
                "links": [{"rel": "self", "href": f"{line_href}/{line['line']}"}],
                "line": line["line"],
            }
            for field in journal.LINE_REFS:
                if line.get(field) is not None:
                    item[field] = reference(field, line[field])
            for amount in ("debit", "credit"):
                if line.get(amount) is not None:
                    item[amount] = float(line[amount])
            if line.get("memo"):
                item["memo"] = line["memo"]
            items.append(item)
        lines.update(
            items=items, totalResults=len(items), count=len(items), hasMore=False, offset=0
        )
    out["line"] = lines
    return out


# --- SuiteQL -----------------------------------------------------------------------------


async def suiteql_query(request: web.Request) -> web.StreamResponse:
    """POST /services/rest/query/v1/suiteql: run a whitelisted SELECT against the state."""
    store: Store = request.app[STORE_KEY]
    base = _base_url(request)

    async def run(account_id: str, body: bytes) -> web.StreamResponse:
        # Reference: Oracle section_158394344595 (Prefer: transient is required).
        if "transient" not in request.headers.get("Prefer", "").lower():
            return error_response(
                400,
                "INVALID_HEADER",
                "The Prefer header must be set to 'transient' for SuiteQL queries.",
                errorHeader="Prefer",
            )
        try:
            payload = json.loads(body or b"null")
            query = payload.get("q") if isinstance(payload, dict) else None
            if not isinstance(query, str) or not query.strip():
                raise suiteql.SuiteQLError("The request body must contain a query in 'q'.", "q")
            limit, offset = suiteql.paging(request.query)
            rows = suiteql.execute(query, suiteql.tables(store, account_id))
        except ValueError:
            return error_response(400, "INVALID_CONTENT", "The request body is not valid JSON.")
        except suiteql.SuiteQLError as err:
            return error_response(400, "INVALID_PARAMETER", err.detail, errorQueryParam=err.param)
        href = f"{base}/services/rest/query/v1/suiteql"
        return _json(suiteql.page(rows, href, limit, offset), COLLECTION)

    return await rest_api(request, "suiteql", run, api="suiteql")


# --- SOAP --------------------------------------------------------------------------------


async def soap_endpoint(request: web.Request) -> web.StreamResponse:
    """POST /services/NetSuitePort_2023_2: add/addList/upsert/upsertList of JournalEntry."""
    sandbox: Sandbox = request.app[SANDBOX_KEY]
    store = sandbox.store
    body = await request.read()
    try:
        call = soap.parse_request(body)
    except soap.SoapRequestError as err:
        return soap.client_fault(str(err))
    account_id = call.passport.get("account")
    # Reference: API-FACTS 2.2 (passport account in realm form, case-sensitive).
    if (
        not account_id
        or account_id != canonical_realm(account_id)
        or not store.account_exists(account_id)
    ):
        account_id = None

    def authenticate() -> None:
        assert account_id is not None
        creds = store.credentials(
            account_id, call.passport.get("consumerKey", ""), call.passport.get("token", "")
        )
        if creds is None:
            raise AuthError("unknown consumer key or token for this account")
        soap.verify(call, creds, sandbox.nonces)

    async def run(decision: Decision) -> web.StreamResponse:
        assert account_id is not None
        return soap.perform(call, store, account_id)

    def server_error(decision: Decision) -> web.StreamResponse:
        if decision.error_status == 500:
            return soap.unexpected_error_fault(decision.error_id)
        return edge_error(decision)

    return await sandbox.governed(
        request,
        api="soap",
        account_id=account_id,
        authenticate=authenticate,
        handler=run,
        refuse=soap.concurrency_fault,
        server_error=server_error,
        operation=call.operation,
        is_write=True,
    )


async def wsdl_document(request: web.Request) -> web.StreamResponse:
    """GET the WSDL (or a schema it imports) at NetSuite's path; no login, as on NetSuite."""
    body = wsdl.document(request.path, _base_url(request))
    if body is None:
        raise web.HTTPNotFound()
    return web.Response(body=body, content_type="text/xml", charset="utf-8")


# --- UI ----------------------------------------------------------------------------------


async def journal_page(request: web.Request) -> web.StreamResponse:
    """GET /app/accounting/transactions/journal.nl?id=N: a read-only view of one entry."""
    store: Store = request.app[STORE_KEY]
    # Reference: API-FACTS 6 (deep link /app/accounting/transactions/journal.nl?id=<internalId>).
    raw_id = request.query.get("id", "")
    entry = store.entry(int(raw_id)) if raw_id.isdigit() else None
    if entry is None:
        page = "<h1>Record Not Found</h1><p>That record does not exist.</p>"
        return web.Response(status=404, text=_html_page("Journal", page), content_type="text/html")
    ref = store.reference(entry["account_id"])
    esc = html.escape

    def name(field: str, rid: int | None) -> str:
        return esc(journal.ref_name(ref, field, rid)) if rid is not None else ""

    rows = []
    for line in entry["lines"]:
        rows.append(
            "<tr>"
            + f"<td>{name('account', line['account'])}</td>"
            + f"<td class=num>{esc(line['debit'] or '')}</td>"
            + f"<td class=num>{esc(line['credit'] or '')}</td>"
            + f"<td>{esc(line.get('memo') or '')}</td>"
            + f"<td>{name('entity', line.get('entity'))}</td>"
            + f"<td>{name('department', line.get('department'))}</td>"
            + f"<td>{name('class', line.get('class'))}</td>"
            + f"<td>{name('location', line.get('location'))}</td>"
            + "</tr>"
        )
    header = [
        ("Account", entry["account_id"]),
        ("Entry No.", entry["tranId"]),
        ("Internal ID", str(entry["id"])),
        ("External ID", entry.get("externalId") or ""),
        ("Date", entry["tranDate"]),
        ("Posting Period", journal.ref_name(ref, "postingPeriod", entry["postingPeriod"])),
        ("Subsidiary", journal.ref_name(ref, "subsidiary", entry["subsidiary"])),
        ("Currency", journal.ref_name(ref, "currency", entry["currency"])),
        ("Memo", entry.get("memo") or ""),
        ("Created", entry["createdDate"]),
        ("Last Modified", entry["lastModifiedDate"]),
    ]
    body = (
        f"<h1>Journal Entry {esc(entry['tranId'])}</h1>"
        "<p class=note>NetSuite sandbox simulator: not a real NetSuite account.</p><dl>"
        + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in header)
        + "</dl><table><thead><tr><th>Account</th><th>Debit</th><th>Credit</th><th>Memo</th>"
        "<th>Name</th><th>Department</th><th>Class</th><th>Location</th></tr></thead><tbody>"
        + "".join(rows)
        + f"</tbody><tfoot><tr><td>Total</td><td class=num>{esc(entry['totalDebit'])}</td>"
        f"<td class=num>{esc(entry['totalDebit'])}</td><td colspan=5></td></tr></tfoot></table>"
    )
    title = f"Journal Entry {entry['tranId']}"
    return web.Response(text=_html_page(title, body), content_type="text/html")


def _html_page(title: str, body: str) -> str:
    style = (
        "body{font-family:sans-serif;margin:2em}dl{display:grid;grid-template-columns:10em auto}"
        "dt{font-weight:bold}table{border-collapse:collapse;margin-top:1em}"
        "td,th{border:1px solid #ccc;padding:4px 8px}.num{text-align:right}.note{color:#666}"
    )
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>{body}</body></html>"
    )


# --- Admin (/_sandbox) -------------------------------------------------------------------


@web.middleware
async def arrival(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Note when the request arrived: its latency is counted from here."""
    request[ARRIVED_KEY] = time.monotonic()
    return await handler(request)


@web.middleware
async def loopback_only(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Refuse /_sandbox calls that do not come from the loopback interface."""
    if request.path.startswith("/_sandbox"):
        try:
            loopback = ipaddress.ip_address(request.remote or "").is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return web.json_response({"error": "admin endpoints are loopback-only"}, status=403)
    return await handler(request)


async def _admin_json(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(
            text='{"error": "body must be a JSON object"}', content_type="application/json"
        )
    return data


def _admin_account(request: web.Request) -> str:
    account_id = request.match_info["account"]
    if not request.app[STORE_KEY].account_exists(account_id):
        raise web.HTTPNotFound(
            text=json.dumps({"error": f"no account {account_id}"}), content_type="application/json"
        )
    return account_id


async def admin_health(request: web.Request) -> web.StreamResponse:
    """Liveness probe used by the testing helper."""
    return web.json_response({"ok": True, "accounts": request.app[STORE_KEY].list_accounts()})


async def admin_create_account(request: web.Request) -> web.StreamResponse:
    """Create an account (or a new token for it) and return its secrets once."""
    data = await _admin_json(request)
    account_id = str(data.get("account_id") or data.get("account") or "")
    if not account_id or account_id != canonical_realm(account_id):
        return web.json_response(
            {"error": "account_id must be a NetSuite account id in realm form, e.g. 1234567_SB1"},
            status=400,
        )
    fixture = Path(data["fixture"]) if data.get("fixture") else None
    limit = int(data["concurrency_limit"]) if data.get("concurrency_limit") else None
    store: Store = request.app[STORE_KEY]
    creds = store.create_account(account_id, fixture=fixture, concurrency_limit=limit)
    return web.json_response(creds, status=201)


async def admin_account(request: web.Request) -> web.StreamResponse:
    """Describe an account: limit, faults, counts."""
    account_id = _admin_account(request)
    sandbox: Sandbox = request.app[SANDBOX_KEY]
    state = sandbox.state(account_id)
    return web.json_response(
        {
            "account_id": account_id,
            "concurrency_limit": sandbox.store.concurrency_limit(account_id),
            "faults": state.faults.to_dict(),
            "entries": len(sandbox.store.entries(account_id)),
            "requests": state.total,
            "inflight": state.inflight,
        }
    )


async def admin_faults(request: web.Request) -> web.StreamResponse:
    """GET shows, PUT replaces the account's fault knobs (and concurrency_limit)."""
    account_id = _admin_account(request)
    sandbox: Sandbox = request.app[SANDBOX_KEY]
    state = sandbox.state(account_id)
    if request.method == "PUT":
        data = await _admin_json(request)
        limit = data.pop("concurrency_limit", None)
        try:
            faults = Faults.from_dict(data)
        except (TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        state.set_faults(faults)
        if limit is not None:
            sandbox.store.set_concurrency_limit(account_id, int(limit))
    return web.json_response(
        dict(
            state.faults.to_dict(),
            concurrency_limit=sandbox.store.concurrency_limit(account_id),
        )
    )


async def admin_entries(request: web.Request) -> web.StreamResponse:
    """List the account's journal entries, optionally by external_id."""
    account_id = _admin_account(request)
    store: Store = request.app[STORE_KEY]
    external_id = request.query.get("external_id")
    if external_id is not None:
        entry = store.entry_by_external_id(account_id, external_id)
        items = [entry] if entry else []
    else:
        items = store.entries(account_id)
    return web.json_response({"count": len(items), "items": items})


async def admin_post_entry(request: web.Request) -> web.StreamResponse:
    """Enter a journal as a NetSuite user would in the UI (usually without an external ID)."""
    account_id = _admin_account(request)
    store: Store = request.app[STORE_KEY]
    try:
        raw = journal.parse_rest_body(await _admin_json(request))
        entry = journal.validate(raw, store.reference(account_id))
    except JournalError as err:
        return journal_error_response(err)
    stored = store.insert_entry(account_id, entry)
    if stored is None:
        return web.json_response({"error": "an entry with this externalId exists"}, status=400)
    return web.json_response(stored, status=201)


async def admin_edit_entry(request: web.Request) -> web.StreamResponse:
    """Edit a stored journal's lines in place, as a user saving it in the UI: line IDs stay,
    its last-modified date moves, and the journal must still balance."""
    account_id = _admin_account(request)
    store: Store = request.app[STORE_KEY]
    entry = store.entry(int(request.match_info["id"]), account_id)
    if entry is None:
        return web.json_response({"error": "no such entry"}, status=404)
    data = await _admin_json(request)
    lines = {line["line"]: line for line in entry["lines"]}
    for change in data.get("lines") or []:
        line = lines.get(change.get("line"))
        if line is None:
            return web.json_response({"error": f"no line {change.get('line')}"}, status=400)
        for field in ("account", "debit", "credit", "memo"):
            if field in change:
                line[field] = change[field]
    debits = sum(Decimal(line["debit"] or 0) for line in lines.values())
    credits = sum(Decimal(line["credit"] or 0) for line in lines.values())
    if debits != credits:
        # The same refusal the REST API gives an unbalanced journal (journal.validate).
        message = (
            f"The journal entry is out of balance: debits {debits} do not equal credits {credits}."
        )
        return error_response(400, "USER_ERROR", message)
    entry.pop("account_id", None)
    return web.json_response(store.replace_entry(entry["id"], entry))


async def admin_requests(request: web.Request) -> web.StreamResponse:
    """Return the account's request counters and recent log."""
    account_id = _admin_account(request)
    state = request.app[SANDBOX_KEY].state(account_id)
    limit = int(request.query.get("limit", "100"))
    return web.json_response(
        {
            "total": state.total,
            "by_outcome": dict(state.outcomes),
            "refused_concurrency": state.outcomes.get("refused_concurrency", 0),
            "inflight": state.inflight,
            "max_inflight": state.max_inflight,
            "recent": list(state.log)[-limit:] if limit > 0 else [],
        }
    )


async def admin_reference(request: web.Request) -> web.StreamResponse:
    """PATCH one reference record (e.g. close a period, inactivate a department)."""
    account_id = _admin_account(request)
    store: Store = request.app[STORE_KEY]
    rtype = request.match_info["rtype"]
    record_id = int(request.match_info["rid"])
    data = await _admin_json(request)
    updated = store.update_reference(account_id, rtype, record_id, data)
    if updated is None:
        return web.json_response({"error": f"no {rtype} {record_id}"}, status=404)
    return web.json_response(updated)


async def admin_reset_account(request: web.Request) -> web.StreamResponse:
    """Delete the account's entries, clear its log and faults."""
    account_id = _admin_account(request)
    sandbox: Sandbox = request.app[SANDBOX_KEY]
    deleted = sandbox.store.delete_entries(account_id)
    state = sandbox.state(account_id)
    state.clear_log()
    state.set_faults(Faults.from_dict(sandbox.default_faults))
    return web.json_response({"deleted_entries": deleted})


async def admin_reset_all(request: web.Request) -> web.StreamResponse:
    """Delete every account's entries and clear every log, fault and nonce."""
    sandbox: Sandbox = request.app[SANDBOX_KEY]
    deleted = sandbox.store.delete_entries()
    for state in sandbox.states.values():
        state.clear_log()
        state.set_faults(Faults.from_dict(sandbox.default_faults))
    sandbox.nonces.clear()
    return web.json_response({"deleted_entries": deleted})


def make_app(store: Store, default_faults: dict[str, Any] | None = None) -> web.Application:
    """Build the application around a store."""
    app = web.Application(
        middlewares=[arrival, loopback_only, drop_middleware], client_max_size=110 << 20
    )
    app[STORE_KEY] = store
    app[SANDBOX_KEY] = Sandbox(store, default_faults)
    r = app.router
    r.add_route("POST", RECORD_PREFIX + "/{rtype}", record_collection)
    r.add_route("GET", RECORD_PREFIX + "/{rtype}", record_collection)
    r.add_route("GET", RECORD_PREFIX + "/{rtype}/{key}", record_instance)
    r.add_route("PUT", RECORD_PREFIX + "/{rtype}/{key}", record_instance)
    r.add_route("DELETE", RECORD_PREFIX + "/{rtype}/{key}", record_instance)
    r.add_route("POST", "/services/rest/query/v1/suiteql", suiteql_query)
    r.add_route("POST", "/services/NetSuitePort_2023_2", soap_endpoint)
    for path in wsdl.DOCUMENTS:
        r.add_route("GET", path, wsdl_document)
    r.add_route("GET", "/app/accounting/transactions/journal.nl", journal_page)
    r.add_route("GET", "/app/accounting/transactions/transaction.nl", journal_page)
    r.add_route("GET", "/_sandbox/health", admin_health)
    r.add_route("POST", "/_sandbox/accounts", admin_create_account)
    r.add_route("GET", "/_sandbox/accounts/{account}", admin_account)
    r.add_route("GET", "/_sandbox/accounts/{account}/faults", admin_faults)
    r.add_route("PUT", "/_sandbox/accounts/{account}/faults", admin_faults)
    r.add_route("GET", "/_sandbox/accounts/{account}/entries", admin_entries)
    r.add_route("POST", "/_sandbox/accounts/{account}/entries", admin_post_entry)
    r.add_route("PATCH", "/_sandbox/accounts/{account}/entries/{id:\\d+}", admin_edit_entry)
    r.add_route("GET", "/_sandbox/accounts/{account}/requests", admin_requests)
    r.add_route("PATCH", "/_sandbox/accounts/{account}/reference/{rtype}/{rid}", admin_reference)
    r.add_route("POST", "/_sandbox/accounts/{account}/reset", admin_reset_account)
    r.add_route("POST", "/_sandbox/reset", admin_reset_all)
    return app
