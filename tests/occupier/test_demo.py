"""The demo a newcomer starts with `./run demo`: it loads, goes live, closes its first periods
with balanced entries, connects to the simulator, and loads again without changing anything."""

import pytest
from django.db.models import F

from closebooks.models import AccountingPeriod, JournalEntry
from integrations.models import NetSuiteConnection
from leases.models import Lease
from netsuite_sandbox.testing import running_sandbox
from occupier.demo import CLOSE_THROUGH, DEMO_COMPANY, GO_LIVE, PERSONAS, demo_load
from tests.sandbox_address import simulator_allowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def simulator(tmp_path_factory):
    with (
        running_sandbox(tmp_path_factory.mktemp("sandbox")) as sandbox,
        simulator_allowed(sandbox.base_url),
    ):
        yield sandbox


def test_the_demo_goes_live_closes_its_first_periods_and_connects(simulator, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # where the demo keeps its generated passwords

    result = demo_load(sandbox_url=simulator.base_url)

    company = result.company
    assert company.name == DEMO_COMPANY and company.go_live_date == GO_LIVE
    assert sorted(result.passwords) == sorted(username for username, *_ in PERSONAS)
    closed = AccountingPeriod.objects.filter(company=company, status="closed").order_by("start")
    assert [p.start for p in closed][0] == GO_LIVE and closed.last().start == CLOSE_THROUGH
    entries = JournalEntry.objects.filter(company=company)
    assert entries.filter(period__start=GO_LIVE, external_key__startswith="LG-").exists()
    assert not entries.exclude(total_debit=F("total_credit")).exists()
    assert Lease.objects.filter(company=company, commencement_date__lt=GO_LIVE).count() >= 4
    connection = NetSuiteConnection.objects.get(company=company)
    assert connection.enabled and connection.verified_at is not None

    counts = (Lease.objects.count(), entries.count(), closed.count())
    again = demo_load(sandbox_url=simulator.base_url)
    assert again.company == company and again.passwords == result.passwords
    assert (Lease.objects.count(), entries.count(), closed.count()) == counts
