"""Random lifecycles against the simulator, with faults and killed workers, checked exactly.

One sequence: a company with a few leases closes Jan 2026 and then, at random, syncs, reopens,
changes a lease (drops it, brings it back, changes its payment), closes again, syncs, presses
Retry, switches the removal setting or closes Jan in NetSuite. Every write may meet a fault in
the simulator (an answer dropped after NetSuite saved, a 5xx, a 429, a timeout) and now and then
the worker "dies" right after NetSuite saved a write, before our ledger knew (the run is then
recovered as the beat would). At the end the sequence settles (faults off, NetSuite's period
open again, Retry/Sync until completed) and NetSuite's entries for the company must equal our
current closed entries: one per external ID, and per entry key the same lines to the cent, once
reversals and adjustments are netted.

The worker's body runs in this process (no Celery) with small simulator latency, so a sequence
takes a fraction of a second; tests/integrations/test_soak.py runs SOAK_SEQUENCES of them.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from closebooks.models import AccountingPeriod
from closebooks.selectors import current_entries
from closebooks.services import period_close, period_reopen
from integrations.models import NetSuiteConnection, RemovalMethod, SyncRun, SyncStatus
from integrations.netsuite.retry import RetryPolicy
from integrations.services.connection import netsuite_client
from integrations.services.sync import (
    SyncInterrupted,
    SyncNotPossible,
    is_superseded,
    period_sync_start,
    sync_run_process,
    sync_run_retry,
    sync_runs_recover,
)
from leases.models import Lease, LeasePayment
from tests.factories import make_company, make_member
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)

JAN_2026 = 113
NO_QUEUE = lambda run_id: None  # noqa: E731
FAULTS = [
    {},
    {"drop_next": 1},
    {"error_next": 1, "error_status": 500},
    {"error_next": 1, "error_status": 503},
    {"burst_429": 1},
    {"timeout_next": 1, "timeout_seconds": 0.3},
]


class WorkerKilled(BaseException):
    """The worker died right after NetSuite saved a write, before our ledger recorded it."""


class KillingClient:
    """The real client, but the process 'dies' after the `after`-th write NetSuite saved."""

    def __init__(self, client, after: int) -> None:
        self._client = client
        self._left = after

    def __getattr__(self, name):
        return getattr(self._client, name)

    def _write(self, method, *args):
        result = method(*args)
        self._left -= 1
        if self._left <= 0:
            raise WorkerKilled
        return result

    def upsert_journal_entry(self, entry):
        return self._write(self._client.upsert_journal_entry, entry)

    def delete_journal_entry(self, external_id):
        return self._write(self._client.delete_journal_entry, external_id)


@dataclass
class Tally:
    sequences: int = 0
    operations: Counter = field(default_factory=Counter)
    writes: int = 0
    faults: Counter = field(default_factory=Counter)
    kills: int = 0
    duplicates: int = 0
    missing: int = 0
    left_over: int = 0
    wrong_amount: int = 0

    def line(self) -> str:
        return (
            f"sequences={self.sequences} writes={self.writes} "
            f"faults={sum(self.faults.values())} ({dict(self.faults)}) kills={self.kills} "
            f"duplicates={self.duplicates} missing={self.missing} left_over={self.left_over} "
            f"wrong_amount={self.wrong_amount} operations={dict(self.operations)}"
        )


class Sequence:
    def __init__(self, sandbox, rng: random.Random, tally: Tally, number: int) -> None:
        self.sandbox = sandbox
        self.rng = rng
        self.tally = tally
        sandbox.reset()  # entries of earlier sequences were checked already
        self.company = make_company(f"Soak {number}")
        set_up_netsuite_accounting(self.company)
        self.admin = make_member(self.company, f"soak{number}", is_company_admin=True).user
        self.codes = [f"L{n}" for n in range(1, rng.randint(2, 4) + 1)]
        for code in self.codes:
            add_lease(self.company, code, amount=str(rng.choice([800, 1000, 1250])))
        connect(self.company, sandbox, concurrency_limit=rng.choice([1, 2, 4]))
        self.connection = NetSuiteConnection.objects.get(company=self.company)
        self.period = close_first_period(self.company, actor=self.admin)
        self.netsuite_closed = False
        self.kill_owed = number % 5 == 0
        self.log: list[str] = []

    # --- operations ---------------------------------------------------------------------------

    def run(self, steps: int) -> None:
        for _ in range(steps):
            operation = self.rng.choice(
                ["sync", "sync", "sync", "reopen_change_close", "reopen_change_close"]
                + ["reopen_change_close", "retry", "setting", "netsuite_close"]
            )
            self.tally.operations[operation] += 1
            self.log.append(operation)
            getattr(self, operation)()
        self.settle()
        self.count_writes()

    def refresh(self) -> AccountingPeriod:
        self.period.refresh_from_db()
        return self.period

    def sync(self, *, faults: bool = True) -> None:
        try:
            run = period_sync_start(period=self.refresh(), actor=self.admin, enqueue=NO_QUEUE)
        except SyncNotPossible:
            return
        self.work(run, faults=faults)

    def retry(self, *, faults: bool = True) -> None:
        run = SyncRun.objects.filter(period=self.period).order_by("-id").first()
        if run is None or run.status != SyncStatus.FAILED or is_superseded(run):
            return
        try:
            sync_run_retry(run=run, actor=self.admin, enqueue=NO_QUEUE)
        except SyncNotPossible:
            return
        self.work(run, faults=faults)

    def reopen_change_close(self) -> None:
        period = self.refresh()
        if SyncRun.objects.filter(period=period, status=SyncStatus.IN_PROGRESS).exists():
            return
        period_reopen(period=period, actor=self.admin, reason="soak")
        code = self.rng.choice(self.codes)
        lease = Lease.objects.get(company=self.company, code=code)
        change = self.rng.choice(["drop_or_back", "amount"])
        self.log.append(f"{code}:{change}")
        if change == "drop_or_back":
            lease.status = "draft" if lease.status == "active" else "active"
            Lease.objects.filter(pk=lease.pk).update(status=lease.status)
        else:
            LeasePayment.objects.filter(lease=lease).update(
                amount=Decimal(self.rng.choice(["700.00", "1000.00", "1333.33", "1500.00"]))
            )
        period = self.refresh()
        period_close(period=period, actor=self.admin)

    def setting(self) -> None:
        method = self.rng.choice([RemovalMethod.DELETE, RemovalMethod.REVERSE])
        NetSuiteConnection.objects.filter(pk=self.connection.pk).update(removal_method=method)

    def netsuite_close(self) -> None:
        self.netsuite_closed = not self.netsuite_closed
        self.sandbox.update_reference("accountingperiod", JAN_2026, closed=self.netsuite_closed)

    # --- the worker ---------------------------------------------------------------------------

    def client(self):
        return netsuite_client(
            self.connection,
            retry_policy=RetryPolicy(max_attempts=3, base_delay_s=0.005, max_delay_s=0.02),
            timeout_s=0.25,
        )

    def work(self, run: SyncRun, *, faults: bool) -> None:
        """Process like the task does: come back after an interruption, recover after a kill."""
        for _ in range(12):
            fault = self.rng.choice(FAULTS) if faults else {}
            self.sandbox.set_faults(latency_ms=1, **fault)
            if fault:
                self.tally.faults[next(iter(fault))] += 1
            client = self.client()
            # Now and then, and at least once in every fifth sequence, the worker dies.
            if faults and (self.rng.random() < 0.08 or self.kill_owed):
                self.kill_owed = False
                client = KillingClient(client, after=self.rng.randint(1, 2))
            try:
                sync_run_process(run.pk, client=client)
            except SyncInterrupted:
                pass
            except WorkerKilled:
                self.tally.kills += 1
                # The beat finds the run silent and resumes it.
                sync_runs_recover(stale_after=timedelta(0), enqueue=NO_QUEUE, max_resumes=99)
            run.refresh_from_db()
            if run.status != SyncStatus.IN_PROGRESS:
                break
        self.sandbox.set_faults()

    def count_writes(self) -> None:
        """Writes NetSuite saved in this sequence (the simulator's log was reset at its start)."""
        recent = self.sandbox.requests(limit=10_000)["recent"]
        self.tally.writes += sum(
            1
            for r in recent
            if r["method"] in ("PUT", "DELETE") and r.get("outcome") in ("ok", "dropped")
        )

    def settle(self) -> None:
        """Faults off, NetSuite's period open, then Sync or Retry until NetSuite is current."""
        if self.netsuite_closed:
            self.netsuite_close()
        period = self.refresh()
        if not period.is_closed:
            period_close(period=period, actor=self.admin)
        for _ in range(4):
            run = SyncRun.objects.filter(period=self.period).order_by("-id").first()
            if run is not None and run.status == SyncStatus.IN_PROGRESS:
                self.work(run, faults=False)
            elif run is not None and run.status == SyncStatus.FAILED and not is_superseded(run):
                self.retry(faults=False)
            else:
                self.sync(faults=False)

    def history(self) -> str:
        """The ledger and NetSuite's entries, to read a failure."""
        from integrations.models import SyncEntry

        rows = SyncEntry.objects.filter(run__period=self.period).order_by("id")
        ledger = [
            f"run{r.run_id}/v{r.run.close_version}/{r.run.status} {r.action} {r.external_key} "
            f"{r.status} {r.error_code}"
            for r in rows
        ]
        runs = [
            f"run{r.pk} v{r.close_version} {r.status} {r.message[:80]}"
            for r in SyncRun.objects.filter(period=self.period).order_by("id")
        ]
        netsuite = [
            (e["externalId"], e["postingPeriod"], e["totalDebit"]) for e in self.sandbox.entries()
        ]
        return f"runs={runs} ledger={ledger} netsuite={netsuite} log={self.log}"

    # --- the check ----------------------------------------------------------------------------

    def check(self, account_ids: dict[str, int]) -> list[str]:
        prefix = f"LA-{self.company.pk}-"
        entries = [e for e in self.sandbox.entries() if e["externalId"].startswith(prefix)]
        ids = Counter(e["externalId"] for e in entries)
        problems = []
        duplicates = [k for k, n in ids.items() if n > 1]
        self.tally.duplicates += len(duplicates)
        netsuite: dict[str, Counter] = defaultdict(Counter)
        for entry in entries:
            key = entry["externalId"].split(":", 1)[0]
            for line in entry["lines"]:
                amount = Decimal(line["debit"] or 0) - Decimal(line["credit"] or 0)
                netsuite[key][(line["account"], line["department"])] += amount
        # (Counter's unary + would drop the credits: filter zeros by hand.)
        netsuite = {k: {w: a for w, a in v.items() if a} for k, v in netsuite.items()}
        netsuite = {k: v for k, v in netsuite.items() if v}
        ours: dict[str, dict] = {}
        for entry in current_entries(self.refresh()).prefetch_related("lines"):
            lines: Counter = Counter()
            for line in entry.lines.all():
                where = (account_ids[line.account_number], 1 if line.department else None)
                lines[where] += line.debit - line.credit
            ours[entry.external_key] = {w: a for w, a in lines.items() if a}
        missing = set(ours) - set(netsuite)
        left_over = set(netsuite) - set(ours)
        wrong = [k for k in set(ours) & set(netsuite) if ours[k] != netsuite[k]]
        self.tally.missing += len(missing)
        self.tally.left_over += len(left_over)
        self.tally.wrong_amount += len(wrong)
        for what, keys in (
            ("duplicate", duplicates),
            ("missing", missing),
            ("left over", left_over),
            ("wrong amount", wrong),
        ):
            if keys:
                problems.append(f"{what}: {sorted(keys)}")
        for key in wrong:
            problems.append(f"{key}: ours {ours[key]} NetSuite {netsuite[key]}")
        if problems:
            problems.append(self.history())
        return problems
