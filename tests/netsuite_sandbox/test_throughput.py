"""The simulator answers a long run of requests on one keep-alive connection.

How fast it does so is measured, beside its floor of 300 requests per second, by
`benchmarks/sandbox_throughput.py` (`./run bench`): tests assert no timings."""

from __future__ import annotations

from netsuite_sandbox.testing import Sandbox


def test_answers_every_request_on_one_keep_alive_connection(sb: Sandbox, session) -> None:
    url = f"{sb.base_url}/services/rest/record/v1/journalentry/1"
    statuses = [session.get(url).status_code for _ in range(150)]

    assert statuses == [404] * 150
