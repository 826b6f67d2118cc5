"""The NetSuite setup guide shown on Settings → Integrations, for the NetSuite administrator.

Five steps, each with where to click in NetSuite; step 2 lists each permission the product uses,
its level and why. A failed Verify & Save names the step most likely missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from integrations.netsuite.errors import (
    AuthenticationError,
    NetSuiteConnectionError,
    NetSuiteError,
    PermissionDeniedError,
)

FEATURES = 1
ROLE = 2
INTEGRATION_RECORD = 3
TOKEN = 4
ACCOUNT_ID = 5


@dataclass(frozen=True)
class RolePermission:
    subtab: str
    name: str
    level: str
    why: str


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    where: str
    items: tuple[str, ...] = ()
    permissions: tuple[RolePermission, ...] = field(default_factory=tuple)


PERMISSIONS = (
    RolePermission("Setup", "Log in using Access Tokens", "Full", "signs in with the access token"),
    RolePermission(
        "Setup", "REST Web Services", "Full", "sends journal entries and reads NetSuite's values"
    ),
    RolePermission(
        "Setup", "SOAP Web Services", "Full", "only with the SOAP transport (batches of entries)"
    ),
    RolePermission(
        "Reports",
        "SuiteAnalytics Workbook",
        "Edit",
        "runs the SuiteQL queries that look up accounts, segments and periods",
    ),
    RolePermission(
        "Transactions",
        "Make Journal Entry",
        "Full",
        "creates journal entries and updates the same entry on a retry, never a duplicate",
    ),
    RolePermission("Lists", "Accounts", "View", "finds each account by its number"),
    RolePermission("Lists", "Subsidiaries", "View", "finds the subsidiary of each entry"),
    RolePermission("Lists", "Departments", "View", "checks each line's department"),
    RolePermission("Lists", "Classes", "View", "checks each line's class"),
    RolePermission("Lists", "Locations", "View", "checks each line's location"),
    RolePermission("Lists", "Currency", "View", "checks each entry's currency"),
    RolePermission("Lists", "Perform Search", "Full", "lets the role run the look-ups at all"),
)

STEPS = (
    Step(
        FEATURES,
        "Enable the features",
        "Setup > Company > Enable Features > SuiteCloud (and Analytics)",
        (
            "SuiteTalk (Web Services): REST Web Services and SOAP Web Services",
            "Manage Authentication: Token-Based Authentication",
            "Analytics: SuiteAnalytics Workbook",
        ),
    ),
    Step(
        ROLE,
        "Create the role with exactly these permissions",
        "Setup > Users/Roles > Manage Roles > New (tick Web Services Only Role)",
        permissions=PERMISSIONS,
    ),
    Step(
        INTEGRATION_RECORD,
        "Create the integration record",
        "Setup > Integration > Manage Integrations > New",
        (
            "State: Enabled",
            "Token-based Authentication: on",
            "TBA: Authorization Flow and Authorization Code Grant: off",
            "Copy the Consumer Key and Consumer Secret: NetSuite shows them only once",
        ),
    ),
    Step(
        TOKEN,
        "Create the integration user and the access token",
        "Lists > Employees (give the user the role), "
        "then Setup > Users/Roles > Access Tokens > New",
        (
            "Application: the integration record of step 3; user and role: the ones above",
            "Copy the Token ID and Token Secret: NetSuite shows them only once",
        ),
    ),
    Step(
        ACCOUNT_ID,
        "Find the account ID",
        "Setup > Company > Company Information > Account ID",
        (
            "Production looks like 1234567; a sandbox adds its suffix: 1234567_SB1",
            "Enter it below with the four values from steps 3 and 4, then press Verify & Save",
        ),
    ),
)


def likely_missing_step(error: NetSuiteError) -> int | None:
    """The step a failed verify most likely points at."""
    text = f"{error.code or ''} {error.detail or ''}".lower()
    if "feature" in text or "not enabled" in text:
        return FEATURES
    if isinstance(error, PermissionDeniedError):
        return ROLE
    if isinstance(error, AuthenticationError):
        # A refused login is mostly a token that does not belong to this account and record.
        return TOKEN
    if isinstance(error, NetSuiteConnectionError):
        return ACCOUNT_ID  # no such account host
    return None
