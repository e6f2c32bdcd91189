"""Pareto (80/20) curves and ABC classes.

The Pareto curve ranks the customers who bought in a period by their net value, best first, and
plots the cumulative share of value against the share of customers. Customers whose returns
exceed their purchases count as customers bringing nothing (value clipped at 0), so the curve
rises monotonically from (0, 0) to (1, 1).
"""

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db.models import Case, F, FloatField, Q, Sum, When
from django.db.models.functions import Abs, Cast, Coalesce

from tenure.commerce.models import Order
from tenure.value.derived import derived_expression
from tenure.value.models import CustomerMetrics
from tenure.value.sql import fetch_array

CURVE_POINTS = 100


def _net(field: str):
    return Case(When(is_return=True, then=-Abs(F(field))), default=F(field))


def period_values(*, since: datetime | None = None, until: datetime | None = None) -> tuple[np.ndarray, ...]:
    """Net revenue and net margin per customer who ordered in [since, until), as float arrays."""
    where = Q()
    if since is not None:
        where &= Q(ordered_at__gte=since)
    if until is not None:
        where &= Q(ordered_at__lt=until)
    rows = (
        Order.objects.filter(where)
        .order_by()
        .values("customer_id")
        .annotate(
            rev=Cast(Sum(_net("total")), FloatField()),
            mar=Cast(Sum(_net("total") - _net("total_cost")), FloatField()),
        )
        .values_list("rev", "mar")
    )
    data = np.nan_to_num(fetch_array(rows, 2))
    return data[:, 0], data[:, 1]


def lorenz(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(share of customers, cumulative share of value), best customers first, starting at (0, 0)."""
    v = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))[::-1]
    n = len(v)
    x = np.arange(n + 1) / max(n, 1)
    total = v.sum()
    cum = np.concatenate([[0.0], np.cumsum(v)])
    y = cum / total if total > 0 else np.zeros(n + 1)
    if total > 0:
        y[-1] = 1.0
    return x, y


def share_at(x: np.ndarray, y: np.ndarray, at: float) -> float:
    """Share of value brought by the best ``at`` share of customers (linear between customers)."""
    return float(np.interp(at, x, y))


def customers_for(x: np.ndarray, y: np.ndarray, share: float) -> float:
    """Smallest share of customers that brings ``share`` of value (linear between customers)."""
    if len(y) < 2 or y[-1] <= 0:
        return 0.0
    i = int(np.searchsorted(y, share, side="left"))
    i = min(max(i, 1), len(y) - 1)
    y0, y1 = y[i - 1], y[i]
    frac = 0.0 if y1 == y0 else (share - y0) / (y1 - y0)
    return float(x[i - 1] + frac * (x[i] - x[i - 1]))


def downsample(x: np.ndarray, y: np.ndarray, points: int = CURVE_POINTS) -> list[list[float]]:
    idx = np.unique(np.round(np.linspace(0, len(x) - 1, min(points, len(x) - 1) + 1)).astype(int))
    return [[round(float(x[i]), 6), round(float(y[i]), 6)] for i in idx]


@dataclass
class Curve:
    total: float
    top20_share: float
    customers_for_80: float
    points: list[list[float]]

    def as_dict(self) -> dict:
        return {
            "total": round(self.total, 2),
            "top20_share": round(self.top20_share, 6),
            "customers_for_80": round(self.customers_for_80, 6),
            "points": self.points,
        }


def curve(values: np.ndarray) -> Curve:
    x, y = lorenz(values)
    return Curve(
        total=float(np.asarray(values, dtype=float).sum()) if len(values) else 0.0,
        top20_share=share_at(x, y, 0.2),
        customers_for_80=customers_for(x, y, 0.8),
        points=downsample(x, y),
    )


def pareto(*, since: datetime | None = None, until: datetime | None = None) -> dict:
    revenue, margin = period_values(since=since, until=until)
    rev = curve(revenue)
    return {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "customers": len(revenue),
        "top20_share": round(rev.top20_share, 6),
        "revenue": rev.as_dict(),
        "margin": curve(margin).as_dict(),
    }


# --- ABC ------------------------------------------------------------------------------------


def abc_classify(values: np.ndarray, thresholds=(80, 15, 5)) -> np.ndarray:
    """ABC class of each value: rank best first (stable), A while the better ones bring < A%.

    The same rule as the SQL in metrics.classify: a customer is A if the customers ranked above
    bring less than A% of all value, B if less than (A+B)%, else C; no value at all is C.
    """
    v = np.clip(np.asarray(values, dtype=float), 0, None)
    cents = np.floor(v * 100 + 0.5).astype(np.int64)
    order = np.argsort(-cents, kind="stable")
    total = int(cents.sum())
    before = np.empty(len(v), dtype=float)
    if total > 0:
        ranked = cents[order]
        before[order] = (np.cumsum(ranked) - ranked) / total
    else:
        before[:] = 1.0
    a = thresholds[0] / 100.0
    b = (thresholds[0] + thresholds[1]) / 100.0
    out = np.where(before < a, "A", np.where(before < b, "B", "C"))
    out[cents <= 0] = "C"
    return out


def metrics_as_of() -> datetime | None:
    """The moment the stored metrics describe: the as-of of the latest finished recompute."""
    from tenure.value.models import MetricsRun

    run = MetricsRun.objects.filter(status=MetricsRun.Status.OK).order_by("-finished_at", "-id").first()
    return run.as_of if run else None


def abc_values(
    *,
    basis: str,
    marketing: bool,
    tenure_weight: float,
    tenure_cap_years: float,
    as_of: datetime | None = None,
) -> np.ndarray:
    """Per-customer ABC value from the stored metrics, by the formula of metrics.abc_value_expression,
    tenure counted up to ``as_of`` (default: the as-of of the stored metrics, else now)."""
    if basis not in {"revenue", "margin"}:
        raise ValueError(f"unknown ABC basis {basis!r}")
    as_of = as_of or metrics_as_of()
    rows = CustomerMetrics.objects.order_by("customer_id").values_list(
        Cast(basis, FloatField()),
        Cast("marketing_cost", FloatField()),
        Coalesce(derived_expression("tenure_days", at=as_of), 0),
    )
    data = fetch_array(rows, 3)
    value = data[:, 0] - (data[:, 1] if marketing else 0.0)
    if tenure_weight:
        value = value * (1.0 + tenure_weight * np.minimum(data[:, 2] / 365.0, tenure_cap_years))
    return value


def abc_report(
    *, thresholds=(80, 15, 5), basis="revenue", marketing=False, tenure_weight=0.0, tenure_cap_years=10.0
) -> dict:
    values = abc_values(
        basis=basis, marketing=marketing, tenure_weight=tenure_weight, tenure_cap_years=tenure_cap_years
    )
    classes = abc_classify(values, thresholds)
    clipped = np.clip(values, 0, None)
    total = float(clipped.sum())
    out = {}
    for cls in ("A", "B", "C"):
        mask = classes == cls
        out[cls] = {
            "customers": int(mask.sum()),
            "value": round(float(clipped[mask].sum()), 2),
            "value_share": round(float(clipped[mask].sum()) / total, 6) if total else 0.0,
        }
    return {
        "thresholds": list(thresholds),
        "basis": basis,
        "marketing_cost": marketing,
        "tenure_weight": tenure_weight,
        "customers": len(values),
        "counts": {k: v["customers"] for k, v in out.items()},
        "classes": out,
    }
