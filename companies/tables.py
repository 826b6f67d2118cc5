"""Sortable list pages: the order is in the address (?sort=-started), next to the filters."""

from __future__ import annotations

from django.db.models import QuerySet


def sort_queryset(request, queryset: QuerySet, columns: dict[str, str], default: str):
    """Order by the ?sort= column (a key of `columns`, '-' first for descending).

    Returns the queryset and the sort key in force; an unknown key falls back to the default,
    so a hand-edited address never fails.
    """
    asked = request.GET.get("sort", "") or default
    if asked.lstrip("-") not in columns:
        asked = default
    descending = asked.startswith("-")
    field = columns[asked.lstrip("-")]
    # The primary key breaks ties, so paging never shows a row twice.
    order = [f"-{field}", "-pk"] if descending else [field, "pk"]
    return queryset.order_by(*order), asked
