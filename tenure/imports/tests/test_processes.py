"""Reading and validating in a second process (Importer.prepared_batches with processes=2)."""

import pytest
from django.core.management.base import CommandError
from django.db import DatabaseError, connection

from tenure.commerce.models import Order
from tenure.customers.models import Customer, SearchDoc
from tenure.customers.services import customer_create
from tenure.imports import base
from tenure.imports.base import search_tokens
from tenure.imports.customers import CustomerImporter
from tenure.imports.models import ImportJob
from tenure.imports.orders import OrderImporter
from tenure.imports.services import import_file
from tenure.imports.tests.helpers import read_report, run_import, write_csv

pytestmark = pytest.mark.django_db

CUSTOMERS = [
    ["external_id", "name", "alt_name", "mobile", "phone", "email", "tags", "company"],
    ["C1", "张伟", "David", "138 1234 5678", "010-6552 9988", "ZW@Example.com", "VIP", "某公司"],
    ["C2", "Li Na", "", "13900001111", "", "", "", ""],
    ["C3", "", "", "13900002222", "", "", "", ""],  # no name: rejected
    ["", "曾小贤", "", "+1 415 555 2671", "", "zeng@example.cn", "老客户,VIP", ""],  # matched by mobile
    ["C5", "O'Brien \\ Co", "", "", "", "not-an-email", "", ""],  # bad email: rejected
    ["C6", "王芳", "", "", "", "wf@example.com", "", ""],
]
ORDERS = [
    ["order_id", "customer_external_id", "date", "sku", "product_name", "quantity", "unit_price"],
    ["SO1", "C1", "2026-01-05", "A-1", "茶杯 Cup", "2", "10.00"],
    ["SO2", "C2", "2026-01-06", "B-2", "茶壶 Pot", "1", "99.00"],
    ["SO3", "C9", "2026-01-06", "B-2", "茶壶 Pot", "1", "99.00"],  # unknown customer
    ["SO1", "C1", "2026-01-05", "B-2", "茶壶 Pot", "1", "99.00"],  # a later fragment of SO1
    ["SO4", "C6", "2026-13-01", "A-1", "茶杯 Cup", "1", "10.00"],  # bad date
]


def snapshot():
    fields = ("external_id", "name", "alt_name", "mobile", "phone", "email", "attributes")
    customers = sorted(map(repr, Customer.objects.values_list(*fields)))
    docs = sorted(
        repr((ext, mobile, sorted(doc)))
        for ext, mobile, doc in SearchDoc.objects.values_list(
            "customer__external_id", "customer__mobile", "doc"
        )
    )
    tags = sorted(map(repr, Customer.tags.through.objects.values_list("customer__external_id", "tag__name")))
    orders = sorted(
        map(repr, Order.objects.values_list("number", "customer__external_id", "total", "line_count"))
    )
    return customers, docs, tags, orders


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(base, "BATCH_ROWS", 2)  # several batches through the pipe


def test_two_processes_write_exactly_what_one_does(tmp_path, agent):
    results = []
    for processes in ("1", "2"):
        Order.objects.all().delete()
        Customer.objects.all().delete()
        report_c, report_o = tmp_path / f"c{processes}.csv", tmp_path / f"o{processes}.csv"
        summary_c = run_import(
            "customers", write_csv(tmp_path / "c.csv", CUSTOMERS), "--owner", "agent",
            "--processes", processes, "--report", report_c,
        )  # fmt: skip
        summary_o = run_import(
            "orders", write_csv(tmp_path / "o.csv", ORDERS), "--processes", processes, "--report", report_o
        )
        for summary in (summary_c, summary_o):
            summary.pop("seconds"), summary.pop("rows_per_second"), summary.pop("rebuild_seconds", None)
        results.append((summary_c, summary_o, read_report(report_c), read_report(report_o), snapshot()))
    assert results[0] == results[1]
    summary_c, summary_o, rejected_c, rejected_o, _snap = results[1]
    assert (summary_c["created"], summary_c["rejected"]) == (4, 2)
    assert [r["line"] for r in rejected_c] == ["4", "6"]
    assert (summary_o["created"], summary_o["updated"], summary_o["rejected"]) == (2, 1, 2)


def test_search_entries_made_beside_the_writing_equal_the_writes_own(tmp_path, agent):
    run_import("customers", write_csv(tmp_path / "c.csv", CUSTOMERS), "--owner", "agent", "--processes", "2")
    assert SearchDoc.objects.count() == Customer.objects.count() == 4
    for customer in Customer.objects.all():
        assert SearchDoc.objects.get(customer=customer).doc == search_tokens(customer)
    visible = Customer.objects.visible_to(agent)
    assert list(visible.search("zengxiaoxian").values_list("mobile", flat=True)) == ["+14155552671"]


def test_a_file_breaking_part_way_stops_after_the_batches_before_it(tmp_path):
    path = tmp_path / "c.csv"
    head = "external_id,name\nC0,张伟\n".encode("gb18030")
    good = "".join(f"C{i},Name {i}\n" for i in range(1, 10)).encode()
    path.write_bytes(head + good + b"C99,\xff\xff\n" + b"C100,After\n")
    with pytest.raises(CommandError, match="Line 12: the file is not valid gb18030 text"):
        run_import("customers", path, "--processes", "2")
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.created == Customer.objects.count() == 10


def test_a_crash_in_the_reading_process_is_raised_here(tmp_path, monkeypatch):
    def broken(self, rows):
        raise ValueError("prepare broke")

    monkeypatch.setattr(CustomerImporter, "prepare", broken)  # the forked child inherits it
    with pytest.raises(RuntimeError, match="prepare broke"):
        import_file(kind="customers", path=write_csv(tmp_path / "c.csv", CUSTOMERS), processes=2)
    assert Customer.objects.count() == 0


def _recording_known(monkeypatch) -> list[dict]:
    """What resolve_customers is handed by the reading process, batch after batch."""
    seen: list[dict] = []
    real = OrderImporter.resolve_customers

    def recording(self, orders, known):
        seen.append(None if known is None else dict(known))
        return real(self, orders, known)

    monkeypatch.setattr(OrderImporter, "resolve_customers", recording)
    return seen


def _can_open_a_second_connection() -> bool:
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


@pytest.mark.django_db(transaction=True)  # the reading process sees committed rows only
def test_the_reading_process_resolves_the_visible_customers_only(tmp_path, monkeypatch, agent, outsider):
    mine = customer_create(actor=agent, name="张伟", external_id="C1")
    customer_create(actor=outsider, name="李娜", external_id="C2")  # another team's: invisible to agent
    seen = _recording_known(monkeypatch)
    rows = [
        ["order_id", "customer_external_id", "date", "sku", "quantity", "unit_price"],
        ["SO1", "C1", "2026-01-05", "A-1", "2", "10.00"],
        ["SO2", "C2", "2026-01-05", "A-1", "1", "10.00"],
        ["SO3", "C1", "2026-01-06", "A-1", "1", "10.00"],
    ]
    result = import_file(kind="orders", path=write_csv(tmp_path / "o.csv", rows), actor=agent, processes=2)
    assert (result.created, result.rejected) == (2, 1)
    assert result.preview[0].line == 3 and "Unknown customer reference" in result.preview[0].reason
    assert set(Order.objects.values_list("number", "customer_id")) == {("SO1", mine.pk), ("SO3", mine.pk)}
    found = {ref: pk for known in seen if known for ref, pk in known.items()}
    if _can_open_a_second_connection():
        assert found == {"C1": mine.pk}  # looked up beside the writing; C2 never is
    else:
        assert found == {}  # an in-memory database: the writer looks everything up itself


@pytest.mark.django_db(transaction=True)
def test_customers_created_by_the_writer_are_found_whatever_the_reader_saw(tmp_path, monkeypatch):
    seen = _recording_known(monkeypatch)
    rows = [["order_id", "customer_external_id", "date", "sku", "quantity", "unit_price"]]
    rows += [[f"SO{i}", "NEW-1", "2026-01-05", "A-1", "1", "10.00"] for i in range(8)]
    import_file(kind="orders", path=write_csv(tmp_path / "o.csv", rows), create_customers=True, processes=2)
    new = Customer.objects.get(external_id="NEW-1")
    assert Order.objects.filter(customer=new).count() == 8 and Customer.objects.count() == 1
    assert len(seen) == 4 and all(known in (None, {}, {"NEW-1": new.pk}) for known in seen)


@pytest.mark.django_db(transaction=True)
def test_what_the_reading_process_did_not_find_is_not_looked_up_again(tmp_path, monkeypatch, agent):
    customer_create(actor=agent, name="张伟", external_id="C1")
    writers_look_ups: list[set] = []  # this process's only: the reading one records in its own memory
    real = OrderImporter.visible_customer_ids

    def recording(self, refs):
        writers_look_ups.append(set(refs))
        return real(self, refs)

    monkeypatch.setattr(OrderImporter, "visible_customer_ids", recording)
    rows = [["order_id", "customer_external_id", "date", "sku", "quantity", "unit_price"]]
    rows += [[f"SO{i}", "C1" if i % 2 else "C404", "2026-01-05", "A-1", "1", "10.00"] for i in range(6)]
    result = import_file(kind="orders", path=write_csv(tmp_path / "o.csv", rows), processes=2)
    assert (result.created, result.rejected) == (3, 3)
    assert {r.reason for r in result.preview} == {"Unknown customer reference “C404”."}
    if _can_open_a_second_connection():
        assert writers_look_ups == []
    else:
        assert writers_look_ups == [{"C1", "C404"}] * 3


def test_a_writer_inside_a_transaction_looks_everything_up_itself(tmp_path, monkeypatch, customer):
    # The reading process could not see this test's uncommitted customer, and would wait on its
    # locks while the writer waits on it: it looks nothing up.
    seen = _recording_known(monkeypatch)
    customer.external_id = "C1"
    customer.save(update_fields=["external_id"])
    rows = [["order_id", "customer_external_id", "date", "sku", "quantity", "unit_price"]]
    rows += [[f"SO{i}", "C1", "2026-01-05", "A-1", "1", "10.00"] for i in range(5)]
    run_import("orders", write_csv(tmp_path / "o.csv", rows), "--processes", "2")  # a bulk load
    assert Order.objects.filter(customer=customer).count() == 5
    assert seen == [None, None, None]


def test_a_failed_look_up_leaves_the_writer_to_look_everything_up(tmp_path, monkeypatch, customer):
    def failing(self, prepared):
        raise DatabaseError("no connection here")

    monkeypatch.setattr(OrderImporter, "look_up", failing)
    customer.external_id = "C1"
    customer.save(update_fields=["external_id"])
    rows = [["order_id", "customer_external_id", "date", "sku", "quantity", "unit_price"]]
    rows += [[f"SO{i}", "C1", "2026-01-05", "A-1", "1", "10.00"] for i in range(5)]
    result = import_file(kind="orders", path=write_csv(tmp_path / "o.csv", rows), processes=2)
    assert (result.created, result.rejected) == (5, 0)
    assert Order.objects.filter(customer=customer).count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_big_file_reads_the_visible_customers_once(tmp_path, monkeypatch, agent, outsider):
    from tenure.imports import orders

    if not _can_open_a_second_connection():
        pytest.skip("an in-memory database: the reading process looks nothing up")
    monkeypatch.setattr(orders, "DIRECTORY_AFTER_BATCHES", 1)
    mine = customer_create(actor=agent, name="张伟", external_id="C1")
    customer_create(actor=outsider, name="李娜", external_id="C2")  # another team's

    def batch_by_batch(self, refs):
        raise AssertionError("looked up batch by batch")

    monkeypatch.setattr(OrderImporter, "visible_customer_ids", batch_by_batch)  # in both processes
    seen = _recording_known(monkeypatch)
    rows = [["order_id", "customer_external_id", "date", "sku", "quantity", "unit_price"]]
    rows += [
        [f"SO{i}", ref, "2026-01-05", "A-1", "1", "10.00"] for i, ref in enumerate(["C1", "C2", "C1", "C404"])
    ]
    result = import_file(kind="orders", path=write_csv(tmp_path / "o.csv", rows), actor=agent, processes=2)
    assert (result.created, result.rejected) == (2, 2)
    assert set(Order.objects.values_list("customer_id", flat=True)) == {mine.pk}
    assert [known for known in seen] == [{"C1": mine.pk}, {"C1": mine.pk}]


def test_the_directory_of_customers_is_read_only_up_to_its_limit(monkeypatch, agent, outsider):
    from tenure.imports import orders

    monkeypatch.setattr(orders, "DIRECTORY_AFTER_BATCHES", 2)
    mine = customer_create(actor=agent, name="张伟", external_id="C1")
    customer_create(actor=agent, name="无编号")  # no external id: not in it
    customer_create(actor=outsider, name="李娜", external_id="C2")
    importer = OrderImporter(mapping={"order_id": "order_id"}, actor=agent)
    assert importer.customer_directory() is None  # the first batch: not yet
    directory = importer.customer_directory()
    assert len(directory) == 1 and directory.find(["C1", "C2", ""]) == {"C1": mine.pk}
    monkeypatch.setattr(orders, "DIRECTORY_MAX", 0)
    importer = OrderImporter(mapping={"order_id": "order_id"}, actor=agent)
    assert [importer.customer_directory() for _ in range(4)] == [None] * 4  # too many: batch by batch
