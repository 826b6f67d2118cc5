"""Small filters the report templates need."""

from django import template

register = template.Library()


@register.filter
def columns(row, balance: str):
    """A roll-forward row's (column, amount) pairs for 'rou' or 'liability'."""
    return row.columns(balance)
