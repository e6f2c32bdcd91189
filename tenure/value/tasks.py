"""The nightly value job: metrics, RFM, ABC, lifetime value, stages, then the basket rules.

Scheduled by tenure.value.apps.Config.ready() as CELERY_BEAT_SCHEDULE["value.nightly"].
"""

from datetime import timedelta

from django.utils import timezone

from tenure.core.jobs import job
from tenure.value.conf import value_settings


@job("value.nightly")
def nightly() -> dict:
    from tenure.value.basket import basket_analysis
    from tenure.value.services import association_rules_store, metrics_recompute, metrics_vacuum

    run = metrics_recompute()
    metrics_vacuum()
    conf = value_settings()["basket"]
    since = timezone.now() - timedelta(days=int(conf["since_days"])) if conf["since_days"] else None
    result = basket_analysis(
        since=since,
        min_support=float(conf["min_support"]),
        min_confidence=float(conf["min_confidence"]),
        max_len=int(conf["max_len"]),
        max_pairs_for_triples=int(conf["max_pairs_for_triples"]),
    )
    rules = association_rules_store(result=result)
    return {
        "run": run.pk,
        "customers": run.customers,
        "stage_changes": run.stage_changes,
        "rules": rules,
        **run.detail,
    }
