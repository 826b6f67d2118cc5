"""Lease-accounting engine (ASC 842 / IFRS 16): pure functions, Decimal only, no Django."""

from .journal import commencement_lines, journal_lines, journal_lines_for_month, periodic_lines
from .schedule import PostedSchedule, Schedule, build_schedule, measure, monthly_rate
from .types import (
    AccountRole,
    Classification,
    Escalation,
    EscalationKind,
    Frequency,
    Incentive,
    InitialMeasurement,
    JournalLine,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    RateConvention,
    RentStep,
    ScheduleMonth,
    Standard,
    TermsIssue,
    Timing,
)
from .validation import validate_terms

__all__ = [
    "AccountRole",
    "Classification",
    "Escalation",
    "EscalationKind",
    "Frequency",
    "Incentive",
    "InitialMeasurement",
    "JournalLine",
    "LeaseTerms",
    "LeaseTermsError",
    "PaymentStream",
    "PostedSchedule",
    "RateConvention",
    "RentStep",
    "Schedule",
    "ScheduleMonth",
    "Standard",
    "TermsIssue",
    "Timing",
    "build_schedule",
    "commencement_lines",
    "journal_lines",
    "journal_lines_for_month",
    "measure",
    "monthly_rate",
    "periodic_lines",
    "validate_terms",
]
