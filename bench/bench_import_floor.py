#!/usr/bin/env python
"""The floor under an import: how fast the database alone takes the rows an import wrote.

    .venv/bin/python bench/bench_import_floor.py --sqlite /path/imported.sqlite3 \
        --pg postgres://postgres@127.0.0.1:5432/imported_db

Give it a database that `bench/bench_import.py` (or `tenure import`) has filled with customers and
orders. For each group of tables an import writes (customers: customers_customer,
customers_searchdoc, customers_customer_tags; orders: commerce_order, commerce_orderline) it takes
the rows exactly as stored, empties the tables and times loading the same rows back with nothing
in Python between file and database: one executemany of ready tuples per table on SQLite (the FTS5
triggers fire as in an import), COPY on PostgreSQL, then the foreign-key checks
(`SET CONSTRAINTS ALL IMMEDIATE`) and the commit. The indexes, triggers and constraints are the
schema's own. The original database is never changed: SQLite works on a copy of the file,
PostgreSQL on a database created from it as a template (dropped afterwards).

Rows per second are counted as an import counts them: customers per customer row, orders per order
line (the orders table rows come with them). Prints JSON.

With --bulk the load takes the path of a first import (tenure.imports.bulk): before each group is
loaded, what `bulk.set_aside` drops for it is dropped (secondary indexes, the search index's
triggers or GIN index, PostgreSQL's foreign keys), and the rebuild (`bulk.finish`) is timed as part
of the load, as the import counts it. It runs Django against the scratch copy, so give one database.
"""

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, log, machine, setup_django  # noqa: E402

GROUPS = {
    "customers": ["customers_customer", "customers_searchdoc", "customers_customer_tags"],
    "orders": ["commerce_order", "commerce_orderline"],
}
COUNTED = {"customers": "customers_customer", "orders": "commerce_orderline"}
# Emptied children first; loaded parents first.
EMPTY_ORDER = [
    "commerce_orderline",
    "commerce_order",
    "customers_customer_tags",
    "customers_searchdoc",
    "customers_customer",
]


def keep_fastest(out: dict, group: str, rows: int, seconds: float, timings: dict) -> None:
    """Record this load of `group` in `out` unless an earlier one was faster."""
    best = out.get(group)
    if best is None or seconds < best["seconds"]:
        out[group] = {
            "rows": rows,
            "seconds": round(seconds, 3),
            "rows_per_second": round(rows / seconds),
            "steps": timings,
        }


def django_bulk(url: str):
    """tenure.imports.bulk, with Django's default database at `url` (the scratch copy)."""
    setup_django(url)
    from tenure.imports import bulk

    return bulk


def set_aside(bulk, group: str, timings: dict) -> None:
    if bulk is not None:
        t = time.perf_counter()
        timings["set_aside"] = len(bulk.set_aside(group))
        timings["set_aside_seconds"] = round(time.perf_counter() - t, 3)


def rebuild(bulk, timings: dict) -> None:
    if bulk is not None:
        from django.db import connection

        t = time.perf_counter()
        bulk.finish()
        connection.close()  # no idle session holding the scratch database
        timings["rebuild"] = round(time.perf_counter() - t, 3)


def sqlite_floor(path: str, repeat: int, with_bulk: bool = False) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(path))) as tmp:
        copy = os.path.join(tmp, "floor.sqlite3")
        shutil.copy(path, copy)
        bulk = django_bulk(f"sqlite:///{copy}") if with_bulk else None
        db = sqlite3.connect(copy, isolation_level=None)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA journal_mode = WAL")
        data = {}
        for tables in GROUPS.values():
            for table in tables:
                cursor = db.execute(f'SELECT * FROM "{table}"')
                data[table] = ([d[0] for d in cursor.description], cursor.fetchall())
        for n in range(repeat):
            db.execute("BEGIN IMMEDIATE")
            for table in EMPTY_ORDER:
                db.execute(f'DELETE FROM "{table}"')
            db.execute("COMMIT")
            # The FTS5 index forgets the deleted entries outright, as in a fresh database.
            db.execute("INSERT INTO customers_searchfts(customers_searchfts) VALUES ('delete-all')")
            db.execute("VACUUM")
            for group, tables in GROUPS.items():
                timings = {}
                started = time.perf_counter()
                set_aside(bulk, group, timings)
                db.execute("BEGIN IMMEDIATE")
                for table in tables:
                    columns, rows = data[table]
                    t = time.perf_counter()
                    names = ", ".join(f'"{c}"' for c in columns)
                    marks = ", ".join("?" * len(columns))
                    db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
                    timings[table] = round(time.perf_counter() - t, 3)
                t = time.perf_counter()
                db.execute("COMMIT")
                timings["commit"] = round(time.perf_counter() - t, 3)
                rebuild(bulk, timings)
                seconds = time.perf_counter() - started
                keep_fastest(out, group, len(data[COUNTED[group]][1]), seconds, timings)
                log(f"sqlite {group} run {n + 1}: {seconds:.2f} s")
        db.close()
    return out


def pg_floor(url: str, repeat: int, with_bulk: bool = False) -> dict:
    import psycopg

    parts = urlsplit(url)
    source = parts.path.lstrip("/")
    scratch = f"{source}_floor"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    scratch_url = urlunsplit(parts._replace(path=f"/{scratch}"))
    out: dict = {}
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        admin.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{source}"')
    bulk = django_bulk(scratch_url) if with_bulk else None
    try:
        with psycopg.connect(scratch_url) as conn:
            data = {}
            for tables in GROUPS.values():
                for table in tables:
                    with conn.cursor().copy(f'COPY "{table}" TO STDOUT') as copy:
                        data[table] = b"".join(bytes(block) for block in copy)
            counts = {
                table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table in COUNTED.values()
            }
            conn.commit()
            for n in range(repeat):
                conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in EMPTY_ORDER) + " CASCADE")
                conn.commit()
                conn.autocommit = True
                for table in EMPTY_ORDER:
                    conn.execute(f'VACUUM ANALYZE "{table}"')
                conn.autocommit = False
                for group, tables in GROUPS.items():
                    timings = {}
                    started = time.perf_counter()
                    set_aside(bulk, group, timings)
                    for table in tables:
                        t = time.perf_counter()
                        with conn.cursor().copy(f'COPY "{table}" FROM STDIN') as copy:
                            copy.write(data[table])
                        timings[table] = round(time.perf_counter() - t, 3)
                    t = time.perf_counter()
                    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    timings["foreign_keys"] = round(time.perf_counter() - t, 3)
                    t = time.perf_counter()
                    conn.commit()
                    timings["commit"] = round(time.perf_counter() - t, 3)
                    rebuild(bulk, timings)
                    seconds = time.perf_counter() - started
                    keep_fastest(out, group, counts[COUNTED[group]], seconds, timings)
                    log(f"postgresql {group} run {n + 1}: {seconds:.2f} s")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sqlite", help="An imported SQLite database file (copied, not changed).")
    parser.add_argument("--pg", help="An imported PostgreSQL database URL (used as a template, not changed).")
    parser.add_argument("--repeat", type=int, default=2, help="Loads per database; the fastest is kept.")
    parser.add_argument(
        "--bulk", action="store_true", help="Load as a first import does (indexes set aside, rebuilt after)."
    )
    args = parser.parse_args()
    if not args.sqlite and not args.pg:
        parser.error("give --sqlite, --pg or both")
    if args.bulk and args.sqlite and args.pg:
        parser.error("--bulk runs Django against one database: give --sqlite or --pg")
    result: dict = {
        "benchmark": "import_floor",
        "machine": machine(),
        "repeat": args.repeat,
        "path": "bulk load" if args.bulk else "every index maintained",
    }
    if args.sqlite:
        result["sqlite"] = sqlite_floor(args.sqlite, args.repeat, args.bulk)
    if args.pg:
        result["postgresql"] = pg_floor(args.pg, args.repeat, args.bulk)
    emit(result)


if __name__ == "__main__":
    main()
