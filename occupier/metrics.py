"""/metrics for Prometheus: django-prometheus's request and database figures, NetSuite traffic
(integrations.metrics), and, read at scrape time, syncs by outcome and the Celery queue depth."""

from __future__ import annotations

import ipaddress
import os

import prometheus_client
from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse, HttpResponseForbidden
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from integrations.models import SyncRun, SyncStatus
from occupier.celery import app as celery_app

QUEUES = ("celery",)


class LedgerCollector:
    """Figures every process agrees on, because they come from the database and the broker."""

    def collect(self):
        runs = GaugeMetricFamily(
            "occupier_sync_runs", "Sync runs in the ledger, by outcome.", labels=["outcome"]
        )
        counts = dict(SyncRun.objects.values_list("status").annotate(n=Count("id")).order_by())
        for status in SyncStatus.values:
            runs.add_metric([status], counts.get(status, 0))
        yield runs
        depth = GaugeMetricFamily(
            "occupier_queue_depth", "Tasks waiting in the broker queue.", labels=["queue"]
        )
        for queue, size in queue_depths().items():
            depth.add_metric([queue], size)
        yield depth


def queue_depths() -> dict[str, int]:
    """Messages waiting per queue (Redis broker); empty when the broker cannot say."""
    depths: dict[str, int] = {}
    try:
        with celery_app.connection_for_read() as connection:
            channel = connection.default_channel
            for queue in QUEUES:
                depths[queue] = channel.queue_declare(queue=queue, passive=True).message_count
    except Exception:  # noqa: BLE001 - a broker that cannot answer has no figure, not a 500
        return {}
    return depths


def _registry() -> prometheus_client.CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each gunicorn and Celery process writes its figures to files; add them up here.
        registry = prometheus_client.CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = prometheus_client.CollectorRegistry()
        registry.register(_Everything())
    registry.register(LedgerCollector())
    return registry


class _Everything:
    """This process's default registry, read through another registry."""

    def collect(self):
        yield from prometheus_client.REGISTRY.collect()


def _allowed(address: str) -> bool:
    """Whether the address is in METRICS_ALLOWED_ADDRESSES (addresses or networks)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(
        ip in ipaddress.ip_network(allowed, strict=False)
        for allowed in settings.METRICS_ALLOWED_ADDRESSES
    )


def metrics(request):
    """Only the scraper's addresses may read it: it describes every company together."""
    if not _allowed(request.META.get("REMOTE_ADDR", "")):
        return HttpResponseForbidden("Metrics are available only to the monitoring server.")
    body = prometheus_client.generate_latest(_registry())
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
