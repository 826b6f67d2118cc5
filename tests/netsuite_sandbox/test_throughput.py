"""The simulator is never the bottleneck: at least 300 small requests per second."""

from __future__ import annotations

import time

from netsuite_sandbox.testing import Sandbox


def test_serves_at_least_300_requests_per_second(sb: Sandbox, session) -> None:
    url = f"{sb.base_url}/services/rest/record/v1/journalentry/1"
    session.get(url)  # open the keep-alive connection
    count = 150
    started = time.monotonic()
    statuses = {session.get(url).status_code for _ in range(count)}
    rate = count / (time.monotonic() - started)

    assert statuses == {404}
    assert rate >= 300, f"{rate:.0f} requests/s"
