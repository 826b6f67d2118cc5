"""JSON in / JSON out for the engine: parse lease terms, serialize results (amounts as strings)."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .changes import ChangedSchedule, ChangeKind, LeaseChange, build_changed_schedule
from .dates import term_months_through
from .journal import journal_lines
from .payments import lease_end
from .restoration import provision_months
from .schedule import Schedule, build_schedule
from .types import (
    ZERO,
    Classification,
    DayCount,
    Escalation,
    EscalationKind,
    Frequency,
    Incentive,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    RateConvention,
    RentStep,
    Standard,
    TermsIssue,
    Timing,
)
from .validation import check_terms

FREQUENCIES = {f.name.lower(): f for f in Frequency}


@functools.cache
def _options(enum_cls: type) -> dict[str, Any]:
    """An enum's members by value (built once: a bulk change parses thousands of kinds)."""
    return {e.value: e for e in enum_cls}


class _Reader:
    """Collects every parse problem instead of stopping at the first one."""

    def __init__(self) -> None:
        self.issues: list[TermsIssue] = []

    def fail(self, field: str, message: str) -> None:
        self.issues.append(TermsIssue(field, message))

    def decimal(self, data: dict, key: str, field: str, default: Decimal | None = None) -> Any:
        raw = data.get(key)
        if raw is None:
            if default is None:
                self.fail(field, "This field is required.")
            return default
        if isinstance(raw, float | bool):
            # Floats have already lost precision; insist on strings or integers.
            self.fail(field, 'Give amounts and rates as strings, e.g. "1234.56", not floats.')
            return default
        text = str(raw).strip()
        percent = text.endswith("%")
        try:
            value = Decimal(text.rstrip("%").strip())
        except InvalidOperation:
            self.fail(field, f"{raw!r} is not a number.")
            return default
        if not value.is_finite():
            self.fail(field, f"{raw!r} is not a finite number.")
            return default
        return value / 100 if percent else value

    def integer(self, data: dict, key: str, field: str, default: int | None = None) -> Any:
        raw = data.get(key, default)
        if raw is None:
            self.fail(field, "This field is required.")
            return 0
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            self.fail(field, "Give a whole number.")
            return 0
        try:
            return int(raw)
        except ValueError:
            self.fail(field, f"{raw!r} is not a whole number.")
            return 0

    def day(self, data: dict, key: str, field: str, required: bool = True) -> date | None:
        raw = data.get(key)
        if raw is None:
            if required:
                self.fail(field, "This field is required (YYYY-MM-DD).")
            return None
        try:
            return date.fromisoformat(str(raw))
        except ValueError:
            self.fail(field, f"{raw!r} is not a date in YYYY-MM-DD form.")
            return None

    def choice(self, data: dict, key: str, field: str, enum_cls: type, default: Any = None) -> Any:
        raw = data.get(key)
        if raw is None:
            if default is None:
                self.fail(field, "This field is required.")
            return default
        options = FREQUENCIES if enum_cls is Frequency else _options(enum_cls)
        value = options.get(str(raw).lower())
        if value is None:
            self.fail(field, f"{raw!r} is not one of: {', '.join(options)}.")
            return default
        return value

    def boolean(self, data: dict, key: str, field: str) -> bool:
        raw = data.get(key, False)
        if not isinstance(raw, bool):
            self.fail(field, "Give true or false.")
            return False
        return raw

    def items(self, data: dict, key: str, field: str) -> list[tuple[str, dict]]:
        raw = data.get(key, [])
        if not isinstance(raw, list):
            self.fail(field, "Give a list.")
            return []
        out = []
        for i, item in enumerate(raw):
            if isinstance(item, dict):
                out.append((f"{field}[{i}]", item))
            else:
                self.fail(f"{field}[{i}]", "Give an object.")
        return out


def _streams(r: _Reader, data: dict, key: str, prefix: str = "") -> tuple[PaymentStream, ...]:
    """The payment streams listed under `key` (field names prefixed for error messages)."""
    streams = []
    for f, item in r.items(data, key, prefix + key):
        escalations = tuple(
            Escalation(
                kind=r.choice(e, "kind", f"{ef}.kind", EscalationKind, EscalationKind.PERCENT),
                value=r.decimal(e, "value", f"{ef}.value", ZERO),
                every_months=r.integer(e, "every_months", f"{ef}.every_months", 12),
            )
            for ef, e in r.items(item, "escalations", f"{f}.escalations")
        )
        steps = tuple(
            RentStep(
                effective=r.day(s, "effective", f"{sf}.effective") or date.min,
                amount=r.decimal(s, "amount", f"{sf}.amount", ZERO),
            )
            for sf, s in r.items(item, "steps", f"{f}.steps")
        )
        index = item.get("index_factor")
        streams.append(
            PaymentStream(
                amount=r.decimal(item, "amount", f"{f}.amount", ZERO),
                frequency=r.choice(
                    item, "frequency", f"{f}.frequency", Frequency, Frequency.MONTHLY
                ),
                timing=r.choice(item, "timing", f"{f}.timing", Timing, Timing.ADVANCE),
                escalations=escalations,
                steps=steps,
                rent_free_months=r.integer(item, "rent_free_months", f"{f}.rent_free_months", 0),
                index_factor=None
                if index is None
                else r.decimal(item, "index_factor", f"{f}.index_factor", Decimal(1)),
            )
        )
    return tuple(streams)


DATED_CHANGES = (
    "Changes are not yet taken on a lease whose end date or payment day departs from the "
    "monthly anniversary of commencement."
)


def terms_from_json(data: dict) -> LeaseTerms:
    """Parse and validate lease terms; raises `LeaseTermsError` naming every bad field."""
    if not isinstance(data, dict):
        raise LeaseTermsError([TermsIssue("(input)", "The input must be a JSON object.")])
    r = _Reader()
    streams = _streams(r, data, "payments")
    incentives = tuple(
        Incentive(
            amount=r.decimal(i, "amount", f"{f}.amount", ZERO),
            receivable_on=r.day(i, "receivable_on", f"{f}.receivable_on", required=False),
        )
        for f, i in r.items(data, "incentives", "incentives")
    )
    useful_life = data.get("useful_life_months")
    commencement = r.day(data, "commencement", "commencement") or date(2000, 1, 1)
    end_date = r.day(data, "end_date", "end_date", required=False)
    if end_date is not None and data.get("term_months") is None:
        # The end date gives the term (a part month counts as one).
        term_months = term_months_through(commencement, end_date) if end_date >= commencement else 1
    else:
        term_months = r.integer(data, "term_months", "term_months")
    terms = LeaseTerms(
        commencement=commencement,
        term_months=term_months,
        standard=r.choice(data, "standard", "standard", Standard, None) or Standard.ASC_842,
        annual_rate=r.decimal(data, "annual_rate", "annual_rate", None) or ZERO,
        payments=streams,
        classification=r.choice(data, "classification", "classification", Classification, None)
        if data.get("classification") is not None
        else None,
        rate_convention=r.choice(
            data, "rate_convention", "rate_convention", RateConvention, RateConvention.NOMINAL
        ),
        useful_life_months=None
        if useful_life is None
        else r.integer(data, "useful_life_months", "useful_life_months"),
        ownership_transfers=r.boolean(data, "ownership_transfers", "ownership_transfers"),
        purchase_option_reasonably_certain=r.boolean(
            data, "purchase_option_reasonably_certain", "purchase_option_reasonably_certain"
        ),
        initial_direct_costs=r.decimal(data, "initial_direct_costs", "initial_direct_costs", ZERO),
        incentives=incentives,
        prepaid_rent=r.decimal(data, "prepaid_rent", "prepaid_rent", ZERO),
        restoration_cost=r.decimal(data, "restoration_cost", "restoration_cost", ZERO),
        restoration_estimate=r.decimal(data, "restoration_estimate", "restoration_estimate", ZERO),
        restoration_rate=None
        if data.get("restoration_rate") is None
        else r.decimal(data, "restoration_rate", "restoration_rate"),
        currency_decimals=r.integer(data, "currency_decimals", "currency_decimals", 2),
        # Actual days unless told; a go-live input is still computed in whole months.
        day_count=r.choice(
            data,
            "day_count",
            "day_count",
            DayCount,
            DayCount.WHOLE_MONTHS if "go_live" in data else DayCount.ACTUAL_DAYS,
        ),
        end_date=end_date,
        payment_day=None
        if data.get("payment_day") is None
        else r.integer(data, "payment_day", "payment_day"),
    )
    if r.issues:
        raise LeaseTermsError(r.issues)
    check_terms(terms)
    return terms


def change_from_json(item: dict, field: str = "change") -> LeaseChange:
    """Parse one change (the `changes[i]` object); raises `LeaseTermsError` naming bad fields."""
    r = _Reader()
    change = _change(r, item, field)
    if r.issues:
        raise LeaseTermsError(r.issues)
    return change


def _change(r: _Reader, item: dict, f: str) -> LeaseChange:
    term = item.get("term_months")
    life = item.get("useful_life_months")
    rate = item.get("annual_rate")
    fraction = item.get("scope_fraction")
    classification = item.get("classification")
    return LeaseChange(
        kind=r.choice(item, "kind", f"{f}.kind", ChangeKind, None) or ChangeKind.CONSIDERATION,
        effective=r.day(item, "effective", f"{f}.effective") or date(2000, 1, 1),
        term_months=None if term is None else r.integer(item, "term_months", f"{f}.term_months"),
        payments=None if "payments" not in item else _streams(r, item, "payments", f"{f}."),
        annual_rate=None if rate is None else r.decimal(item, "annual_rate", f"{f}.annual_rate"),
        scope_fraction=None
        if fraction is None
        else r.decimal(item, "scope_fraction", f"{f}.scope_fraction"),
        amount=r.decimal(item, "amount", f"{f}.amount", ZERO),
        classification=None
        if classification is None
        else r.choice(item, "classification", f"{f}.classification", Classification, None),
        useful_life_months=None
        if life is None
        else r.integer(item, "useful_life_months", f"{f}.useful_life_months"),
        separate_lease=r.boolean(item, "separate_lease", f"{f}.separate_lease"),
        restoration_paid=None
        if item.get("restoration_paid") is None
        else r.decimal(item, "restoration_paid", f"{f}.restoration_paid"),
        reference=str(item.get("reference", "")),
    )


@functools.lru_cache(maxsize=256)
def _stored_choice(enum_cls: type, raw: str) -> Any:
    """An enum member from its stored value (looked up once per value)."""
    options = FREQUENCIES if enum_cls is Frequency else _options(enum_cls)
    return options[raw.lower()]


def _stored_decimal(raw: Any) -> Decimal:
    text = str(raw).strip()
    value = Decimal(text.rstrip("%").strip())
    return value / 100 if text.endswith("%") else value


def _stored_streams(items: list) -> tuple[PaymentStream, ...]:
    streams = []
    for item in items:
        frequency, timing, index = (
            item.get("frequency"),
            item.get("timing"),
            item.get("index_factor"),
        )
        amount = item.get("amount")
        streams.append(
            PaymentStream(
                amount=ZERO if amount is None else _stored_decimal(amount),
                frequency=Frequency.MONTHLY
                if frequency is None
                else _stored_choice(Frequency, str(frequency)),
                timing=Timing.ADVANCE if timing is None else _stored_choice(Timing, str(timing)),
                escalations=tuple(
                    Escalation(
                        kind=EscalationKind.PERCENT
                        if e.get("kind") is None
                        else _stored_choice(EscalationKind, str(e["kind"])),
                        value=ZERO if e.get("value") is None else _stored_decimal(e["value"]),
                        every_months=int(e.get("every_months", 12)),
                    )
                    for e in item.get("escalations", ())
                ),
                steps=tuple(
                    RentStep(
                        effective=date.fromisoformat(str(s["effective"])),
                        amount=ZERO if s.get("amount") is None else _stored_decimal(s["amount"]),
                    )
                    for s in item.get("steps", ())
                ),
                rent_free_months=int(item.get("rent_free_months", 0)),
                index_factor=None if index is None else _stored_decimal(index),
            )
        )
    return tuple(streams)


def stored_change(item: dict) -> LeaseChange:
    """A change from JSON that `change_from_json` accepted when it was saved, without checking
    it again: the same object for the same input, for reads of thousands of stored changes (a
    close). Input from users, files or the command line goes through `change_from_json`."""
    kind, term, life = item.get("kind"), item.get("term_months"), item.get("useful_life_months")
    rate, fraction, amount = item.get("annual_rate"), item.get("scope_fraction"), item.get("amount")
    classification, paid = item.get("classification"), item.get("restoration_paid")
    return LeaseChange(
        kind=ChangeKind.CONSIDERATION if kind is None else _stored_choice(ChangeKind, str(kind)),
        effective=date.fromisoformat(str(item["effective"])),
        term_months=None if term is None else int(term),
        payments=None if "payments" not in item else _stored_streams(item["payments"]),
        annual_rate=None if rate is None else _stored_decimal(rate),
        scope_fraction=None if fraction is None else _stored_decimal(fraction),
        amount=ZERO if amount is None else _stored_decimal(amount),
        classification=None
        if classification is None
        else _stored_choice(Classification, str(classification)),
        useful_life_months=None if life is None else int(life),
        separate_lease=item.get("separate_lease", False),
        restoration_paid=None if paid is None else _stored_decimal(paid),
        reference=str(item.get("reference", "")),
    )


def changes_from_json(data: dict) -> tuple[LeaseChange, ...]:
    """The `changes` list of a lease_schedule input (empty when absent)."""
    r = _Reader()
    changes = tuple(_change(r, item, f) for f, item in r.items(data, "changes", "changes"))
    if r.issues:
        raise LeaseTermsError(r.issues)
    return changes


def _s(value: Decimal | None) -> str | None:
    """Amounts as strings, never floats."""
    return None if value is None else str(value)


def _month_json(month: Any) -> dict[str, Any]:
    """One schedule month as a JSON object."""
    out = {}
    for name in month.__slots__:
        value = getattr(month, name)
        out[name] = value.isoformat() if isinstance(value, date) else _s(value)
    return out


def result_to_json(schedule: Schedule, *, full_precision: bool = False) -> dict[str, Any]:
    """Initial measurement, the posted monthly schedule and the monthly journal lines."""
    m = schedule.measurement
    posted = schedule.posted()
    result: dict[str, Any] = {
        "initial_measurement": {
            "commencement": m.commencement.isoformat(),
            "liability": _s(posted.liability),
            "rou": _s(posted.rou),
            "components": {k: _s(v) for k, v in posted.components.items()},
            "monthly_rate": _s(m.monthly_rate),
            "amortization_months": m.amortization_months,
            "day_count": schedule.terms.day_count.value,
            "full_precision": {"liability": _s(m.liability), "rou": _s(m.rou)},
        },
        "schedule": [_month_json(row) for row in schedule.posted_months()],
        "journal": [
            {
                "period": period.isoformat(),
                "lines": [
                    {
                        "role": line.role.value,
                        "debit": _s(line.debit),
                        "credit": _s(line.credit),
                        "memo": line.memo,
                    }
                    for line in lines
                ],
            }
            for period, lines in journal_lines(schedule).items()
        ],
    }
    t = schedule.terms
    if t.end_date is not None or t.payment_day is not None:
        result["initial_measurement"]["end_date"] = lease_end(t).isoformat()
        result["initial_measurement"]["payment_day"] = t.payment_day or t.commencement.day
    if full_precision:
        result["schedule_full_precision"] = [_month_json(row) for row in schedule.months]
    restoration = _restoration_json(schedule.terms)
    if restoration is not None:
        result["restoration_provision"] = restoration
    return result


def _restoration_json(terms: LeaseTerms) -> dict[str, Any] | None:
    """The restoration provision month by month (IFRS 16 with an expected cost), else None."""
    months = provision_months(terms)
    if not months:
        return None
    return {
        "expected_cost": _s(terms.restoration_estimate),
        "annual_rate": _s(
            terms.annual_rate if terms.restoration_rate is None else terms.restoration_rate
        ),
        "at_commencement": _s(terms.restoration_cost),
        "months": [
            {
                "period": m.period.isoformat(),
                "opening": _s(m.opening),
                "unwinding": _s(m.unwinding),
                "closing": _s(m.closing),
            }
            for m in months
        ],
    }


def _lines_json(lines: Any) -> list[dict[str, Any]]:
    return [
        {
            "role": line.role.value,
            "debit": _s(line.debit),
            "credit": _s(line.credit),
            "memo": line.memo,
        }
        for line in lines
    ]


def changed_result_to_json(schedule: ChangedSchedule) -> dict[str, Any]:
    """The original measurement, each change's before/after, and the schedule with segments."""
    base = result_to_json(schedule.base)
    rows = schedule.posted_months()
    events = []
    for event in schedule.events:
        c = event.change
        events.append(
            {
                "kind": c.kind.value,
                "reference": c.reference,
                "effective": c.effective.isoformat(),
                "applied_from": (event.on or event.period).isoformat(),
                "label": event.label,
                "remeasured": event.remeasured,
                "before": {
                    "liability": _s(event.liability_before),
                    "rou": _s(event.rou_before),
                    "monthly_cost": _s(event.monthly_cost_before),
                    "annual_rate": _s(event.rate_before),
                },
                "after": {
                    "liability": _s(event.liability_after),
                    "rou": _s(event.rou_after),
                    "monthly_cost": _s(event.monthly_cost_after),
                    "annual_rate": _s(event.rate_after),
                    "classification": None
                    if event.classification_after is None
                    else event.classification_after.value,
                },
                "liability_adjustment": _s(event.liability_adjustment),
                "rou_adjustment": _s(event.rou_adjustment),
                "gain_loss": _s(event.gain_loss),
                "journal": _lines_json(event.lines),
                "months_after": [_month_json(row) for row in rows[event.index :]],
            }
        )
    starts = set(schedule.segment_starts)
    extra = {}
    if "restoration_provision" in base:
        extra["restoration_provision"] = base["restoration_provision"]
    return extra | {
        "initial_measurement": base["initial_measurement"],
        "changes": events,
        "schedule": [
            _month_json(row) | {"segment_start": k in starts} for k, row in enumerate(rows)
        ],
        "journal": [
            {"period": period.isoformat(), "lines": _lines_json(lines)}
            for period, lines in schedule.journal_lines().items()
        ],
    }


def run(data: dict, *, full_precision: bool = False) -> dict[str, Any]:
    """Parse, build and serialize in one call; errors come back as {"errors": [...]}."""
    try:
        terms = terms_from_json(data)
        changes = changes_from_json(data)
        if changes:
            # Changes are posted figures from segment to segment; there is no unrounded view.
            return changed_result_to_json(build_changed_schedule(terms, changes))
        return result_to_json(build_schedule(terms), full_precision=full_precision)
    except LeaseTermsError as exc:
        return {"errors": [{"field": i.field, "message": i.message} for i in exc.issues]}
