"""The nightly value job: metrics, RFM, ABC, lifetime value, stages, tiers, then the basket rules.

Scheduled by tenure.value.apps.Config.ready() as CELERY_BEAT_SCHEDULE["value.nightly"].
"""

from tenure.core.jobs import job


@job("value.nightly")
def nightly() -> dict:
    from tenure.value.services import value_refresh

    return value_refresh()
