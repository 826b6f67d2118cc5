"""One definition of how money is stored, so every amount field agrees."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

MONEY_MAX_DIGITS = 18
MONEY_DECIMAL_PLACES = 2
CENT = Decimal("0.01")


def MoneyField(verbose_name: str | None = None, **kwargs) -> models.DecimalField:  # noqa: N802
    """A DecimalField with the project's money precision (named like the field class it is)."""
    return models.DecimalField(
        verbose_name, max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs
    )


def to_cents(amount: Decimal) -> Decimal:
    """Round half up to the cent, the rounding used whenever an amount is posted."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
