"""Writes of the value engine. Each is atomic; a recompute is audited once per run, not per row."""

import logging
import time
from datetime import datetime

import numpy as np
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from tenure.accounts import audit
from tenure.accounts.models import AuditEntry
from tenure.value import clv, metrics
from tenure.value.conf import value_settings
from tenure.value.models import ClvFit, CustomerMetrics, MetricsRun
from tenure.value.sql import ANALYTIC_WORK_MEM, upsert_rows

log = logging.getLogger(__name__)


@transaction.atomic
def metrics_recompute(*, actor=None, as_of: datetime | None = None, with_clv: bool = True) -> MetricsRun:
    """Recompute every customer's metrics, RFM, ABC, lifetime value, churn risk and lifecycle stage.

    Each step is one set-based statement over all customers (see metrics.py); the lifetime-value
    fit is skipped, with the reason recorded in the run, when there is too little history.
    """
    conf = value_settings()
    as_of = as_of or timezone.now()
    run = MetricsRun.objects.create(as_of=as_of, actor=actor if getattr(actor, "pk", None) else None)
    if connection.vendor == "postgresql":
        # See sql.analytic_session: no JIT, sorts and windows in memory, for this transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(f"SET LOCAL work_mem = '{ANALYTIC_WORK_MEM}'")
    timings: dict[str, float] = {}

    def step(name, func, *args, **kwargs):
        start = time.perf_counter()
        result = func(*args, **kwargs)
        timings[name] = round(time.perf_counter() - start, 3)
        return result

    customers = step(
        "base",
        metrics.base_metrics,
        as_of=as_of,
        rolling_days=int(conf["rolling_days"]),
        marketing_attr=str(conf["marketing_cost_attribute"]),
        marketing_default=conf["marketing_cost_default"],
    )
    step("contact", metrics.contact_metrics, as_of=as_of, rolling_days=int(conf["rolling_days"]))
    step("referrals", metrics.referral_metrics)
    detail: dict = {}
    if with_clv:
        start = time.perf_counter()
        try:
            fit = clv.clv_fit_and_store(until=as_of, time_unit=conf["clv"]["time_unit"])
            detail["clv_fit"] = fit.pk
        except clv.InsufficientHistory as exc:
            CustomerMetrics.objects.exclude(clv_p_alive=None, clv_expected_purchases=None).update(
                **dict.fromkeys(CLV_FIELDS)
            )
            detail["clv_skipped"] = str(exc)
        timings["clv"] = round(time.perf_counter() - start, 3)
    step("classify", metrics.classify, as_of=as_of, conf=conf)
    changes = step("stage_changes", metrics.record_stage_changes, as_of=as_of, run_id=run.pk)
    run.customers = customers
    run.stage_changes = changes
    run.status = MetricsRun.Status.OK
    run.finished_at = timezone.now()
    run.detail = {**detail, "timings": timings}
    run.save(update_fields=["customers", "stage_changes", "status", "finished_at", "detail", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=run,
        changes={"customers": customers, "stage_changes": changes},
        summary=f"value metrics recomputed for {customers} customers, {changes} stage changes",
    )
    return run


CLV_FIELDS = ["clv_expected_purchases", "clv_p_alive", "clv_expected_spend", "clv_value"]


def _clean(array, digits: int):
    if array is None:
        return None
    values = np.asarray(array, dtype=float)
    out = np.round(values, digits).astype(object)
    out[~np.isfinite(values)] = None
    return out.tolist()


@transaction.atomic
def clv_store(*, history, fit, values: dict, actor=None, batch_size: int = 100_000) -> ClvFit:
    """Store a lifetime-value fit and each fitted customer's predictions (batched upserts)."""
    row = ClvFit.objects.create(
        until=clv.local_date(history.until),
        time_unit=fit.time_unit,
        customers=fit.customers,
        repeat_customers=fit.repeat_customers,
        r=fit.r,
        alpha=fit.alpha,
        a=fit.a,
        b=fit.b,
        log_likelihood=fit.log_likelihood,
        p=fit.p,
        q=fit.q,
        gamma=fit.gamma,
        gg_log_likelihood=fit.gg_log_likelihood,
        detail={"converged": fit.converged, "gg_note": fit.gg_note},
    )
    # Customers outside this fit (no purchase up to its end) lose their old predictions.
    CustomerMetrics.objects.exclude(clv_p_alive=None, clv_expected_purchases=None).filter(
        Q(first_purchase_at=None) | Q(first_purchase_at__gt=history.until)
    ).update(**dict.fromkeys(CLV_FIELDS))
    columns = {
        "clv_expected_purchases": _clean(values.get("expected_purchases"), 6),
        "clv_p_alive": _clean(values.get("p_alive"), 6),
        "clv_expected_spend": _clean(values.get("expected_spend"), 2),
        "clv_value": _clean(values.get("clv"), 2),
    }
    n = len(history.customer_ids)
    upsert_rows(
        CustomerMetrics,
        {
            "customer_id": history.customer_ids.tolist(),
            **{k: v if v is not None else [None] * n for k, v in columns.items()},
        },
        "customer_id",
        batch_size=batch_size,
    )
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=row,
        changes={"customers": fit.customers},
        summary=f"lifetime value fitted until {row.until} for {fit.customers} customers",
    )
    return row


@transaction.atomic
def association_rules_store(*, result, actor=None, max_rules: int = 200_000) -> int:
    """Replace the stored "bought together" rules with those of ``result`` (best lift first)."""
    from tenure.value.models import AssociationRule

    AssociationRule.objects.all().delete()
    objs = [
        AssociationRule(
            antecedent_id=rule.antecedents[0],
            antecedent_2_id=rule.antecedents[1] if len(rule.antecedents) > 1 else None,
            consequent_id=rule.consequent,
            orders=rule.orders,
            support=rule.support,
            confidence=rule.confidence,
            lift=rule.lift,
        )
        for rule in result.rules[:max_rules]
    ]
    AssociationRule.objects.bulk_create(objs, batch_size=5000)
    log.info("stored %d association rules over %d orders", len(objs), result.orders)
    return len(objs)


def metrics_vacuum() -> bool:
    """PostgreSQL: reclaim the row versions a recompute leaves behind (every row is rewritten a few
    times), so the next recompute does not wade through them. Call after the recompute commits."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {CustomerMetrics._meta.db_table}")
    return True
