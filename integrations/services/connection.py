"""The NetSuite connection: saving credentials (encrypted, audited) and building a client."""

from __future__ import annotations

from dataclasses import dataclass

import redis
import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from integrations.crypto import decrypt_secret, encrypt_secret
from integrations.models import SECRET_FIELDS, NetSuiteConnection
from integrations.netsuite.client import NetSuiteClient
from integrations.netsuite.credentials import NetSuiteCredentials
from integrations.netsuite.errors import NetSuiteError
from integrations.netsuite.hosts import AddressNotAllowedError, check_base_url
from integrations.netsuite.limiter import LocalConcurrencyLimiter, RedisConcurrencyLimiter
from integrations.netsuite.retry import RetryPolicy
from integrations.setup_guide import likely_missing_step

# One in-process limiter per limit value, for the embedded profile where there is no Redis.
_local_limiters: dict[int, LocalConcurrencyLimiter] = {}


def connection_for_company(company) -> NetSuiteConnection:
    """The company's connection, or an unsaved empty one."""
    found = NetSuiteConnection.objects.filter(company=company).first()
    return found or NetSuiteConnection(company=company)


def connection_credentials(
    connection: NetSuiteConnection, replacements: dict[str, str] | None = None
) -> NetSuiteCredentials:
    """Credentials from the stored (decrypted) secrets, with any newly typed ones instead."""
    replacements = replacements or {}
    values = {}
    for name in SECRET_FIELDS:
        typed = replacements.get(name, "")
        stored = getattr(connection, f"{name}_encrypted")
        values[name] = typed or (decrypt_secret(stored) if stored else "")
    return NetSuiteCredentials.from_input(
        account_id=replacements.get("account_id") or connection.account_id, **values
    )


def concurrency_limiter(limit: int):
    """The limiter shared by every worker: Redis when configured, else in-process."""
    if settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL)
        # A slot outlives the longest request (SOAP waits up to 120 s) by a margin, and no more:
        # a worker killed mid-request holds its slot until the lease expires.
        longest_request = max(settings.NETSUITE_HTTP_TIMEOUT_SECONDS, 120)
        return RedisConcurrencyLimiter(client, limit=limit, lease_s=longest_request + 15)
    return _local_limiters.setdefault(limit, LocalConcurrencyLimiter(limit))


def allowed_base_url(url: str) -> str:
    """The override if NetSuite's or the server's simulator; else AddressNotAllowedError."""
    return check_base_url(url, simulator_urls=[settings.NETSUITE_SANDBOX_URL]) if url else ""


class _RefusingSession(requests.Session):
    """Sends nothing: each request raises AddressNotAllowedError."""

    def __init__(self, detail: str) -> None:
        super().__init__()
        self.detail = detail

    def request(self, *args, **kwargs):
        raise AddressNotAllowedError(self.detail)

    def send(self, *args, **kwargs):
        # The REST client prepares and signs its requests itself, then only sends them.
        raise AddressNotAllowedError(self.detail)


def netsuite_client(
    connection: NetSuiteConnection, credentials: NetSuiteCredentials | None = None, **overrides
):
    """A client for the connection's account and transport."""
    credentials = credentials or connection_credentials(connection)
    try:
        # Checked again here, so a stored address that is no longer allowed gets nothing.
        base_url = allowed_base_url(connection.base_url) or None
    except AddressNotAllowedError as refused:
        # Every request of this client fails with the reason instead (a sync records it).
        base_url = None
        overrides["session"] = _RefusingSession(refused.detail)
    options = {
        "base_url": base_url,
        "timeout_s": settings.NETSUITE_HTTP_TIMEOUT_SECONDS,
        "retry_policy": RetryPolicy(base_delay_s=settings.NETSUITE_RETRY_BASE_DELAY_MS / 1000),
        "limiter": concurrency_limiter(connection.concurrency_limit),
        **overrides,
    }
    return NetSuiteClient(
        credentials,
        transport=connection.transport,
        wsdl=settings.NETSUITE_WSDL or None,  # None: the account's own WSDL
        wsdl_cache_dir=settings.VAR_DIR / "cache",
        **options,
    )


@dataclass(frozen=True)
class VerifyOutcome:
    ok: bool
    message: str
    corrective_action: str = ""
    # The step of the NetSuite setup guide most likely missing (integrations.setup_guide).
    likely_step: int | None = None


def connection_verify(
    connection: NetSuiteConnection, credentials: NetSuiteCredentials, **client_overrides
) -> VerifyOutcome:
    """Make the cheap test call and say, in words, whether the credentials and role work."""
    try:
        result = netsuite_client(connection, credentials, **client_overrides).verify_connection()
    except NetSuiteError as error:
        # The words speak of the credentials just entered, not the stored ones.
        context = {"account_id": credentials.realm, "entered": True}
        return VerifyOutcome(
            False,
            error.user_message(context),
            error.corrective_action(context),
            likely_missing_step(error),
        )
    kind = credentials.account.kind_label
    detail = result.detail.rstrip(".")
    message = f"Connected to NetSuite {kind} account {credentials.realm}. {detail}."
    return VerifyOutcome(True, message)


@transaction.atomic
def connection_save(
    *,
    company,
    actor,
    account_id: str,
    secrets: dict[str, str],
    transport: str,
    concurrency_limit: int,
    enabled: bool,
    base_url: str = "",
    verify: VerifyOutcome | None = None,
) -> NetSuiteConnection:
    """Store the connection; blank secrets keep the stored ones. Audited, never with a secret."""
    connection = NetSuiteConnection.objects.select_for_update().filter(
        company=company
    ).first() or NetSuiteConnection(company=company)
    before = _audit_view(connection) if connection.pk else {}
    connection.account_id = account_id
    changed_secrets = []
    for name, value in secrets.items():
        if value:
            setattr(connection, f"{name}_encrypted", encrypt_secret(value))
            setattr(connection, f"{name}_hint", value[-4:])
            changed_secrets.append(name)
    connection.transport = transport
    connection.concurrency_limit = concurrency_limit
    connection.enabled = enabled
    connection.base_url = allowed_base_url(base_url)
    connection.updated_by = actor
    if verify is not None:
        connection.verified_at = timezone.now()
        connection.last_verify_ok = verify.ok
        connection.last_verify_message = verify.message
    connection.save()
    after = _audit_view(connection)
    audit_record(
        company=company,
        actor=actor,
        action="integration.settings",
        subject=connection,
        before=before,
        after=after,
        note=("Replaced: " + ", ".join(changed_secrets)) if changed_secrets else "",
    )
    return connection


def _audit_view(connection: NetSuiteConnection) -> dict:
    """What the audit log may keep of a connection: no secret, not even its hint."""
    return {
        "enabled": connection.enabled,
        "account_id": connection.account_id,
        "transport": connection.transport,
        "concurrency_limit": connection.concurrency_limit,
        "base_url": connection.base_url,
        "last_verify_ok": connection.last_verify_ok,
    }


@transaction.atomic
def sync_settings_save(*, company, actor, removal_method: str, notify_emails: str):
    """A company admin's sync choices (how removals are made, who is emailed); audited."""
    connection = NetSuiteConnection.objects.select_for_update().filter(
        company=company
    ).first() or NetSuiteConnection(company=company)
    before = {
        "removal_method": connection.removal_method,
        "notify_emails": connection.notify_emails,
    }
    connection.removal_method = removal_method
    connection.notify_emails = notify_emails
    connection.save()
    audit_record(
        company=company,
        actor=actor,
        action="integration.sync_settings",
        subject=connection,
        before=before,
        after={"removal_method": removal_method, "notify_emails": notify_emails},
    )
    return connection
