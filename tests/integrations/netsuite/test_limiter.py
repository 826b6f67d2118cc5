"""Redis concurrency limiter: a hard bound across workers, and no slot leaks when one dies."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest

from integrations.netsuite.limiter import LimiterTimeoutError, RedisConcurrencyLimiter

redis = pytest.importorskip("redis")


@pytest.fixture
def redis_client():
    url = os.environ.get("REDIS_URL")
    client = redis.Redis.from_url(url or "redis://127.0.0.1:6379/15")
    try:
        client.ping()
    except redis.ConnectionError:
        if url:
            pytest.fail("REDIS_URL is set but Redis is unreachable")
        pytest.skip("Redis on 127.0.0.1:6379 is unreachable and REDIS_URL is unset")
    prefix = f"test:netsuite:{uuid.uuid4().hex}"
    yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_many_threads_never_exceed_the_limit(redis_client):
    client, prefix = redis_client
    # Separate limiter objects stand in for separate worker processes sharing Redis.
    limiters = [RedisConcurrencyLimiter(client, limit=3, prefix=prefix) for _ in range(4)]
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def work(limiter):
        nonlocal in_flight, peak
        for _ in range(5):
            with limiter.slot("1234567_SB1"):
                with lock:
                    in_flight += 1
                    peak = max(peak, in_flight)
                time.sleep(0.01)
                with lock:
                    in_flight -= 1

    threads = [threading.Thread(target=work, args=(limiters[i % 4],)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 3
    assert limiters[0].in_use("1234567_SB1") == 0


def test_a_dead_worker_slot_expires(redis_client):
    client, prefix = redis_client
    limiter = RedisConcurrencyLimiter(
        client, limit=1, lease_s=0.3, acquire_timeout_s=2, prefix=prefix
    )
    assert limiter.try_acquire("123456") is not None  # never released: the worker "died"
    assert limiter.try_acquire("123456") is None
    started = time.monotonic()
    token = limiter.acquire("123456")
    assert 0.1 < time.monotonic() - started < 1.5
    limiter.release("123456", token)


def test_accounts_are_limited_separately_and_timeouts_are_retryable(redis_client):
    client, prefix = redis_client
    limiter = RedisConcurrencyLimiter(client, limit=1, acquire_timeout_s=0.2, prefix=prefix)
    with limiter.slot("111"), limiter.slot("222"), pytest.raises(LimiterTimeoutError) as info:
        limiter.acquire("111")
    assert info.value.retryable
    assert limiter.in_use("111") == 0 and limiter.in_use("222") == 0


def test_release_wakes_a_waiter_promptly(redis_client):
    client, prefix = redis_client
    limiter = RedisConcurrencyLimiter(client, limit=1, wait_poll_s=5, prefix=prefix)
    token = limiter.acquire("333")
    got: list[float] = []

    def waiter():
        started = time.monotonic()
        with limiter.slot("333"):
            got.append(time.monotonic() - started)

    thread = threading.Thread(target=waiter)
    thread.start()
    time.sleep(0.1)
    limiter.release("333", token)
    thread.join(timeout=3)
    assert got and got[0] < 1.0  # woken by the release, not by the 5 s poll


def test_a_freed_slot_goes_straight_to_a_waiting_thread_of_the_same_worker(redis_client):
    client, prefix = redis_client
    limiter = RedisConcurrencyLimiter(client, limit=1, prefix=prefix)
    first = limiter.acquire("444")
    got: list[str] = []
    waiter = threading.Thread(target=lambda: got.append(limiter.acquire("444")))
    waiter.start()
    time.sleep(0.1)
    given_back: list[str] = []
    release_script = limiter._release
    limiter._release = lambda keys, args: given_back.append(args[0]) or release_script(
        keys=keys, args=args
    )

    limiter.release("444", first)
    waiter.join(timeout=3)

    # The same slot, handed over in the process: Redis still counts one and was not asked.
    assert got == [first]
    assert limiter.in_use("444") == 1
    assert given_back == []
    limiter.release("444", got[0])
    assert given_back == [first]  # nobody waits: given back
    assert limiter.in_use("444") == 0


def test_a_thread_handing_its_slot_over_returns_once_the_waiting_thread_has_it(redis_client):
    client, prefix = redis_client
    # A long wait, so the test does not depend on how fast the waiting thread is woken.
    limiter = RedisConcurrencyLimiter(client, limit=1, handover_wait_s=30, prefix=prefix)
    first = limiter.acquire("446")
    got: list[str] = []
    waiter = threading.Thread(target=lambda: got.append(limiter.acquire("446")))
    waiter.start()
    time.sleep(0.1)

    limiter.release("446", first)

    assert limiter._handed["446"] == []  # taken by the waiting thread before release returned
    waiter.join(timeout=3)
    assert got == [first]
    assert limiter.in_use("446") == 1
    limiter.release("446", first)
    assert limiter.in_use("446") == 0


def test_another_worker_gets_a_slot_once_the_holder_has_passed_it_on_for_reuse_s(redis_client):
    client, prefix = redis_client
    # Two workers of one account with one slot: the first keeps a call always waiting, so
    # without the limit on passing a slot on, the second would wait until the first is done.
    busy = RedisConcurrencyLimiter(client, limit=1, reuse_s=0.3, prefix=prefix)
    other = RedisConcurrencyLimiter(client, limit=1, reuse_s=0.3, prefix=prefix)
    stop = threading.Event()
    in_flight = peak = 0
    lock = threading.Lock()

    def call(limiter):
        nonlocal in_flight, peak
        with limiter.slot("555"):
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.02)
            with lock:
                in_flight -= 1

    def keep_busy():
        while not stop.is_set():
            call(busy)

    threads = [threading.Thread(target=keep_busy) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    started = time.monotonic()
    call(other)
    waited = time.monotonic() - started
    stop.set()
    for thread in threads:
        thread.join(timeout=5)

    assert waited < 2.0  # about reuse_s, not until the busy worker stops
    assert peak == 1
    assert busy.in_use("555") == 0
