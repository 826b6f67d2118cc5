"""The main menu as a template tag, for templates that list the member's pages."""

from django import template

from companies.navigation import main_menu

register = template.Library()


@register.simple_tag(takes_context=True)
def main_nav(context) -> list:
    """The links the current member may follow (see companies.navigation)."""
    request = context["request"]
    return main_menu(getattr(request, "membership", None), request.path)
