"""The demo goes through the services, so its audit log tells how the company was set up: who
added the team, the chart, the leases and their opening balances, who went live, closed and
sent a period to NetSuite."""

from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from companies.models import User
from integrations.models import SyncRun, SyncStatus
from netsuite_sandbox.testing import running_sandbox
from occupier.demo import CHART, LEASES, PERSONAS, SEGMENTS, SENT_AT_LOAD, demo_load
from tests.audit.test_audit_log_readable import LEAKS, _rows_text
from tests.sandbox_address import simulator_allowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tmp_path_factory, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # where the demo keeps its generated passwords
    with (
        running_sandbox(tmp_path_factory.mktemp("sandbox")) as sandbox,
        simulator_allowed(sandbox.base_url),
    ):
        yield demo_load(sandbox_url=sandbox.base_url), sandbox


def _actions(company) -> Counter:
    return Counter(AuditEvent.objects.filter(company=company).values_list("action", flat=True))


def test_the_demo_log_shows_the_set_up_the_leases_the_go_live_and_the_closes(demo):
    result, _ = demo

    actions = _actions(result.company)

    assert actions == {
        "company.create": 1,
        "membership.add": len(PERSONAS),
        "subsidiary.create": 2,
        "gl_account.create": len(CHART),
        "segment.create": len(SEGMENTS),
        "accounting_defaults.update": 1,
        "company.go_live": 1,
        # Five new leases, four from before go-live and one draft still waiting.
        "lease.create": len(LEASES) + 5,
        "lease.activate": len(LEASES) + 4,
        "lease.opening_balances": 2,
        "variable_payment.save": 4,
        "period.close": 4,
        "integration.settings": 1,
        # Olivia sent Aug 2026 while the demo loaded.
        "sync.start": 1,
        "sync.completed": 1,
    }


def test_each_row_names_who_did_it(demo):
    result, _ = demo
    rows = AuditEvent.objects.filter(company=result.company)

    def actors(action: str) -> Counter:
        return Counter(rows.filter(action=action).values_list("actor__username", flat=True))

    for action in ("subsidiary.create", "gl_account.create", "company.go_live"):
        assert set(actors(action)) == {"alice"}, action
    for action in ("lease.create", "lease.opening_balances", "lease.activate", "period.close"):
        assert set(actors(action)) == {"amy"}, action
    assert set(actors("sync.start")) == {"olivia"}
    # The first admin joins with the company; she adds the rest of the team.
    assert actors("membership.add") == {None: 1, "alice": len(PERSONAS) - 1}


def test_loading_again_adds_no_rows(demo):
    result, sandbox = demo
    before = _actions(result.company)

    demo_load(sandbox_url=sandbox.base_url)

    assert _actions(result.company) == before


def test_the_demo_log_reads_without_codes(demo):
    result, _ = demo
    rows_stored = AuditEvent.objects.filter(company=result.company).count()
    client = Client()
    client.force_login(User.objects.get(username="alice"))

    rows = []
    for page in (1, 2):
        html = client.get(reverse("audit_log"), {"page": page}).content.decode()
        rows += _rows_text(html)

    assert len(rows) == rows_stored == 66  # every row, over two pages
    for row in rows:
        for leak in LEAKS:
            assert not leak.search(row), f"{leak.pattern!r} in: {row}"


def test_one_period_is_already_in_netsuite_and_the_walkthroughs_periods_are_not(demo):
    result, _ = demo

    runs = SyncRun.objects.filter(company=result.company)

    assert [(r.period.start, r.status, r.entries_failed) for r in runs] == [
        (SENT_AT_LOAD, SyncStatus.COMPLETED, 0)
    ]
    assert runs.get().entries_sent == runs.get().entries_total > 0
