"""A column header that sorts its table, keeping the page's filters in the address."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str, numeric: bool = False) -> str:
    """<th> with a link that sorts by `key`; a second click reverses; aria-sort says the state."""
    request = context["request"]
    current = context.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)  # a new order starts on its first page
    if current == key:
        params["sort"], state, arrow = f"-{key}", "ascending", " ▲"
    elif current == f"-{key}":
        params["sort"], state, arrow = key, "descending", " ▼"
    else:
        params["sort"], state, arrow = key, "none", ""
    return format_html(
        '<th{} aria-sort="{}"><a class="sort" href="?{}">{}{}</a></th>',
        mark_safe(' class="num"') if numeric else "",  # a constant, not user input
        state,
        params.urlencode(),
        label,
        arrow,
    )
