"""Small filters the report templates need."""

from django import template

from reports.selectors import roll_column_label

register = template.Library()


@register.filter
def columns(row, balance: str):
    """A roll-forward row's (column, amount) pairs for 'rou' or 'liability'."""
    return row.columns(balance)


@register.filter
def labelled_columns(row, balance: str):
    """(heading, amount) pairs of a roll-forward row: each figure carries its column's name,
    which a phone shows beside it (the table stacks into one card per row)."""
    return [(roll_column_label(key, balance), amount) for key, amount in row.columns(balance)]


@register.filter
def column_headings(labels, balance: str):
    """The roll-forward table's column headings for 'rou' or 'liability'."""
    return [roll_column_label(key, balance) for key in labels]
