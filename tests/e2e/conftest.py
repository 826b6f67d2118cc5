"""End-to-end fixtures: a real Celery worker on the test database, the broker and the simulator.

The worker is a separate process, so every test here uses `transactional_db`: data is committed
and the worker sees it. The test process sends tasks to the same broker (Redis when REDIS_URL is
set, else the file-system broker under OCCUPIER_VAR_DIR), never eagerly.
"""

from __future__ import annotations

import os
import signal
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
        self.pool = pool
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        var_dir = Path(settings.VAR_DIR)
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
            f"e2e-{self.name}-{os.getpid()}@%h",
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
                env=_worker_env(var_dir),
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
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

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


@pytest.fixture
def start_worker(e2e_db, tmp_path):
    """Start workers on demand (`start_worker()`); every one is killed at teardown."""
    workers: list[Worker] = []

    def start(pool: str = "threads", concurrency: int = 2) -> Worker:
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
def worker(start_worker):
    return start_worker()


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory):
    """One simulator process per module; tests reset its account."""
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
