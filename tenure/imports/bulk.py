"""Bulk load: a first import into empty tables builds their secondary indexes once, at the end.

Every row inserted into an index keyed at random (orders by customer, customers by owner, team or
name, the search index) dirties a page somewhere in it; once the index outgrows the cache, each
commit reads such pages back and writes them to the log. At 10M order lines that doubled the CPU per
line (docs/benchmarks.md, session 8). An index built after the load sorts its keys once instead.
pg_restore and mysqldump load the same way.

`bulk_load(kind)` sets aside, for the tables an import of `kind` fills and only when all of them
are empty (a first import: nobody can be reading rows that do not exist yet):
- their secondary indexes that are neither unique nor lead with a column the importer looks rows up
  by (plans()), nor for LIKE only (PostgreSQL's varchar_pattern_ops); an importer that needs one
  after all builds it then (build_now);
- the search index: the GIN index on PostgreSQL; on SQLite the triggers that feed the FTS5 table,
  which is then built in one pass ('rebuild');
- on PostgreSQL, the tables' own foreign keys: added back NOT VALID, then VALIDATEd, one set-based
  check instead of a trigger per row. The importer resolves every reference before writing, so the
  validation is a check, not a filter; should it ever fail, the constraint stays (NOT VALID still
  guards every new row) and the error names it.
Primary keys and unique constraints stay: upserts rely on them, and SQLite cannot drop them.

Each rebuild statement is stored (DeferredStatement) in the same transaction as the DROP it undoes
and deleted in the transaction that runs it again, so an import killed part-way leaves nothing
missing for good: the next `tenure import`, `tenure import finish` or `tenure migrate` runs what is
left (`finish`).

Only the command line uses it (`tenure import`, unless --keep-indexes): it takes the tables' locks
for the length of the import, which a web upload beside people at work should not.
"""

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from tenure.commerce.models import Order, OrderLine
from tenure.customers import search
from tenure.customers.models import Customer
from tenure.imports.models import DeferredStatement


def plans() -> dict[str, dict[str, set[str]]]:
    """{kind: {table: columns the importer looks rows up by (indexes leading with one stay)}}."""
    tags = Customer.tags.through._meta
    return {
        "customers": {
            Customer._meta.db_table: {"external_id", "mobile", "email", "uid"},
            search.DOC_TABLE: set(),
            tags.db_table: set(),  # unique (customer, tag) stays: it is what ON CONFLICT uses
        },
        "orders": {
            Order._meta.db_table: {"number"},
            # An order's lines are read only for an order already stored, which in a first import is
            # one this run wrote (a later fragment of it): the importer builds the index then, if
            # ever (build_now). Maintained row by row it cost 0.47 s of server CPU a million lines.
            OrderLine._meta.db_table: set(),
        },
    }


@dataclass
class Deferred:
    table: str
    name: str
    drop: list[str]
    rebuild: list[str]


@dataclass
class BulkLoad:
    """What a bulk_load block did: the things set aside, and the seconds their rebuild took."""

    deferred: list[str] = field(default_factory=list)
    rebuild_seconds: float = 0.0

    @property
    def active(self) -> bool:
        return bool(self.deferred)


def _quote(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def _sqlite_items(connection, cursor, table: str, keep: set[str]) -> list[Deferred]:
    items = []
    cursor.execute(f"PRAGMA index_list({_quote(connection, table)})")
    unique = {row[1]: bool(row[2]) for row in cursor.fetchall()}
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL "
        "ORDER BY name",
        [table],
    )
    for name, sql in cursor.fetchall():
        cursor.execute(f"PRAGMA index_info({_quote(connection, name)})")
        columns = [row[2] for row in sorted(cursor.fetchall())]
        if unique.get(name) or (columns and columns[0] in keep):
            continue
        items.append(Deferred(table, name, [f"DROP INDEX {_quote(connection, name)}"], [sql]))
    if table == search.DOC_TABLE:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s ORDER BY name",
            [table],
        )
        triggers = cursor.fetchall()
        if triggers:
            # The triggers come back first, then the FTS5 table is built from the entries in one
            # pass: stopped in between, the rebuild still waits, and nothing written meanwhile is lost.
            rebuild = [sql for _name, sql in triggers]
            rebuild.append(f"INSERT INTO {search.FTS_TABLE} ({search.FTS_TABLE}) VALUES ('rebuild')")
            drop = [f"DROP TRIGGER {_quote(connection, name)}" for name, _sql in triggers]
            items.append(Deferred(table, search.FTS_TABLE, drop, rebuild))
    return items


def _postgresql_items(connection, cursor, table: str, keep: set[str]) -> list[Deferred]:
    items = []
    quoted = _quote(connection, table)
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid), a.attname, coalesce(opc.opcdefault, false)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
        LEFT JOIN pg_opclass opc ON opc.oid = x.indclass[0]
        WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        ORDER BY i.relname
        """,
        [quoted],
    )
    for name, definition, first, default_class in cursor.fetchall():
        # An index on a look-up column stays, unless it is for LIKE only (varchar_pattern_ops,
        # which Django adds beside a unique text column): look-ups by equality use the unique one.
        if first in keep and default_class:
            continue
        items.append(Deferred(table, name, [f"DROP INDEX {_quote(connection, name)}"], [definition]))
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [quoted],
    )
    for name, definition in cursor.fetchall():
        constraint = _quote(connection, name)
        items.append(
            Deferred(
                table,
                name,
                [f"ALTER TABLE {quoted} DROP CONSTRAINT {constraint}"],
                [
                    f"ALTER TABLE {quoted} ADD CONSTRAINT {constraint} {definition} NOT VALID",
                    f"ALTER TABLE {quoted} VALIDATE CONSTRAINT {constraint}",
                ],
            )
        )
    return items


def deferrable(kind: str, *, using: str = DEFAULT_DB_ALIAS) -> list[Deferred]:
    """What a bulk load of `kind` would set aside now: nothing unless every table it fills is empty."""
    tables = plans().get(kind)
    if not tables:
        return []
    connection = connections[using]
    items: list[Deferred] = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {_quote(connection, table)} LIMIT 1")
            if cursor.fetchone() is not None:
                return []
        for table, keep in tables.items():
            if connection.vendor == "postgresql":
                items += _postgresql_items(connection, cursor, table, keep)
            elif connection.vendor == "sqlite":
                items += _sqlite_items(connection, cursor, table, keep)
    return items


def build_now(table: str, column: str, *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Build now, in the caller's transaction, the set-aside indexes of `table` that lead with
    `column`, and forget their stored statements (in the same transaction): for an import that
    finds it must read rows by that column after all. Returns how many were built."""
    connection = connections[using]
    built = 0
    for pk, sql in DeferredStatement.objects.using(using).filter(table=table).values_list("id", "sql"):
        match = _INDEX_COLUMNS.match(sql)
        if match and match.group(1) == column:
            with connection.cursor() as cursor:
                cursor.execute(sql)
            DeferredStatement.objects.using(using).filter(pk=pk).delete()
            built += 1
    return built


# A stored CREATE INDEX statement and its first column, as PostgreSQL (pg_get_indexdef) and SQLite
# (sqlite_master) write them.
_INDEX_COLUMNS = re.compile(r'CREATE INDEX [^(]*\(\s*"?(\w+)"?')


def pending(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """Rebuild statements waiting to run (an import was interrupted)."""
    return DeferredStatement.objects.using(using).count()


def finish(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """Run the stored rebuild statements, oldest first, each deleted in the transaction that runs
    it; returns how many ran. A statement that fails stays stored and its error is raised.

    On PostgreSQL, outside a transaction, each table's statements run in a lane of their own, at
    the same time, each on its own connection: the 10M order lines' rebuild took 12.7 s one
    statement after the other, the orders' 7.8 s of it and the lines' 4.9 s; the customers' GIN
    index (15 of their 21 s) ran on one core with the other idle. First, on this connection, the
    foreign keys come back NOT VALID (quick, but each locks both its tables against the index
    builds); after that the lanes take no lock that another waits for: an index build (SHARE on
    its table) and a VALIDATE (SHARE UPDATE EXCLUSIVE on its table, ROW SHARE on the table it
    refers to) on different tables do not conflict."""
    connection = connections[using]
    statements = list(DeferredStatement.objects.using(using).order_by("id").values_list("id", "table", "sql"))
    if not statements:
        return 0
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return _run_statements(connection, [(pk, sql) for pk, _table, sql in statements], using=using)
    first = [(pk, sql) for pk, _table, sql in statements if sql.endswith(" NOT VALID")]
    ran = _run_statements(connection, first, using=using)
    lanes: dict[str, list[tuple[int, str]]] = {}
    for pk, table, sql in statements:
        if not sql.endswith(" NOT VALID"):
            lanes.setdefault(table, []).append((pk, sql))
    if not lanes:
        return ran
    import threading

    failed: list[BaseException] = []
    counts: list[int] = []

    def other_lane(lane_statements):
        lane = connections[using]  # this thread's own connection
        try:
            counts.append(_run_statements(lane, lane_statements, using=using))
        except BaseException as exc:  # noqa: BLE001 - raised below, in the caller's thread
            failed.append(exc)
        finally:
            lane.close()

    mine, *others = lanes.values()
    threads = [
        threading.Thread(target=other_lane, args=(lane_statements,), name=f"tenure-import-rebuild-{n}")
        for n, lane_statements in enumerate(others, start=1)
    ]
    for thread in threads:
        thread.start()
    try:
        ran += _run_statements(connection, mine, using=using)
    finally:
        for thread in threads:
            thread.join()
    if failed:
        raise failed[0]
    return ran + sum(counts)


def _run_statements(connection, statements: list[tuple[int, str]], *, using: str) -> int:
    ran = 0
    with _sorting_on_disk(connection):
        for pk, sql in statements:
            with (
                transaction.atomic(using=using),
                connection.cursor() as cursor,
                _no_pending_checks(connection),
            ):
                if (
                    connection.vendor == "postgresql"
                    and " USING gin " in sql
                    and settings.TENURE_IMPORT_GIN_MEMORY
                ):
                    # For this statement's transaction only (settings.TENURE_IMPORT_GIN_MEMORY).
                    cursor.execute(
                        "SELECT set_config('maintenance_work_mem', %s, true)",
                        [settings.TENURE_IMPORT_GIN_MEMORY],
                    )
                cursor.execute(sql)
                DeferredStatement.objects.using(using).filter(pk=pk).delete()
            ran += 1
    return ran


@contextmanager
def _sorting_on_disk(connection):
    """SQLite: an index is built by sorting its keys, in memory under the connection's
    temp_store=MEMORY (settings), which took 463 MB for 10M order lines. With temp_store=FILE the
    sort spills past the page cache to a temporary file: 143 MB, and faster (8.7 s against 11.9 s;
    docs/benchmarks.md, session 9). Restored after (it must be set outside a transaction)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA temp_store = FILE")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA temp_store = {int(before):d}")


@contextmanager
def _no_pending_checks(connection):
    """PostgreSQL refuses to ALTER a table with deferred constraint checks still queued in the
    transaction (an import inside an outer transaction, a test): run them now, defer again after."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield  # on an error the transaction is rolled back, and the setting with it
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def set_aside(kind: str, *, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Drop what `deferrable(kind)` finds, storing how to rebuild it in the same transaction;
    returns the names ("table.name") set aside."""
    connection = connections[using]
    with transaction.atomic(using=using), _no_pending_checks(connection):
        items = deferrable(kind, using=using)
        with connection.cursor() as cursor:
            for item in items:
                DeferredStatement.objects.using(using).bulk_create(
                    [DeferredStatement(table=item.table, name=item.name, sql=sql) for sql in item.rebuild]
                )
                for statement in item.drop:
                    cursor.execute(statement)
    return [f"{item.table}.{item.name}" for item in items]


@contextmanager
def bulk_load(kind: str, *, using: str = DEFAULT_DB_ALIAS):
    """Set aside what `deferrable(kind)` finds for the block, rebuild it after (also when the block
    fails). Yields a BulkLoad (inactive when the tables were not empty). Runs leftovers first."""
    finish(using=using)
    state = BulkLoad(deferred=set_aside(kind, using=using))
    try:
        yield state
    finally:
        if state.deferred:
            started = time.perf_counter()
            finish(using=using)
            state.rebuild_seconds = time.perf_counter() - started
