"""Pre-flight: check every journal line against our copy of NetSuite's reference data.

Runs before a sync sends anything and in the close wizard's preview. A whole period costs a fixed
number of queries — the entries, their lines, the mappings and one per reference table — however
many lines it has. Each distinct (reference, subsidiary) pair is judged once and reused.

Sentences come from the same error classes that translate NetSuite's own replies
(`RecordValidationError`, `UnresolvedReferenceError`), fed the message NetSuite would send, so a
problem reads the same whether pre-flight or NetSuite found it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from closebooks.models import AccountingPeriod, JournalLine
from closebooks.selectors import current_entries
from integrations.models import NetSuiteRecord, RecordType, ReferenceMapping, ReferenceRefresh
from integrations.netsuite.errors import RecordValidationError
from integrations.services.discovery import last_completed_refresh, posting_period_for
from integrations.services.references import UnresolvedReferenceError

# Our mapping kind -> the record type holding it, and NetSuite's REST field name.
KINDS = {
    "subsidiary": (RecordType.SUBSIDIARY, "subsidiary"),
    "currency": (RecordType.CURRENCY, "currency"),
    "account": (RecordType.ACCOUNT, "account"),
    "department": (RecordType.DEPARTMENT, "department"),
    "class": (RecordType.CLASS, "class"),
    "location": (RecordType.LOCATION, "location"),
}
LINE_KINDS = ("account", "department", "class", "location")


@dataclass(frozen=True)
class LineCheck:
    line_no: int
    account: str
    department: str = ""
    lease_class: str = ""
    location: str = ""


@dataclass(frozen=True)
class EntryCheck:
    """What pre-flight needs of one journal entry (frozen or draft)."""

    external_key: str
    subsidiary: str
    currency: str
    tran_date: date
    lines: Sequence[LineCheck]


@dataclass(frozen=True)
class Problem:
    """One reference NetSuite would refuse, on one entry (line None: the entry's header)."""

    external_key: str
    line_no: int | None
    kind: str  # subsidiary, currency, account, department, class, location, period
    value: str
    reason: str  # not_found, inactive, missing, not_available, closed_period, no_period
    message: str
    corrective_action: str
    fix_url: str = ""


@dataclass(frozen=True)
class ProblemGroup:
    """The same problem on several entries, shown once with how many it affects."""

    kind: str
    value: str
    reason: str
    message: str
    corrective_action: str
    fix_url: str
    entries: int
    first_keys: tuple[str, ...]


REASON_NOTES = {
    "not_found": "Not found among NetSuite's records.",
    "inactive": "Inactive in NetSuite.",
    "missing": "No longer returned by NetSuite.",
    "not_available": "Not available to the entry's subsidiary.",
    "closed_period": "The posting period is closed or locked.",
    "no_period": "No posting period covers the entry's date.",
}


@dataclass
class PreflightResult:
    """The outcome for a period: `checked` is False when NetSuite data was never refreshed."""

    checked: bool
    refreshed_at: datetime | None = None
    entries: int = 0
    lines: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def groups(self) -> list[ProblemGroup]:
        """Problems grouped by what to fix, most entries first."""
        grouped: dict[tuple, list[Problem]] = {}
        for problem in self.problems:
            key = (problem.kind, problem.value, problem.reason, problem.message)
            grouped.setdefault(key, []).append(problem)
        result = []
        for (kind, value, reason, message), items in grouped.items():
            keys = tuple(dict.fromkeys(p.external_key for p in items))
            result.append(
                ProblemGroup(
                    kind,
                    value,
                    reason,
                    message,
                    items[0].corrective_action,
                    items[0].fix_url,
                    len(keys),
                    keys[:5],
                )
            )
        return sorted(result, key=lambda g: (-g.entries, g.kind, g.value))


def fix_url(kind: str, value: str) -> str:
    """Where the user fixes it: the reference-data page, at this value's row."""
    try:
        base = reverse("reference_data")
    except NoReverseMatch:
        return ""
    if kind not in KINDS:
        return base
    return f"{base}?{urlencode({'kind': kind, 'our_value': value})}#fix"


class ReferenceIndex:
    """Our copy of NetSuite's reference data and the company's mappings, indexed for look-ups."""

    def __init__(self, company) -> None:
        self.mappings = {
            (kind, our): (theirs, internal_id)
            for kind, our, theirs, internal_id in ReferenceMapping.objects.filter(
                company=company
            ).values_list("kind", "our_value", "netsuite_value", "netsuite_internal_id")
        }
        self.by_id: dict[str, dict[str, NetSuiteRecord]] = {}
        self.by_key: dict[str, dict[str, NetSuiteRecord]] = {}
        fields = ("internal_id", "key", "name", "is_inactive", "subsidiary_ids", "missing_since")
        # One query per reference table, whatever the number of lines.
        for record_type in (*(t for t, _ in KINDS.values()), RecordType.PERIOD):
            records = NetSuiteRecord.objects.filter(company=company, record_type=record_type)
            if record_type == RecordType.PERIOD:
                records = records.only(*fields, "extra")
            else:
                records = records.only(*fields)
            by_id, by_key = {}, {}
            for record in records:
                by_id[record.internal_id] = record
                # Where two records share a name, the usable one wins.
                current = by_key.get(record.key)
                if current is None or (record.usable and not current.usable):
                    by_key[record.key] = record
            self.by_id[record_type] = by_id
            self.by_key[record_type] = by_key

    def resolve(self, kind: str, value: str) -> tuple[NetSuiteRecord | None, str, str]:
        """(record or None, NetSuite's name or number, the mapped internal ID if any)."""
        record_type = KINDS[kind][0]
        theirs, internal_id = self.mappings.get((kind, value), (value, ""))
        if internal_id:
            return self.by_id[record_type].get(internal_id), theirs or value, internal_id
        return self.by_key[record_type].get(theirs or value), theirs or value, ""

    def periods(self) -> Iterable[NetSuiteRecord]:
        return self.by_id[RecordType.PERIOD].values()


# (reason, message, corrective action) or None when fine
Verdict = tuple[str, str, str] | None


def _reference_verdict(
    index: ReferenceIndex, kind: str, value: str, subsidiary: NetSuiteRecord | None
) -> Verdict:
    record, theirs, internal_id = index.resolve(kind, value)
    field_name = KINDS[kind][1]
    if record is None:
        if internal_id:
            # A picked record we no longer have a copy of: NetSuite's own wording for an ID.
            error = RecordValidationError(
                f"Invalid Field Value {internal_id} for the following field: {field_name}",
                code="INVALID_KEY_OR_REF",
            )
            return ("not_found", error.user_message({}), error.corrective_action({}))
        unresolved = UnresolvedReferenceError(kind, value, theirs)
        return ("not_found", unresolved.user_message, unresolved.corrective_action)
    context = {field_name: {record.internal_id: record.key}}
    if not record.usable:
        reason = "inactive" if record.is_inactive else "missing"
        # NetSuite reports an inactive or deleted reference as an invalid one (API-FACTS §8).
        error = RecordValidationError(
            f"Invalid Field Value {record.internal_id} for the following field: {field_name}",
            code="INVALID_KEY_OR_REF",
        )
        return (reason, error.user_message(context), error.corrective_action(context))
    if (
        subsidiary is not None
        and kind != "subsidiary"
        and not record.available_to(subsidiary.internal_id)
    ):
        context["subsidiary"] = {subsidiary.internal_id: subsidiary.key}
        error = RecordValidationError(
            f"Invalid {field_name} reference key {record.internal_id} for subsidiary "
            f"{subsidiary.internal_id}.",
            code="INVALID_KEY_OR_REF",
        )
        return ("not_available", error.user_message(context), error.corrective_action(context))
    return None


def _period_verdict(index: ReferenceIndex, tran_date: date) -> Verdict:
    period = posting_period_for(tran_date, index.periods())
    if period is None:
        error = RecordValidationError(
            f"No accounting period exists for the transaction date {tran_date}.",
            code="USER_ERROR",
        )
        return ("no_period", error.user_message({}), error.corrective_action({}))
    if period.extra.get("closed") or period.extra.get("alllocked") or period.is_inactive:
        state = "closed" if period.extra.get("closed") else "locked for all transactions"
        error = RecordValidationError(
            f"The accounting period {period.key} is {state}.", code="USER_ERROR"
        )
        context = {"period": period.key, "tran_date": tran_date}
        return ("closed_period", error.user_message(context), error.corrective_action(context))
    return None


def entries_preflight(
    company, entries: Iterable[EntryCheck], *, refresh: ReferenceRefresh | None = None
) -> PreflightResult:
    """Check entries against the last refreshed copy; unchecked if there is none."""
    refresh = refresh or last_completed_refresh(company)
    if refresh is None:
        return PreflightResult(checked=False)
    index = ReferenceIndex(company)
    result = PreflightResult(checked=True, refreshed_at=refresh.finished_at)
    verdicts: dict[tuple, Verdict] = {}
    problems = result.problems

    def check(key: tuple, compute) -> Verdict:
        if key not in verdicts:
            verdicts[key] = compute()
        return verdicts[key]

    for entry in entries:
        result.entries += 1
        sub_verdict = check(
            ("subsidiary", entry.subsidiary, None),
            lambda e=entry: _reference_verdict(index, "subsidiary", e.subsidiary, None),
        )
        subsidiary = None if sub_verdict else index.resolve("subsidiary", entry.subsidiary)[0]
        sub_id = subsidiary.internal_id if subsidiary else None
        header = [("subsidiary", entry.subsidiary, sub_verdict)]
        if entry.currency:
            header.append(
                (
                    "currency",
                    entry.currency,
                    check(
                        ("currency", entry.currency, None),
                        lambda e=entry: _reference_verdict(index, "currency", e.currency, None),
                    ),
                )
            )
        header.append(
            (
                "period",
                str(entry.tran_date),
                check(
                    ("period", entry.tran_date), lambda e=entry: _period_verdict(index, e.tran_date)
                ),
            )
        )
        for kind, value, verdict in header:
            if verdict:
                problems.append(
                    Problem(entry.external_key, None, kind, value, *verdict, fix_url(kind, value))
                )
        for line in entry.lines:
            result.lines += 1
            for kind, value in (
                ("account", line.account),
                ("department", line.department),
                ("class", line.lease_class),
                ("location", line.location),
            ):
                if not value:
                    continue
                key = (kind, value, sub_id)
                verdict = verdicts.get(key, 0)
                if verdict == 0:
                    verdict = verdicts[key] = _reference_verdict(index, kind, value, subsidiary)
                if verdict:
                    problems.append(
                        Problem(
                            entry.external_key,
                            line.line_no,
                            kind,
                            value,
                            *verdict,
                            fix_url(kind, value),
                        )
                    )
    return result


def frozen_entry_checks(period: AccountingPeriod) -> list[EntryCheck]:
    """A closed period's current entries and lines, read with two queries."""
    entries = current_entries(period)
    lines: dict[int, list[LineCheck]] = {}
    for entry_id, line_no, account, department, lease_class, location in (
        JournalLine.objects.filter(entry__in=entries.values("pk"))
        .order_by("entry_id", "line_no")
        .values_list(
            "entry_id", "line_no", "account_number", "department", "lease_class", "location"
        )
    ):
        lines.setdefault(entry_id, []).append(
            LineCheck(line_no, account, department, lease_class, location)
        )
    return [
        EntryCheck(key, subsidiary, currency, tran_date, lines.get(pk, []))
        for pk, key, subsidiary, currency, tran_date in entries.order_by(
            "external_key"
        ).values_list("pk", "external_key", "subsidiary", "currency", "tran_date")
    ]


def draft_entry_checks(entries: Iterable, tran_date: date) -> list[EntryCheck]:
    """The close wizard's draft entries (not yet frozen), dated like closing would date them."""
    return [
        EntryCheck(
            entry.external_key,
            entry.subsidiary,
            entry.currency,
            tran_date,
            [
                LineCheck(n, line.account_number, line.department, line.lease_class, line.location)
                for n, line in enumerate(entry.lines, start=1)
            ],
        )
        for entry in entries
    ]


def period_preflight(period: AccountingPeriod, *, draft_entries=None) -> PreflightResult:
    """Check a closed period's frozen entries, or the preview's draft entries when given."""
    refresh = last_completed_refresh(period.company)
    if refresh is None:
        return PreflightResult(checked=False)
    if draft_entries is not None:
        checks = draft_entry_checks(draft_entries, period.end)
    else:
        checks = frozen_entry_checks(period)
    return entries_preflight(period.company, checks, refresh=refresh)


# --- The mapping page: each of our values, how it maps, and what is wrong ---------------------


@dataclass
class HealthRow:
    """One of our values and what NetSuite record it reaches (status 'ok' needs nothing)."""

    kind: str
    our_value: str
    label: str
    status: str  # ok, matched, unmapped, inactive, missing, not_available
    record: NetSuiteRecord | None = None
    suggestion: NetSuiteRecord | None = None
    pinned: bool = False
    message: str = ""
    corrective_action: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status.capitalize())

    @property
    def needs_attention(self) -> bool:
        return self.status not in ("ok", "matched")


STATUS_LABELS = {
    "ok": "OK",
    "matched": "Matched by name",
    "unmapped": "Not in NetSuite",
    "inactive": "Inactive",
    "missing": "Gone from NetSuite",
    "not_available": "Not available to subsidiary",
}
HEALTH_ACTIONS = {
    "unmapped": "Pick the NetSuite record it stands for.",
    "inactive": "Pick an active NetSuite record, or reactivate this one in NetSuite.",
    "missing": "Pick a record that still exists in NetSuite.",
    "not_available": "Pick a record available to that subsidiary, or make this one available to "
    "it in NetSuite.",
    "matched": "Found by its exact name or number; confirm to keep it even if names change.",
}


def _our_values(company) -> dict[str, dict[str, tuple[str, set[str]]]]:
    """kind -> our value -> (label, names of our subsidiaries whose entries use it)."""
    from leases.models import (
        ACCOUNT_FIELDS,
        AccountingDefaults,
        GLAccount,
        Lease,
        Segment,
        Subsidiary,
    )

    values: dict[str, dict[str, tuple[str, set[str]]]] = {kind: {} for kind in LINE_KINDS}
    values["subsidiary"] = {
        s.name: (s.name, set()) for s in Subsidiary.objects.filter(company=company)
    }
    segment_fields = {"department": "department__name", "class": "lease_class__name",
                      "location": "location__name"}  # fmt: skip
    account_fields = [f"{field}__number" for field in ACCOUNT_FIELDS.values()]
    defaults = (
        AccountingDefaults.objects.filter(company=company)
        .values(*segment_fields.values(), *account_fields)
        .first()
        or {}
    )
    # Which of our subsidiaries post to each account and segment: a lease's own mapping, else
    # the company default. Only those subsidiaries need the NetSuite record to be available.
    used: dict[tuple[str, str], set[str]] = {}
    leases = Lease.objects.filter(company=company).values(
        "subsidiary__name", *segment_fields.values(), *account_fields
    )
    for lease in leases:
        sub = lease["subsidiary__name"]
        for kind, field_name in [
            *segment_fields.items(),
            *(("account", f) for f in account_fields),
        ]:
            value = lease[field_name] or defaults.get(field_name)
            if value:
                used.setdefault((kind, value), set()).add(sub)
    for account in GLAccount.objects.filter(company=company):
        values["account"][account.number] = (
            f"{account.number} {account.name}",
            used.get(("account", account.number), set()),
        )
    for segment in Segment.objects.filter(company=company):
        values[segment.kind][segment.name] = (
            segment.name,
            used.get((segment.kind, segment.name), set()),
        )
    return values


def _suggest(index: ReferenceIndex, kind: str, value: str, label: str) -> NetSuiteRecord | None:
    """A likely record for an unmatched value: same name ignoring case, or a close name."""
    import difflib

    records = [r for r in index.by_id[KINDS[kind][0]].values() if r.usable]
    wanted = {value.lower(), label.lower(), label.split(" ", 1)[-1].lower()}
    for record in records:
        if record.key.lower() in wanted or record.name.lower() in wanted:
            return record
    names = {r.key: r for r in records}
    close = difflib.get_close_matches(value, list(names), n=1, cutoff=0.6)
    return names[close[0]] if close else None


def mapping_health(company) -> list[HealthRow]:
    """Every subsidiary, account and segment of ours, checked against the discovered data."""
    index = ReferenceIndex(company)
    rows: list[HealthRow] = []
    ours = _our_values(company)
    subsidiaries = {
        name: index.resolve("subsidiary", name)[0] for name in ours.get("subsidiary", {})
    }
    for kind in ("subsidiary", *LINE_KINDS):
        for value, (label, used_by) in sorted(ours[kind].items()):
            record, _, internal_id = index.resolve(kind, value)
            row = HealthRow(kind, value, label, "ok", record, pinned=bool(internal_id))
            if record is None:
                row.status = "unmapped"
                row.suggestion = _suggest(index, kind, value, label)
                verdict = _reference_verdict(index, kind, value, None)
                row.message = verdict[1] if verdict else ""
            elif not record.usable:
                row.status = "inactive" if record.is_inactive else "missing"
                row.message = _reference_verdict(index, kind, value, None)[1]
            else:
                refused = sorted(
                    name
                    for name in used_by
                    if subsidiaries.get(name)
                    and not record.available_to(subsidiaries[name].internal_id)
                )
                if refused:
                    row.status = "not_available"
                    row.message = _reference_verdict(index, kind, value, subsidiaries[refused[0]])[
                        1
                    ]
                elif not internal_id and (kind, value) not in index.mappings:
                    row.status = "matched"
            row.corrective_action = HEALTH_ACTIONS.get(row.status, "")
            rows.append(row)
    return rows


def picker_choices(company) -> dict[str, list[NetSuiteRecord]]:
    """Active discovered records per mapping kind, for the pickers (one query)."""
    kinds = {record_type: kind for kind, (record_type, _) in KINDS.items()}
    choices: dict[str, list[NetSuiteRecord]] = {kind: [] for kind in KINDS}
    for record in NetSuiteRecord.objects.filter(
        company=company,
        record_type__in=list(kinds),
        is_inactive=False,
        missing_since__isnull=True,
    ).order_by("key"):
        choices[kinds[record.record_type]].append(record)
    return choices
