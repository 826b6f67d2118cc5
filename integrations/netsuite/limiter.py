"""Per-account concurrency limiter shared by every worker process through Redis."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from .errors import RateLimitedError

__all__ = [
    "DEFAULT_LIMIT",
    "ConcurrencyLimiter",
    "LimiterTimeoutError",
    "LocalConcurrencyLimiter",
    "RedisConcurrencyLimiter",
]

# NetSuite's lowest account limit is 5 (shared/standard tier); keep one free for people and
# other integrations.
DEFAULT_LIMIT = 4


class LimiterTimeoutError(RateLimitedError):
    """No slot became free in time; retried like a NetSuite concurrency rejection."""


class ConcurrencyLimiter(Protocol):
    """Anything that can hold a slot for one in-flight request to an account."""

    def slot(self, key: str) -> Any:
        """Context manager holding one slot for `key` while the block runs."""
        ...


class LocalConcurrencyLimiter:
    """In-process limiter (threads only); for a single worker and for tests."""

    def __init__(self, limit: int = DEFAULT_LIMIT, acquire_timeout_s: float = 60.0) -> None:
        self.limit = limit
        self.acquire_timeout_s = acquire_timeout_s
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def slot(self, key: str) -> Iterator[None]:
        """Hold one of `limit` slots for `key`."""
        with self._lock:
            sem = self._semaphores.setdefault(key, threading.BoundedSemaphore(self.limit))
        if not sem.acquire(timeout=self.acquire_timeout_s):
            raise LimiterTimeoutError(f"No free NetSuite slot for {key}", code="LIMITER_TIMEOUT")
        try:
            yield
        finally:
            sem.release()


# Slots are members of a sorted set scored by lease expiry (Redis server time, so worker clocks
# do not matter). Expired leases (dead workers) are dropped before counting.
_ACQUIRE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
# Releasing wakes one waiter through a short list instead of making everyone poll fast.
_RELEASE = """
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('LPUSH', KEYS[2], '1')
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
redis.call('PEXPIRE', KEYS[2], 10000)
return removed
"""
_IN_USE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
return redis.call('ZCARD', KEYS[1])
"""


class RedisConcurrencyLimiter:
    """At most `limit` in-flight requests per account across all processes; leases expire.

    A slot freed by one of this limiter's threads while another of them waits goes straight to
    the waiting thread, without a trip to Redis (a sync keeps one call more than its slots
    waiting, so a trip per request would leave a slot idle for it). A slot is passed on like
    this for `reuse_s` after it was taken from Redis, then given back there, where every
    process's waiters take turns for it: another worker waits for a slot at most that long.
    """

    def __init__(
        self,
        redis: Any,
        *,
        limit: int = DEFAULT_LIMIT,
        lease_s: float = 180.0,
        acquire_timeout_s: float = 120.0,
        wait_poll_s: float = 0.05,
        reuse_s: float = 5.0,
        handover_wait_s: float = 0.005,
        prefix: str = "netsuite:concurrency",
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        # The lease must outlive the longest HTTP request, or a slow request could lose its slot.
        self.redis = redis
        self.limit = limit
        self.lease_ms = int(lease_s * 1000)
        self.acquire_timeout_s = acquire_timeout_s
        self.wait_poll_s = wait_poll_s
        # A slot passed on keeps the lease it was taken with: pass it on for a small part of it.
        self.reuse_s = min(reuse_s, lease_s / 4)
        self.handover_wait_s = handover_wait_s
        self.prefix = prefix
        self._acquire = redis.register_script(_ACQUIRE)
        self._release = redis.register_script(_RELEASE)
        self._in_use = redis.register_script(_IN_USE)
        # This process's side: slots taken from Redis (when), threads waiting, slots handed over.
        self._local = threading.Condition()
        self._taken_at: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self._waiting: dict[str, int] = {}
        self._handed: dict[str, list[str]] = {}

    def _keys(self, key: str) -> tuple[str, str]:
        return f"{self.prefix}:{key}:slots", f"{self.prefix}:{key}:wake"

    def try_acquire(self, key: str) -> str | None:
        """Take a slot from Redis now if one is free; return its lease token."""
        slots, _ = self._keys(key)
        token = uuid.uuid4().hex
        if self._acquire(keys=[slots], args=[self.limit, self.lease_ms, token]):
            with self._local:
                self._taken_at[token] = time.monotonic()
                self._held[key] = self._held.get(key, 0) + 1
            return token
        return None

    def acquire(self, key: str) -> str:
        """Wait for a slot (handed over, or from Redis, woken by releases) or raise on timeout."""
        _, wake = self._keys(key)
        deadline = time.monotonic() + self.acquire_timeout_s
        with self._local:
            self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            while True:
                with self._local:
                    handed = self._handed.get(key)
                    token = handed.pop() if handed else None
                    if token is not None:
                        self._local.notify_all()  # the thread that handed it over steps back in
                token = token or self.try_acquire(key)
                if token is not None:
                    return token
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LimiterTimeoutError(
                        f"No free NetSuite slot for {key} within {self.acquire_timeout_s:.0f}s",
                        code="LIMITER_TIMEOUT",
                    )
                with self._local:
                    if self._held.get(key):
                        # A thread of ours holds a slot: it hands it over (or gives it back to
                        # Redis and wakes us) when done.
                        if not self._handed.get(key):
                            self._local.wait(min(self.wait_poll_s, remaining))
                        continue
                self.redis.blpop([wake], timeout=min(self.wait_poll_s, remaining))
        finally:
            with self._local:
                self._waiting[key] -= 1
                # Slots handed over for waiters that found one elsewhere meanwhile.
                handed = self._handed.get(key, [])
                spare = handed[self._waiting[key] :]
                del handed[self._waiting[key] :]
            for token in spare:
                self._give_back(key, token)

    def release(self, key: str, token: str) -> None:
        """Hand the slot to a thread of ours that waits, or give it back and wake a waiter."""
        with self._local:
            taken_at = self._taken_at.get(token)
            handed = self._handed.setdefault(key, [])
            if (
                taken_at is not None
                and time.monotonic() - taken_at < self.reuse_s
                and self._waiting.get(key, 0) > len(handed)
            ):
                handed.append(token)
                self._local.notify_all()
                # Step aside until the waiting thread has it: this one would otherwise keep the
                # GIL while it prepares and signs its next call, and the slot would stay idle
                # (0.5-1 ms a request) until it blocked.
                self._local.wait_for(lambda: token not in handed, timeout=self.handover_wait_s)
                return
        self._give_back(key, token)

    def _give_back(self, key: str, token: str) -> None:
        """Give the slot back to Redis (waking one waiter there) and our own waiters."""
        with self._local:
            if self._taken_at.pop(token, None) is not None:
                self._held[key] = max(0, self._held.get(key, 0) - 1)
        slots, wake = self._keys(key)
        self._release(keys=[slots, wake], args=[token, self.limit])
        with self._local:
            self._local.notify_all()

    def in_use(self, key: str) -> int:
        """How many unexpired slots are held for `key`."""
        slots, _ = self._keys(key)
        return int(self._in_use(keys=[slots]))

    @contextmanager
    def slot(self, key: str) -> Iterator[str]:
        """Hold one slot for `key` while the block runs."""
        token = self.acquire(key)
        try:
            yield token
        finally:
            self.release(key, token)
