"""Two portable SQL building blocks the value engine needs and the ORM lacks.

- ``Epoch(expr)``: whole seconds since 1970 of a datetime, as an integer, on SQLite and PostgreSQL;
  differences of epochs divided by 86400 give whole days identically on both.
- ``upsert_from_queryset``: ``INSERT INTO … SELECT … ON CONFLICT (…) DO UPDATE``, the SELECT being
  any ORM queryset (aggregates, subqueries, window functions). Rows never travel through Python.
"""

import math
from contextlib import contextmanager
from datetime import datetime

from django.db import connections, models
from django.db.models import Func


class Epoch(Func):
    """Whole seconds since 1970 (floor) of a datetime, as an integer.

    On PostgreSQL ``floor(date_part('epoch', x))``: ``date_part`` returns a double precision read
    straight off the stored microseconds (exact to the microsecond for centuries either side of
    now), where ``EXTRACT(EPOCH FROM date_trunc('second', x))`` converted to the session's time
    zone and back, and returned a numeric: per row, several times slower, and a nightly recompute
    computes a few of these for every customer. A constant datetime (the as-of of a recompute) is
    turned into its integer here, once, instead of for every row.
    """

    output_field = models.BigIntegerField()

    def _constant(self):
        (expression,) = self.get_source_expressions()
        value = getattr(expression, "value", None)
        if isinstance(expression, models.Value) and isinstance(value, datetime) and value.tzinfo is not None:
            return math.floor(value.timestamp())
        return None

    def as_sqlite(self, compiler, connection, **extra):
        constant = self._constant()
        if constant is not None:
            return "%s", (constant,)
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)", **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        constant = self._constant()
        if constant is not None:
            return "%s::bigint", (constant,)
        return self.as_sql(
            compiler,
            connection,
            template="CAST(floor(date_part('epoch', %(expressions)s)) AS BIGINT)",
            **extra,
        )


def days_between(later, earlier):
    """Whole days (floor) from ``earlier`` to ``later``, both non-null datetimes, later >= earlier."""
    return models.ExpressionWrapper(
        (Epoch(later) - Epoch(earlier)) / 86400, output_field=models.IntegerField()
    )


def upsert_from_queryset(
    model: type[models.Model],
    queryset: models.QuerySet,
    columns: dict[str, str],
    conflict: str | None,
    *,
    only_changed: bool = False,
    touch: tuple[str, ...] = (),
) -> int:
    """Insert (or update on conflict) one row of ``model`` per row of ``queryset``.

    Without ``conflict`` it is a plain INSERT … SELECT. ``columns`` maps each target column to the
    name of a column of the queryset's SELECT (a field name in ``values()`` or an annotation).
    ``only_changed`` leaves a conflicting row alone when none of its columns would change (a
    null-safe comparison of every column), so a recompute rewrites only what moved: no dead row
    versions, no write-ahead log for unchanged customers. ``touch`` columns (e.g. a "computed at"
    stamp) are written with the others but never make a row count as changed on their own.
    Returns the number of rows written.
    """
    inner, params = queryset.query.get_compiler(queryset.db).as_sql()
    return upsert_from_sql(
        model, inner, params, columns, conflict, only_changed=only_changed, touch=touch, using=queryset.db
    )


def upsert_from_sql(
    model: type[models.Model],
    inner: str,
    params,
    columns: dict[str, str],
    conflict: str | None,
    *,
    only_changed: bool = False,
    touch: tuple[str, ...] = (),
    using: str = "default",
    written: list | None = None,
) -> int:
    """``upsert_from_queryset`` for a SELECT given as SQL text and its parameters. With a list as
    ``written``, the conflict key of every row written is appended to it (``RETURNING``)."""
    table = model._meta.db_table
    connection = connections[using]
    qn = connection.ops.quote_name
    targets = ", ".join(qn(c) for c in columns)
    sources = ", ".join(f"s.{qn(src)}" for src in columns.values())
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    updated = [c for c in columns if c != conflict]
    compared = [c for c in updated if c not in touch]
    # "WHERE 1 = 1" keeps SQLite from reading ON CONFLICT as a join constraint.
    where = "1 = 1"
    join = ""
    if conflict and only_changed:
        # Propose only the rows that are new or differ from the stored row. PostgreSQL locks every
        # row that meets ON CONFLICT DO UPDATE, even those its WHERE then leaves alone: a lock is a
        # write (the row's xmax, a dirty page, a WAL record), so proposing all 1M customers to
        # rewrite the few thousand that moved cost as much as rewriting them all. The comparison
        # casts the computed value to the column's type (as storing it would) so that, say, an
        # average with more decimals than the column keeps is not taken for a change.
        fields = {f.column: f for f in model._meta.concrete_fields}

        def stored(column):
            src = f"s.{qn(columns[column])}"
            if connection.vendor != "postgresql":
                return src  # SQLite applies the column's affinity to the other side of the comparison
            return f"CAST({src} AS {fields[column].db_type(connection)})"

        join = f" LEFT JOIN {qn(table)} o ON o.{qn(conflict)} = s.{qn(columns[conflict])}"
        where = " OR ".join(
            [f"o.{qn(conflict)} IS NULL"] + [f"o.{qn(c)} {differs} {stored(c)}" for c in compared]
        )
    if join and connection.vendor == "postgresql":
        # OFFSET 0 keeps PostgreSQL from pulling the SELECT's expressions up into the comparison
        # and the target list: each computed column is evaluated once per row, not twice or more.
        inner = f"SELECT * FROM ({inner}) s0 OFFSET 0"
    sql = f"INSERT INTO {qn(table)} AS t ({targets}) SELECT {sources} FROM ({inner}) s{join} WHERE {where}"
    if conflict:
        sql += f" ON CONFLICT ({qn(conflict)}) DO UPDATE SET " + ", ".join(
            f"{qn(c)} = excluded.{qn(c)}" for c in updated
        )
        if only_changed:
            sql += " WHERE " + " OR ".join(f"t.{qn(c)} {differs} excluded.{qn(c)}" for c in compared)
    if written is not None:
        sql += f" RETURNING {qn(conflict)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if written is None:
            return cursor.rowcount
        rows = cursor.fetchall()
    written.extend(row[0] for row in rows)
    return len(rows)


@contextmanager
def ids_table(name: str, using: str = "default"):
    """A temporary table of ids (``customer_id``) that ``add_ids`` fills: a set computed in Python
    (e.g. the rows a step wrote) that later statements read by join. Dropped on the way out."""
    connection = connections[using]
    table = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMP TABLE {table} (customer_id bigint)")
    yield table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")


def add_ids(table: str, ids, using: str = "default") -> None:
    connection = connections[using]
    ids = [int(i) for i in ids]
    if not ids:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"INSERT INTO {table} (customer_id) SELECT unnest(%s::bigint[])", [ids])
        else:
            cursor.executemany(f"INSERT INTO {table} (customer_id) VALUES (%s)", [(i,) for i in ids])


@contextmanager
def temp_table(name: str, sql: str, params=(), using: str = "default"):
    """``CREATE TEMP TABLE name AS sql``: a set computed once (e.g. the customers whose stage moved)
    that several statements then read — the history INSERT and the UPDATE of the customers — instead
    of each recomputing the join. Yields the quoted name. Dropped on the way out; if the block
    raises, the transaction's rollback takes the table with it (DDL is transactional on PostgreSQL
    and SQLite), and a leftover from an autocommit failure is dropped by the next call."""
    connection = connections[using]
    table = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMP TABLE {table} AS {sql}", params)
    yield table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")


def update_from_table(
    model: type[models.Model],
    source: str,
    *,
    key: str,
    columns: dict[str, str],
    values: dict | None = None,
    using: str = "default",
) -> int:
    """``UPDATE model SET column = s.source_column, … FROM source s WHERE model.pk = s.key``: one
    statement, a join by primary key (PostgreSQL; SQLite ≥ 3.33), instead of a correlated subquery
    per row. ``values`` are constants (model field values, adapted for the database)."""
    connection = connections[using]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    fields = {f.column: f for f in model._meta.concrete_fields}
    sets = [f"{qn(c)} = s.{qn(src)}" for c, src in columns.items()]
    params = []
    for column, value in (values or {}).items():
        sets.append(f"{qn(column)} = %s")
        params.append(fields[column].get_db_prep_value(value, connection))
    pk = qn(model._meta.pk.column)
    sql = f"UPDATE {table} SET {', '.join(sets)} FROM {source} s WHERE {table}.{pk} = s.{qn(key)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def upsert_rows(
    model: type[models.Model], columns: dict[str, list], conflict: str, batch_size: int = 100_000
) -> int:
    """Upsert column-wise data from Python (e.g. numpy results) in large batches.

    PostgreSQL: one ``INSERT … SELECT FROM unnest(array, …)`` per batch (arrays travel as single
    parameters); other databases: ``executemany`` of an ``INSERT … ON CONFLICT`` statement.
    """
    connection = connections[router_db(model)]
    qn = connection.ops.quote_name
    names = list(columns)
    fields = {f.column: f for f in model._meta.concrete_fields}
    targets = ", ".join(qn(c) for c in names)
    updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in names if c != conflict)
    tail = f" ON CONFLICT ({qn(conflict)}) DO UPDATE SET {updates}"
    n = len(next(iter(columns.values()))) if columns else 0
    with connection.cursor() as cursor:
        for start in range(0, n, batch_size):
            chunk = [columns[c][start : start + batch_size] for c in names]
            if connection.vendor == "postgresql":
                casts = ", ".join(f"%s::{fields[c].db_type(connection)}[]" for c in names)
                sql = f"INSERT INTO {qn(model._meta.db_table)} ({targets}) SELECT * FROM unnest({casts}) AS u{tail}"
                cursor.execute(sql, chunk)
            else:
                marks = ", ".join(["%s"] * len(names))
                sql = f"INSERT INTO {qn(model._meta.db_table)} ({targets}) VALUES ({marks}){tail}"
                cursor.executemany(sql, list(zip(*chunk, strict=True)))
    return n


def router_db(model) -> str:
    from django.db import router

    return router.db_for_write(model)


class MoneyRatio(Func):
    """numerator / denominator rounded to cents, never integer division (SQLite sums of whole
    amounts are integers): exact numeric on PostgreSQL, REAL then ROUND on SQLite."""

    arity = 2
    output_field = models.DecimalField(max_digits=16, decimal_places=2)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="ROUND(CAST(%(expressions)s AS REAL), 2)",
            arg_joiner=" AS REAL) / CAST(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="ROUND(CAST(%(expressions)s AS NUMERIC), 2)",
            arg_joiner=" AS NUMERIC) / CAST(",
            **extra,
        )


def fetch_array(queryset: models.QuerySet, columns: int, dtype=float, chunk: int = 200_000):
    """The rows of a ``values_list`` queryset of numbers (no NULLs) as one numpy array.

    PostgreSQL: ``COPY (query) TO STDOUT (FORMAT BINARY)`` with every column cast to float8, parsed
    by numpy as fixed-width records (no Python object per value). Elsewhere: ``fetchmany`` chunk
    by chunk, so that only one chunk of Python tuples exists at a time.
    """
    import numpy as np

    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    connection = connections[queryset.db]
    if connection.vendor == "postgresql":
        return _copy_binary(connection, sql, params, columns).astype(dtype)
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            parts.append(np.array(rows, dtype=dtype).reshape(-1, columns))
    return np.concatenate(parts) if parts else np.zeros((0, columns), dtype=dtype)


def _copy_binary(connection, sql: str, params, columns: int):
    import numpy as np

    cols = ", ".join(f"CAST(s.c{i} AS double precision)" for i in range(columns))
    names = ", ".join(f"c{i}" for i in range(columns))
    query = f"COPY (SELECT {cols} FROM ({sql}) AS s ({names})) TO STDOUT (FORMAT BINARY)"
    buffer = bytearray()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(query, params or None) as copy:
            for data in copy:
                buffer += data
    # Header: 11-byte signature, 4-byte flags, 4-byte extension length; trailer: int16 -1.
    body = memoryview(buffer)[19:-2]
    fields = [("n", ">i2")]
    for i in range(columns):
        fields += [(f"l{i}", ">i4"), (f"v{i}", ">f8")]
    records = np.frombuffer(body, dtype=np.dtype(fields))
    if len(records) and np.any(np.stack([records[f"l{i}"] for i in range(columns)]) != 8):
        raise ValueError("fetch_array: NULL in a numeric column")
    return (
        np.column_stack([records[f"v{i}"].astype(float) for i in range(columns)])
        if len(records)
        else (np.zeros((0, columns)))
    )


# Per sort / window node. At 1M customers the RFM windows' tuplestores overflowed 128MB and
# PostgreSQL re-read them from temp files (32 GB of temp reads, 21 s instead of 10 s); each of
# the four sorts of the classify step needs ~100-130 MB.
ANALYTIC_WORK_MEM = "512MB"


@contextmanager
def analytic_session(using: str = "default"):
    """A transaction tuned for the big analytic statements on PostgreSQL: no JIT (compiling cost
    more than it saved: 1.8 s of 3.2 s at 20k customers) and enough work memory that sorts and
    window functions stay in memory. Elsewhere just a transaction."""
    from django.db import transaction

    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                cursor.execute(f"SET LOCAL work_mem = '{ANALYTIC_WORK_MEM}'")
        yield
