"""Time the value engine on a dataset already in a database; print JSON.

    .venv/bin/python bench/bench_value.py --db postgres://postgres@127.0.0.1:5432/tenure_valbench
    .venv/bin/python bench/bench_value.py --db postgres://…/tenure_valbench --generate 100000   # make data first
    .venv/bin/python bench/bench_value.py --db postgres://…/tenure_bench --read-only

Steps: the full recompute (metrics, ABC, RFM, lifecycle, tiers; each step timed), the BG/NBD + Gamma-Gamma
fit (data extraction and fit timed apart), the basket rules. Each is compared with a plain SQL
"floor" that reads the same rows once (orders grouped per customer; order lines), and the ratio is
printed. --read-only (implied when the database has no value tables) never writes: it runs
everything inside a READ ONLY transaction and times the metrics SELECT instead of the upsert.
"""

import argparse
import json
import os
import resource
import sys
import time
from contextlib import contextmanager, nullcontext
from datetime import UTC
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed(results: dict, name: str):
    @contextmanager
    def block():
        start = time.perf_counter()
        yield
        results[name] = round(time.perf_counter() - start, 3)

    return block()


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# Aggregating the text of every row forces PostgreSQL to compute every column (a bare count(*)
# lets the planner drop the unused aggregates); floor and engine queries are wrapped alike.
CONSUME = "count(*), sum(length(s::text))"

GENERATE_SQL = [
    # Customers, 500 products; each customer starts in 2024 and stays an exponential lifetime (mean
    # 200 days) during which their 1-n orders fall; 1-4 lines per order, a few returns.
    """INSERT INTO customers_customer (uid, kind, name, alt_name, mobile, phone, email, gender, language,
        industry, source, lifecycle_stage, tier, wants_manager, attributes, notes, allowed_channels,
        preferred_channel, do_not_contact, service_style, consent_method, created_at, updated_at)
       SELECT gen_random_uuid(), 'person', 'Bench ' || g, '', '', '', '', '', '', '', '', 'new', '', false,
        '{}', '', '[]', '', false, '', '', now(), now() FROM generate_series(1, %(n)s) g""",
    """INSERT INTO commerce_product (sku, name, category, price, cost, currency, active, created_at, updated_at)
       SELECT 'VB-' || lpad(g::text, 4, '0'), 'Bench product ' || g, '', 10 + g %% 90, 6 + g %% 50, 'CNY',
        true, now(), now() FROM generate_series(1, 500) g ON CONFLICT (sku) DO NOTHING""",
    """INSERT INTO commerce_order (number, customer_id, ordered_at, channel, currency, total, total_cost,
        line_count, is_return, created_at, updated_at)
       SELECT 'VB-' || c.id || '-' || s, c.id,
        timestamptz '2024-01-01' + ((c.id * 7919) %% 365) * interval '1 day'
          + random() * least(730 - (c.id * 7919) %% 365,
                             -ln(1 - ((c.id * 104729) %% 1000 + 0.5) / 1000) * 200) * interval '1 day',
        'online', 'CNY', 0, 0, 0, false, now(), now()
       FROM customers_customer c
       CROSS JOIN LATERAL generate_series(1, 1 + floor(-ln(1 - random()) * 2.5 + 0 * c.id)::int) s
       WHERE c.name LIKE 'Bench %%'""",
    """INSERT INTO commerce_orderline (order_id, product_id, quantity, unit_price, unit_cost, amount)
       SELECT o.id, p.id, 1, p.price, p.cost, p.price
       FROM commerce_order o
       CROSS JOIN LATERAL (
         SELECT DISTINCT (SELECT min(id) FROM commerce_product WHERE sku LIKE 'VB-%%')
                + floor(power(random(), 2.5) * 500 + 0 * o.id)::int AS pid
         FROM generate_series(1, 1 + floor(random() * 4 + 0 * o.id)::int)
       ) pick
       JOIN commerce_product p ON p.id = pick.pid
       WHERE o.number LIKE 'VB-%%'""",
    """UPDATE commerce_order o SET total = s.total, total_cost = s.cost, line_count = s.n
       FROM (SELECT order_id, sum(amount) total, sum(unit_cost * quantity) cost, count(*) n
             FROM commerce_orderline GROUP BY order_id) s
       WHERE o.id = s.order_id AND o.number LIKE 'VB-%%'""",
    """UPDATE commerce_order SET is_return = true, total = -total, total_cost = -total_cost
       WHERE number LIKE 'VB-%%' AND random() < 0.02""",
    """INSERT INTO interactions_interaction (customer_id, kind, direction, purpose, memo, occurred_at,
        created_at, updated_at)
       SELECT c.id, CASE WHEN random() < 0.2 THEN 'complaint' ELSE 'call' END, 'in', '', '',
        timestamptz '2024-01-01' + random() * interval '730 days', now(), now()
       FROM customers_customer c WHERE c.name LIKE 'Bench %%' AND random() < 0.4""",
    "ANALYZE",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", required=True, help="DATABASE_URL of the dataset")
    parser.add_argument("--generate", type=int, help="First generate this many customers (own database only)")
    parser.add_argument("--read-only", action="store_true", help="Never write (implied without value tables)")
    parser.add_argument("--min-support", type=float, default=0.005)
    parser.add_argument("--as-of", default="2026-01-01")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    import django

    django.setup()
    from datetime import datetime

    from django.db import connection, transaction

    db_name = connection.settings_dict["NAME"]
    if args.generate:
        if db_name == "tenure_bench":
            sys.exit("refusing to write to tenure_bench (it belongs to another benchmark)")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        with connection.cursor() as cur:
            for sql in GENERATE_SQL:
                cur.execute(sql, {"n": args.generate})
        print(f"generated {args.generate} customers in {time.perf_counter() - start:.1f}s", file=sys.stderr)

    tables = set(connection.introspection.table_names())
    read_only = args.read_only or "value_customermetrics" not in tables or db_name == "tenure_bench"
    as_of = datetime.fromisoformat(args.as_of).replace(tzinfo=UTC)

    out: dict = {"database": db_name, "vendor": connection.vendor, "read_only": read_only, "timings": {}}
    t = out["timings"]
    with connection.cursor() as cur:
        for table in ("customers_customer", "commerce_order", "commerce_orderline"):
            cur.execute(f"SELECT count(*) FROM {table}")
            out[table] = cur.fetchone()[0]

    from tenure.value import basket, clv, metrics
    from tenure.value.conf import value_settings

    conf = value_settings()
    # Read-only: one READ ONLY transaction. Otherwise as in production: each recompute commits,
    # then VACUUM reclaims the row versions it left.
    with transaction.atomic() if read_only else nullcontext():
        if read_only and connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION READ ONLY")
        with connection.cursor() as cur, timed(t, "floor_orders"):
            cur.execute(
                f"SELECT {CONSUME} FROM (SELECT customer_id, count(*), sum(total), sum(total_cost), "
                "min(ordered_at), max(ordered_at) FROM commerce_order WHERE ordered_at <= %s "
                "GROUP BY customer_id) s",
                [as_of],
            )
        with connection.cursor() as cur, timed(t, "floor_lines"):
            cur.execute(f"SELECT {CONSUME} FROM (SELECT order_id, product_id FROM commerce_orderline) s")

        if read_only:
            sql, params, _ = metrics.base_metrics_sql(
                as_of=as_of, rolling_days=365, marketing_attr="marketing_cost", marketing_default=0
            )
            with connection.cursor() as cur, timed(t, "metrics_select"):
                cur.execute(f"SELECT {CONSUME} FROM ({sql}) s", params)
            out["ratio_metrics_select_to_floor"] = round(t["metrics_select"] / t["floor_orders"], 2)
        else:
            from tenure.value.services import metrics_recompute, metrics_vacuum

            with timed(t, "recompute"):
                run = metrics_recompute(as_of=as_of, with_clv=False)
            t["recompute_steps"] = run.detail["timings"]
            with timed(t, "vacuum"):
                metrics_vacuum()
            with timed(t, "recompute_again"):  # same as-of: nothing changed, nothing is rewritten
                run = metrics_recompute(as_of=as_of, with_clv=False)
            t["recompute_again_steps"] = run.detail["timings"]
            t["recompute_again_written"] = run.detail.get("written")
            with timed(t, "vacuum_again"):
                metrics_vacuum()
            # The nightly case: one day later every buyer's recency and tenure moved, so those rows
            # are rewritten; labels, tiers and stages change for few.
            from datetime import timedelta

            with timed(t, "recompute_next_day"):
                run = metrics_recompute(as_of=as_of + timedelta(days=1), with_clv=False)
            t["recompute_next_day_steps"] = run.detail["timings"]
            t["recompute_next_day_written"] = run.detail.get("written")
            with timed(t, "vacuum_next_day"):
                metrics_vacuum()
            from tenure.value.services import tiers_recompute

            with timed(t, "tiers_only"):  # `tenure value tiers`: the tier step alone, steady state
                tiers_recompute(as_of=as_of + timedelta(days=1))
            out["ratio_recompute_to_floor"] = round(t["recompute"] / t["floor_orders"], 2)
        out["peak_mb_after_metrics"] = peak_mb()

        with timed(t, "clv_history"):
            h = clv.history(until=as_of, time_unit="week")
        try:
            with timed(t, "clv_fit"):
                fit = clv.fit(h)
            with timed(t, "clv_predict"):
                values = clv.predictions(h, fit)
            out["clv"] = {k: v for k, v in fit.as_dict().items() if k != "gg_note"}
            if not read_only:
                from tenure.value.services import clv_store

                with timed(t, "clv_store"):
                    clv_store(history=h, fit=fit, values=values)
        except clv.InsufficientHistory as exc:
            out["clv"] = {"skipped": str(exc)}
        out["clv_customers"] = len(h.x)
        out["ratio_clv_total_to_floor"] = round(
            sum(t.get(k, 0) for k in ("clv_history", "clv_fit", "clv_predict")) / t["floor_orders"], 2
        )
        out["peak_mb_after_clv"] = peak_mb()

        with timed(t, "basket"):
            result = basket.basket_analysis(
                min_support=args.min_support, min_confidence=0.05, max_len=int(conf["basket"]["max_len"])
            )
        out["basket"] = {
            "orders": result.orders,
            "itemsets": len(result.itemsets),
            "rules": len(result.rules),
        }
        out["ratio_basket_to_floor"] = round(t["basket"] / t["floor_lines"], 2)
        out["peak_mb"] = peak_mb()
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
