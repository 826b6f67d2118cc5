"""The lease_schedule management command: JSON file in, JSON out, no database."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

LEASE = {
    "commencement": "2025-01-01",
    "term_months": 36,
    "standard": "asc842",
    "classification": "operating",
    "annual_rate": "0.05",
    "payments": [{"amount": "2500.00", "timing": "advance"}],
}


def test_command_prints_measurement_schedule_and_journal(tmp_path):
    path = tmp_path / "lease.json"
    path.write_text(json.dumps(LEASE))
    out = StringIO()
    call_command("lease_schedule", str(path), stdout=out)
    result = json.loads(out.getvalue())
    assert len(result["schedule"]) == 36
    assert result["schedule"][-1]["rou_closing"] == "0.00"
    assert result["journal"][0]["lines"][0]["role"] == "rou_asset"


def test_command_reports_invalid_terms_by_field(tmp_path):
    path = tmp_path / "lease.json"
    path.write_text(json.dumps({**LEASE, "term_months": 0}))
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("lease_schedule", str(path), stdout=out)
    assert json.loads(out.getvalue())["errors"][0]["field"] == "term_months"
