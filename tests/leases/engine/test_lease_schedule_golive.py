"""lease_schedule with a go_live block: opening balances in, the run-off from go-live out."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

# The LeaseQuery ASC 840 → 842 example (see test_transition.py): 79,782 liability at 1 Jan 2017.
LEASE = {
    "commencement": "2015-01-01",
    "term_months": 120,
    "standard": "asc842",
    "classification": "operating",
    "annual_rate": "6%",
    "rate_convention": "effective",
    "payments": [
        {
            "amount": "10000",
            "frequency": "annual",
            "timing": "arrears",
            "steps": [{"effective": "2020-01-01", "amount": "15000"}],
        }
    ],
}


def _run(tmp_path, data):
    path = tmp_path / "lease.json"
    path.write_text(json.dumps(data))
    out = StringIO()
    try:
        call_command("lease_schedule", str(path), stdout=out)
    except CommandError:
        return json.loads(out.getvalue()), False
    return json.loads(out.getvalue()), True


def test_go_live_inputs_give_the_opening_balances_entry_and_the_run_off(tmp_path):
    data = {
        **LEASE,
        "go_live": {"date": "2017-01-01", "method": "asc840", "deferred_rent": "5000.00"},
        "day_count": "whole_months",
    }
    result, ok = _run(tmp_path, data)
    assert ok
    assert result["go_live"]["balances"]["liability"] == "79781.85"
    assert result["go_live"]["balances"]["rou_cost"] == "74781.85"
    assert result["go_live"]["months_before_go_live"] == 24
    assert [line["role"] for line in result["go_live"]["journal"]] == [
        "rou_asset",
        "lease_liability",
        "deferred_rent",
    ]
    assert result["schedule"][0]["period"] == "2017-01-01"
    assert len(result["schedule"]) == len(result["journal"]) == 96
    assert result["schedule"][-1]["closing_liability"] == "0.00"


def test_opening_balances_and_a_bad_method_are_reported_by_field(tmp_path):
    data = {
        **LEASE,
        "go_live": {"date": "2017-01-01", "method": "opening_balances"},
        "day_count": "30_360",
    }
    result, ok = _run(tmp_path, data)
    assert not ok
    # Both day counts are taken with a go-live block; an unknown one is named.
    assert {e["field"] for e in result["errors"]} == {"go_live.opening_balances", "day_count"}
    data["go_live"] = {
        "date": "2017-01-01",
        "method": "opening_balances",
        "opening_balances": {"liability": "79781.85", "rou_asset": "74781.85"},
    }
    data["day_count"] = "whole_months"
    result, ok = _run(tmp_path, data)
    assert ok and result["go_live"]["balances"]["equity"] == "-5000.00"


@pytest.mark.parametrize("method", ["asc-840", ""])
def test_an_unknown_method_lists_the_choices(tmp_path, method):
    result, ok = _run(tmp_path, {**LEASE, "go_live": {"date": "2017-01-01", "method": method}})
    assert not ok
    assert "asc840, ifrs16_liability" in result["errors"][0]["message"]
