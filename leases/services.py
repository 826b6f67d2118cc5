"""The one door to every change of leases, their GL mapping, subsidiaries and segments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from leases import engine
from leases.closed_months import closed_months
from leases.models import (
    ACCOUNT_FIELDS,
    ACCOUNT_LABELS,
    SEGMENT_FIELDS,
    AccountingDefaults,
    GLAccount,
    Lease,
    LeaseIncentive,
    LeasePayment,
    LeaseStatus,
    RentStep,
    Segment,
    Subsidiary,
    VariablePayment,
)
from leases.selectors import (
    accounting_defaults,
    lease_posting_role,
    lease_terms,
    leases_with_terms,
    mapped_account,
)

HUNDRED = Decimal(100)

# Lease fields a user edits (everything but company, status and bookkeeping columns).
LEASE_FIELDS = [
    "code",
    "name",
    "asset_type",
    "description",
    "landlord",
    "subsidiary",
    "currency",
    "commencement_date",
    "term_months",
    "end_date",
    "payment_day",
    "standard",
    "classification",
    "discount_rate",
    "rate_convention",
    "useful_life_months",
    "ownership_transfers",
    "purchase_option_reasonably_certain",
    "purchase_option_price",
    "purchase_option_date",
    "initial_direct_costs",
    "prepaid_rent",
    "restoration_cost",
    "restoration_estimate",
    "restoration_rate",
    "exemption",
    "lease_component_price",
    "non_lease_component_price",
    *ACCOUNT_FIELDS.values(),
    *SEGMENT_FIELDS.values(),
]
MAPPING_FIELDS = [*ACCOUNT_FIELDS.values(), *SEGMENT_FIELDS.values()]


@dataclass(frozen=True)
class PaymentInput:
    """One payment stream as entered (escalation value in percent for a percentage)."""

    amount: Decimal
    frequency: int = 1
    timing: str = "advance"
    rent_free_months: int = 0
    escalation_kind: str = ""
    escalation_value: Decimal | None = None
    escalation_every_months: int = 12
    index_factor: Decimal | None = None
    steps: tuple[tuple[date, Decimal], ...] = ()


@dataclass(frozen=True)
class IncentiveInput:
    """A lease incentive as entered; no date means received at commencement."""

    amount: Decimal
    receivable_on: date | None = None


@dataclass
class ImportSummary:
    """What an import did: codes (or numbers) created and updated."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def terms_from_input(
    values: dict[str, Any],
    payments: list[PaymentInput],
    incentives: list[IncentiveInput],
    *,
    day_count: str = "whole_months",
) -> engine.LeaseTerms:
    """The engine's view of lease values that are not saved yet (same rules as `lease_terms`)."""
    streams = []
    for p in payments:
        escalations: tuple[engine.Escalation, ...] = ()
        if p.escalation_kind and p.escalation_value is not None:
            value = (
                p.escalation_value / HUNDRED
                if p.escalation_kind == "percent"
                else p.escalation_value
            )
            escalations = (
                engine.Escalation(
                    engine.EscalationKind(p.escalation_kind), value, p.escalation_every_months
                ),
            )
        streams.append(
            engine.PaymentStream(
                amount=p.amount,
                frequency=engine.Frequency(p.frequency),
                timing=engine.Timing(p.timing),
                escalations=escalations,
                steps=tuple(engine.RentStep(on, amount) for on, amount in p.steps),
                rent_free_months=p.rent_free_months,
                index_factor=p.index_factor,
            )
        )
    classification = values.get("classification") or None
    return engine.LeaseTerms(
        commencement=values["commencement_date"],
        term_months=values["term_months"],
        standard=engine.Standard(values["standard"]),
        annual_rate=values["discount_rate"] / HUNDRED,
        payments=tuple(streams),
        classification=engine.Classification(classification) if classification else None,
        rate_convention=engine.RateConvention(values.get("rate_convention") or "nominal"),
        useful_life_months=values.get("useful_life_months"),
        ownership_transfers=bool(values.get("ownership_transfers")),
        purchase_option_reasonably_certain=bool(values.get("purchase_option_reasonably_certain")),
        initial_direct_costs=values.get("initial_direct_costs") or Decimal(0),
        incentives=tuple(engine.Incentive(i.amount, i.receivable_on) for i in incentives),
        prepaid_rent=values.get("prepaid_rent") or Decimal(0),
        restoration_cost=values.get("restoration_cost") or Decimal(0),
        day_count=engine.DayCount(day_count),
        restoration_estimate=values.get("restoration_estimate") or Decimal(0),
        restoration_rate=None
        if values.get("restoration_rate") is None
        else values["restoration_rate"] / HUNDRED,
        end_date=values.get("end_date"),
        payment_day=values.get("payment_day"),
    )


def _value(value: Any) -> Any:
    """A JSON-friendly form of a field value for the audit log."""
    if isinstance(value, (GLAccount, Segment, Subsidiary)):
        return str(value)
    if isinstance(value, (Decimal, date)):
        return str(value)
    return value


def lease_snapshot(lease: Lease) -> dict[str, Any]:
    """A lease's user-visible values, payments and incentives, as the audit log stores them."""
    snapshot = {name: _value(getattr(lease, name)) for name in LEASE_FIELDS}
    snapshot["status"] = lease.status
    if lease.pk:
        snapshot["payments"] = [
            f"{p.amount} every {p.frequency} month(s) in {p.timing}"
            + (
                f", +{p.escalation_value} {p.escalation_kind}/{p.escalation_every_months}m"
                if p.escalation_kind
                else ""
            )
            + (f", {p.rent_free_months} rent-free" if p.rent_free_months else "")
            + (f", index {p.index_factor}" if p.index_factor is not None else "")
            + "".join(f"; {s.amount} from {s.effective}" for s in p.steps.all())
            for p in lease.payments.all()
        ]
        snapshot["incentives"] = [
            f"{i.amount} {'on ' + str(i.receivable_on) if i.receivable_on else 'at commencement'}"
            for i in lease.incentives.all()
        ]
    return snapshot


def _check_same_company(company, values: dict[str, Any]) -> None:
    """Refuse accounts, segments or a subsidiary of another company (a forged POST)."""
    for name in ["subsidiary", *MAPPING_FIELDS]:
        related = values.get(name)
        if related is not None and related.company_id != company.pk:
            raise ValidationError({name: "Choose one of your own company's entries."})


def _replace_payments(
    lease: Lease, payments: list[PaymentInput], incentives: list[IncentiveInput]
) -> None:
    """Replace the lease's payment streams, rent steps and incentives with the given ones."""
    lease.payments.all().delete()
    lease.incentives.all().delete()
    for p in payments:
        payment = LeasePayment.objects.create(
            lease=lease,
            amount=p.amount,
            frequency=p.frequency,
            timing=p.timing,
            rent_free_months=p.rent_free_months,
            escalation_kind=p.escalation_kind,
            escalation_value=p.escalation_value,
            escalation_every_months=p.escalation_every_months,
            index_factor=p.index_factor,
        )
        RentStep.objects.bulk_create(
            RentStep(payment=payment, effective=on, amount=amount) for on, amount in p.steps
        )
    LeaseIncentive.objects.bulk_create(
        LeaseIncentive(lease=lease, amount=i.amount, receivable_on=i.receivable_on)
        for i in incentives
    )


def _check_terms(terms: engine.LeaseTerms) -> None:
    """Raise a ValidationError listing every engine issue."""
    issues = engine.validate_terms(terms)
    if issues:
        raise ValidationError([f"{issue.message} ({issue.field})" for issue in issues])


def _reload(lease: Lease) -> Lease:
    return leases_with_terms(Lease.objects.filter(pk=lease.pk)).get()


@transaction.atomic
def lease_create(
    *,
    company,
    actor,
    values: dict[str, Any],
    payments: list[PaymentInput],
    incentives: list[IncentiveInput],
) -> Lease:
    """Create a draft lease with its payment streams and incentives."""
    _check_same_company(company, values)
    if Lease.objects.filter(company=company, code=values["code"]).exists():
        raise ValidationError({"code": "A lease with this code already exists in your company."})
    lease = Lease(company=company, status=LeaseStatus.DRAFT)
    for name in LEASE_FIELDS:
        if name in values:
            setattr(lease, name, values[name])
    lease.full_clean(exclude=["company"], validate_unique=False, validate_constraints=False)
    lease.save()
    _replace_payments(lease, payments, incentives)
    lease = _reload(lease)
    audit_record(
        company=company,
        actor=actor,
        action="lease.create",
        subject=lease,
        after=lease_snapshot(lease),
    )
    return lease


@transaction.atomic
def lease_update(
    *,
    lease: Lease,
    actor,
    values: dict[str, Any],
    payments: list[PaymentInput],
    incentives: list[IncentiveInput],
) -> Lease:
    """Change a lease's terms and mapping; an active lease is checked against closed periods."""
    lease = _reload(Lease.objects.select_for_update().get(pk=lease.pk))
    _check_same_company(lease.company, values)
    code = values.get("code", lease.code)
    if Lease.objects.filter(company=lease.company, code=code).exclude(pk=lease.pk).exists():
        raise ValidationError({"code": "A lease with this code already exists in your company."})
    before = lease_snapshot(lease)
    merged = {name: getattr(lease, name) for name in LEASE_FIELDS} | values
    if lease.status == LeaseStatus.ACTIVE:
        # An active lease feeds journal entries: it must stay measurable, and closed periods
        # must keep their figures.
        new_terms = terms_from_input(
            merged, payments, incentives, day_count=lease.company.day_count
        )
        _check_terms(new_terms)
        if new_terms != lease_terms(lease):
            # Posted months keep their figures: a new measurement is a dated lease change.
            raise ValidationError(
                f"Lease {lease.code} is active, so its terms change through *Change lease* "
                "from a date (remeasurement, catch-up in the first open period)."
            )
    for name in LEASE_FIELDS:
        setattr(lease, name, merged[name])
    lease.full_clean(exclude=["company"], validate_unique=False, validate_constraints=False)
    lease.save()
    _replace_payments(lease, payments, incentives)
    lease = _reload(lease)
    after = lease_snapshot(lease)
    if lease.status == LeaseStatus.ACTIVE and after != before:
        # The books now depend on a change nobody else has looked at: flag it for approval.
        lease.changes_pending_since = timezone.now()
        lease.changes_pending_by = actor
        lease.save(update_fields=["changes_pending_since", "changes_pending_by"])
    audit_record(
        company=lease.company,
        actor=actor,
        action="lease.update",
        subject=lease,
        before=before,
        after=after,
    )
    return lease


@transaction.atomic
def lease_approve_changes(*, lease: Lease, actor) -> Lease:
    """Approve the pending edits of an active lease; audited with who made and who approved them."""
    lease = Lease.objects.select_for_update().get(pk=lease.pk)
    if lease.changes_pending_since is None:
        raise ValidationError("This lease has no changes waiting for approval.")
    edited_by = lease.changes_pending_by
    before = {
        "changes_pending_since": lease.changes_pending_since.isoformat(),
        "changes_pending_by": str(edited_by or ""),
    }
    lease.changes_pending_since = None
    lease.changes_pending_by = None
    lease.save(update_fields=["changes_pending_since", "changes_pending_by", "updated_at"])
    own = edited_by is not None and edited_by == actor
    audit_record(
        company=lease.company,
        actor=actor,
        action="lease.approve_changes",
        subject=lease,
        before=before,
        after={"changes_pending_since": None},
        note="Approved by the person who made the changes." if own else "",
    )
    return lease


def missing_accounts(lease: Lease, schedule: engine.Schedule) -> list[str]:
    """Labels of accounts the lease's journal lines need but neither it nor the defaults map."""
    defaults = accounting_defaults(lease.company)
    roles = {line.role for lines in engine.journal_lines(schedule).values() for line in lines}
    fields = sorted({ACCOUNT_FIELDS[lease_posting_role(lease, role)] for role in roles})
    return [ACCOUNT_LABELS[f] for f in fields if mapped_account(lease, defaults, f) is None]


@transaction.atomic
def lease_activate(*, lease: Lease, actor) -> Lease:
    """Draft → Active once the engine accepts the terms and every needed account is mapped."""
    lease = _reload(Lease.objects.select_for_update().get(pk=lease.pk))
    if lease.status != LeaseStatus.DRAFT:
        raise ValidationError("Only a draft lease can be activated.")
    terms = lease_terms(lease)
    _check_terms(terms)
    try:
        schedule = engine.build_schedule(terms)
    except engine.LeaseTermsError as error:
        raise ValidationError([issue.message for issue in error.issues]) from error
    missing = missing_accounts(lease, schedule)
    if missing:
        raise ValidationError(
            [
                f"No “{label}” account is mapped. Set it on the lease or in the GL defaults."
                for label in missing
            ]
        )
    lease.status = LeaseStatus.ACTIVE
    lease.activated_at = timezone.now()
    lease.activated_by = actor
    lease.save(update_fields=["status", "activated_at", "activated_by", "updated_at"])
    audit_record(
        company=lease.company,
        actor=actor,
        action="lease.activate",
        subject=lease,
        before={"status": LeaseStatus.DRAFT},
        after={"status": LeaseStatus.ACTIVE},
    )
    return lease


@transaction.atomic
def accounting_defaults_update(*, company, actor, values: dict[str, Any]) -> AccountingDefaults:
    """Save the company's default GL accounts and segments."""
    _check_same_company(company, values)
    defaults, _ = AccountingDefaults.objects.select_for_update().get_or_create(company=company)
    before = {name: _value(getattr(defaults, name)) for name in MAPPING_FIELDS}
    for name in MAPPING_FIELDS:
        if name in values:
            setattr(defaults, name, values[name])
    for policy in ("short_term_asset_types", "combine_components_asset_types"):
        if policy in values:
            before[policy] = list(getattr(defaults, policy))
            setattr(defaults, policy, sorted(values[policy]))
    if "post_current_split" in values:
        before["post_current_split"] = defaults.post_current_split
        defaults.post_current_split = bool(values["post_current_split"])
    defaults.save()
    audit_record(
        company=company,
        actor=actor,
        action="accounting_defaults.update",
        subject=defaults,
        before=before,
        after={name: _value(getattr(defaults, name)) for name in MAPPING_FIELDS}
        | {
            "short_term_asset_types": list(defaults.short_term_asset_types),
            "combine_components_asset_types": list(defaults.combine_components_asset_types),
            "post_current_split": defaults.post_current_split,
        },
    )
    return defaults


@transaction.atomic
def subsidiary_create(*, company, actor, name: str, currency: str) -> Subsidiary:
    """Add a subsidiary (legal entity) named as in NetSuite."""
    if Subsidiary.objects.filter(company=company, name=name).exists():
        raise ValidationError({"name": "A subsidiary with this name already exists."})
    subsidiary = Subsidiary.objects.create(company=company, name=name, currency=currency.upper())
    audit_record(
        company=company,
        actor=actor,
        action="subsidiary.create",
        subject=subsidiary,
        after={"name": name, "currency": subsidiary.currency},
    )
    return subsidiary


@transaction.atomic
def segment_create(*, company, actor, kind: str, name: str) -> Segment:
    """Add a department, class or location named as in NetSuite."""
    if Segment.objects.filter(company=company, kind=kind, name=name).exists():
        raise ValidationError({"name": f"A {kind} with this name already exists."})
    segment = Segment.objects.create(company=company, kind=kind, name=name)
    audit_record(
        company=company,
        actor=actor,
        action="segment.create",
        subject=segment,
        after={"kind": kind, "name": name},
    )
    return segment


@transaction.atomic
def chart_of_accounts_import(*, company, actor, rows: list[tuple[str, str, str]]) -> ImportSummary:
    """Create or update accounts by number from validated (number, name, type) rows."""
    summary = ImportSummary()
    existing = {a.number: a for a in GLAccount.objects.select_for_update().filter(company=company)}
    for number, name, account_type in rows:
        account = existing.get(number)
        if account is None:
            account = GLAccount.objects.create(
                company=company, number=number, name=name, account_type=account_type
            )
            summary.created.append(number)
            audit_record(
                company=company,
                actor=actor,
                action="gl_account.create",
                subject=account,
                after={"number": number, "name": name, "account_type": account_type},
            )
        elif (account.name, account.account_type) != (name, account_type):
            before = {"name": account.name, "account_type": account.account_type}
            account.name, account.account_type = name, account_type
            account.save(update_fields=["name", "account_type"])
            summary.updated.append(number)
            audit_record(
                company=company,
                actor=actor,
                action="gl_account.update",
                subject=account,
                before=before,
                after={"name": name, "account_type": account_type},
            )
    return summary


@dataclass(frozen=True)
class LeaseRow:
    """One validated lease of an import file."""

    line: int
    values: dict[str, Any]
    payments: list[PaymentInput]
    incentives: list[IncentiveInput]


@transaction.atomic
def leases_import(*, company, actor, rows: list[LeaseRow]) -> ImportSummary:
    """Create draft leases, or update the lease with the same code; all or nothing."""
    summary = ImportSummary()
    existing = {lease.code: lease for lease in Lease.objects.filter(company=company)}
    for row in rows:
        code = row.values["code"]
        lease = existing.get(code)
        try:
            if lease is None:
                lease_create(
                    company=company,
                    actor=actor,
                    values=row.values,
                    payments=row.payments,
                    incentives=row.incentives,
                )
                summary.created.append(code)
            else:
                lease_update(
                    lease=lease,
                    actor=actor,
                    values=row.values,
                    payments=row.payments,
                    incentives=row.incentives,
                )
                summary.updated.append(code)
        except ValidationError as error:
            # Tell the user which line and column failed; the atomic block undoes the earlier rows.
            from leases.imports import row_refusals  # the import's module reads this one

            problems = row_refusals(row.line, error)
            raise ValidationError([str(problem) for problem in problems]) from error
    return summary


def _refuse_closed_month(lease: Lease, period: date) -> None:
    """A variable payment may not land in a closed month or before go-live (nothing posts)."""
    go_live = getattr(lease.company, "go_live_date", None)
    if go_live and period < go_live.replace(day=1):
        raise ValidationError(
            {"period": f"{period:%b %Y} is before go-live; nothing is posted before it."}
        )
    if period in closed_months(lease.company_id):
        raise ValidationError(
            {"period": f"{period:%b %Y} is closed; reopen it first to change what it posted."}
        )


@transaction.atomic
def variable_payment_save(
    *, lease: Lease, actor, period: date, kind: str, amount: Decimal, memo: str = ""
) -> VariablePayment:
    """Record (or correct) a variable payment of a month; expensed in that month's close."""
    period = period.replace(day=1)
    if amount <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    _refuse_closed_month(lease, period)
    payment, created = VariablePayment.objects.select_for_update().get_or_create(
        lease=lease, period=period, kind=kind, defaults={"amount": amount, "memo": memo}
    )
    before = None if created else {"amount": str(payment.amount), "memo": payment.memo}
    if not created:
        payment.amount, payment.memo = amount, memo
        payment.save(update_fields=["amount", "memo"])
    audit_record(
        company=lease.company,
        actor=actor,
        action="variable_payment.save",
        subject=lease,
        before=before,
        after={"period": str(period), "kind": kind, "amount": str(amount), "memo": memo},
    )
    return payment


@transaction.atomic
def variable_payment_delete(*, payment: VariablePayment, actor) -> None:
    """Remove a variable payment of an open month."""
    lease = payment.lease
    _refuse_closed_month(lease, payment.period)
    before = {"period": str(payment.period), "kind": payment.kind, "amount": str(payment.amount)}
    payment.delete()
    audit_record(
        company=lease.company,
        actor=actor,
        action="variable_payment.delete",
        subject=lease,
        before=before,
    )
