"""Lease changes in the close: their entries, catch-ups, and pending changes that block a close."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from leases.change_selectors import change_postings, pending_changes, shared_schedules
from leases.models import LeaseChange
from leases.selectors import PostingLine, PostingProblem, period_postings


@dataclass
class ClosePostings:
    lines: list[PostingLine] = field(default_factory=list)
    problems: list[PostingProblem] = field(default_factory=list)
    newly_booked: list[int] = field(default_factory=list)  # change ids this close books


def close_postings(company, start: date) -> ClosePostings:
    """Every line of the month: the regular lines (leases with changes on their changed schedule)
    plus each booked change's own entry and catch-up."""
    with shared_schedules():  # each changed lease measured once for both
        postings = period_postings(company, start)
        changed = change_postings(company, start)
    return ClosePostings(
        lines=[*changed.lines, *postings.lines],
        problems=[*postings.problems, *changed.problems],
        newly_booked=changed.newly_booked,
    )


def blocking_changes(company, start: date) -> list[LeaseChange]:
    """Pending changes that take effect in or before the month: they must be decided first."""
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return list(pending_changes(company).filter(effective_date__lt=following))
