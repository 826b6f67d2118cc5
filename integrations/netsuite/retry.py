"""Retries for rate-limit and transient errors only, with capped exponential backoff and jitter."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TypeVar

from integrations import metrics

from .errors import NetSuiteError
from .limiter import ConcurrencyLimiter
from .payload import AttemptRecord

__all__ = ["RetryPolicy", "run_with_retries"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many attempts, and how long to wait between them."""

    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 15.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Equal jitter: half the capped exponential delay, plus up to the other half at random."""
        capped = min(self.max_delay_s, self.base_delay_s * (2 ** (attempt - 1)))
        return capped / 2 + (rng or random).uniform(0, capped / 2)


NO_RETRY = RetryPolicy(max_attempts=1)


def run_with_retries(
    call: Callable[..., T],
    *,
    policy: RetryPolicy,
    limiter: ConcurrencyLimiter | None,
    limiter_key: str,
    attempts: list[AttemptRecord],
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    status_of: Callable[[T], int | None] = lambda result: getattr(result, "status_code", None),
    prepare: Callable[[], object] | None = None,
) -> T:
    """Run `call`, holding a concurrency slot per attempt and releasing it while backing off.

    With `prepare`, each attempt first builds what it sends (a signed body) *before* taking a
    slot, and `call(prepared)` only sends it: a slot is held for the request alone, so the
    account's limit is spent on requests in flight, not on building them.
    """
    for number in range(1, policy.max_attempts + 1):
        started = time.monotonic()
        try:
            prepared = prepare() if prepare is not None else None
            waiting = time.monotonic()
            with limiter.slot(limiter_key) if limiter is not None else nullcontext():
                sent = time.monotonic()
                metrics.limiter_waited(sent - waiting)
                result = call(prepared) if prepare is not None else call()
        except NetSuiteError as error:
            metrics.netsuite_answered(error.status_code or type(error).__name__, _seconds(started))
            retry = error.retryable and number < policy.max_attempts
            delay = policy.delay(number, rng) if retry else None
            attempts.append(
                AttemptRecord(
                    number=number,
                    duration_ms=_ms_since(started),
                    status_code=error.status_code,
                    error_code=error.code,
                    error_class=type(error).__name__,
                    retry_delay_s=round(delay, 3) if delay is not None else None,
                )
            )
            if not retry:
                error.attempts = tuple(attempts)  # type: ignore[attr-defined]
                raise
            log.warning(
                "NetSuite %s (%s) on attempt %d; retrying in %.2fs",
                type(error).__name__,
                error.code or error.status_code,
                number,
                delay,
            )
            sleep(delay or 0)
            continue
        metrics.netsuite_answered(status_of(result), time.monotonic() - sent)
        attempts.append(
            AttemptRecord(
                number=number, duration_ms=_ms_since(started), status_code=status_of(result)
            )
        )
        return result
    raise AssertionError("unreachable: the last attempt either returns or raises")


def _seconds(started: float) -> float:
    return time.monotonic() - started


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
