"""Arguments shared by the close and reopen commands."""

from __future__ import annotations

from datetime import date, datetime

from django.core.management.base import CommandError

from closebooks.models import AccountingPeriod
from closebooks.services import periods_ensure
from companies.models import Company, Membership


def add_arguments(parser) -> None:
    parser.add_argument("--company", required=True, help="Company slug or id.")
    parser.add_argument("--period", required=True, help="Month as YYYY-MM, e.g. 2026-01.")
    parser.add_argument("--user", required=True, help="Username recorded as the actor.")


def resolve(options) -> tuple[AccountingPeriod, Membership]:
    """The period and the acting member named on the command line, or a readable error."""
    value = options["company"]
    lookup = {"pk": int(value)} if value.isdigit() else {"slug": value}
    company = Company.objects.filter(**lookup).first()
    if company is None:
        raise CommandError(f"No company {value!r}.")
    try:
        start: date = datetime.strptime(options["period"], "%Y-%m").date()
    except ValueError as error:
        raise CommandError("--period must look like 2026-01.") from error
    membership = (
        Membership.objects.filter(company=company, user__username=options["user"])
        .select_related("user")
        .first()
    )
    if membership is None:
        raise CommandError(f"{options['user']!r} is not a member of {company}.")
    periods_ensure(company=company)
    period = AccountingPeriod.objects.filter(company=company, start=start).first()
    if period is None:
        raise CommandError(f"{company} has no period {start:%b %Y}.")
    return period, membership
