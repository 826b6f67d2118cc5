"""Key rotation with several keys in CREDENTIALS_ENCRYPTION_KEYS: every secret moves to the newest
key, all or nothing."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from integrations.crypto import CredentialDecryptionError, decrypt_secret
from integrations.models import SECRET_FIELDS, NetSuiteConnection
from integrations.services.connection import connection_save
from tests.factories import make_company

OLD, OLDER, NEW = (Fernet.generate_key().decode() for _ in range(3))


def stored(company, keys, settings, letter: str) -> dict[str, str]:
    settings.CREDENTIALS_ENCRYPTION_KEYS = keys
    secrets = {name: f"{letter}{i}" * 20 for i, name in enumerate(SECRET_FIELDS)}
    connection_save(
        company=company,
        actor=None,
        account_id="1234567",
        secrets=secrets,
        transport="rest",
        concurrency_limit=4,
        enabled=True,
    )
    return secrets


def readable_with(keys, settings) -> dict[str, dict[str, str]]:
    settings.CREDENTIALS_ENCRYPTION_KEYS = keys
    return {
        c.company.name: {n: decrypt_secret(getattr(c, f"{n}_encrypted")) for n in SECRET_FIELDS}
        for c in NetSuiteConnection.objects.select_related("company")
    }


def test_rotation_moves_every_secret_to_the_newest_key(db, settings, capsys):
    acme, globex = make_company("Acme"), make_company("Globex")
    acme_secrets = stored(acme, [OLDER], settings, "a")
    globex_secrets = stored(globex, [OLD, OLDER], settings, "g")
    settings.CREDENTIALS_ENCRYPTION_KEYS = [NEW, OLD, OLDER]
    with pytest.raises(CommandError, match="Acme, Globex"):
        call_command("rotate_credentials", "--check")

    call_command("rotate_credentials")

    assert "Re-encrypted 8 secrets of 2 NetSuite connections" in capsys.readouterr().out
    call_command("rotate_credentials", "--check")
    # The old keys can go: the newest alone reads everything, and the old ones nothing.
    assert readable_with([NEW], settings) == {"Acme": acme_secrets, "Globex": globex_secrets}
    with pytest.raises(CredentialDecryptionError):
        readable_with([OLD, OLDER], settings)
    assert AuditEvent.objects.filter(action="integration.keys_rotated").count() == 2
    events = AuditEvent.objects.filter(action="integration.keys_rotated")
    assert all(
        s not in str(e.before) + str(e.after) + e.note
        for e in events
        for s in acme_secrets.values()
    )


def test_a_secret_no_key_can_read_stops_the_rotation_and_changes_nothing(db, settings):
    stored(make_company("Acme"), [OLD], settings, "a")
    stored(make_company("Globex"), [OLDER], settings, "g")
    before = list(NetSuiteConnection.objects.order_by("pk").values())
    settings.CREDENTIALS_ENCRYPTION_KEYS = [NEW, OLD]  # OLDER was dropped too early

    with pytest.raises(CommandError, match="Globex cannot be decrypted"):
        call_command("rotate_credentials")

    assert list(NetSuiteConnection.objects.order_by("pk").values()) == before
    assert not AuditEvent.objects.filter(action="integration.keys_rotated").exists()
