"""`manage.py lease_schedule INPUT.json`: lease terms in, measurement/schedule/journal out."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from leases.engine.transition_json import run  # jsonio.run, plus the go_live block


class Command(BaseCommand):
    help = (
        "Print the initial measurement, monthly schedule and journal lines for one lease "
        "described in JSON (see docs/lease_schedule_json.md). Never touches the database."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:  # noqa: ANN001 - Django's argparse parser
        parser.add_argument("input", help="path to the JSON input, or - for stdin")
        parser.add_argument(
            "--full-precision",
            action="store_true",
            help="also print the unrounded schedule",
        )

    def handle(self, *args, **options) -> None:
        source = options["input"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {source}: {exc.strerror}") from exc
        try:
            # Decimal parsing keeps exact rates and amounts even if someone sends JSON numbers.
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{source} is not valid JSON: {exc}") from exc
        if isinstance(data, dict):
            data = _decimals_to_str(data)
        result = run(data, full_precision=options["full_precision"])
        self.stdout.write(json.dumps(result, indent=2))
        if "errors" in result:
            raise CommandError("The lease terms are not valid; see the errors above.")


def _decimals_to_str(value):  # noqa: ANN001, ANN202 - recursive JSON walk
    """JSON numbers parsed as Decimal become strings, which the engine reads exactly."""
    if isinstance(value, dict):
        return {k: _decimals_to_str(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals_to_str(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value
