#!/usr/bin/env python
"""Build a big Tenure dataset fast and print what was built as JSON.

    .venv/bin/python bench/build_dataset.py --customers 1000000 --lines 10000000 \
        --db postgres://postgres@127.0.0.1:5432/tenure_bench --fresh

It reuses the demo generator (tenure/core/demo.py): the same customers, staff, products, skewed
purchase histories, interactions and search entries as `tenure demo`, written with one statement per
batch and table — PostgreSQL `COPY … FROM STDIN` (psycopg 3), SQLite `executemany` — instead of
model instances, because at 10M order lines per-object ORM overhead would dominate. With
--defer-indexes (default) the search index is not maintained during the load and built once at the
end: the GIN index on the entries is dropped and created again (PostgreSQL), the triggers that feed
the FTS5 table are dropped, the FTS index built with 'rebuild' and the triggers created again
(SQLite). Then VACUUM (ANALYZE) runs on PostgreSQL (ANALYZE on SQLite): statistics for the planner
and the visibility map.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import db_label, emit, fresh_database, log, machine, maxrss_mb, setup_django  # noqa: E402


class TimeUp(Exception):
    pass


def table_counts() -> dict:
    from tenure.commerce.models import Order, OrderLine
    from tenure.customers.models import Address, Contact, Customer, SearchDoc
    from tenure.interactions.models import Interaction

    models = {
        "customers": Customer,
        "contacts": Contact,
        "addresses": Address,
        "tag_links": Customer.tags.through,
        "orders": Order,
        "lines": OrderLine,
        "interactions": Interaction,
        "search_docs": SearchDoc,
    }
    return {name: model.objects.count() for name, model in models.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000, help="Target order lines (approximate).")
    parser.add_argument("--db", required=True, help="DATABASE_URL, e.g. sqlite:////work/bench-data/t.sqlite3")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--fresh", action="store_true", help="Drop and recreate the database first.")
    parser.add_argument("--no-defer-indexes", dest="defer_indexes", action="store_false")
    parser.add_argument("--staff-password", help="Password for the demo staff (default: unusable).")
    parser.add_argument(
        "--max-seconds", type=float, help="Stop generating after this long (whole batches), then finish."
    )
    parser.add_argument(
        "--finish-only",
        action="store_true",
        help="Only build the search index and ANALYZE (after an interrupted build).",
    )
    args = parser.parse_args()

    if args.fresh:
        fresh_database(args.db)
    setup_django(args.db)
    from django.core.management import call_command
    from django.db import connection

    from tenure.core import demo
    from tenure.customers import search
    from tenure.customers.models import Customer

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if args.finish_only:
        args.defer_indexes = True
    elif Customer.objects.exists():
        sys.exit("The database already has customers: use --fresh or another database.")
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:  # a bulk load: bigger page cache, no fsync per batch
            cur.execute("PRAGMA cache_size=-1000000")
            cur.execute("PRAGMA synchronous=OFF")
    if args.defer_indexes and not args.finish_only:
        with connection.cursor() as cur:
            search.suspend_index(cur)

    cpu0 = time.process_time()

    def progress(counts):
        done = counts["customers"]
        if done % 50_000 < args.batch_size:
            log(
                f"{done:>9} customers {counts['lines']:>10} lines {counts['search_docs']:>10} search entries {counts['seconds']} s"
            )
        if args.max_seconds and counts["seconds"] > args.max_seconds:
            raise TimeUp

    load_started = time.perf_counter()
    interrupted = False
    counts = {}
    if not args.finish_only:
        try:
            counts = demo.load(
                args.customers,
                seed=args.seed,
                staff_password=args.staff_password,
                lines_per_customer=args.lines / args.customers,
                batch_size=args.batch_size,
                atomic=False,
                progress=progress,
            )
        except (TimeUp, KeyboardInterrupt):
            interrupted = True  # every written batch is committed: finish with what is there
    if interrupted or args.finish_only:
        from tenure.commerce.models import Order

        demo._reset_sequences([Customer, Order])
        counts = table_counts()
    load_seconds = time.perf_counter() - load_started
    load_cpu = time.process_time() - cpu0

    index_started = time.perf_counter()
    if args.defer_indexes:
        with connection.cursor() as cur:
            search.rebuild_index(cur)
    index_seconds = time.perf_counter() - index_started
    analyze_started = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cur.execute("VACUUM (ANALYZE)")
        else:
            cur.execute("ANALYZE")
    analyze_seconds = time.perf_counter() - analyze_started

    rows = sum(v for k, v in counts.items() if isinstance(v, int) and k != "seed")
    size = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            size = cur.fetchone()[0]
    else:
        path = Path(connection.settings_dict["NAME"])
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    emit(
        {
            "benchmark": "build_dataset",
            "interrupted": interrupted,
            "finish_only": args.finish_only,
            "database": db_label(args.db),
            "write_path": "COPY FROM STDIN" if connection.vendor == "postgresql" else "executemany",
            "counts": {k: v for k, v in counts.items() if k not in ("staff", "seconds")},
            "rows_total": rows,
            "load_seconds": round(load_seconds, 1),
            "load_cpu_seconds_python": round(load_cpu, 1),
            "rows_per_second": round(rows / load_seconds) if not args.finish_only else None,
            "search_index_build_seconds": round(index_seconds, 1),
            "analyze_seconds": round(analyze_seconds, 1),
            "total_seconds": round(time.perf_counter() - started, 1),
            "database_bytes": size,
            "peak_rss_mb": maxrss_mb(),
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
