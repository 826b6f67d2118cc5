"""Soak: random lifecycles with faults and killed workers leave NetSuite exactly right.

SOAK_SEQUENCES sets the count (CI default below, bounded in time); the full run is
`SOAK_SEQUENCES=200 pytest tests/integrations/test_soak.py -s`, which prints the counts.
"""

import json
import os
import random
import time

from integrations.models import SyncRun, SyncStatus
from netsuite_sandbox.testing import FIXTURE
from tests.integrations.soak import Sequence, Tally

SEQUENCES = int(os.environ.get("SOAK_SEQUENCES", "15"))
STEPS = 6
TIME_BUDGET_S = float(os.environ.get("SOAK_TIME_BUDGET_S", "600"))


def test_random_lifecycles_leave_netsuite_equal_to_our_closed_entries(db, sandbox):
    account_ids = {a["acctnumber"]: a["id"] for a in json.loads(FIXTURE.read_text())["account"]}
    rng = random.Random(int(os.environ.get("SOAK_SEED", "842")))
    tally = Tally()
    started = time.monotonic()
    try:
        for number in range(1, SEQUENCES + 1):
            sequence = Sequence(sandbox, rng, tally, number)
            sequence.run(STEPS)
            problems = sequence.check(account_ids)
            tally.sequences += 1
            assert not problems, f"sequence {number}: {problems}\n{tally.line()}"
            latest = SyncRun.objects.filter(period=sequence.period).order_by("-id").first()
            # No run at all only when the period never had anything to send.
            assert latest is None or latest.status == SyncStatus.COMPLETED, latest.message
            if time.monotonic() - started > TIME_BUDGET_S:
                break  # bounded in time as well as in count
    finally:
        sandbox.update_reference("accountingperiod", 113, closed=False)
        print(f"\nsoak: {tally.line()} in {time.monotonic() - started:.1f} s")
    assert (tally.duplicates, tally.missing, tally.left_over, tally.wrong_amount) == (0, 0, 0, 0)
    assert tally.sequences >= min(SEQUENCES, 1)
