"""The `go_live` block of a lease_schedule input: a lease brought in at go-live (see transition).

Kept apart from `jsonio` so the two inputs grow independently; `run` hands every input without
a `go_live` block to `jsonio.run` unchanged.
"""

from __future__ import annotations

from typing import Any

from . import jsonio
from .exemptions import Exemption, build_exempt_changed_schedule, build_exempt_schedule
from .jsonio import _lines_json, _month_json, _Reader, _s, terms_from_json
from .transition import GoLive, OpeningBalances, TransitionMethod, build_golive_schedule
from .types import ZERO, LeaseTermsError, TermsIssue

# Both conventions: whole months (the default with a go-live block) and actual days, where a
# lease from inside a month or with stubs runs off on its real dates from the go-live month.
DAY_COUNTS = ("whole_months", "actual_days")


def golive_from_json(data: dict) -> GoLive:
    """Parse the `go_live` object; raises `LeaseTermsError` naming every bad field."""
    r = _Reader()
    block = data.get("go_live")
    if not isinstance(block, dict):
        raise LeaseTermsError([TermsIssue("go_live", "Give an object.")])
    day = r.day(block, "date", "go_live.date")
    method = r.choice(block, "method", "go_live.method", TransitionMethod)
    rate = (
        r.decimal(block, "transition_rate", "go_live.transition_rate")
        if block.get("transition_rate") is not None
        else None
    )
    opening = None
    raw = block.get("opening_balances")
    if raw is not None:
        if not isinstance(raw, dict):
            r.fail("go_live.opening_balances", "Give an object.")
        else:
            f = "go_live.opening_balances"
            opening = OpeningBalances(
                liability=r.decimal(raw, "liability", f"{f}.liability", ZERO),
                rou_asset=r.decimal(raw, "rou_asset", f"{f}.rou_asset", ZERO),
                accumulated_amortization=r.decimal(
                    raw, "accumulated_amortization", f"{f}.accumulated_amortization", ZERO
                ),
            )
    if method is TransitionMethod.OPENING_BALANCES and raw is None:
        r.fail("go_live.opening_balances", "The opening_balances method needs opening_balances.")
    day_count = str(data.get("day_count", "whole_months"))
    if day_count not in DAY_COUNTS:
        r.fail("day_count", f"Only {', '.join(DAY_COUNTS)} is supported so far.")
    go_live = GoLive(
        go_live=day,
        method=method,
        transition_rate=rate,
        deferred_rent=r.decimal(block, "deferred_rent", "go_live.deferred_rent", ZERO),
        unamortized_incentives=r.decimal(
            block, "unamortized_incentives", "go_live.unamortized_incentives", ZERO
        ),
        opening=opening,
        restoration_provision=r.decimal(
            block, "restoration_provision", "go_live.restoration_provision", ZERO
        ),
    )
    if r.issues:
        raise LeaseTermsError(r.issues)
    return go_live


def golive_result_to_json(schedule) -> dict[str, Any]:  # noqa: ANN001 - a GoLiveSchedule
    """Go-live balances and entry, then the schedule and journal from go-live on."""
    b = schedule.balances
    return {
        "go_live": {
            "period": schedule.start.isoformat(),
            "method": schedule.go_live.method.value,
            "months_before_go_live": schedule.offset,
            "monthly_rate": _s(schedule.rate),
            "balances": {
                "liability": _s(b.liability),
                "rou_cost": _s(b.rou_cost),
                "accumulated_amortization": _s(b.accumulated_amortization),
                "rou_net": _s(b.rou_net),
                "deferred_rent": _s(b.deferred_rent),
                "unamortized_incentives": _s(b.unamortized_incentives),
                "equity": _s(b.equity),
                "restoration_provision": _s(b.restoration_provision),
            },
            "journal": _lines_json(schedule.golive_lines()),
        },
        "schedule": [_month_json(row) for row in schedule.posted_months()],
        "journal": [
            {
                "period": schedule.period(k).isoformat(),
                "lines": _lines_json(schedule.periodic_lines(k)),
            }
            for k in range(len(schedule))
        ],
    } | _provision_json(schedule)


def _provision_json(schedule) -> dict[str, Any]:  # noqa: ANN001 - a GoLiveSchedule
    """The restoration provision brought in at go-live, month by month (when there is one)."""
    months = [schedule.provision_month(k) for k in range(len(schedule))]
    months = [m for m in months if m is not None]
    if not months:
        return {}
    return {
        "restoration_provision": {
            "at_go_live": _s(schedule.balances.restoration_provision),
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
    }


def exempt_result_to_json(schedule) -> dict[str, Any]:  # noqa: ANN001 - an ExemptSchedule
    """A short-term or low-value lease: cash, straight-line cost and accrued rent by month."""
    return {
        "exemption": schedule.exemption.value,
        "schedule": [
            {
                "period": month.period.isoformat(),
                "payment": _s(month.payment),
                "expense": _s(month.expense),
                "accrued_rent": _s(month.accrued_rent),
            }
            for month in schedule.months()
        ],
        "journal": [
            {
                "period": schedule.period(k).isoformat(),
                "lines": _lines_json(schedule.periodic_lines(k)),
            }
            for k in range(len(schedule))
        ],
    }


def exempt_changed_result_to_json(schedule) -> dict[str, Any]:  # noqa: ANN001
    """An exempt lease with changes (an `ExemptChangedSchedule`): each change (whether it ended
    the exemption, and the recognised lease's liability and ROU asset then), the months (the
    exempt ones with their cost in `straight_line_cost`, then the recognised lease's) and the
    journal, change entries included."""
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
                "exemption_ends": any(
                    line.memo.startswith("Exemption ends:") for line in event.lines
                ),
                "before": {
                    "liability": _s(event.liability_before),
                    "rou": _s(event.rou_before),
                    "monthly_cost": _s(event.monthly_cost_before),
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
                "journal": _lines_json(event.lines),
            }
        )
    starts = set(schedule.segment_starts)
    return {
        "exemption": schedule.exemption.value,
        "changes": events,
        "schedule": [
            _month_json(row) | {"segment_start": k in starts} for k, row in enumerate(rows)
        ],
        "journal": [
            {"period": period.isoformat(), "lines": _lines_json(lines)}
            for period, lines in schedule.journal_lines().items()
        ],
    }


def _run_exempt(data: dict) -> dict[str, Any]:
    """`"exemption": "short_term" | "low_value"`: the straight-line expense, no asset; with
    `changes`, the changed lease (recognised from the change that ends the exemption)."""
    r = _Reader()
    exemption = r.choice(data, "exemption", "exemption", Exemption)
    issues = list(r.issues)
    try:
        terms = terms_from_json(data)
    except LeaseTermsError as exc:
        issues += exc.issues
    try:
        changes = jsonio.changes_from_json(data)
    except LeaseTermsError as exc:
        issues += exc.issues
    if issues:
        raise LeaseTermsError(issues)
    schedule = build_exempt_schedule(terms, exemption)
    if changes:
        return exempt_changed_result_to_json(build_exempt_changed_schedule(schedule, changes))
    return exempt_result_to_json(schedule)


def run(data: dict, *, full_precision: bool = False) -> dict[str, Any]:
    """`jsonio.run`, plus the go-live block or an exemption when the input has one."""
    if isinstance(data, dict) and "exemption" in data and "go_live" not in data:
        try:
            return _run_exempt(data)
        except LeaseTermsError as exc:
            return {"errors": [{"field": i.field, "message": i.message} for i in exc.issues]}
    if not isinstance(data, dict) or "go_live" not in data:
        return jsonio.run(data, full_precision=full_precision)
    try:
        issues = []
        try:
            terms = terms_from_json(data)
        except LeaseTermsError as exc:
            issues += exc.issues
        try:
            go_live = golive_from_json(data)
        except LeaseTermsError as exc:
            issues += exc.issues
        if issues:
            raise LeaseTermsError(issues)
        return golive_result_to_json(build_golive_schedule(terms, go_live))
    except LeaseTermsError as exc:
        return {"errors": [{"field": i.field, "message": i.message} for i in exc.issues]}
