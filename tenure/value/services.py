"""Writes of the value engine. Each is atomic; a recompute is audited once per run, not per row."""

import logging
import time
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from tenure.accounts import audit
from tenure.accounts.models import AuditEntry
from tenure.value import clv, metrics
from tenure.value.conf import value_settings
from tenure.value.metrics import _among as metrics_among
from tenure.value.models import (
    ClvFit,
    CustomerMetrics,
    MetricsRun,
    TierChange,
    TierDefinition,
    TierOverride,
)
from tenure.value.sql import ANALYTIC_WORK_MEM, add_ids, ids_table, temp_table, upsert_rows

log = logging.getLogger(__name__)


# Clocks of the machines that write orders may run this far behind the database's.
CLOCK_SKEW = timedelta(minutes=10)


def _changes_from(started_at: datetime) -> datetime:
    """The earliest ``updated_at`` a write can carry and still be invisible to this transaction:
    the start of the oldest other transaction still open on this database (it may commit rows
    stamped before we started, after our snapshot), less the allowed clock skew. SQLite has one
    writer at a time and the recompute's transaction is a write transaction: its start is enough."""
    oldest = started_at
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT min(xact_start) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            )
            other = cursor.fetchone()[0]
        if other is not None and other < oldest:
            oldest = other
    return oldest - CLOCK_SKEW


@contextmanager
def _probing(changed: int):
    """Joins by index probes for the few customers that changed (PostgreSQL).

    Left to itself the planner joins a few tens of thousands of changed customers with all 1M
    customers, metrics rows and their orders by hashing or merging whole tables (8.8 s at 1M
    for 61k customers); probing each changed customer's rows by index reads only theirs. When
    most customers changed (the run after a first one), the planner's whole-table joins are right,
    and it is left alone."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [CustomerMetrics._meta.db_table]
        )
        row = cursor.fetchone()
    few = row is not None and changed * 5 < max(float(row[0]), 0)
    if not few:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL random_page_cost = 1.1")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL random_page_cost TO DEFAULT")


def _base_key(conf: dict) -> dict:
    """What the stored base and contact metrics depend on besides the data and the as-of time: an
    earlier run computed with other settings cannot be brought up to date customer by customer."""
    return {
        "rolling_days": int(conf["rolling_days"]),
        "marketing_cost_attribute": str(conf["marketing_cost_attribute"]),
        "marketing_cost_default": str(conf["marketing_cost_default"]),
        "time_zone": str(settings.TIME_ZONE),
    }


def _incremental_base(conf: dict, as_of: datetime, full: bool) -> tuple[MetricsRun | None, str]:
    """The earlier run the base and contact steps can start from, or None and why not."""
    if full:
        return None, "asked"
    prev = MetricsRun.objects.filter(status=MetricsRun.Status.OK).order_by("-started_at", "-id").first()
    if prev is None:
        return None, "first run"
    detail = prev.detail or {}
    if detail.get("base_key") != _base_key(conf) or not detail.get("changes_from"):
        return None, "settings changed"
    last_full = detail.get("base_full_at")
    every = conf.get("full_every_days")
    if every is not None and (
        not last_full or datetime.fromisoformat(last_full) <= as_of - timedelta(days=int(every))
    ):
        return None, "weekly full run"
    return prev, ""


@transaction.atomic
def metrics_recompute(
    *, actor=None, as_of: datetime | None = None, with_clv: bool = True, full: bool = False
) -> MetricsRun:
    """Recompute every customer's metrics, RFM, ABC, lifetime value, churn risk and lifecycle stage.

    Each step is one set-based statement over all customers (see metrics.py); the lifetime-value
    fit is skipped, with the reason recorded in the run, when there is too little history.

    The base metrics (orders) and contact metrics (interactions) are per-customer sums: unless
    ``full`` is asked, the settings changed or the last full run is older than ``full_every_days``,
    they are recomputed only for the customers whose data or window changed since the last
    complete run (``metrics.changed_customers_sql``), which gives the same rows as a full run.
    Everything ranked across customers (RFM, ABC, stages, tiers) is always computed for all.
    """
    conf = value_settings()
    as_of = as_of or timezone.now()
    run = MetricsRun.objects.create(as_of=as_of, actor=actor if getattr(actor, "pk", None) else None)
    run.refresh_from_db(fields=["started_at"])
    if connection.vendor == "postgresql":
        # See sql.analytic_session: no JIT, sorts and windows in memory, for this transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(f"SET LOCAL work_mem = '{ANALYTIC_WORK_MEM}'")
    changes_from = _changes_from(run.started_at)
    prev, full_reason = _incremental_base(conf, as_of, full)
    timings: dict[str, float] = {}

    def step(name, func, *args, **kwargs):
        start = time.perf_counter()
        result = func(*args, **kwargs)
        timings[name] = round(time.perf_counter() - start, 3)
        return result

    written: dict[str, int] = {}

    def write_step(name, func, *args, **kwargs):
        written[name] = step(name, func, *args, **kwargs)

    rolling_days = int(conf["rolling_days"])
    column = connection.ops.quote_name("customer_id")
    detail: dict = {
        "base_key": _base_key(conf),
        "changes_from": changes_from.isoformat(),
        "base_full_at": as_of.isoformat() if prev is None else prev.detail.get("base_full_at"),
    }

    def base_steps(only):
        write_step(
            "base",
            metrics.base_metrics,
            as_of=as_of,
            rolling_days=rolling_days,
            marketing_attr=str(conf["marketing_cost_attribute"]),
            marketing_default=conf["marketing_cost_default"],
            only=only,
        )
        write_step("contact", metrics.contact_metrics, as_of=as_of, rolling_days=rolling_days, only=only)

    with ExitStack() as stack:
        candidates = None  # customers that can have moved stage or tier (incremental runs)
        if prev is None:
            detail["base_mode"] = "full"
            detail["base_full_reason"] = full_reason
            base_steps(None)
        else:
            detail["base_mode"] = "changed"
            detail["base_since_run"] = prev.pk
            start = time.perf_counter()
            sql, params = metrics.changed_customers_sql(
                changes_since=datetime.fromisoformat(prev.detail["changes_from"]),
                prev_as_of=prev.as_of,
                as_of=as_of,
                rolling_days=rolling_days,
            )
            changed = stack.enter_context(temp_table("tenure_value_changed", sql, params))
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(f"ANALYZE {changed}")
                cursor.execute(f"SELECT count(*) FROM {changed}")
                detail["base_customers"] = cursor.fetchone()[0]
            timings["changed"] = round(time.perf_counter() - start, 3)
            with _probing(detail["base_customers"]):
                base_steps(f"SELECT {column} FROM {changed}")
            candidates = stack.enter_context(ids_table("tenure_value_moved"))
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {candidates} (customer_id) SELECT {column} FROM {changed}")
        write_step("referrals", metrics.referral_metrics)
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
        # Since the last complete run every customer's stored stage and tier equal the computed
        # ones, except for customers whose data changed (the changed set): only those and the rows
        # this run rewrites can have moved.
        classified: list | None = [] if candidates else None
        write_step("classify", metrics.classify, as_of=as_of, conf=conf, written=classified)
        customers = CustomerMetrics.objects.count()
        only = None
        if candidates:
            add_ids(candidates, classified)
            only = f"SELECT {column} FROM {candidates}"
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {candidates}")
                moved_candidates = cursor.fetchone()[0]
        else:
            moved_candidates = customers
        with _probing(moved_candidates):
            changes = step(
                "stage_changes", metrics.record_stage_changes, as_of=as_of, run_id=run.pk, only=only
            )
            tier_result = step("tiers", tiers_apply, as_of=as_of, actor=actor, run=run, candidates=candidates)
        detail["tier_changes"] = tier_result["changes"]
    run.customers = customers
    run.stage_changes = changes
    run.status = MetricsRun.Status.OK
    run.finished_at = timezone.now()
    # Rows each step actually rewrote (unchanged customers are left alone).
    run.detail = {**detail, "timings": timings, "written": written}
    run.save(update_fields=["customers", "stage_changes", "status", "finished_at", "detail", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=run,
        changes={"customers": customers, "stage_changes": changes, "tier_changes": tier_result["changes"]},
        summary=(
            f"value metrics recomputed for {customers} customers, {changes} stage changes, "
            f"{tier_result['changes']} tier changes"
        ),
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


def value_refresh() -> dict:
    """Everything the nightly job does (also the demo): recompute the metrics, RFM, ABC, lifetime
    value, stages and tiers, vacuum, then rebuild the "bought together" rules. Not atomic as a
    whole (the vacuum runs between two atomic steps)."""
    from datetime import timedelta

    from tenure.value.basket import basket_analysis

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


def metrics_vacuum() -> bool:
    """PostgreSQL: reclaim the row versions a recompute leaves behind (every row is rewritten a few
    times), so the next recompute does not wade through them. Call after the recompute commits."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {CustomerMetrics._meta.db_table}")
    return True


# --- Tiers ---------------------------------------------------------------------------------------
def _effective_tier_changes(
    *, as_of: datetime, actor, run, ended_customer_ids: list[int], fallback: str, only: str | None = None
):
    """Customers whose stored tier differs from the effective one (active override, else computed),
    logged into TierChange and written to Customer.tier; ``only`` (a SELECT of customer ids) limits
    the search to the customers that can have moved."""
    from django.db.models import (
        BigIntegerField,
        Case,
        CharField,
        DateTimeField,
        F,
        FilteredRelation,
        Value,
        When,
    )
    from django.db.models.functions import Cast, Coalesce

    from tenure.customers.models import Customer

    changed = (
        Customer.objects.order_by()
        # LEFT JOINs (hash joins on PostgreSQL), not a correlated subquery per customer.
        .annotate(ov=FilteredRelation("tier_overrides", condition=Q(tier_overrides__ended_at__isnull=True)))
        .annotate(
            t_to=Coalesce(
                F("ov__tier"), F("metrics__computed_tier"), Value(fallback), output_field=CharField()
            )
        )
        .exclude(tier=F("t_to"))
        .filter(metrics_among("id", only) if only is not None else Q())
        .annotate(
            t_at=Value(as_of, output_field=DateTimeField()),
            t_source=Case(
                When(pk__in=ended_customer_ids, then=Value(TierChange.Source.OVERRIDE_ENDED)),
                When(ov__id__isnull=False, then=Value(TierChange.Source.OVERRIDE)),
                default=Value(TierChange.Source.COMPUTED),
                output_field=CharField(),
            ),
            # NULLs need a type on PostgreSQL (a bare NULL in a SELECT list is text).
            t_actor=Cast(Value(actor.pk if getattr(actor, "pk", None) else None), BigIntegerField()),
            t_run=Cast(Value(run.pk if run else None), BigIntegerField()),
        )
        .values("id", "tier", "t_to", "t_at", "t_source", "t_actor", "t_run")
    )
    from tenure.value.sql import temp_table, update_from_table, upsert_from_sql

    # The moved customers are found once (one join of customers, overrides and metrics) into a
    # temporary table, then logged and updated from it by primary key.
    sql, params = changed.query.get_compiler(changed.db).as_sql()
    with temp_table("tenure_tier_moves", sql, params) as moves:
        n = upsert_from_sql(
            TierChange,
            f"SELECT * FROM {moves}",
            (),
            {
                "customer_id": "id",
                "from_tier": "tier",
                "to_tier": "t_to",
                "changed_at": "t_at",
                "source": "t_source",
                "actor_id": "t_actor",
                "run_id": "t_run",
            },
            None,
        )
        if n:
            update_from_table(
                Customer, moves, key="id", columns={"tier": "t_to"}, values={"updated_at": timezone.now()}
            )
    return n


def tiers_apply(*, as_of: datetime, actor=None, run=None, candidates: str | None = None) -> dict:
    """The tier step of a recompute (no audit entry of its own; see ``tiers_recompute``).

    ``candidates``: the name of a table of customer ids (``sql.ids_table``) holding every customer
    whose data changed since the last complete run; the customers whose computed tier changes now
    and those whose override expires are added to it, and only they are looked at for tier moves
    (everybody else's stored tier equals the effective one since that run)."""
    from tenure.customers.models import Customer
    from tenure.value.tiers import active_tiers, compute_tiers

    tiers = active_tiers()
    written: list | None = [] if candidates else None
    computed = compute_tiers(tiers, as_of, written=written)
    expired = list(
        TierOverride.objects.filter(ended_at__isnull=True, expires_at__lte=as_of).values_list(
            "pk", "customer_id"
        )
    )
    if expired:
        TierOverride.objects.filter(pk__in=[pk for pk, _ in expired]).update(
            ended_at=as_of, end_reason=TierOverride.EndReason.EXPIRED, updated_at=timezone.now()
        )
        for pk, customer_id in expired:
            audit.record(
                actor=actor,
                action=AuditEntry.Action.UPDATE,
                instance=TierOverride(pk=pk),
                customer=Customer(pk=customer_id),
                changes={"end_reason": TierOverride.EndReason.EXPIRED},
                summary="tier override expired",
            )
    only = None
    if candidates:
        add_ids(candidates, [*written, *(c for _, c in expired)])
        only = f"SELECT {connection.ops.quote_name('customer_id')} FROM {candidates}"
    changes = _effective_tier_changes(
        as_of=as_of,
        actor=actor,
        run=run,
        ended_customer_ids=[c for _, c in expired],
        fallback=tiers[-1].code if tiers else "",
        only=only,
    )
    return {"computed": computed, "overrides_ended": len(expired), "changes": changes}


@transaction.atomic
def tiers_recompute(*, actor=None, as_of: datetime | None = None) -> dict:
    """Recompute every customer's tier from the stored metrics (no metrics recompute): computed tier,
    expired overrides ended, Customer.tier and TierChange written only where the tier changed."""
    as_of = as_of or timezone.now()
    start = time.perf_counter()
    result = tiers_apply(as_of=as_of, actor=actor)
    result["seconds"] = round(time.perf_counter() - start, 3)
    first = TierDefinition.objects.order_by("position", "id").first()
    if first is not None:
        audit.record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=first,
            changes={k: result[k] for k in ("computed", "overrides_ended", "changes")},
            summary=f"tiers recomputed: {result['changes']} tier changes",
        )
    return result


def _require_manager(actor) -> None:
    from django.core.exceptions import PermissionDenied

    if not (actor is not None and getattr(actor, "is_manager", False) and actor.can_write):
        raise PermissionDenied("Only managers and admins can override a customer's tier.")


def _apply_tier(*, customer, tier: str, source: str, actor, now: datetime) -> bool:
    from django.db.models.functions import Now

    from tenure.customers.models import Customer

    # The stored tier, not the possibly stale one of the instance (a recompute may have run since).
    current = (
        Customer.objects.select_for_update().filter(pk=customer.pk).values_list("tier", flat=True).first()
    )
    customer.tier = current or ""
    if customer.tier == tier:
        return False
    TierChange.objects.create(
        customer=customer, from_tier=customer.tier, to_tier=tier, changed_at=now, source=source, actor=actor
    )
    Customer.objects.filter(pk=customer.pk).update(tier=tier, updated_at=Now())
    customer.tier = tier
    return True


@transaction.atomic
def tier_override_set(
    *,
    customer,
    tier: str,
    reason: str,
    expires_at: datetime | None = None,
    actor,
    now: datetime | None = None,
) -> TierOverride:
    """Give ``customer`` a manual tier (replacing any active override), effective at once."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    _require_manager(actor)
    now = now or timezone.now()
    errors = {}
    if not TierDefinition.objects.filter(code=tier, is_active=True).exists():
        errors["tier"] = [_("Choose one of the active tiers.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Give a reason for the override.")]
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = [_("The expiry must be in the future.")]
    if errors:
        raise ValidationError(errors)
    TierOverride.objects.select_for_update().filter(customer=customer, ended_at__isnull=True).update(
        ended_at=now, ended_by=actor, end_reason=TierOverride.EndReason.REPLACED, updated_at=now
    )
    override = TierOverride(
        customer=customer, tier=tier, reason=reason.strip(), expires_at=expires_at, created_by=actor
    )
    override.full_clean()
    override.save()
    _apply_tier(customer=customer, tier=tier, source=TierChange.Source.OVERRIDE, actor=actor, now=now)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=override,
        customer=customer,
        changes={"tier": tier, "reason": override.reason, "expires_at": audit._plain(expires_at)},
        summary=f"tier override: {tier}",
    )
    return override


@transaction.atomic
def tier_override_end(*, customer, actor, now: datetime | None = None) -> TierOverride | None:
    """End the customer's active override; the computed tier applies again at once."""
    _require_manager(actor)
    now = now or timezone.now()
    override = (
        TierOverride.objects.select_for_update().filter(customer=customer, ended_at__isnull=True).first()
    )
    if override is None:
        return None
    override.ended_at = now
    override.ended_by = actor
    override.end_reason = TierOverride.EndReason.REMOVED
    override.save(update_fields=["ended_at", "ended_by", "end_reason", "updated_at"])
    # No computed tier yet (no metrics row since the customer was created): the last tier, as a
    # recompute would give.
    computed = CustomerMetrics.objects.filter(customer_id=customer.pk).values_list(
        "computed_tier", flat=True
    ).first() or (
        TierDefinition.objects.filter(is_active=True)
        .order_by("-position", "-id")
        .values_list("code", flat=True)
        .first()
        or ""
    )
    _apply_tier(
        customer=customer, tier=computed, source=TierChange.Source.OVERRIDE_ENDED, actor=actor, now=now
    )
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=override,
        customer=customer,
        changes={"end_reason": override.end_reason, "tier": [override.tier, computed]},
        summary=f"tier override ended: {override.tier} → {computed or '—'}",
    )
    return override


TIER_FIELDS = [
    "code",
    "name_en",
    "name_zh",
    "position",
    "rule",
    "percent",
    "percent_metric",
    "conditions",
    "description_en",
    "description_zh",
    "is_active",
]


@transaction.atomic
def tier_definition_save(*, actor, definition: TierDefinition | None = None, **fields) -> TierDefinition:
    """Create or update a tier definition (admins only); validated, audited. Takes effect at the next
    recompute (the tiers page has a button)."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils.translation import gettext as _

    from tenure.value.tiers import validate_rule

    if not (actor is not None and getattr(actor, "is_admin", False)):
        raise PermissionDenied("Only admins can edit tier definitions.")
    unknown = set(fields) - set(TIER_FIELDS)
    if unknown:
        raise TypeError(f"unknown tier fields: {sorted(unknown)}")
    creating = definition is None
    if creating:
        definition = TierDefinition()
        if "position" not in fields:
            last = TierDefinition.objects.order_by("-position").values_list("position", flat=True).first()
            fields["position"] = (last or 0) + 1
    before = audit.snapshot(definition, TIER_FIELDS) if not creating else {}
    if not creating and "code" in fields and fields["code"] != definition.code:
        # History, overrides, SLA policies and routing rules refer to tiers by code.
        raise ValidationError({"code": [_("The code of an existing tier cannot change.")]})
    for key, value in fields.items():
        setattr(definition, key, value)
    if definition.rule != TierDefinition.Rule.TOP_PERCENT:
        definition.percent = definition.percent if definition.percent not in ("",) else None
    definition.conditions = validate_rule(
        rule=definition.rule,
        percent=definition.percent,
        percent_metric=definition.percent_metric,
        conditions=definition.conditions,
    )
    definition.full_clean()
    definition.save()
    after = audit.snapshot(definition, TIER_FIELDS)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
        instance=definition,
        changes=after if creating else audit.diff(before, after),
        summary=f"tier {definition.code} {'created' if creating else 'updated'}",
    )
    return definition
