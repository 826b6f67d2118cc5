"""The Celery app: configured from Django settings under the CELERY_ prefix."""

import os

from celery import Celery, signals

from occupier.logs import task_context_end, task_context_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "occupier.settings")

app = Celery("occupier")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
def _log_context_start(task_id=None, task=None, args=None, kwargs=None, **_):
    # Every log line of a task carries its id, and a sync task's run and company ids.
    task_context_start(task_id or "", getattr(task, "name", ""), args or (), kwargs or {})


@signals.task_postrun.connect
def _log_context_end(**_):
    task_context_end()
