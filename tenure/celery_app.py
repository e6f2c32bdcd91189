"""The Celery app. On the embedded default the broker is a folder under ./var/queue (kombu's
filesystem transport: no extra service); in production CELERY_BROKER_URL points at Redis."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")

app = Celery("tenure")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
