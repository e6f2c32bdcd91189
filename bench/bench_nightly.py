#!/usr/bin/env python
"""One nightly value recompute (metrics, RFM, ABC, stages, tiers; no CLV) as of a date, on an existing
dataset that already has metrics: prints the step timings and the rows each step rewrote as JSON.

    .venv/bin/python bench/bench_nightly.py --db postgres://postgres@127.0.0.1:5432/tenure_valbench1m --as-of 2026-11-27

Writes to the database (a MetricsRun, changed metrics, stages and tiers): never point it at a
dataset another benchmark reads.
"""

import argparse
import json
import os
import time
from datetime import UTC, datetime


def add_orders(n: int, as_of: datetime) -> int:
    """n orders (totals only: the metrics read orders, not lines) dated in the 24 hours before as_of,
    for customers drawn at random, written as the order services would (stamped now)."""
    import random
    from datetime import timedelta
    from decimal import Decimal

    from django.db.models import Max

    from tenure.commerce.models import Order

    rng = random.Random(as_of.toordinal())
    top = Order._meta.get_field("customer").related_model.objects.aggregate(m=Max("id"))["m"]
    orders = []
    for i in range(n):
        total = Decimal(rng.randint(500, 90000)) / 100
        orders.append(
            Order(
                number=f"NIGHTLY-{as_of:%Y%m%d}-{i:07d}",
                customer_id=rng.randint(1, top),
                ordered_at=as_of - timedelta(seconds=rng.randint(1, 86399)),
                total=total,
                total_cost=(total * Decimal("0.6")).quantize(Decimal("0.01")),
                line_count=1,
            )
        )
    Order.objects.bulk_create(orders, batch_size=5000)
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--as-of", required=True, help="YYYY-MM-DD (UTC midnight)")
    parser.add_argument("--full", action="store_true", help="Order and contact sums for every customer.")
    parser.add_argument(
        "--new-orders",
        type=int,
        default=0,
        help="First write this many orders of the day before --as-of for random customers (a day's trade).",
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    import django

    django.setup()
    from tenure.value.services import metrics_recompute, metrics_vacuum

    as_of = datetime.fromisoformat(args.as_of).replace(tzinfo=UTC)
    added = add_orders(args.new_orders, as_of) if args.new_orders else 0
    start = time.perf_counter()
    run = metrics_recompute(as_of=as_of, with_clv=False, full=args.full)
    total = time.perf_counter() - start
    metrics_vacuum()
    out = {
        "as_of": args.as_of,
        "new_orders": added,
        "total_seconds": round(total, 1),
        "timings": run.detail["timings"],
        "written": run.detail["written"],
        "stage_changes": run.stage_changes,
        "tier_changes": run.detail["tier_changes"],
        "base_mode": run.detail.get("base_mode"),
        "base_customers": run.detail.get("base_customers"),
        "loadavg": os.getloadavg(),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
