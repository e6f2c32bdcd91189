"""Background jobs: one decorator makes a function a Celery task that records each run in JobRun.

The same task runs on the embedded default (Celery over a folder queue under ./var, worker started
by `tenure serve`) and in production (Redis broker, `tenure worker` on any number of machines).
"""

import functools
import traceback

from celery import shared_task
from django.utils import timezone

from tenure.core.models import JobRun


def job(name: str, **task_options):
    def decorator(func):
        @shared_task(name=name, **task_options)
        @functools.wraps(func)
        def task(*args, **kwargs):
            run = JobRun.objects.create(name=name, started_at=timezone.now())
            try:
                result = func(*args, **kwargs)
            except Exception as exc:
                run.status = JobRun.Status.FAILED
                run.detail = {"error": repr(exc), "traceback": traceback.format_exc()[-4000:]}
                run.finished_at = timezone.now()
                run.save(update_fields=["status", "detail", "finished_at"])
                raise
            run.status = JobRun.Status.OK
            run.detail = result if isinstance(result, dict) else {"result": result}
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "detail", "finished_at"])
            return result

        return task

    return decorator
