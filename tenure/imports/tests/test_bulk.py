"""Bulk load: what a first import into empty tables sets aside, and that it all comes back."""

import pytest
from django.db import connection

from tenure.commerce.models import Order, OrderLine
from tenure.customers import search
from tenure.customers.models import Customer
from tenure.factories import CustomerFactory
from tenure.imports import bulk
from tenure.imports.apps import finish_bulk_loads
from tenure.imports.models import DeferredStatement
from tenure.imports.tests.helpers import run_import, write_csv

pytestmark = pytest.mark.django_db

CUSTOMERS = [
    ["external_id", "name", "mobile", "email", "tags"],
    ["C1", "张伟", "138 1234 5678", "zw@example.com", "VIP"],
    ["C2", "Li Na", "13900001111", "", ""],
]
ORDERS = [
    ["order_id", "customer_external_id", "date", "sku", "product_name", "quantity", "unit_price"],
    ["SO1", "C1", "2026-01-05", "A-1", "茶杯 Cup", "2", "10.00"],
    ["SO2", "C2", "2026-01-06", "B-2", "茶壶 Pot", "1", "99.00"],
    ["SO1", "C1", "2026-01-05", "B-2", "茶壶 Pot", "1", "99.00"],  # a fragment of SO1, later in the file
]


def schema(tables) -> dict:
    """{table: sorted names of its indexes and constraints} plus the SQLite triggers."""
    out = {}
    with connection.cursor() as cursor:
        for table in tables:
            out[table] = sorted(connection.introspection.get_constraints(cursor, table))
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            out["triggers"] = [row[0] for row in cursor.fetchall()]
    return out


def tables(kind):
    return list(bulk.plans()[kind])


def test_only_empty_tables_are_bulk_loaded(agent):
    assert bulk.deferrable("customers")
    CustomerFactory(owner=agent)
    assert bulk.deferrable("customers") == []
    assert bulk.deferrable("interactions") == []  # no plan: always row by row


def test_keeps_what_the_importer_looks_rows_up_by():
    deferred = {(d.table, d.name) for d in bulk.deferrable("customers") + bulk.deferrable("orders")}
    names = {name for _t, name in deferred}
    assert "cust_owner_idx" in names and "cust_name_idx" in names
    assert "order_cust_date_idx" in names
    with connection.cursor() as cursor:
        for table, keep in [
            (Customer._meta.db_table, {"external_id", "mobile", "email", "uid"}),
            (Order._meta.db_table, {"number"}),
            (OrderLine._meta.db_table, set()),  # built when first needed (build_now)
        ]:
            for name, info in connection.introspection.get_constraints(cursor, table).items():
                if info["foreign_key"]:
                    continue  # PostgreSQL: foreign keys are set aside whatever their column
                if name.endswith("_like"):
                    # PostgreSQL's LIKE-only twin of a unique text column: equality uses the unique one.
                    assert (table, name) in deferred, name
                elif (
                    info["primary_key"] or info["unique"] or (info["columns"] and info["columns"][0] in keep)
                ):
                    assert (table, name) not in deferred, name
    if connection.vendor == "postgresql":
        assert any(t == Order._meta.db_table and n.endswith("_like") for t, n in deferred)
        assert ("customers_searchdoc", "search_doc_gin") in deferred
        line_fks = {n for t, n in deferred if t == OrderLine._meta.db_table and "_fk_" in n}
        assert len(line_fks) == 2  # to the order and to the product
    else:
        assert ("customers_searchdoc", "customers_searchfts") in deferred


def test_set_aside_during_the_block_and_back_after():
    before = schema(tables("customers"))
    with bulk.bulk_load("customers") as state:
        assert state.active
        during = schema(tables("customers"))
        assert "cust_owner_idx" not in during[Customer._meta.db_table]
        assert bulk.pending() == DeferredStatement.objects.count() > 0
    assert schema(tables("customers")) == before
    assert bulk.pending() == 0 and state.rebuild_seconds > 0


def test_rebuilt_when_the_block_fails():
    before = schema(tables("orders"))
    with pytest.raises(RuntimeError), bulk.bulk_load("orders"):
        raise RuntimeError("the import broke")
    assert schema(tables("orders")) == before and bulk.pending() == 0


def test_an_interrupted_load_is_finished_by_the_next_import_finish_or_migrate(tmp_path, agent):
    before = schema(tables("customers"))
    # A process killed inside the block: the drops happened, the rebuild did not.
    bulk.set_aside("customers")
    assert schema(tables("customers")) != before and bulk.pending()
    out = run_import("finish")
    assert out["rebuilt"] > 0 and bulk.pending() == 0
    assert schema(tables("customers")) == before

    bulk.set_aside("customers")
    finish_bulk_loads(sender=None, using="default")  # what `tenure migrate` runs after migrating
    assert schema(tables("customers")) == before and bulk.pending() == 0

    bulk.set_aside("customers")
    summary = run_import("customers", write_csv(tmp_path / "c.csv", CUSTOMERS), "--owner", "agent")
    assert summary["created"] == 2 and summary["indexes_deferred"] > 0  # leftovers first, then its own
    assert schema(tables("customers")) == before and bulk.pending() == 0


def test_first_import_is_bulk_loaded_and_searchable(tmp_path, agent):
    before = schema(tables("customers") + tables("orders"))
    summary = run_import("customers", write_csv(tmp_path / "c.csv", CUSTOMERS), "--owner", "agent")
    assert summary["created"] == 2 and summary["indexes_deferred"] > 0
    visible = Customer.objects.visible_to(agent)
    assert list(visible.search("zhangwei").values_list("external_id", flat=True)) == ["C1"]
    assert list(visible.search("1111").values_list("external_id", flat=True)) == ["C2"]
    # The search triggers are back: a customer added after the import is found too.
    search.reindex([CustomerFactory(owner=agent, name="王芳", external_id="C3").pk])
    assert list(visible.search("wangfang").values_list("external_id", flat=True)) == ["C3"]

    summary = run_import("orders", write_csv(tmp_path / "o.csv", ORDERS))
    assert summary["created"] == 3 and summary["indexes_deferred"] > 0
    so1 = Order.objects.get(number="SO1")
    assert (so1.line_count, str(so1.total)) == (2, "119.00")  # the fragment joined its order
    assert schema(tables("customers") + tables("orders")) == before

    again = run_import("customers", write_csv(tmp_path / "c.csv", CUSTOMERS), "--owner", "agent")
    assert again["unchanged"] == 2 and "indexes_deferred" not in again  # tables not empty: row by row


def test_keep_indexes_maintains_them_row_by_row(tmp_path, agent):
    summary = run_import(
        "customers", write_csv(tmp_path / "c.csv", CUSTOMERS), "--owner", "agent", "--keep-indexes"
    )
    assert summary["created"] == 2 and "indexes_deferred" not in summary
    assert DeferredStatement.objects.count() == 0


def test_dry_run_sets_nothing_aside(tmp_path, agent):
    before = schema(tables("customers"))
    summary = run_import(
        "customers", write_csv(tmp_path / "c.csv", CUSTOMERS), "--owner", "agent", "--dry-run"
    )
    assert summary["created"] == 2 and "indexes_deferred" not in summary
    assert schema(tables("customers")) == before and Customer.objects.count() == 0


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_foreign_keys_come_back_validated():
    with bulk.bulk_load("orders"):
        pass
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), bool_and(convalidated) FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid IN (%s::regclass, %s::regclass)",
            [Order._meta.db_table, OrderLine._meta.db_table],
        )
        count, validated = cursor.fetchone()
    assert count == 3 and validated


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_a_row_breaking_a_foreign_key_stops_the_rebuild_and_names_it(agent):
    bulk.set_aside("orders")
    with connection.cursor() as cursor:  # what a bug in the importer would do: an order of nobody
        cursor.execute(
            "INSERT INTO commerce_order (created_at, updated_at, number, customer_id, ordered_at, channel, "
            "currency, total, total_cost, line_count, is_return) "
            "VALUES (now(), now(), 'X1', 987654321, now(), 'other', 'CNY', 0, 0, 0, false)"
        )
    with pytest.raises(Exception, match="customer_id"):
        bulk.finish()
    # The constraint is back (NOT VALID still guards new rows); its validation waits, stored.
    assert DeferredStatement.objects.filter(sql__contains="VALIDATE").exists()


@pytest.mark.skipif("connection.vendor != 'sqlite'")
@pytest.mark.django_db(transaction=True)
def test_sqlite_rebuild_sorts_on_disk_then_restores_temp_store():
    """An index build sorts all its keys: in memory (the connection's temp_store=MEMORY) that took
    463 MB for 10M lines; on disk, flat. What the rebuild runs under is read back by a probe."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store")
        before = cursor.fetchone()[0]
    DeferredStatement.objects.create(
        table="probe", name="probe", sql="CREATE TABLE probe AS SELECT temp_store FROM pragma_temp_store"
    )
    assert bulk.finish() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT temp_store FROM probe")
        assert cursor.fetchone()[0] == 1  # FILE
        cursor.execute("DROP TABLE probe")
        cursor.execute("PRAGMA temp_store")
        assert cursor.fetchone()[0] == before == 2  # MEMORY again, as settings.py sets it


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)  # each table's statements run on a connection of their own
@pytest.mark.parametrize("kind", ["customers", "orders"])
def test_postgresql_each_table_is_rebuilt_in_a_lane_of_its_own(monkeypatch, kind):
    """The foreign keys come back NOT VALID first, on the import's connection; then each table's
    index builds and validations run in a lane of their own, at the same time."""
    import threading

    calls: list[tuple[str, list[str]]] = []
    real = bulk._run_statements

    def recording(conn, statements, *, using):
        calls.append((threading.current_thread().name, [sql for _pk, sql in statements]))
        return real(conn, statements, using=using)

    monkeypatch.setattr(bulk, "_run_statements", recording)
    before = schema(tables(kind))
    bulk.set_aside(kind)
    stored = dict(DeferredStatement.objects.values_list("sql", "table"))
    assert bulk.finish() == len(stored)
    assert schema(tables(kind)) == before and DeferredStatement.objects.count() == 0
    main = threading.current_thread().name
    first, *lanes = calls
    assert first[0] == main and first[1] and all(sql.endswith(" NOT VALID") for sql in first[1])
    assert sorted(sql for _name, statements in calls for sql in statements) == sorted(stored)
    assert sorted(name == main for name, _statements in lanes) == [False] * (len(lanes) - 1) + [True]
    by_table = [{stored[sql] for sql in statements} for _name, statements in lanes]
    assert all(len(t) == 1 for t in by_table) and len({next(iter(t)) for t in by_table}) == len(lanes) > 1
    if kind == "customers":
        gin = next(statements for _n, statements in lanes if any("search_doc_gin" in s for s in statements))
        assert [sql.split(" ON ")[0] for sql in gin] == ["CREATE INDEX search_doc_gin"]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_postgresql_a_gin_index_is_built_with_the_configured_memory(settings):
    """The search index's build runs with TENURE_IMPORT_GIN_MEMORY, for its own transaction only.
    A stored statement (marked as a GIN build in a comment) records the setting it ran with."""
    settings.TENURE_IMPORT_GIN_MEMORY = "5MB"
    with connection.cursor() as cursor:
        cursor.execute("SHOW maintenance_work_mem")
        before = cursor.fetchone()[0]
    DeferredStatement.objects.create(
        table="probe",
        name="probe",
        sql="CREATE TABLE gin_probe AS SELECT current_setting('maintenance_work_mem') AS v /* USING gin */",
    )
    DeferredStatement.objects.create(
        table="probe",
        name="probe2",
        sql="CREATE TABLE plain_probe AS SELECT current_setting('maintenance_work_mem') AS v",
    )
    try:
        assert bulk.finish() == 2
        with connection.cursor() as cursor:
            cursor.execute("SELECT (SELECT v FROM gin_probe), (SELECT v FROM plain_probe)")
            assert cursor.fetchone() == ("5MB", before)
            cursor.execute("SHOW maintenance_work_mem")
            assert cursor.fetchone()[0] == before != "5MB"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS gin_probe, plain_probe")


def test_a_later_fragment_builds_the_lines_index_on_order_when_first_needed(tmp_path, agent, monkeypatch):
    """A first order import sets the lines' index on their order aside; a later fragment of an order
    the run stored (read by order) builds it at once, in its batch, and the rebuild leaves it be."""
    from decimal import Decimal

    from tenure.imports import base

    CustomerFactory(external_id="C1", owner=agent)
    CustomerFactory(external_id="C2", owner=agent)
    built = []
    real = bulk.build_now
    monkeypatch.setattr(bulk, "build_now", lambda *a, **k: built.append(real(*a, **k)) or built[-1])
    monkeypatch.setattr(base, "BATCH_ROWS", 1)
    head, so1, so2, so1_later = ORDERS
    Order.objects.all().delete()
    summary = run_import("orders", write_csv(tmp_path / "o.csv", [head, so1, so2, so1_later]))
    assert summary["indexes_deferred"] > 0 and built == [1]
    so1_order = Order.objects.get(number="SO1")
    assert so1_order.line_count == 2 and so1_order.total == Decimal("119.00")
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, OrderLine._meta.db_table)
    assert any(i["index"] and i["columns"] == ["order_id"] and not i["primary_key"] for i in indexes.values())
    assert DeferredStatement.objects.count() == 0
