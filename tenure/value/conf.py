"""Configuration of the value engine: defaults below, overridden by ``settings.TENURE_VALUE``.

Every key is documented in docs/value.md. ``value_settings()`` merges one level deep, so a
deployment can write ``TENURE_VALUE = {"lifecycle": {"new_days": 60}}`` and keep the other defaults.
"""

import copy
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Hour (server time zone) of the nightly recompute.
    "nightly_hour": 2,
    # Rolling window of the "12-month" metrics, in days.
    "rolling_days": 365,
    # A recompute brings the per-customer sums (orders, interactions) up to date only for the
    # customers whose data or window changed since the last run; every this many days it recomputes
    # them for all customers instead (None: only when asked, e.g. `tenure value recompute --full`).
    "full_every_days": 7,
    # ABC: thresholds of cumulative share of value, in percent (A, B, C).
    "abc_thresholds": [80, 15, 5],
    # ABC value basis: "revenue" (net) or "margin" (net).
    "abc_basis": "revenue",
    # Subtract each customer's marketing cost (attribute below, else the default) from the basis.
    "abc_marketing_cost": False,
    "marketing_cost_attribute": "marketing_cost",
    "marketing_cost_default": 0,
    # Weight of the years of relationship: value × (1 + weight × min(years, cap)).
    "abc_tenure_weight": 0.0,
    "abc_tenure_cap_years": 10,
    # RFM: cumulative-share cut points between scores 1..5 (quantiles, ties share a score).
    "rfm_bins": [0.2, 0.4, 0.6, 0.8],
    "lifecycle": {
        "new_days": 90,  # first purchase at most this many days ago -> new
        "default_gap_days": 90,  # typical gap for customers with a single purchase day
        "min_gap_days": 7,  # a customer's typical gap is never taken as shorter than this
        "at_risk_gaps": 2.0,  # recency beyond this many typical gaps -> at risk
        "dormant_gaps": 4.0,  # ... -> dormant
        "churned_gaps": 8.0,  # ... and beyond churned_min_days -> churned
        "churned_min_days": 365,
        "won_back_days": 90,  # a won-back customer stays "won back" this long, then active
    },
    "clv": {
        "time_unit": "week",
        "horizon_days": 365,
        "discount_rate": 0.10,  # yearly
        "min_customers": 20,
        "min_repeat_customers": 5,
        "min_span_days": 28,
    },
    # Key customers (the manager's promise review, R4.3): the customers in the first N active tiers
    # (platinum and gold by default).
    "key_tiers": 2,
    "basket": {
        "min_support": 0.01,
        "min_confidence": 0.05,
        "max_len": 3,
        "max_pairs_for_triples": 5000,
        "since_days": None,  # None: all history
    },
}


def value_settings() -> dict[str, Any]:
    merged = copy.deepcopy(DEFAULTS)
    for key, value in (getattr(settings, "TENURE_VALUE", None) or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return merged
