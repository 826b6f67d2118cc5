"""End-to-end fixtures: a real Celery worker on the test database, the broker and the simulator.

The worker is a separate process, so every test here uses `transactional_db`: data is committed
and the worker sees it. The test process sends tasks to the same broker (Redis when REDIS_URL is
set, else the file-system broker under OCCUPIER_VAR_DIR), never eagerly.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings

from netsuite_sandbox.testing import running_sandbox
from occupier.celery import app as celery_app
from tests.e2e.support import free_concurrency_slots
from tests.factories import make_personas
from tests.integrations.factories import set_up_netsuite_accounting
from tests.sandbox_address import simulator_allowed

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 30
# How long a test's end waits for the shared worker to finish what the test left it doing.
SETTLE_TIMEOUT_S = 10
# Production's pool. The threads pool acknowledges a finished task only when its loop wakes (up
# to 2 s, and a full prefetch window waits for that), so each task a test waits for came late.
POOL = "prefork"
# Short enough that "NetSuite down, then back" finishes in seconds; production waits 15 s.
WORKER_RETRY_BASE_SECONDS = "1"


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true" or bool(os.environ.get("REQUIRE_SERVICES"))


def _database_url() -> str:
    """The test database as a URL for the worker, once pytest-django has created it."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}{port}/{db['NAME']}"


def _e2e_broker_url() -> str | None:
    """With Redis, a database number of this session's own for the broker (None: file broker).

    Everyone's Redis tests share REDIS_URL's database; two e2e sessions on one queue would take
    each other's tasks, so the queue lives in database 1-15, chosen from our process id.
    """
    if not settings.REDIS_URL:
        return None
    number = int(os.environ.get("E2E_REDIS_DB") or 1 + os.getpid() % 15)
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{number}", parts.query, ""))


def _worker_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_database_url(),
        OCCUPIER_VAR_DIR=str(var_dir),
        CELERY_TASK_ALWAYS_EAGER="0",
        SYNC_RETRY_BASE_SECONDS=WORKER_RETRY_BASE_SECONDS,
        # A request NetSuite failed is sent again after 20 ms, 40 ms... instead of 0.5 s, 1 s...
        NETSUITE_RETRY_BASE_DELAY_MS="20",
        # The tie-out's own reads would show in the request counts these tests assert; the hook
        # and the tie-out have their own tests (tests/reports).
        TIEOUT_AFTER_SYNC="0",
        # Outcome emails go to the worker's log, never to a real server.
        EMAIL_URL="consolemail://",
        PYTHONUNBUFFERED="1",
    )
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
        env["CELERY_BROKER_URL"] = _e2e_broker_url()
    return env


class Worker:
    """A `celery worker` subprocess in its own process group, logging to a file."""

    def __init__(self, log_dir: Path, pool: str, name: str, concurrency: int = 2) -> None:
        self.log_path = log_dir / f"worker-{name}.log"
        self.name = name
        self.nodename = f"e2e-{name}-{os.getpid()}@{socket.gethostname()}"
        self.pool = pool
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.env: dict[str, str] = {}
        self.log_start = 0  # log() reads from here: a shared worker shows each test its own part

    def start(self) -> Worker:
        self.env = _worker_env(Path(settings.VAR_DIR))
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "occupier",
            "worker",
            f"--pool={self.pool}",
            f"--concurrency={self.concurrency}",
            "-Q",
            "celery",
            "-n",
            self.nodename,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "INFO",
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so a kill takes its children
            )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited:\n{self.log()}")
            if " ready." in self.log():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the Celery worker was not ready in {READY_TIMEOUT_S} s:\n{self.log()}")

    def log(self) -> str:
        if not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as log:
            log.seek(self.log_start)
            return log.read().decode(errors="replace")

    def log_from_here(self) -> None:
        """From now on log() shows only what the worker writes next."""
        self.log_start = self.log_path.stat().st_size if self.log_path.exists() else 0

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def idle(self) -> bool:
        """Nothing running, held for later (a retry's countdown) or waiting on the queue.

        The worker is asked first: a task it finished before answering has sent what it sends
        (to the queue, or taken again: unacknowledged), so the broker's look after is complete.
        """
        inspect = celery_app.control.inspect(destination=[self.nodename], timeout=2)
        for ask in (inspect.active, inspect.reserved, inspect.scheduled):
            replies = ask()
            if not replies or any(replies.values()):
                return False
        broker = redis.Redis.from_url(_e2e_broker_url())
        return not (broker.llen("celery") or broker.hlen("unacked"))

    def settled(self, timeout: float = SETTLE_TIMEOUT_S) -> bool:
        """Wait for the worker to be idle; False if it is still busy after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self.running():
            if self.idle():
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return False

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crashed machine would."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """Stop the worker at once (tests do not wait for a warm shutdown)."""
        self._signal(signal.SIGKILL)

    def _signal(self, sig: int) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            return
        self.process.wait(timeout=10)


def purge_queue() -> None:
    """Drop tasks a previous run left on the broker so this run never consumes them."""
    celery_app.control.purge()
    url = _e2e_broker_url()
    if url:
        # Tasks a killed worker had taken but not acknowledged; Redis would redeliver them later.
        redis.Redis.from_url(url).delete("unacked", "unacked_index")


def _use_broker(url: str) -> None:
    """Point this process's producer at `url` (the pools are created on first use)."""
    if celery_app.conf.broker_url == url:
        # Already there (a second user of the fixture, e.g. a test module outside tests/e2e):
        # closing the pool would leave kombu's registry handing out the closed one for this URL.
        return
    # The app reads Django settings under the CELERY_ namespace, so the key carries the prefix.
    celery_app.conf.update(CELERY_BROKER_URL=url)
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
        celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture(scope="session")
def e2e_broker():
    """This session's broker, for the test process and every worker it starts."""
    url = _e2e_broker_url()
    if url is None:
        yield celery_app.conf.broker_url
        return
    previous = celery_app.conf.broker_url
    _use_broker(url)
    try:
        yield url
    finally:
        _use_broker(previous)


@pytest.fixture
def e2e_db(transactional_db, settings, e2e_broker):
    """Committed data, tasks sent to the real broker, outcome emails kept in memory here."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(CELERY_TASK_ALWAYS_EAGER=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    purge_queue()


@pytest.fixture
def personas(e2e_db):
    """The usual personas; their company's chart and departments match the simulator's."""
    personas = make_personas()
    set_up_netsuite_accounting(personas.company)
    return personas


class SharedWorker:
    """The one worker the tests asking for `worker` take in turn: a worker takes seconds to start.

    A test gets it idle, with the environment a worker started for that test would have (else a
    new one is started), and hands it back idle; a worker still busy when its test ends is
    stopped, as a worker of the test's own would be. Without Redis the file broker cannot be asked
    whether the worker is idle, so every test starts its own.
    """

    def __init__(self) -> None:
        self.worker: Worker | None = None
        self.log_dir: Path | None = None
        self.starts = 0

    def take(self) -> Worker:
        current = self.worker
        if current is None or not current.running() or not _same_env(current.env):
            self.stop()
            self.starts += 1
            name = f"shared-{self.starts}"
            self.worker = Worker(self.log_dir, POOL, name=name).start()
        self.worker.log_from_here()
        return self.worker

    def give_back(self) -> None:
        if self.worker is not None and not (settings.REDIS_URL and self.worker.settled()):
            self.stop()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
            # A task the stopped worker had taken must not reach the next test.
            purge_queue()


def _same_env(env: dict[str, str]) -> bool:
    """Whether a worker started now would get `env` (pytest's own per-test variable aside)."""
    now = _worker_env(Path(settings.VAR_DIR))
    per_test = "PYTEST_CURRENT_TEST"
    return {**now, per_test: ""} == {**env, per_test: ""}


SHARED_WORKER = SharedWorker()


@pytest.fixture(scope="package")
def shared_worker(tmp_path_factory):
    SHARED_WORKER.log_dir = tmp_path_factory.mktemp("shared-worker")
    try:
        yield SHARED_WORKER
    finally:
        SHARED_WORKER.stop()


@pytest.fixture
def start_worker(e2e_db, tmp_path):
    """Start workers on demand (`start_worker()`); every one is killed at teardown.

    The shared worker stops first: the test's own workers are the only ones taking its tasks.
    """
    SHARED_WORKER.stop()
    workers: list[Worker] = []

    def start(pool: str = POOL, concurrency: int = 2) -> Worker:
        worker = Worker(tmp_path, pool, name=str(len(workers) + 1), concurrency=concurrency)
        workers.append(worker)
        return worker.start()

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
        # A task a killed worker left half-done must not leak into the next test.
        purge_queue()


@pytest.fixture
def worker(e2e_db, shared_worker):
    """A worker (concurrency 2), idle and only this test's from here on."""
    try:
        yield shared_worker.take()
    finally:
        shared_worker.give_back()


@pytest.fixture(scope="package")
def sandbox_server(tmp_path_factory):
    """One simulator process for these tests; each test resets its account."""
    # With the server setting that lets credentials go to the simulator (./run demo sets it too).
    with (
        running_sandbox(tmp_path_factory.mktemp("sandbox")) as sandbox,
        simulator_allowed(sandbox.base_url),
    ):
        yield sandbox


@pytest.fixture
def sandbox(sandbox_server):
    sandbox_server.reset()
    free_concurrency_slots(sandbox_server.account_id)
    yield sandbox_server
    sandbox_server.reset()
