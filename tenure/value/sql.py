"""Two portable SQL building blocks the value engine needs and the ORM lacks.

- ``Epoch(expr)``: whole seconds since 1970 of a datetime, as an integer, on SQLite and PostgreSQL;
  differences of epochs divided by 86400 give whole days identically on both.
- ``upsert_from_queryset``: ``INSERT INTO … SELECT … ON CONFLICT (…) DO UPDATE``, the SELECT being
  any ORM queryset (aggregates, subqueries, window functions). Rows never travel through Python.
"""

from django.db import connections, models
from django.db.models import Func


class Epoch(Func):
    output_field = models.BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)", **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM date_trunc('second', %(expressions)s)) AS BIGINT)",
            **extra,
        )


def days_between(later, earlier):
    """Whole days (floor) from ``earlier`` to ``later``, both non-null datetimes, later >= earlier."""
    return models.ExpressionWrapper(
        (Epoch(later) - Epoch(earlier)) / 86400, output_field=models.IntegerField()
    )


def upsert_from_queryset(
    model: type[models.Model], queryset: models.QuerySet, columns: dict[str, str], conflict: str | None
) -> int:
    """Insert (or update on conflict) one row of ``model`` per row of ``queryset``.

    Without ``conflict`` it is a plain INSERT … SELECT. ``columns`` maps each target column to the name of a column of the queryset's SELECT (a field
    name in ``values()`` or an annotation). Returns the number of rows written.
    """
    table = model._meta.db_table
    db = queryset.db
    connection = connections[db]
    qn = connection.ops.quote_name
    inner, params = queryset.query.get_compiler(db).as_sql()
    targets = ", ".join(qn(c) for c in columns)
    sources = ", ".join(f"s.{qn(src)}" for src in columns.values())
    # "WHERE 1 = 1" keeps SQLite from reading ON CONFLICT as a join constraint.
    sql = f"INSERT INTO {qn(table)} ({targets}) SELECT {sources} FROM ({inner}) s WHERE 1 = 1"
    if conflict:
        updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in columns if c != conflict)
        sql += f" ON CONFLICT ({qn(conflict)}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
