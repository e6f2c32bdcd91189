"""Batches written by a thread on a connection of its own (base.Flusher): PostgreSQL, command line."""

import threading
import time

import pytest
from django.db import DatabaseError, connection

from tenure.commerce.models import Order, OrderLine, Product
from tenure.customers.models import Customer
from tenure.imports import base
from tenure.imports.services import import_file
from tenure.imports.tests.helpers import read_report, write_csv

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the flusher's connection sees committed rows only
    pytest.mark.skipif("connection.vendor != 'postgresql'"),  # the flusher is PostgreSQL's
]

HEADER = ["order_id", "customer_external_id", "date", "sku", "product_name", "quantity", "unit_price"]
ORDERS = [  # in batches of two lines (an order's lines are never split between two)
    HEADER,
    ["SO1", "C1", "2026-01-05", "A-1", "茶杯 Cup", "2", "10.00"],  # 1: new products, written in place
    ["SO2", "C2", "2026-01-06", "B-2", "茶壶 Pot", "1", "99.00"],
    ["SO4", "C2", "2026-01-07", "A-1", "茶杯 Cup", "3", "10.00"],  # 2: new orders only, the flusher's
    ["SO7", "C1", "2026-01-08", "A-1", "茶杯 Cup", "1", "10.00"],
    ["SO4", "C2", "2026-01-07", "B-2", "茶壶 Pot", "1", "99.00"],  # 3: a fragment of the batch in flight
    ["SO3", "C9", "2026-01-06", "B-2", "茶壶 Pot", "1", "99.00"],  # unknown customer
    ["SO5", "C1", "2026-13-01", "A-1", "茶杯 Cup", "1", "10.00"],  # 4: bad date
    ["SO6", "C2", "2026-01-08", "C-3", "茶盘 Tray", "1", "50.00"],  # a new product mid-file
    ["SO2", "C2", "2026-01-06", "A-1", "茶杯 Cup", "1", "10.00"],  # 5: a fragment of an older batch
    ["SO8", "C2", "2026-01-09", "A-1", "茶杯 Cup", "1", "10.00"],
]


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(base, "BATCH_ROWS", 2)  # several batches, one in flight at a time


@pytest.fixture
def buyers(db):
    return [Customer.objects.create(name=f"买家 {ref}", external_id=ref) for ref in ("C1", "C2")]


def _submissions(monkeypatch) -> list[frozenset]:
    seen: list[frozenset] = []
    real = base.Flusher.submit

    def recording(self, job, keys):
        seen.append(keys)
        return real(self, job, keys)

    monkeypatch.setattr(base.Flusher, "submit", recording)
    return seen


def _stored():
    orders = sorted(
        Order.objects.values_list("number", "customer__external_id", "total", "total_cost", "line_count")
    )
    lines = sorted(
        OrderLine.objects.values_list("order__number", "product__sku", "quantity", "unit_price", "amount")
    )
    return orders, lines, sorted(Product.objects.values_list("sku", "name"))


def test_batches_written_apart_are_what_batches_written_in_place_are(tmp_path, monkeypatch, buyers):
    submitted = _submissions(monkeypatch)
    real = base.copy_rows

    def slow(conn, table, columns, data):
        # Each batch stays in flight while the next is handled: a fragment of it must wait for it.
        if threading.current_thread().name == "tenure-import-flusher":
            time.sleep(0.2)
        return real(conn, table, columns, data)

    monkeypatch.setattr(base, "copy_rows", slow)
    results = []
    for processes in (1, 2):
        Order.objects.all().delete()
        Product.objects.all().delete()
        report = tmp_path / f"report{processes}.csv"
        result = import_file(
            kind="orders",
            path=write_csv(tmp_path / "o.csv", ORDERS),
            processes=processes,
            report_path=str(report),
            bulk=True,  # as the command line does
        )
        counts = (result.rows, result.created, result.updated, result.rejected)
        results.append((counts, read_report(report), _stored()))
    assert results[0] == results[1]
    counts, rejected, (orders, lines, products) = results[1]
    assert counts == (10, 6, 2, 2)
    assert [(r["line"], r["field"]) for r in rejected] == [("7", "customer_external_id"), ("8", "date")]
    totals = {number: (total, count) for number, _ref, total, _cost, count in orders}
    assert totals == {
        "SO1": (20, 1),
        "SO2": (109, 2),
        "SO4": (129, 2),
        "SO6": (50, 1),
        "SO7": (10, 1),
        "SO8": (10, 1),
    }
    assert ("C-3", "茶盘 Tray") in products
    # Only the second run had a flusher; it wrote the batch of new orders only (the others created
    # products or appended to orders, which is done in place).
    assert submitted == [frozenset({"SO4", "SO7"})]
    assert not [t for t in threading.enumerate() if t.name == "tenure-import-flusher"]


def test_a_batch_the_flusher_cannot_write_stops_the_import(tmp_path, monkeypatch, buyers):
    rows = [HEADER] + [[f"SO{i}", "C1", "2026-01-05", "A-1", "", "1", "10.00"] for i in range(1, 9)]
    import_file(kind="orders", path=write_csv(tmp_path / "first.csv", rows[:2]))  # the product exists
    real = base.copy_rows
    calls = []

    def failing(conn, table, columns, data):
        if threading.current_thread().name == "tenure-import-flusher":
            calls.append(table)
            if len(calls) > 2:  # the second batch the flusher is given (orders, then its lines)
                raise DatabaseError("disk full")
        return real(conn, table, columns, data)

    monkeypatch.setattr(base, "copy_rows", failing)
    with pytest.raises(DatabaseError, match="disk full"):
        import_file(kind="orders", path=write_csv(tmp_path / "o.csv", rows), processes=2)
    # The batch before it stays (SO1 was there, SO2 new), nothing of it (SO3, SO4) or after it is
    # written, and the thread has ended.
    assert sorted(Order.objects.values_list("number", flat=True)) == ["SO1", "SO2"]
    assert OrderLine.objects.count() == 2 and calls == [
        "commerce_order",
        "commerce_orderline",
        "commerce_order",
    ]
    assert not [t for t in threading.enumerate() if t.name == "tenure-import-flusher"]


def test_no_flusher_inside_a_transaction_or_for_a_dry_run(tmp_path, monkeypatch, buyers):
    from django.db import transaction

    submitted = _submissions(monkeypatch)
    path = write_csv(tmp_path / "o.csv", ORDERS)
    import_file(kind="orders", path=path, processes=2, dry_run=True)
    with transaction.atomic():
        result = import_file(kind="orders", path=path, processes=2)
    assert result.created == 6 and submitted == []
    assert connection.vendor == "postgresql"
