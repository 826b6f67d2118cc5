"""close_period and reopen_period for teams that script their close."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from closebooks.models import AccountingPeriod, JournalEntry


def run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def test_close_then_reopen_from_the_command_line(books):
    slug = books.company.slug

    assert run("close_period", "--company", slug, "--period", "2026-01", "--user", "amy") == (
        "Closed Jan 2026: 3 journal entries.\n"
    )
    jan = AccountingPeriod.objects.get(company=books.company, start="2026-01-01")
    assert (jan.status, JournalEntry.objects.filter(period=jan).count()) == ("closed", 3)

    out = run(
        "reopen_period",
        "--company",
        str(books.company.pk),
        "--period",
        "2026-01",
        "--user",
        "alice",
        "--reason",
        "Late rent step",
    )
    assert out == "Reopened Jan 2026.\n"
    jan.refresh_from_db()
    assert (jan.status, jan.reopen_reason) == ("open", "Late rent step")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026-02", "--user", "amy"], "Close Jan 2026 first"),
        (["--period", "2026-01", "--user", "olivia"], "may not close periods"),
        (["--period", "2026-01", "--user", "oscar"], "is not a member"),
        (["--period", "January", "--user", "amy"], "--period must look like 2026-01"),
    ],
)
def test_close_period_refuses_with_a_readable_error_and_changes_nothing(books, args, message):
    with pytest.raises(CommandError, match=message):
        run("close_period", "--company", books.company.slug, *args)
    assert JournalEntry.objects.count() == 0
    assert not AccountingPeriod.objects.filter(status="closed").exists()


def test_reopen_period_needs_a_company_admin(books):
    run("close_period", "--company", books.company.slug, "--period", "2026-01", "--user", "amy")
    with pytest.raises(CommandError, match="Only a company admin"):
        run(
            "reopen_period",
            "--company",
            books.company.slug,
            "--period",
            "2026-01",
            "--user",
            "amy",
            "--reason",
            "x",
        )
    assert AccountingPeriod.objects.get(start="2026-01-01").status == "closed"
