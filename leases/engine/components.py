"""Non-lease components: split the consideration by relative standalone price.

ASC 842-10-15-33 and IFRS 16.13-14 allocate the consideration of a contract to its lease and
non-lease components (maintenance, cleaning, other services) in proportion to their standalone
prices; only the lease component's payments measure the liability and ROU asset. A lessee may
instead elect, by class of underlying asset, not to separate them (ASC 842-10-15-37, IFRS 16.15):
then everything stays in the lease payments, which is what `LeaseTerms` holds to begin with.

Each instalment is split once: the lease part rounded to the currency unit, the non-lease part
the rest, so the two add up to the payment to the cent.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, localcontext

from .payments import expand_flows
from .schedule import ENGINE_CONTEXT
from .types import LeaseTerms, LeaseTermsError, RentStep, TermsIssue


def lease_share(lease_price: Decimal, non_lease_price: Decimal) -> Decimal:
    """The lease component's fraction of the consideration (relative standalone prices)."""
    if lease_price <= 0 or non_lease_price < 0:
        raise LeaseTermsError(
            [
                TermsIssue(
                    "lease_component_price",
                    "Standalone prices: the lease component's must be above zero and the "
                    "non-lease components' zero or more.",
                )
            ]
        )
    with localcontext(ENGINE_CONTEXT):
        return lease_price / (lease_price + non_lease_price)


def lease_component_terms(terms: LeaseTerms, share: Decimal) -> LeaseTerms:
    """The terms with every payment scaled to the lease component's share."""
    with localcontext(ENGINE_CONTEXT):
        streams = tuple(
            replace(
                stream,
                amount=stream.amount * share,
                steps=tuple(RentStep(s.effective, s.amount * share) for s in stream.steps),
                escalations=tuple(
                    replace(e, value=e.value * share) if e.kind.value == "amount" else e
                    for e in stream.escalations
                ),
            )
            for stream in terms.payments
        )
    return replace(terms, payments=streams)


def non_lease_amounts(terms: LeaseTerms, share: Decimal) -> list[Decimal]:
    """Per month, the part of the cash paid that is for the non-lease components."""
    whole = expand_flows(terms)
    lease = expand_flows(lease_component_terms(terms, share))
    return [
        (whole.advance[k] + whole.arrears[k]) - (lease.advance[k] + lease.arrears[k])
        for k in range(terms.term_months)
    ]
