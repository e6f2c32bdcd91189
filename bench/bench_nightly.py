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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--as-of", required=True, help="YYYY-MM-DD (UTC midnight)")
    parser.add_argument("--full", action="store_true", help="Order and contact sums for every customer.")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    import django

    django.setup()
    from tenure.value.services import metrics_recompute, metrics_vacuum

    as_of = datetime.fromisoformat(args.as_of).replace(tzinfo=UTC)
    start = time.perf_counter()
    run = metrics_recompute(as_of=as_of, with_clv=False, full=args.full)
    total = time.perf_counter() - start
    metrics_vacuum()
    out = {
        "as_of": args.as_of,
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
