"""Encryption of stored credentials: Fernet with key rotation (the first key encrypts)."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialDecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.CREDENTIALS_ENCRYPTION_KEYS])


def encrypt_secret(plain: str) -> str:
    """Encrypt a secret for storage."""
    return _fernet().encrypt(plain.encode()).decode()


def decrypt_secret(token: str) -> str:
    """Decrypt a stored secret with whichever configured key encrypted it."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise CredentialDecryptionError(
            "The stored NetSuite credentials cannot be decrypted with the configured "
            "CREDENTIALS_ENCRYPTION_KEYS. Restore the key that encrypted them, or enter the "
            "credentials again."
        ) from None


def reencrypt_secret(token: str) -> str:
    """Re-encrypt a stored secret under the first (newest) key."""
    return _fernet().rotate(token.encode()).decode()
