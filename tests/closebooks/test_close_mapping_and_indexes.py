"""The close's account mapping on the flat path, and the journal tables' keys and indexes."""

from decimal import Decimal

import pytest
from django.db import connection

from closebooks.changes import close_postings
from closebooks.models import JournalEntry, JournalLine
from closebooks.postings import close_postings_flat
from leases.models import AccountingDefaults, GLAccount
from tests.leases.factories import make_lease

from .conftest import FEB, JAN


def test_flat_postings_report_an_unmapped_account_as_the_reference_does(books):
    """Leases sharing one mapping, two of them missing an account: each reports it once and
    posts nothing, the others post their lines; figures and words as on the reference path."""
    company = books.company
    make_lease(company, code="F-1", classification="finance", amount="2000.00")
    own = make_lease(company, code="O-1", amount="1500.00")
    own.lease_expense_account = GLAccount.objects.create(company=company, number="6499", name="X")
    own.save()
    AccountingDefaults.objects.filter(company=company).update(lease_expense_account=None)

    for month in (JAN, FEB):
        flat = close_postings_flat(company, month)
        assert flat == close_postings(company, month)
        # The three plain operating leases of `books` have no lease expense account.
        assert sorted(p.lease_code for p in flat.problems) == ["L-1", "L-2", "L-3"]
        assert {p.message for p in flat.problems} == {
            "No “Lease expense (operating)” account is mapped. Set it on the lease or in the "
            "company's GL defaults."
        }
        posted = {line.lease_code for line in flat.lines}
        assert posted == {"F-1", "O-1"}
        own_expense = [line for line in flat.lines if line.account_number == "6499"]
        assert [line.lease_code for line in own_expense] == ["O-1"]
        assert sum(line.debit for line in flat.lines) == sum(line.credit for line in flat.lines)
        assert all(line.debit + line.credit > Decimal(0) for line in flat.lines)


def _constraints(model) -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, model._meta.db_table)


def _indexed_columns(model) -> list[list[str]]:
    return [c["columns"] for c in _constraints(model).values() if c["index"] or c["unique"]]


def _foreign_keys(model) -> dict[tuple[str, ...], tuple[str, str]]:
    return {
        tuple(c["columns"]): c["foreign_key"]
        for c in _constraints(model).values()
        if c["foreign_key"]
    }


@pytest.mark.django_db
def test_journal_tables_keep_their_foreign_keys_without_duplicate_indexes():
    """Migration 0005 drops the indexes that repeat the first column of another one; every
    foreign key stays, and every lookup by entry, company or period still has an index."""
    assert _foreign_keys(JournalLine)[("entry_id",)] == ("closebooks_journalentry", "id")
    entry_keys = _foreign_keys(JournalEntry)
    assert entry_keys[("company_id",)] == ("companies_company", "id")
    assert entry_keys[("period_id",)] == ("closebooks_accountingperiod", "id")
    assert entry_keys[("lease_id",)] == ("leases_lease", "id")

    line_indexes = _indexed_columns(JournalLine)
    assert ["entry_id"] not in line_indexes
    assert ["entry_id", "line_no"] in line_indexes
    entry_indexes = _indexed_columns(JournalEntry)
    assert ["company_id"] not in entry_indexes
    assert ["period_id"] not in entry_indexes
    assert ["company_id", "period_id", "close_version", "external_key"] in entry_indexes
    assert ["period_id", "close_version"] in entry_indexes
    assert ["lease_id"] in entry_indexes
