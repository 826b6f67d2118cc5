"""Resolve the names our users know (subsidiary, account number, segments) to NetSuite IDs.

Look-ups are SuiteQL queries batched per record type and cached for the run, so a period of a
thousand entries costs a handful of queries, not thousands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# (SuiteQL table, the column our value matches, the words a finance user reads)
LOOKUPS = {
    "subsidiary": ("subsidiary", "name", "Subsidiary"),
    "currency": ("currency", "symbol", "Currency"),
    "account": ("account", "acctnumber", "Account number"),
    "department": ("department", "name", "Department"),
    "class": ("classification", "name", "Class"),
    "location": ("location", "name", "Location"),
}
BATCH_SIZE = 200  # values per IN (…) list; keeps each query well inside NetSuite's limits


def suiteql_literal(value: str) -> str:
    """A SuiteQL string literal: single quotes doubled, as in SQL."""
    return "'" + value.replace("'", "''") + "'"


class UnresolvedReferenceError(Exception):
    """A name that NetSuite does not know; the message is a sentence a finance user can act on."""

    def __init__(self, kind: str, value: str, netsuite_value: str | None = None) -> None:
        self.kind = kind
        self.value = value
        label = LOOKUPS[kind][2]
        shown = value if kind == "account" else f"'{value}'"
        mapped = (
            f" (mapped to '{netsuite_value}')" if netsuite_value and netsuite_value != value else ""
        )
        self.user_message = f"{label} {shown}{mapped} was not found in NetSuite."
        self.corrective_action = CORRECTIVE_ACTIONS[kind]
        super().__init__(self.user_message)


CORRECTIVE_ACTIONS = {
    "subsidiary": "Map this subsidiary to its exact NetSuite name (Settings → Integrations → "
    "Mappings), then press Retry.",
    "currency": "Enable this currency in NetSuite (Lists → Accounting → Currencies) or change the "
    "lease's currency, then press Retry.",
    "account": "Add the account to NetSuite's chart of accounts, or map this account number to "
    "one that exists in NetSuite (Settings → Integrations → Mappings), then press Retry.",
    "department": "Map this department to a department that exists in NetSuite (Settings → "
    "Integrations → Mappings), then press Retry.",
    "class": "Map this class to a class that exists in NetSuite (Settings → Integrations → "
    "Mappings), then press Retry.",
    "location": "Map this location to a location that exists in NetSuite (Settings → "
    "Integrations → Mappings), then press Retry.",
}


@dataclass
class ReferenceResolver:
    """Batched, cached name → internal ID look-ups for one sync run."""

    client: object
    # (kind, our value) -> NetSuite's name or number, where the two differ.
    mappings: dict[tuple[str, str], str] = field(default_factory=dict)
    # (kind, our value) -> the internal ID picked from discovered records; wins over a look-up.
    pinned: dict[tuple[str, str], str] = field(default_factory=dict)
    cache: dict[str, dict[str, str | None]] = field(default_factory=dict)

    def netsuite_value(self, kind: str, value: str) -> str:
        """The name or number NetSuite knows for our value."""
        return self.mappings.get((kind, value), value)

    def prefetch(self, wanted: dict[str, Iterable[str]]) -> None:
        """Look up every value not yet cached, one query per record type and batch."""
        for kind, values in wanted.items():
            known = self.cache.setdefault(kind, {})
            values = [v for v in values if v]
            for value in values:
                if (kind, value) in self.pinned:
                    # Cached under NetSuite's name too, so its errors can name the record.
                    known[self.netsuite_value(kind, value)] = self.pinned[(kind, value)]
            unpinned = {
                self.netsuite_value(kind, v) for v in values if (kind, v) not in self.pinned
            }
            missing = sorted(unpinned - set(known))
            table, column, _ = LOOKUPS[kind]
            for start in range(0, len(missing), BATCH_SIZE):
                batch = missing[start : start + BATCH_SIZE]
                # Table and column come from LOOKUPS; every value is quoted by suiteql_literal.
                values_sql = ", ".join(suiteql_literal(v) for v in batch)
                query = f"SELECT id, {column} FROM {table} WHERE {column} IN ({values_sql})"  # noqa: S608
                found = {row[column]: str(row["id"]) for row in self.client.suiteql(query)}
                for value in batch:
                    known[value] = found.get(value)

    def resolve(self, kind: str, value: str) -> str | None:
        """The internal ID for a value ('' means none); raise when NetSuite does not know it."""
        if not value:
            return None
        if (kind, value) in self.pinned:
            return self.pinned[(kind, value)]
        theirs = self.netsuite_value(kind, value)
        if theirs not in self.cache.get(kind, {}):
            self.prefetch({kind: [value]})
        internal_id = self.cache[kind][theirs]
        if internal_id is None:
            raise UnresolvedReferenceError(kind, value, theirs)
        return internal_id
