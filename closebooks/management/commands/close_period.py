"""Close one period from a script: python manage.py close_period --company acme --period 2026-01."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from closebooks.management.commands._common import add_arguments, resolve
from closebooks.services import period_close
from companies.models import Permission


class Command(BaseCommand):
    help = "Close a company's accounting period and freeze its journal entries."

    def add_arguments(self, parser) -> None:
        add_arguments(parser)

    def handle(self, *args, **options) -> None:
        period, membership = resolve(options)
        if not membership.has(Permission.LEASE_ACCOUNTING):
            raise CommandError(f"{membership.user} may not close periods (no lease accounting).")
        try:
            entries = period_close(period=period, actor=membership.user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"Closed {period.label}: {len(entries)} journal entries.")
