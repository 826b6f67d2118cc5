"""Helpers shared by the end-to-end tests."""

from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings
from django.test import Client

from integrations.models import SyncRun, SyncStatus


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.1, what: str = "condition"):
    """Poll until `predicate()` is truthy and return its value, or fail naming what we awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def run_finished(run: SyncRun, *, timeout: float = 30) -> SyncRun:
    """Wait until the worker has finished the run (Completed or Failed) and return it fresh."""

    def finished():
        run.refresh_from_db()
        return run.status != SyncStatus.IN_PROGRESS

    wait_for(finished, timeout=timeout, what=f"sync run {run.pk} to finish")
    return run


def free_concurrency_slots(account_id: str) -> None:
    """Drop the NetSuite concurrency slots a killed worker still holds for the account.

    In production a dead worker's slots expire with their lease (RedisConcurrencyLimiter's
    `lease_s`, 3 minutes); until then the account has that many fewer slots. Tests cannot wait
    that long, and must not leave slots behind for the next test on the same account.
    """
    if not settings.REDIS_URL:
        return  # the in-process limiter died with the worker
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(f"netsuite:concurrency:{account_id}:slots")
