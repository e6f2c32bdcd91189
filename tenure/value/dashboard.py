"""Read-only analyses for the value dashboard and the value API, over the customers a user may see.

Every function takes the user and reaches customers only through ``Customer.objects.visible_to``
(via ``visible_customers_q``), so an agent's dashboard counts only their own and their team's
customers. The whole-company versions used by the ``tenure value`` commands live in pareto.py and
rfm.py; the curve and class arithmetic is shared with them.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.core.exceptions import ValidationError
from django.db.models import Avg, Case, Count, F, FloatField, Q, Sum, When
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from tenure.commerce.models import Order
from tenure.core.api import visible_customers_q
from tenure.core.jobs import job
from tenure.customers.models import Customer
from tenure.value import pareto as pareto_mod
from tenure.value.conf import value_settings
from tenure.value.models import ClvFit, CustomerMetrics, StageChange
from tenure.value.sql import fetch_array

COHORT_MONTHS = 24
PERIODS = ("all", "12m", "custom")


def visible_metrics(user):
    """Stored metrics of the customers ``user`` may see (no subquery when they see everyone)."""
    return CustomerMetrics.objects.filter(visible_customers_q(user)).order_by()


# --- Period ----------------------------------------------------------------------------------


@dataclass
class Period:
    key: str  # all | 12m | custom
    since: datetime | None = None
    until: datetime | None = None
    since_date: date | None = None
    until_date: date | None = None  # inclusive, as the user typed it


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def parse_period(params, *, now: datetime | None = None) -> Period:
    """``period`` = all (default) | 12m | custom with ``since`` and ``until`` (YYYY-MM-DD, inclusive).

    Raises ValidationError (field -> message) for an unknown period or bad dates.
    """
    key = (params.get("period") or "").strip()
    since_raw = (params.get("since") or "").strip()
    until_raw = (params.get("until") or "").strip()
    if not key:
        key = "custom" if (since_raw or until_raw) else "all"
    if key not in PERIODS:
        raise ValidationError({"period": [_("Choose all, 12m or custom.")]})
    now = now or timezone.now()
    if key == "all":
        return Period("all")
    if key == "12m":
        return Period("12m", since=now - timedelta(days=int(value_settings()["rolling_days"])), until=None)
    errors: dict[str, list[str]] = {}
    dates: dict[str, date | None] = {}
    for name, raw in (("since", since_raw), ("until", until_raw)):
        try:
            dates[name] = parse_date(raw) if raw else None
        except ValueError:
            dates[name] = None
            errors[name] = [_("Not a valid date: %(value)s (use YYYY-MM-DD).") % {"value": raw}]
            continue
        if raw and dates[name] is None:
            errors[name] = [_("Not a valid date: %(value)s (use YYYY-MM-DD).") % {"value": raw}]
    if not errors and not (dates["since"] or dates["until"]):
        errors["since"] = [_("Give a start date, an end date or both.")]
    if not errors and dates["since"] and dates["until"] and dates["since"] > dates["until"]:
        errors["until"] = [_("The end date must not be before the start date.")]
    if errors:
        raise ValidationError(errors)
    return Period(
        "custom",
        since=_local_midnight(dates["since"]) if dates["since"] else None,
        until=_local_midnight(dates["until"] + timedelta(days=1)) if dates["until"] else None,
        since_date=dates["since"],
        until_date=dates["until"],
    )


# --- Pareto ----------------------------------------------------------------------------------


def pareto_for(user, period: Period) -> dict:
    """Pareto curves of net revenue and net margin over the visible customers who ordered in the
    period (see pareto.py for the rules: clipped at 0, best first, linear between customers)."""
    where = visible_customers_q(user)
    if period.since is not None:
        where &= Q(ordered_at__gte=period.since)
    if period.until is not None:
        where &= Q(ordered_at__lt=period.until)
    net = pareto_mod._net
    rows = (
        Order.objects.filter(where)
        .order_by()
        .values("customer_id")
        .annotate(
            rev=Cast(Sum(net("total")), FloatField()),
            mar=Cast(Sum(net("total") - net("total_cost")), FloatField()),
        )
        .values_list("rev", "mar")
    )
    data = np.nan_to_num(fetch_array(rows, 2))
    revenue, margin = data[:, 0], data[:, 1]
    return {
        "period": period.key,
        "since": period.since.isoformat() if period.since else None,
        "until": period.until.isoformat() if period.until else None,
        "customers": len(revenue),
        "revenue": pareto_mod.curve(revenue).as_dict(),
        "margin": pareto_mod.curve(margin).as_dict(),
    }


# --- ABC -------------------------------------------------------------------------------------


def abc_for(user) -> dict:
    """Customers and share of ABC value per class (as stored by the last recompute)."""
    conf = value_settings()
    positive = Case(When(abc_value__gt=0, then=F("abc_value")), default=None)
    rows = {
        row["abc_class"]: row
        for row in visible_metrics(user)
        .exclude(abc_class="")
        .values("abc_class")
        .annotate(n=Count("customer_id"), value=Sum(positive))
    }
    total = sum(float(r["value"] or 0) for r in rows.values())
    classes = {}
    for cls in ("A", "B", "C"):
        row = rows.get(cls) or {"n": 0, "value": 0}
        value = float(row["value"] or 0)
        classes[cls] = {
            "customers": row["n"],
            "value": round(value, 2),
            "value_share": round(value / total, 6) if total else 0.0,
        }
    customers = sum(c["customers"] for c in classes.values())
    return {
        "thresholds": list(conf["abc_thresholds"]),
        "basis": conf["abc_basis"],
        "customers": customers,
        "classes": classes,
    }


# --- RFM -------------------------------------------------------------------------------------


def rfm_size() -> int:
    return len(value_settings()["rfm_bins"]) + 1


def rfm_for(user) -> dict:
    """R × F grid: customers and mean lifetime revenue per cell (rows R 1..5, columns F 1..5)."""
    size = rfm_size()
    counts = [[0] * size for _ in range(size)]
    mean = [[None] * size for _ in range(size)]
    cells = (
        visible_metrics(user)
        .filter(rfm_r__isnull=False, rfm_f__isnull=False)
        .values("rfm_r", "rfm_f")
        .annotate(n=Count("customer_id"), m=Avg(Cast("revenue", FloatField())))
    )
    for cell in cells:
        r, f = cell["rfm_r"] - 1, cell["rfm_f"] - 1
        if 0 <= r < size and 0 <= f < size:
            counts[r][f] = cell["n"]
            mean[r][f] = round(float(cell["m"] or 0), 2)
    return {
        "rows": "R",
        "columns": "F",
        "counts": counts,
        "mean_revenue": mean,
        "customers": sum(map(sum, counts)),
    }


def rfm_cell_customers(user, r: int, f: int):
    """The visible customers' metrics in one R × F cell, best revenue first (for a paginated list)."""
    return (
        visible_metrics(user)
        .filter(rfm_r=r, rfm_f=f)
        .select_related("customer")
        .order_by("-revenue", "customer_id")
    )


# --- Lifecycle -------------------------------------------------------------------------------


def stages_for(user) -> list[dict]:
    """Visible customers per lifecycle stage, in the order of Customer.Stage."""
    counts = dict(
        Customer.objects.visible_to(user)
        .order_by()
        .values_list("lifecycle_stage")
        .annotate(n=Count("pk"))
        .values_list("lifecycle_stage", "n")
    )
    return [
        {"stage": value, "label": str(label), "customers": counts.get(value, 0)}
        for value, label in Customer.Stage.choices
    ]


def recent_stage_changes(user, limit: int = 10):
    return list(
        StageChange.objects.filter(visible_customers_q(user))
        .select_related("customer")
        .order_by("-changed_at", "-id")[:limit]
    )


# --- Cohorts ---------------------------------------------------------------------------------


def _month_index(d) -> int:
    return d.year * 12 + d.month - 1


def _month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def cohorts_for(user, *, months: int = COHORT_MONTHS, now: datetime | None = None) -> dict:
    """Monthly cohort retention: cohort = local month of the first purchase (stored metrics), and for
    each later month the share of the cohort who bought in it (returns are not purchases).

    Two set-based queries: cohort sizes from the metrics, and distinct buyers per (cohort, month)
    from the orders joined to their customer's first purchase. The last ``months`` cohorts only.
    """
    now = now or timezone.now()
    last = _month_index(timezone.localtime(now))
    first = last - months + 1
    start = _local_midnight(date(first // 12, first % 12 + 1, 1))
    sizes_q = (
        visible_metrics(user)
        .filter(first_purchase_at__gte=start, first_purchase_at__lte=now)
        .annotate(cohort=TruncMonth("first_purchase_at"))
        .values("cohort")
        .annotate(n=Count("customer_id"))
        .values_list("cohort", "n")
    )
    sizes = {_month_index(c): n for c, n in sizes_q}
    active_q = (
        Order.objects.filter(
            visible_customers_q(user),
            is_return=False,
            customer__metrics__first_purchase_at__gte=start,
            customer__metrics__first_purchase_at__lte=now,
            ordered_at__lte=now,
        )
        .order_by()
        .annotate(cohort=TruncMonth("customer__metrics__first_purchase_at"), month=TruncMonth("ordered_at"))
        .values("cohort", "month")
        .annotate(n=Count("customer_id", distinct=True))
        .values_list("cohort", "month", "n")
    )
    active: dict[tuple[int, int], int] = {}
    for cohort, month, n in active_q:
        c, m = _month_index(cohort), _month_index(month)
        if m >= c:
            active[(c, m - c)] = n
    rows = []
    for c in range(first, last + 1):
        size = sizes.get(c, 0)
        if not size:
            continue
        cells = []
        for offset in range(0, last - c + 1):
            n = active.get((c, offset), 0)
            cells.append({"customers": n, "pct": round(100.0 * n / size, 1)})
        rows.append({"cohort": _month_label(c), "customers": size, "months": cells})
    return {"months": months, "max_offset": last - first, "cohorts": rows}


# --- Lifetime value --------------------------------------------------------------------------

HOLDOUT_JOB = "value.holdout"


def clv_for(user) -> dict:
    """The latest lifetime-value fit (model parameters, whole company) and the visible customers'
    predicted value (sum, mean P(alive)) from the stored metrics."""
    fit = ClvFit.objects.order_by("-created_at", "-id").first()
    agg = visible_metrics(user).aggregate(
        n=Count("customer_id", filter=Q(clv_p_alive__isnull=False)),
        value=Sum("clv_value"),
        p_alive=Avg("clv_p_alive"),
        purchases=Sum("clv_expected_purchases"),
    )
    return {
        "fit": fit,
        "customers": agg["n"],
        "value": float(agg["value"] or 0),
        "mean_p_alive": float(agg["p_alive"]) if agg["p_alive"] is not None else None,
        "expected_purchases": float(agg["purchases"] or 0),
    }


def latest_holdout():
    """The result of the last successful hold-out validation run (a JobRun), or None."""
    from tenure.core.models import JobRun

    return (
        JobRun.objects.filter(name=HOLDOUT_JOB, status=JobRun.Status.OK)
        .order_by("-started_at", "-id")
        .first()
    )


def holdout_split(fit: ClvFit | None, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    """Calibration end and hold-out end for an on-demand validation: the last quarter of the
    history up to the latest fit (at most 26 weeks) is held out."""
    end = _local_midnight(fit.until) if fit else (now or timezone.now())
    first = (
        Order.objects.filter(is_return=False)
        .order_by("ordered_at")
        .values_list("ordered_at", flat=True)
        .first()
    )
    span = (end - first).days if first else 0
    holdout_days = max(28, min(182, span // 4))
    return end - timedelta(days=holdout_days), end


@job(HOLDOUT_JOB)
def holdout_job(*, calibration_end: str, holdout_end: str, time_unit: str = "week") -> dict:
    """Fit on the history up to ``calibration_end`` and compare predicted with actual repeat
    purchases up to ``holdout_end`` (clv.holdout_validation); the result is kept in the JobRun."""
    from tenure.value import clv

    return clv.holdout_validation(
        until=datetime.fromisoformat(calibration_end),
        holdout_until=datetime.fromisoformat(holdout_end),
        time_unit=time_unit,
    )
