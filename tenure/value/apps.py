from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "tenure.value"
    label = "value"
    verbose_name = _("customer value")

    def ready(self) -> None:
        # The nightly recompute is scheduled here rather than in settings.py so the app owns it;
        # a deployment can replace or disable it by defining the same key in CELERY_BEAT_SCHEDULE.
        from django.conf import settings

        from tenure.value.conf import value_settings

        hour = int(value_settings()["nightly_hour"])
        schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
        if isinstance(schedule, dict) and "value.nightly" not in schedule:
            from celery.schedules import crontab

            schedule["value.nightly"] = {"task": "value.nightly", "schedule": crontab(hour=hour, minute=15)}
