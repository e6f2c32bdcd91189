"""Metrics that move every day for every customer, derived when read instead of stored.

Days since the first purchase (tenure), since the last purchase (recency) and since the last contact
grow by one each day for everybody, and so does the recency-based churn risk. Stored, they made every
nightly recompute rewrite every customer's row (1M row versions at 1M customers, and every later
step of the run then scanned the bloated table). Derived from the stored dates they cost one
subtraction when read, are exact at the moment of reading (not as of the last night), and a nightly
recompute rewrites only the customers whose purchases, contacts or labels actually changed.

``derived_expression(name, at=…)`` is the SQL form, for the ORM (segments, the value engine, tier
rules read through ``metrics_with_derived``); ``DerivedMetric`` is the same value on a
``CustomerMetrics`` instance, for pages and the API. Both count whole days the same way as
``sql.days_between`` (whole seconds since 1970, difference floored to days), so a number shown on a
page is the number a segment or tier rule compares with.
"""

from datetime import datetime

from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Greatest, Least
from django.utils import timezone

from tenure.value.sql import days_between

# Derived metric -> the stored date it counts days from.
DERIVED_DAYS: dict[str, str] = {
    "tenure_days": "first_purchase_at",
    "recency_days": "last_purchase_at",
    "days_since_contact": "last_contact_at",
}
DERIVED: tuple[str, ...] = (*DERIVED_DAYS, "churn_risk")


def typical_gap(rules: dict, prefix: str = ""):
    """A customer's typical days between purchases, with the rules' default and floor."""
    return Greatest(
        Coalesce(F(f"{prefix}typical_gap_days"), Value(float(rules["default_gap_days"]))),
        Value(float(rules["min_gap_days"])),
    )


def churn_threshold(rules: dict, prefix: str = ""):
    """Days without a purchase after which the rules call a customer churned."""
    return Greatest(
        Value(float(rules["churned_gaps"])) * typical_gap(rules, prefix),
        Value(float(rules["churned_min_days"])),
    )


def _lifecycle_rules() -> dict:
    from tenure.value.conf import value_settings

    return value_settings()["lifecycle"]


def derived_expression(name: str, *, at: datetime | None = None, prefix: str = "", rules: dict | None = None):
    """The SQL expression of a derived metric as of ``at`` (default: now).

    ``prefix`` reaches the metrics from another model, e.g. ``"metrics__"`` from ``Customer``.
    Days are NULL where the date is (no purchase, no contact). Churn risk is NULL for customers
    without purchases; else 1 − the lifetime-value model's probability of being alive when a model
    was fitted, else days since the last purchase ÷ the churn threshold of the lifecycle rules, at
    most 1.
    """
    at = at or timezone.now()
    if name in DERIVED_DAYS:
        return days_between(Value(at), F(f"{prefix}{DERIVED_DAYS[name]}"))
    if name == "churn_risk":
        rules = rules or _lifecycle_rules()
        recency = Cast(derived_expression("recency_days", at=at, prefix=prefix), FloatField())
        return Case(
            # PostgreSQL's LEAST ignores a NULL argument (SQLite's MIN does not): no purchase
            # date, or no metrics row at all, must stay NULL explicitly.
            When(
                Q(**{f"{prefix}order_count": 0})
                | Q(**{f"{prefix}{DERIVED_DAYS['recency_days']}__isnull": True}),
                then=None,
            ),
            When(Q(**{f"{prefix}clv_p_alive__isnull": False}), then=Value(1.0) - F(f"{prefix}clv_p_alive")),
            default=Least(recency / churn_threshold(rules, prefix), Value(1.0)),
            output_field=FloatField(),
        )
    raise ValueError(f"unknown derived metric {name!r}")


def metrics_with_derived(queryset, *, at: datetime | None = None, names=DERIVED):
    """A ``CustomerMetrics`` queryset with the derived metrics as annotations of the same names."""
    at = at or timezone.now()
    rules = _lifecycle_rules() if "churn_risk" in names else None
    return queryset.annotate(**{n: derived_expression(n, at=at, rules=rules) for n in names})


def _whole_days(later: datetime, earlier: datetime) -> int:
    # The same arithmetic as sql.days_between: whole seconds, then integer division toward zero.
    seconds = int(later.timestamp()) - int(earlier.timestamp())
    return int(seconds / 86400)


def derived_value(name: str, metrics, at: datetime | None = None, rules: dict | None = None):
    """A derived metric of one ``CustomerMetrics`` instance as of ``at`` (default: now)."""
    at = at or timezone.now()
    if name in DERIVED_DAYS:
        when = getattr(metrics, DERIVED_DAYS[name])
        return None if when is None else _whole_days(at, when)
    if name == "churn_risk":
        if not metrics.order_count:
            return None
        if metrics.clv_p_alive is not None:
            return 1.0 - metrics.clv_p_alive
        recency = derived_value("recency_days", metrics, at)
        if recency is None:
            return None
        rules = rules or _lifecycle_rules()
        gap = max(
            metrics.typical_gap_days
            if metrics.typical_gap_days is not None
            else float(rules["default_gap_days"]),
            float(rules["min_gap_days"]),
        )
        threshold = max(float(rules["churned_gaps"]) * gap, float(rules["churned_min_days"]))
        return min(recency / threshold, 1.0)
    raise ValueError(f"unknown derived metric {name!r}")


class DerivedMetric:
    """A derived metric as an attribute of ``CustomerMetrics``: computed as of now when read, unless
    the queryset annotated it (``metrics_with_derived``), in which case the annotation is kept."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        if self.name in instance.__dict__:
            return instance.__dict__[self.name]
        return derived_value(self.name, instance)

    def __set__(self, instance, value):
        instance.__dict__[self.name] = value
