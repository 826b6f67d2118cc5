"""The menu, built from the member's flags: a link is shown only if its view lets them in.

Each entry names a URL and the flags of which the member needs at least one — the same flags the
view checks. A page that does not exist yet (its URL name does not reverse) is left out, so an app
adds its page here and it appears once its URL is wired.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from companies.models import Membership, Permission

ADMIN = Permission.COMPANY_ADMIN
LEASES = Permission.LEASE_ACCOUNTING
# Opens only the pages that show (companies.permissions.member_can_read).
READ_LEASES = Permission.VIEW_LEASE_ACCOUNTING
SYNC = Permission.INTEGRATIONS
CONNECTION = Permission.INTEGRATION_SETTINGS


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    # The member needs at least one of these flags; empty means every member.
    any_of: tuple[Permission, ...] = ()
    description: str = ""

    def allowed(self, membership: Membership) -> bool:
        return not self.any_of or any(membership.has(flag) for flag in self.any_of)


# The main menu, in order. "Settings" is added after these when the member may use a settings page.
MAIN_ITEMS = (
    NavItem("Home", "home"),
    NavItem("Leases", "lease_list", (LEASES, READ_LEASES)),
    NavItem("Lease changes", "lease_changes_pending", (LEASES, READ_LEASES)),
    NavItem("Close Books", "close_books", (LEASES,)),
    NavItem("Closed Periods", "closed_periods", (LEASES, SYNC)),
    NavItem("Integration Log", "integration_log", (LEASES, SYNC)),
    NavItem("Reports", "reports_index", (LEASES, READ_LEASES)),
)

# Pages whose address sits under another entry's, by URL name: the entry they belong to. A
# period's frozen entries, a journal entry and reopening live on Closed Periods (their tab), not
# in the Close Books wizard that their address starts with.
PAGE_OWNERS = {
    "period_entries": "closed_periods",
    "journal_entry_detail": "closed_periods",
    "period_reopen": "closed_periods",
}

# The pages listed on Settings, each with a line saying what it is for.
SETTINGS_ITEMS = (
    NavItem("Company", "company_settings", (ADMIN,), "Name, accounting standard, journal entries."),
    NavItem("Teams", "team_list", (ADMIN,), "Invite people and choose what each may do."),
    NavItem(
        "Integrations",
        "integration_settings",
        (CONNECTION,),
        "The NetSuite connection and its setup.",
    ),
    NavItem(
        "Sync settings",
        "sync_settings",
        (ADMIN,),
        "How removals are made in NetSuite, and who gets the sync emails.",
    ),
    NavItem("Go-live", "golive_settings", (ADMIN,), "The first month closed and posted here."),
    NavItem(
        "Reference data",
        "reference_data",
        (LEASES, CONNECTION),
        "Map departments, classes, locations and accounts to NetSuite's records.",
    ),
    NavItem("GL defaults", "accounting_defaults", (LEASES,), "Accounts each new lease posts to."),
    NavItem("Chart of accounts", "chart_of_accounts", (LEASES,), "The accounts leases may use."),
    NavItem(
        "Subsidiaries & segments",
        "lease_entities",
        (LEASES,),
        "Subsidiaries, departments, classes and locations.",
    ),
    NavItem("Audit log", "audit_log", (ADMIN,), "Every change: who, when, before and after."),
)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    active: bool
    description: str = ""


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _page_name(path: str) -> str:
    try:
        return resolve(path).url_name or ""
    except Resolver404:
        return ""


def _links(items, membership: Membership) -> list[Link]:
    links = []
    for item in items:
        url = _url(item.url_name) if item.allowed(membership) else None
        if url is not None:
            links.append(Link(item.label, url, False, item.description))
    return links


def settings_links(membership: Membership) -> list[Link]:
    """The settings pages this member may use."""
    return _links(SETTINGS_ITEMS, membership)


def main_menu(membership: Membership | None, path: str) -> list[Link]:
    """The main menu for this member, with the link of the current page marked active."""
    if membership is None:
        return []
    links = _links(MAIN_ITEMS, membership)
    settings = settings_links(membership)
    if settings:
        index = _url("settings_index")
        links.append(Link("Settings", index, False))
    # The current page belongs to its owner's link if it names one, else to the link with the
    # longest matching address ("/" only itself).
    best = None
    owner = _url(PAGE_OWNERS.get(_page_name(path), ""))
    if owner is not None:
        best = next(((0, link) for link in links if link.url == owner), None)
    for link in links if best is None else ():
        prefixes = [link.url]
        if link.label == "Settings":
            prefixes += [s.url for s in settings]
        for prefix in prefixes:
            matches = path == prefix if prefix == "/" else path.startswith(prefix)
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), link)
    if best is not None:
        links = [Link(link.label, link.url, link is best[1], link.description) for link in links]
    return links
