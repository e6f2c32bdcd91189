"""Customer value: stored per-customer metrics, stage history, lifetime-value fits and basket rules.

``CustomerMetrics`` is one row per customer, written set-based by ``services.metrics_recompute`` so
lists, filters and (later) tiers and segments read it without recomputing anything. Most columns
have database defaults so that each stage of the recompute can upsert only the columns it owns.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from tenure.value.derived import DerivedMetric

ZERO = 0


class RfmSegment(models.TextChoices):
    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL_LOYALIST = "potential_loyalist", _("Potential loyalist")
    NEW = "new", _("New")
    PROMISING = "promising", _("Promising")
    NEED_ATTENTION = "need_attention", _("Need attention")
    ABOUT_TO_SLEEP = "about_to_sleep", _("About to sleep")
    AT_RISK = "at_risk", _("At risk")
    CANT_LOSE = "cant_lose", _("Can't lose them")
    HIBERNATING = "hibernating", _("Hibernating")
    LOST = "lost", _("Lost")


class AbcClass(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


def money(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, **kwargs)


class CustomerMetrics(models.Model):
    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="metrics",
        verbose_name=_("customer"),
    )
    # Purchases (net of returns), up to the time of the computation.
    revenue = money(_("lifetime revenue"), db_default=ZERO)
    margin = money(_("lifetime margin"), db_default=ZERO)
    revenue_12m = money(_("revenue, last 12 months"), db_default=ZERO)
    margin_12m = money(_("margin, last 12 months"), db_default=ZERO)
    order_count = models.PositiveIntegerField(_("orders"), db_default=ZERO)
    return_count = models.PositiveIntegerField(_("returns"), db_default=ZERO)
    purchase_days = models.PositiveIntegerField(_("days with a purchase"), db_default=ZERO)
    first_purchase_at = models.DateTimeField(_("first purchase"), null=True, blank=True)
    last_purchase_at = models.DateTimeField(_("last purchase"), null=True, blank=True)
    avg_order_value = money(_("average order value"), null=True, blank=True)
    typical_gap_days = models.FloatField(_("typical days between purchases"), null=True, blank=True)
    # Relationship.
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    complaints_12m = models.PositiveIntegerField(_("complaints, last 12 months"), db_default=ZERO)
    referrals = models.PositiveIntegerField(_("referrals made"), db_default=ZERO)
    marketing_cost = money(_("marketing cost"), db_default=ZERO)
    # RFM: score 1-5 of each dimension (from percentiles the recompute does not keep), the segment.
    rfm_r = models.PositiveSmallIntegerField(_("recency score"), null=True, blank=True)
    rfm_f = models.PositiveSmallIntegerField(_("frequency score"), null=True, blank=True)
    rfm_m = models.PositiveSmallIntegerField(_("monetary score"), null=True, blank=True)
    rfm_segment = models.CharField(
        _("RFM segment"), max_length=20, choices=RfmSegment.choices, blank=True, db_default=""
    )
    # ABC: the weighted value and the class (from the cumulative share of all better customers).
    abc_value = money(_("ABC value"), null=True, blank=True)
    abc_class = models.CharField(
        _("ABC class"), max_length=1, choices=AbcClass.choices, blank=True, db_default=""
    )
    # Lifetime value (BG/NBD + Gamma-Gamma), when a model could be fitted.
    clv_expected_purchases = models.FloatField(_("expected purchases"), null=True, blank=True)
    clv_p_alive = models.FloatField(_("probability still a customer"), null=True, blank=True)
    clv_expected_spend = money(_("expected spend per purchase"), null=True, blank=True)
    clv_value = money(_("lifetime value (discounted)"), null=True, blank=True)
    # Lifecycle stage as computed by the rules, and since when the customer has been in it.
    lifecycle_stage = models.CharField(_("lifecycle stage"), max_length=16, blank=True, db_default="")
    stage_since = models.DateTimeField(_("in this stage since"), null=True, blank=True)
    # Tier by the rules (tiers.py), before any manual override; Customer.tier is the effective one.
    computed_tier = models.CharField(_("computed tier"), max_length=32, blank=True, db_default="")
    created_at = models.DateTimeField(db_default=Now())
    # When a recompute last changed this row (an unchanged row is not rewritten).
    computed_at = models.DateTimeField(_("computed at"), db_default=Now())

    # Derived when read, from the dates above (derived.py): they change every day for everyone.
    tenure_days = DerivedMetric()
    recency_days = DerivedMetric()
    days_since_contact = DerivedMetric()
    churn_risk = DerivedMetric()

    class Meta:
        ordering = ["customer_id"]
        verbose_name = _("customer metrics")
        verbose_name_plural = _("customer metrics")
        # No secondary indexes on purpose: the recompute rewrites every row, and on PostgreSQL
        # each index turned a cheap HOT update into index maintenance (20k rows: 4.1 s with six
        # indexes, 0.14 s with none and fillfactor 50; see migration 0002 and docs/value.md).

    def __str__(self) -> str:
        return f"metrics of customer {self.customer_id}"


class MetricsRun(models.Model):
    """One recompute (on demand or nightly): what it did, for the audit trail and the job log."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        OK = "ok", _("finished")
        FAILED = "failed", _("failed")

    as_of = models.DateTimeField(_("as of"))
    started_at = models.DateTimeField(_("started"), db_default=Now())
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customers = models.PositiveIntegerField(default=0)
    stage_changes = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("metrics run")
        verbose_name_plural = _("metrics runs")

    def __str__(self) -> str:
        return f"metrics run {self.pk} as of {self.as_of:%Y-%m-%d %H:%M}"


class StageChange(models.Model):
    """Every change of a customer's lifecycle stage, with its date (R2.8)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=16, blank=True)
    to_stage = models.CharField(_("to"), max_length=16)
    changed_at = models.DateTimeField(_("changed at"))
    run = models.ForeignKey(MetricsRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [models.Index(fields=["customer", "changed_at"], name="value_stage_cust_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_stage} → {self.to_stage}"


class ClvFit(models.Model):
    """A maximum-likelihood fit of BG/NBD and Gamma-Gamma on the purchase history up to ``until``."""

    class TimeUnit(models.TextChoices):
        DAY = "day", _("day")
        WEEK = "week", _("week")

    until = models.DateField(_("calibration end"))
    time_unit = models.CharField(max_length=4, choices=TimeUnit.choices, default=TimeUnit.WEEK)
    customers = models.PositiveIntegerField(default=0)
    repeat_customers = models.PositiveIntegerField(default=0)
    r = models.FloatField()
    alpha = models.FloatField()
    a = models.FloatField()
    b = models.FloatField()
    log_likelihood = models.FloatField()
    p = models.FloatField(null=True, blank=True)
    q = models.FloatField(null=True, blank=True)
    gamma = models.FloatField(null=True, blank=True)
    gg_log_likelihood = models.FloatField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lifetime value fit")
        verbose_name_plural = _("lifetime value fits")

    def __str__(self) -> str:
        return f"CLV fit until {self.until} ({self.time_unit})"


class AssociationRule(models.Model):
    """ "Bought together": if an order holds the antecedent product(s), it tends to hold the consequent."""

    antecedent = models.ForeignKey("commerce.Product", on_delete=models.CASCADE, related_name="+")
    antecedent_2 = models.ForeignKey(
        "commerce.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    consequent = models.ForeignKey("commerce.Product", on_delete=models.CASCADE, related_name="+")
    orders = models.PositiveIntegerField(_("orders with all items"))
    support = models.FloatField(_("support"))
    confidence = models.FloatField(_("confidence"))
    lift = models.FloatField(_("lift"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-confidence", "-lift", "id"]
        verbose_name = _("association rule")
        verbose_name_plural = _("association rules")
        indexes = [
            models.Index(fields=["antecedent", "antecedent_2"], name="value_rule_ante_idx"),
            models.Index(fields=["consequent"], name="value_rule_cons_idx"),
        ]

    def __str__(self) -> str:
        return f"rule {self.pk}"


# --- Tiers (R2.3, R3.1) ------------------------------------------------------------------------
# The CustomerMetrics columns a tier rule may read: numbers only, so that a rule compiles to the
# same SQL comparison on SQLite and PostgreSQL. Label, and whether it is money (for display).
TIER_METRICS: dict[str, str] = {
    "revenue": _("lifetime revenue"),
    "margin": _("lifetime margin"),
    "revenue_12m": _("revenue, last 12 months"),
    "margin_12m": _("margin, last 12 months"),
    "order_count": _("orders"),
    "return_count": _("returns"),
    "purchase_days": _("days with a purchase"),
    "tenure_days": _("tenure (days)"),
    "recency_days": _("days since last purchase"),
    "avg_order_value": _("average order value"),
    "typical_gap_days": _("typical days between purchases"),
    "days_since_contact": _("days since last contact"),
    "complaints_12m": _("complaints, last 12 months"),
    "referrals": _("referrals made"),
    "marketing_cost": _("marketing cost"),
    "abc_value": _("ABC value"),
    "rfm_r": _("recency score"),
    "rfm_f": _("frequency score"),
    "rfm_m": _("monetary score"),
    "clv_value": _("lifetime value (discounted)"),
    "clv_expected_purchases": _("expected purchases"),
    "clv_p_alive": _("probability still a customer"),
    "churn_risk": _("churn risk"),
}
TIER_OPERATORS: dict[str, str] = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "=", "!=": "≠"}


class TierDefinition(models.Model):
    """One tier: an ordered rule over the customer metrics. The first matching rule wins; the last
    active tier catches everyone no rule above matched (whatever its own rule says)."""

    class Rule(models.TextChoices):
        TOP_PERCENT = "top_percent", _("top percent by a metric")
        CONDITIONS = "conditions", _("all conditions met")
        EVERYONE = "everyone", _("everyone else")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=64)
    name_zh = models.CharField(_("name (Chinese)"), max_length=64)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    rule = models.CharField(_("rule"), max_length=16, choices=Rule.choices, default=Rule.CONDITIONS)
    percent = models.DecimalField(_("top percent"), max_digits=6, decimal_places=3, null=True, blank=True)
    percent_metric = models.CharField(_("ranked by"), max_length=32, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    description_en = models.TextField(_("criteria for customers (English)"), blank=True)
    description_zh = models.TextField(_("criteria for customers (Chinese)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        from tenure.value.tiers import validate_rule

        validate_rule(
            rule=self.rule,
            percent=self.percent,
            percent_metric=self.percent_metric,
            conditions=self.conditions,
        )

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en

    @property
    def description(self) -> str:
        from django.utils.translation import get_language

        zh = (get_language() or "").startswith("zh")
        return (self.description_zh if zh else self.description_en) or (
            self.description_en or self.description_zh
        )


class TierOverride(models.Model):
    """A manual tier for one customer, with a reason and an optional expiry; at most one active."""

    class EndReason(models.TextChoices):
        EXPIRED = "expired", _("expired")
        REMOVED = "removed", _("removed")
        REPLACED = "replaced", _("replaced")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="tier_overrides"
    )
    tier = models.CharField(_("tier"), max_length=32)
    reason = models.TextField(_("reason"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_reason = models.CharField(_("end reason"), max_length=10, choices=EndReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tier override")
        verbose_name_plural = _("tier overrides")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(ended_at__isnull=True),
                name="value_tier_override_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.tier}"


class TierChange(models.Model):
    """Every change of a customer's effective tier (Customer.tier), with its date and cause."""

    class Source(models.TextChoices):
        COMPUTED = "computed", _("computed")
        OVERRIDE = "override", _("override")
        OVERRIDE_ENDED = "override_ended", _("override ended")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.CharField(_("from"), max_length=32, blank=True)
    to_tier = models.CharField(_("to"), max_length=32, blank=True)
    changed_at = models.DateTimeField(_("changed at"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    run = models.ForeignKey(MetricsRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        indexes = [
            models.Index(fields=["customer", "changed_at"], name="value_tierchg_cust_idx"),
            models.Index(fields=["changed_at"], name="value_tierchg_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_tier} → {self.to_tier}"
