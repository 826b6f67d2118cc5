"""The health endpoint: is the database reachable, is the broker reachable."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from occupier.celery import app as celery_app


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@require_GET
def health(request):
    results, healthy = {}, True
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            results[name] = check()
        except Exception as error:  # noqa: BLE001 - any failure means unhealthy; say which
            results[name] = f"error: {type(error).__name__}"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "error", **results}, status=200 if healthy else 503
    )
