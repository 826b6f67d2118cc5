"""Load the demo company and print how to sign in."""

from django.conf import settings
from django.core.management.base import BaseCommand

from occupier.demo import PERSONAS, demo_load


class Command(BaseCommand):
    help = "Create the demo company, users and data (safe to run again) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sandbox-url",
            default="",
            help="The NetSuite simulator's address (default NETSUITE_SANDBOX_URL).",
        )

    def handle(self, *args, sandbox_url: str = "", **options):
        url = sandbox_url or settings.NETSUITE_SANDBOX_URL or "http://127.0.0.1:8765"
        result = demo_load(sandbox_url=url.rstrip("/"))
        out = self.stdout
        out.write(self.style.SUCCESS(f"Demo company: {result.company.name}"))
        out.write(f"NetSuite simulator: {url} — {result.connection_message}")
        out.write("Sign in as any of these people:")
        for username, full_name, _, purpose in PERSONAS:
            out.write(
                f"  {username:<8} password {result.passwords[username]:<16} {full_name}: {purpose}"
            )
