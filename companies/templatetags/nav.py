"""The main navigation: each app adds its links here, shown only to members who may use them."""

from django import template
from django.urls import NoReverseMatch, reverse

from companies.models import Permission

register = template.Library()

# (label, url name, the flag needed to see the link, or None for every member)
NAV_ITEMS = (
    ("Leases", "lease_list", Permission.LEASE_ACCOUNTING),
    ("Accounting → Close Books", "close_books", Permission.LEASE_ACCOUNTING),
    ("Integration Log", "integration_log", Permission.INTEGRATIONS),
    ("Settings → Integrations", "integration_settings", Permission.INTEGRATION_SETTINGS),
    ("Settings → Teams", "team_list", Permission.COMPANY_ADMIN),
    ("Audit Log", "audit_log", Permission.COMPANY_ADMIN),
)


@register.simple_tag(takes_context=True)
def main_nav(context) -> list[dict]:
    """The links the current member may follow; views not built yet are left out."""
    request = context["request"]
    membership = getattr(request, "membership", None)
    items = []
    for label, url_name, permission in NAV_ITEMS:
        if membership is None or (permission and not membership.has(permission)):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path.startswith(url)})
    return items
