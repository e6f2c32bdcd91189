from decimal import Decimal

import pytest
from django.utils import timezone

from tenure.commerce.models import Order, OrderLine, Product
from tenure.customers.models import Customer
from tenure.imports.tests.helpers import read_report, run_import, write_csv

pytestmark = pytest.mark.django_db

HEAD = ["订单号", "客户编号", "日期", "商品编号", "商品名称", "数量", "单价", "成本", "渠道"]


@pytest.fixture
def buyers(agent):
    from tenure.customers.services import customer_create

    return [customer_create(actor=agent, name=n, external_id=e) for n, e in [("甲", "C1"), ("乙", "C2")]]


def orders_file(tmp_path, rows, name="o.csv"):
    return write_csv(tmp_path / name, [HEAD, *rows])


ROWS = [
    ["SO1", "C1", "2024-03-01 10:00", "A", "苹果", "2", "3.50", "2", "门店"],
    ["SO1", "C1", "2024-03-01 10:00", "B", "梨", "1", "10", "", "门店"],
    ["SO2", "C2", "2024/3/2", "A", "苹果", "5", "3.50", "2", "online"],
    ["R1", "C1", "2024-03-05", "A", "苹果", "-1", "3.50", "2", ""],
]


def test_lines_are_grouped_into_orders_with_totals(tmp_path, buyers):
    summary = run_import("orders", orders_file(tmp_path, ROWS))
    assert (summary["rows"], summary["created"], summary["rejected"]) == (4, 4, 0)
    so1 = Order.objects.get(number="SO1")
    assert so1.customer == buyers[0] and so1.line_count == 2 and so1.channel == "store"
    assert so1.total == Decimal("17.00") and so1.total_cost == Decimal("4.00")
    assert timezone.localtime(so1.ordered_at).hour == 10  # local time (TIME_ZONE)
    assert Order.objects.get(number="SO2").total == Decimal("17.50")
    assert Product.objects.get(sku="A").name == "苹果"


def test_returns_are_negative_lines(tmp_path, buyers):
    run_import("orders", orders_file(tmp_path, ROWS))
    ret = Order.objects.get(number="R1")
    assert ret.is_return and ret.total == Decimal("-3.50")
    assert OrderLine.objects.get(order=ret).quantity == Decimal("-1")


def test_reimport_is_idempotent(tmp_path, buyers):
    path = orders_file(tmp_path, ROWS)
    run_import("orders", path)
    again = run_import("orders", path)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert OrderLine.objects.count() == 4 and Order.objects.count() == 3


def test_changed_order_is_replaced(tmp_path, buyers):
    run_import("orders", orders_file(tmp_path, ROWS))
    changed = [ROWS[0], [*ROWS[1][:5], "3", *ROWS[1][6:]]]
    summary = run_import("orders", orders_file(tmp_path, changed, "p.csv"))
    assert summary["updated"] == 2
    assert Order.objects.get(number="SO1").total == Decimal("37.00")
    assert OrderLine.objects.filter(order__number="SO1").count() == 2


def test_one_bad_line_rejects_its_whole_order(tmp_path, buyers):
    rows = [ROWS[0], [*ROWS[1][:6], "-10", *ROWS[1][7:]], ROWS[2]]
    report = tmp_path / "r.csv"
    summary = run_import("orders", orders_file(tmp_path, rows), "--report", report)
    assert (summary["created"], summary["rejected"]) == (1, 2)
    assert not Order.objects.filter(number="SO1").exists()
    lines = {r["line"]: r for r in read_report(report)}
    assert lines["3"]["field"] == "unit_price" and "negative" in lines["3"]["reason"]
    assert "line 3" in lines["2"]["reason"]


@pytest.mark.parametrize(
    ("cells", "field", "reason"),
    [
        ({2: "yesterday"}, "date", "not a date"),
        ({5: "two"}, "quantity", "not a number"),
        ({5: "0"}, "quantity", "zero"),
        ({1: "C404"}, "customer_external_id", "Unknown customer reference"),
        ({1: ""}, "customer_external_id", "No customer"),
        ({3: ""}, "sku", "required"),
    ],
)
def test_bad_lines(tmp_path, buyers, cells, field, reason):
    row = list(ROWS[2])
    for i, v in cells.items():
        row[i] = v
    report = tmp_path / "r.csv"
    summary = run_import("orders", orders_file(tmp_path, [row]), "--report", report)
    assert summary["rejected"] == 1 and not Order.objects.exists()
    [rej] = read_report(report)
    assert (rej["line"], rej["field"]) == ("2", field) and reason in rej["reason"]


def test_create_customers_option(tmp_path, agent):
    summary = run_import("orders", orders_file(tmp_path, ROWS), "--create-customers", "--owner", "agent")
    assert summary["customers_created"] == 2 and summary["created"] == 4
    bare = Customer.objects.get(external_id="C1")
    assert bare.name == "C1" and bare.owner == agent


def test_dry_run_writes_nothing(tmp_path, buyers):
    summary = run_import("orders", orders_file(tmp_path, ROWS), "--dry-run", "--create-customers")
    assert summary["created"] == 4
    assert not Order.objects.exists() and not Product.objects.exists()


def test_dry_run_counts_each_new_customer_once_across_batches(tmp_path, agent, monkeypatch):
    from tenure.imports import base

    monkeypatch.setattr(base, "BATCH_ROWS", 1)
    real = run_import("orders", orders_file(tmp_path, ROWS), "--dry-run", "--create-customers")
    assert real["customers_created"] == 2 and not Customer.objects.exists()


def test_order_lines_split_across_batches(tmp_path, buyers, monkeypatch):
    from tenure.imports import base

    monkeypatch.setattr(base, "BATCH_ROWS", 2)
    rows = [ROWS[0], ROWS[2], ROWS[1]]  # SO1's lines are not adjacent
    summary = run_import("orders", orders_file(tmp_path, rows))
    assert summary["created"] + summary["updated"] == 3
    so1 = Order.objects.get(number="SO1")
    assert so1.line_count == 2 and so1.total == Decimal("17.00")


def test_a_later_fragment_is_appended_whatever_the_clients_clock(tmp_path, buyers, monkeypatch):
    """Whether a stored order was written by this run is read on one clock: the database's where it
    stamps the orders (PostgreSQL), so a client clock ahead of the server's changes nothing."""
    from tenure.imports import base, orders

    ahead = timezone.now() + timezone.timedelta(hours=1)
    monkeypatch.setattr(orders.timezone, "now", lambda: ahead)
    monkeypatch.setattr(base, "BATCH_ROWS", 2)
    rows = [ROWS[0], ROWS[2], ROWS[1]]  # SO1's lines are not adjacent
    run_import("orders", orders_file(tmp_path, rows))
    so1 = Order.objects.get(number="SO1")
    assert so1.line_count == 2 and so1.total == Decimal("17.00")


def test_every_error_of_a_line_in_field_order(tmp_path, buyers):
    """Unreadable cells first, in the order of the fields, then the checks on values read; the
    same cell text is reported on every line it is bad on."""
    future = (timezone.now() + timezone.timedelta(days=30)).strftime("%Y-%m-%d")
    rows = [
        ["SO7", "C1", "2024-13-45", "A", "苹果", "0", "-1", "x", "门店"],
        ["SO8", "C1", future, "A", "苹果", "2", "3", "-2", "火星"],
        ["SO9", "C2", "2024-03-01", "A", "苹果", "0", "3", "1", ""],
        ["SO9", "C2", "2024-03-01", "B", "梨", "1", "3", "1", ""],
        ["SO10", "C2", future, "A", "苹果", "1", "3", "1", ""],
    ]
    report = tmp_path / "r.csv"
    summary = run_import("orders", orders_file(tmp_path, rows), "--report", report)
    assert (summary["created"], summary["rejected"]) == (0, 5)
    found = [(r["line"], r["field"]) for r in read_report(report)]
    assert found == [
        ("2", "date"),
        ("2", "cost"),
        ("2", "quantity"),
        ("2", "unit_price"),
        ("3", "channel"),
        ("3", "cost"),
        ("3", "date"),
        ("4", "quantity"),
        ("5", "order_id"),
        ("6", "date"),
    ]
    reasons = {(r["line"], r["field"]): r["reason"] for r in read_report(report)}
    assert "not a valid date" in reasons[("2", "date")] and "zero" in reasons[("2", "quantity")]
    assert "future" in reasons[("3", "date")] and "negative" in reasons[("3", "cost")]
    assert "line 4" in reasons[("5", "order_id")]


def test_formula_neutralised_cells_are_read_back(tmp_path, buyers):
    """A cell an export neutralised ('-1) is read as written before it ('-1 -> -1, a return)."""
    rows = [["R9", "C1", "2024-03-05", "A", "苹果", "'-1", "3.50", "2", ""]]
    summary = run_import("orders", orders_file(tmp_path, rows))
    assert summary["created"] == 1
    assert OrderLine.objects.get(order__number="R9").quantity == Decimal("-1")


def test_the_cell_memo_stays_bounded_and_correct(tmp_path, buyers, monkeypatch):
    from tenure.imports import base, orders

    monkeypatch.setattr(base, "BATCH_ROWS", 2)
    monkeypatch.setattr(orders, "MEMO_LIMIT", 3)
    rows = [[f"SO{i}", "C1", "2024-03-01", "A", "", "1", str(i), "", ""] for i in range(1, 12)]
    rows[7][5] = "0"  # a bad cell after the memo has been emptied
    report = tmp_path / "r.csv"
    summary = run_import("orders", orders_file(tmp_path, rows), "--report", report)
    assert (summary["created"], summary["rejected"]) == (10, 1)
    assert [r["line"] for r in read_report(report)] == ["9"]
    assert Order.objects.get(number="SO11").total == Decimal("11.00")


def test_line_rows_name_every_column_of_an_order_line():
    """The import writes order lines as plain rows: a column added to OrderLine must be added there."""
    from tenure.imports.orders import LINE_COLUMNS

    assert LINE_COLUMNS == [f.column for f in OrderLine._meta.concrete_fields if not f.primary_key]


def test_new_order_rows_name_every_column_of_an_order():
    """New orders are written as plain rows too: a field added to Order must be added there."""
    from tenure.imports.orders import ORDER_FIELDS

    assert sorted(ORDER_FIELDS) == sorted(f.attname for f in Order._meta.concrete_fields if not f.primary_key)


def test_fragments_of_an_order_stored_before_the_run_replace_then_append(tmp_path, buyers, monkeypatch):
    """The first fragment of a stored order replaces its lines; a later one (same run) adds to them."""
    from tenure.imports import base

    run_import("orders", orders_file(tmp_path, ROWS, name="first.csv"))
    monkeypatch.setattr(base, "BATCH_ROWS", 2)
    changed = [
        ["SO1", "C1", "2024-03-01 10:00", "A", "苹果", "4", "3.50", "2", "门店"],
        ROWS[2],
        ["SO1", "C1", "2024-03-01 10:00", "C", "桃", "1", "5", "", "门店"],
    ]
    summary = run_import("orders", orders_file(tmp_path, changed, name="second.csv"))
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 2, 1)
    so1 = Order.objects.get(number="SO1")
    skus = sorted(OrderLine.objects.filter(order=so1).values_list("product__sku", "quantity"))
    assert skus == [("A", Decimal("4")), ("C", Decimal("1"))]
    assert so1.line_count == 2 and so1.total == Decimal("19.00")


def test_a_bad_line_rejects_its_order_however_the_number_is_written(tmp_path, buyers):
    """17850 and 17850.0 (a number through a spreadsheet) are one order: its bad line rejects both."""
    rows = [
        ["17850", "C1", "2024-03-01", "A", "苹果", "1", "3", "", ""],
        ["17850.0", "C1", "2024-03-01", "B", "梨", "1", "-3", "", ""],
    ]
    report = tmp_path / "r.csv"
    summary = run_import("orders", orders_file(tmp_path, rows), "--report", report)
    assert (summary["created"], summary["rejected"]) == (0, 2)
    assert not Order.objects.exists()
    assert [(r["line"], r["field"]) for r in read_report(report)] == [("2", "order_id"), ("3", "unit_price")]


def test_a_prepared_batch_survives_the_pipe_between_processes(db):
    """What prepare() sends to the writing process: plain tuples (Line reads them by name), each
    row's cells as one str (raw_dict gives the row back), a row with a cell holding the separator
    as a tuple of its cells, a row with more cells than headers as its dict."""
    import pickle
    from datetime import datetime

    from tenure.imports import fields as F
    from tenure.imports.orders import LINE_FIELDS, Line, OrderImporter

    headers = ["order_id", "customer_external_id", "date", "sku", "quantity", "unit_price", "note"]
    importer = OrderImporter(mapping=F.resolve_mapping("orders", headers))
    importer.headers = headers
    rows = [
        (2, dict(zip(headers, ["SO1", "C1", "2026-01-05", "A-1", "2", "10.5", "gift"], strict=True))),
        (3, dict(zip(headers, ["SO2", "C2", "2026-01-05", "A-1", "1", "10.5", "a\x1fb"], strict=True))),
        (
            4,
            {
                **dict(zip(headers, ["SO3", "C3", "2026-01-05", "A-1", "1", "10.5", ""], strict=True)),
                "column_8": "x",
            },
        ),
    ]
    groups, bad, known = pickle.loads(pickle.dumps(importer.prepare(rows)))
    assert not bad and known is None  # filled by look_up in the reading process
    parsed = groups["SO1"][0]  # a good order's members are its lines' tuples
    assert type(parsed) is tuple and len(parsed) == len(LINE_FIELDS)
    first = Line(parsed)
    assert (first.line, first.order_id, first.customer_ref, first.sku) == (2, "SO1", "C1", "A-1")
    assert (first.quantity, first.unit_price, first.amount) == (
        Decimal("2"),
        Decimal("10.5"),
        Decimal("21.00"),
    )
    assert isinstance(first.ordered_at, datetime) and first.currency and first.channel
    assert importer.raw_dict(first.raw) == rows[0][1]
    second = Line(groups["SO2"][0])
    assert type(second.raw) is tuple and importer.raw_dict(second.raw) == rows[1][1]
    assert type(first.raw) is str  # the cells joined: one object a row through the pipe
    # A row with cells beyond the header row keeps its dict, extra cell included.
    assert Line(groups["SO3"][0]).raw == rows[2][1]


def test_products_are_looked_up_once_a_run(tmp_path, buyers, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenure.imports import base

    monkeypatch.setattr(base, "BATCH_ROWS", 1)  # one order a batch
    Product.objects.create(sku="A", name="苹果", cost=Decimal("2"))
    rows = [["SO1", "C1", "2024-03-01", "A", "苹果", "1", "3.50", "", ""]]
    rows += [[f"SO{i}", "C1", "2024-03-01", "B", "梨", "1", "10", "", ""] for i in range(2, 5)]
    rows += [["SO9", "C2", "2024-03-02", "A", "苹果", "2", "3.50", "", ""]]
    with CaptureQueriesContext(connection) as ctx:
        summary = run_import("orders", orders_file(tmp_path, rows))
    assert summary["created"] == 5 and Product.objects.count() == 2
    reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "commerce_product"')]
    assert len(reads) == 3  # A found; B missing, then read back once created; never again
    # The cost of a product read once is what lines without a cost of their own are costed at.
    assert Order.objects.get(number="SO9").total_cost == Decimal("4.00")


def test_rows_read_as_cells_import_as_rows_read_as_dicts(tmp_path, buyers, monkeypatch):
    """The command reads an order file's rows as lists of cells (Table.cells); short rows and rows
    with cells beyond the header row come as dicts. Both give what reading every row as a dict did:
    the same orders and the same report."""
    from tenure.imports.orders import OrderImporter

    text = "\n".join(
        [
            ",".join(HEAD),
            "SO1,C1,2024-03-01,A,苹果,2,3.50,2,门店",
            "SO2,C2,2024-03-02,B,梨,1,10",  # short: no cost, no channel
            "SO3,C1,2024-03-03,A,苹果,1,-3.50,2,门店,备注",  # an extra cell, and a negative price
            "SO4,C9,2024-03-04,A,苹果,1,3.50,2,门店",  # unknown customer
            "SO1,C1,2024-03-01,B,梨,1,10,,门店",  # a later fragment of SO1
        ]
    )
    path = tmp_path / "o.csv"
    path.write_text(text + "\n", encoding="utf-8")
    results = []
    for cells in (True, False):
        Order.objects.all().delete()
        monkeypatch.setattr(OrderImporter, "reads_cells", cells)
        report = tmp_path / f"r{cells}.csv"
        summary = run_import("orders", path, "--report", report)
        for key in ("seconds", "rows_per_second", "rebuild_seconds"):
            summary.pop(key, None)
        orders = sorted(Order.objects.values_list("number", "total", "line_count", "channel"))
        results.append((summary, read_report(report), orders))
    assert results[0] == results[1]
    summary, rejected, orders = results[0]
    assert (summary["created"], summary["updated"], summary["rejected"]) == (3, 0, 2)
    assert [(r["line"], r["field"]) for r in rejected] == [("4", "unit_price"), ("5", "customer_external_id")]
    assert rejected[0]["单价"] == "'-3.50" and rejected[1]["客户编号"] == "C9"
    assert orders == [("SO1", Decimal("17.00"), 2, "store"), ("SO2", Decimal("10.00"), 1, "other")]


@pytest.mark.django_db(transaction=True)  # VACUUM cannot run inside a transaction
@pytest.mark.parametrize("customers_created", [0, 3])
def test_an_order_import_refreshes_the_customer_tables_only_when_it_created_customers(
    customers_created, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenure.imports.services import tidy_after_import

    settings.TENURE_IMPORT_TIDY_ROWS = 1
    with CaptureQueriesContext(connection) as ctx:
        assert tidy_after_import(kind="orders", rows=5, customers_created=customers_created)
    tables = {q["sql"].replace('"', "").split()[-1] for q in ctx.captured_queries}
    order_tables = {"commerce_order", "commerce_orderline"}
    assert tables == (
        order_tables | {"customers_customer", "customers_searchdoc"} if customers_created else order_tables
    )
