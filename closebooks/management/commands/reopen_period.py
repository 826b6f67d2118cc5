"""Reopen the latest closed period from a script (company admins only, with a reason)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from closebooks.management.commands._common import add_arguments, resolve
from closebooks.services import period_reopen


class Command(BaseCommand):
    help = "Reopen a company's most recent closed period; needs a company admin and a reason."

    def add_arguments(self, parser) -> None:
        add_arguments(parser)
        parser.add_argument("--reason", required=True, help="Why the period is reopened.")

    def handle(self, *args, **options) -> None:
        period, membership = resolve(options)
        try:
            period_reopen(period=period, actor=membership.user, reason=options["reason"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"Reopened {period.label}.")
