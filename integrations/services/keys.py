"""Key rotation: re-encrypt every stored NetSuite secret under the newest configured key."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction

from audit.services import audit_record
from integrations.crypto import CredentialDecryptionError, reencrypt_secret
from integrations.models import SECRET_FIELDS, NetSuiteConnection


@dataclass(frozen=True)
class RotationResult:
    connections: int
    secrets: int


def _encrypted_fields(connection: NetSuiteConnection) -> list[str]:
    return [f"{n}_encrypted" for n in SECRET_FIELDS if getattr(connection, f"{n}_encrypted")]


@transaction.atomic
def credentials_rotate(*, actor=None) -> RotationResult:
    """Re-encrypt every secret with the first key; all or nothing, audited per connection."""
    connections = secrets = 0
    for connection in NetSuiteConnection.objects.select_for_update().select_related("company"):
        fields = _encrypted_fields(connection)
        if not fields:
            continue
        for field in fields:
            try:
                setattr(connection, field, reencrypt_secret(getattr(connection, field)))
            except InvalidToken:
                raise CredentialDecryptionError(
                    f"The NetSuite {field.removesuffix('_encrypted').replace('_', ' ')} of "
                    f"{connection.company} cannot be decrypted with any key in "
                    "CREDENTIALS_ENCRYPTION_KEYS. Add the key that encrypted it (after the new "
                    "one) and run the rotation again; nothing was changed."
                ) from None
        connection.save(update_fields=[*fields, "updated_at"])
        audit_record(
            company=connection.company,
            actor=actor,
            action="integration.keys_rotated",
            subject=connection,
            note=f"{len(fields)} stored secrets re-encrypted under the newest key.",
        )
        connections += 1
        secrets += len(fields)
    return RotationResult(connections=connections, secrets=secrets)


def secrets_not_under_newest_key() -> list[str]:
    """Companies whose stored secrets the newest key alone cannot read (rotation still owed)."""
    newest = Fernet(settings.CREDENTIALS_ENCRYPTION_KEYS[0].encode())
    behind = []
    for connection in NetSuiteConnection.objects.select_related("company"):
        for field in _encrypted_fields(connection):
            try:
                newest.decrypt(getattr(connection, field).encode())
            except InvalidToken:
                behind.append(str(connection.company))
                break
    return behind
