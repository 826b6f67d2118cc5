"""Segregation-of-duties pairs: flag combinations one person should not hold."""

from dataclasses import dataclass

from companies.models import Permission


@dataclass(frozen=True)
class DutyConflict:
    first: Permission
    second: Permission
    why: str


DUTY_CONFLICTS = (
    DutyConflict(
        Permission.INTEGRATION_SETTINGS,
        Permission.INTEGRATIONS,
        "one person could change where journal entries are sent and then send them, with no "
        "second pair of eyes on either step",
    ),
    DutyConflict(
        Permission.INTEGRATION_SETTINGS,
        Permission.LEASE_ACCOUNTING,
        "one person could prepare the lease figures and also control the connection that posts "
        "them to the general ledger",
    ),
)


def conflicts_for(flags: dict[str, bool]) -> list[DutyConflict]:
    """The segregation-of-duties pairs that a set of flags breaks."""
    return [c for c in DUTY_CONFLICTS if flags.get(c.first.value) and flags.get(c.second.value)]


def conflict_sentence(conflict: DutyConflict) -> str:
    """A warning a company admin can read and act on."""
    return (
        f"“{conflict.first.label}” together with “{conflict.second.label}” breaks segregation "
        f"of duties: {conflict.why}. Give these permissions to different people where you can."
    )
