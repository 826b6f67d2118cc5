"""Sortable tables: a header that sorts, and the rows of a short table sorted in the page.

Long lists sort in the database (`companies.tables.sort_queryset`) and page; a short table
(a few dozen rows already loaded: the team, the chart of accounts, a report's rows) sorts with
`{% sort_rows %}`. Either way the order is `?sort=<key>` in the address, beside the filters.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str, numeric: bool = False, param: str = "sort") -> str:
    """<th> with a link that sorts by `key`; a second click reverses; aria-sort says the state.

    `param` names the address parameter, so two tables on one page sort independently.
    """
    request = context["request"]
    current = context.get(param, "")
    params = request.GET.copy()
    params.pop("page", None)  # a new order starts on its first page
    if current == key:
        params[param], state, arrow = f"-{key}", "ascending", " ▲"
    elif current == f"-{key}":
        params[param], state, arrow = key, "descending", " ▼"
    else:
        params[param], state, arrow = key, "none", ""
    return format_html(
        '<th{} aria-sort="{}"><a class="sort" href="?{}">{}{}</a></th>',
        mark_safe(' class="num"') if numeric else "",  # a constant, not user input
        state,
        params.urlencode(),
        label,
        arrow,
    )


def _resolve(row, path: str):
    """row.a.b, row[0].a, row["key"]; a method without arguments is called (get_x_display)."""
    value = row
    for part in path.split("."):
        if value is None:
            return None
        if part.isdigit() and isinstance(value, (list, tuple)):
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            value = getattr(value, part, None)
        if callable(value):
            value = value()
    return value


def _key(value):
    """Blanks last in either direction; numbers and dates as they are; anything else (text, a
    person, an account) by its text without regard to case."""
    if value is None or value == "":
        return (1, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float, Decimal, date)):
        return (0, value)
    return (0, str(value).casefold())


@register.simple_tag(takes_context=True)
def sort_rows(context, rows, columns: str, default: str, param: str = "sort"):
    """The rows sorted by ?<param>=<key> ('-' first for descending); sets the key in force.

    `columns` is "key=path,key=path" (a path as in `_resolve`; "key" alone means key=key);
    an unknown key falls back to `default`, so a hand-edited address never fails. Usage:
    {% sort_rows accounts "number,name,type=account_type" "number" as accounts %}
    """
    paths = {}
    for spec in columns.split(","):
        key, _, path = spec.strip().partition("=")
        paths[key] = path or key
    asked = context["request"].GET.get(param, "") or default
    if asked.lstrip("-") not in paths:
        asked = default
    context[param] = asked
    path = paths[asked.lstrip("-")]
    items = list(rows)
    present = [r for r in items if _key(_resolve(r, path))[0] == 0]
    blank = [r for r in items if _key(_resolve(r, path))[0] == 1]
    try:
        present.sort(key=lambda r: _key(_resolve(r, path)), reverse=asked.startswith("-"))
    except TypeError:  # values of different kinds in one column: compare them as text
        present.sort(key=lambda r: str(_resolve(r, path)), reverse=asked.startswith("-"))
    return present + blank
