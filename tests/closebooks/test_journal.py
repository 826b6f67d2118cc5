"""External keys and the building and splitting of entries, without a database."""

import random
import re
from datetime import date
from decimal import Decimal

import pytest

from closebooks.journal import MAX_LINES, SplitError, detail_entries, summary_entries
from closebooks.keys import MAX_KEY_LENGTH, detail_key, summary_key
from leases.engine import AccountRole
from leases.selectors import PostingLine

JAN = date(2026, 1, 1)
SAFE = re.compile(r"[A-Za-z0-9_-]+")


def test_a_clean_lease_code_makes_a_readable_key():
    assert detail_key(company_id=7, period=JAN, lease_code="L-001") == "LA-7-202601-D-L-001"


def test_keys_are_stable_and_use_only_safe_characters():
    codes = ["L/1", "L.1", "L 1", "Büro-Zürich", "x" * 40, "a", "Ünï çødé ✓"]
    for code in codes:
        key = detail_key(company_id=123, period=JAN, lease_code=code)
        assert key == detail_key(company_id=123, period=JAN, lease_code=code)
        assert SAFE.fullmatch(key), key
        assert len(key) <= MAX_KEY_LENGTH


def test_codes_that_sanitise_alike_never_share_a_key():
    codes = ["L/1", "L.1", "L 1", "L_1", "L-1", "LX-1", "X-L_1", "x" * 39, "x" * 40]
    keys = {detail_key(company_id=1, period=JAN, lease_code=code) for code in codes}
    assert len(keys) == len(codes)


def test_a_hashed_key_cannot_equal_a_plain_one():
    hashed = detail_key(company_id=1, period=JAN, lease_code="L/1")
    assert hashed.startswith("LA-1-202601-DX-L_1-")
    # Even a lease literally coded like the hashed body gets a different key.
    body = hashed.removeprefix("LA-1-202601-DX-")
    assert detail_key(company_id=1, period=JAN, lease_code=body) != hashed


def test_summary_keys_name_currency_and_subsidiary_and_split_parts():
    assert summary_key(company_id=2, period=JAN, subsidiary="AcmeUS", currency="USD") == (
        "LA-2-202601-S-USD-AcmeUS"
    )
    assert summary_key(
        company_id=2, period=JAN, subsidiary="Acme US", currency="USD", part=3
    ).startswith("LA-2-202601-SX3-USD-Acme_US-")
    parts = {
        summary_key(company_id=2, period=JAN, subsidiary="AcmeUS", currency="USD", part=p)
        for p in (None, 1, 2, 11)
    }
    assert len(parts) == 4


def synthetic_lines(leases: int, *, per_lease: int = 5) -> list[PostingLine]:
    """Balanced lease months, each lease at its own location so summing can't merge them."""
    lines = []
    for n in range(leases):
        amounts = [Decimal(100 + n)] * (per_lease - 1)
        roles = [(AccountRole.LEASE_EXPENSE, "6400", a, Decimal(0)) for a in amounts]
        roles.append((AccountRole.CASH_CLEARING, "2150", Decimal(0), sum(amounts)))
        for role, number, debit, credit in roles:
            lines.append(
                PostingLine(
                    lease_id=n + 1,
                    lease_code=f"L-{n:04d}",
                    lease_name=f"Lease {n}",
                    subsidiary="Acme US",
                    currency="USD",
                    role=role,
                    account_number=number,
                    account_name=f"Account {number}",
                    debit=debit,
                    credit=credit,
                    memo="",
                    department=f"Dept {len(lines) % per_lease}",
                    lease_class="",
                    location=f"Site {n:04d}",
                )
            )
    return lines


def test_a_2500_line_summary_splits_into_balanced_parts_of_at_most_1000_lines():
    lines = synthetic_lines(500)
    assert len(lines) == 2500

    entries = summary_entries(lines, company_id=1, period=JAN, label="Jan 2026")

    assert [len(e.lines) for e in entries] == [1000, 1000, 500]
    assert [e.sequence for e in entries] == [1, 2, 3]
    assert all(e.total_debit == e.total_credit for e in entries)
    assert sum(e.total_debit for e in entries) == sum(line.debit for line in lines)
    assert len({e.external_key for e in entries}) == 3
    assert all("part" in e.memo for e in entries)


def test_the_split_is_the_same_whatever_order_the_lines_come_in():
    lines = synthetic_lines(500)
    shuffled = lines[:]
    random.Random(4).shuffle(shuffled)

    def shape(entries):
        return [(e.external_key, e.lines) for e in entries]

    first = summary_entries(lines, company_id=1, period=JAN, label="Jan 2026")
    again = summary_entries(shuffled, company_id=1, period=JAN, label="Jan 2026")
    assert shape(first) == shape(again)


def test_summary_sums_by_account_and_segment_and_keeps_detail_totals():
    lines = synthetic_lines(30, per_lease=3)
    for line_set in (lines,):
        detail = detail_entries(line_set, company_id=1, period=JAN, label="Jan 2026")
        summary = summary_entries(
            [line.__class__(**{**_as_dict(line), "location": ""}) for line in line_set],
            company_id=1,
            period=JAN,
            label="Jan 2026",
        )
        assert len(detail) == 30
        assert len(summary) == 1
        # 2 debit departments + 1 credit line (departments cycle over 3 lines per lease)
        assert summary[0].total_debit == sum(e.total_debit for e in detail)
        assert summary[0].total_credit == sum(e.total_credit for e in detail)
        assert len(summary[0].lines) < len(line_set)


def _as_dict(line: PostingLine) -> dict:
    return {name: getattr(line, name) for name in PostingLine.__slots__}


def test_one_lease_past_the_limit_is_refused_rather_than_split_unbalanced():
    lines = synthetic_lines(1, per_lease=MAX_LINES + 1)
    with pytest.raises(SplitError):
        detail_entries(lines, company_id=1, period=JAN, label="Jan 2026")
