"""The form that edits a go-live lease's opening balances."""

from __future__ import annotations

from leases.models import LeaseOpeningBalance
from leases.opening_balance_services import OPENING_FIELDS
from occupier.cleaning import CleanModelForm

HELP = {
    "method": "How the lease comes in. Blank: the company's transition method (Settings → "
    "Go-live). With a liability entered, the balances below are used as they are.",
    "transition_rate": "The discount rate at the transition date, in percent. Blank keeps the "
    "lease's own rate.",
    "deferred_rent": "Straight-line rent accrued (positive) or prepaid (negative) under ASC 840 "
    "or IAS 17 just before go-live; the go-live entry clears it into the ROU asset.",
    "unamortized_incentives": "The lease incentive liability left at go-live.",
    "liability": "From the previous lease system: the lease liability at the start of the "
    "go-live month. It must be the present value of the remaining payments at the lease's "
    "rate (within 1.00). Blank: the engine measures it.",
    "rou_asset": "The ROU asset net of accumulated amortization. Blank: equal to the liability.",
    "accumulated_amortization": "Kept on its contra account; the asset is posted at cost (net "
    "plus accumulated amortization).",
    "restoration_provision": "IFRS 16 leases with an expected restoration cost: the restoration "
    "provision's carrying amount at the start of the go-live month. The go-live entry credits "
    "it, and it unwinds from there to the expected cost. Blank: none brought in.",
}


BLANK_IS_ZERO = (
    "deferred_rent",
    "unamortized_incentives",
    "accumulated_amortization",
    "restoration_provision",
)


class OpeningBalanceForm(CleanModelForm):
    """Method, rate and balances at go-live; the engine's checks run in the service."""

    class Meta:
        model = LeaseOpeningBalance
        fields = list(OPENING_FIELDS)
        help_texts = HELP

    def __init__(self, *args, default_method: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # Blank follows the company: say which method that is.
        choices = [c for c in self.fields["method"].choices if c[0]]
        blank = f"The company's method: {default_method}" if default_method else "The company's"
        self.fields["method"].choices = [("", blank), *choices]
        for name in BLANK_IS_ZERO:
            self.fields[name].required = False  # blank means none

    def clean(self):
        data = super().clean()
        for name in BLANK_IS_ZERO:
            if name in data and data[name] is None:
                data[name] = 0
        if data.get("rou_asset") is not None and data.get("liability") is None:
            self.add_error("liability", "Enter the liability with the ROU asset.")
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in OPENING_FIELDS}
