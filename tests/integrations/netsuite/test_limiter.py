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
