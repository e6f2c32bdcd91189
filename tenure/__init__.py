"""Tenure: an open-source, retention-first CRM."""

from tenure.celery_app import app as celery_app

__version__ = "0.1.0"
__all__ = ["celery_app"]
