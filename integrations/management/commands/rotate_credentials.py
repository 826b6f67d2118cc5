"""Re-encrypt every stored NetSuite secret under the newest key in CREDENTIALS_ENCRYPTION_KEYS.

Rotate a key in three steps: put the new key first (keep the old ones after it) and restart;
run `manage.py rotate_credentials`; once `manage.py rotate_credentials --check` reports nothing
left, remove the old key and restart again.
"""

from django.core.management.base import BaseCommand, CommandError

from integrations.crypto import CredentialDecryptionError
from integrations.services.keys import credentials_rotate, secrets_not_under_newest_key


class Command(BaseCommand):
    help = "Re-encrypt every stored NetSuite secret under the newest configured key."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; fail if a stored secret still needs an older key.",
        )

    def handle(self, *args, check: bool = False, **options):
        if check:
            behind = secrets_not_under_newest_key()
            if behind:
                raise CommandError(
                    "Still encrypted under an older key: " + ", ".join(behind) + ". "
                    "Run manage.py rotate_credentials."
                )
            self.stdout.write("Every stored secret is encrypted under the newest key.")
            return
        try:
            result = credentials_rotate()
        except CredentialDecryptionError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Re-encrypted {result.secrets} secrets of {result.connections} NetSuite "
            "connections under the newest key. Once `rotate_credentials --check` passes, the "
            "older keys can be removed from CREDENTIALS_ENCRYPTION_KEYS."
        )
