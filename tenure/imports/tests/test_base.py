import json

import pytest

from tenure.customers.models import Customer
from tenure.imports import base
from tenure.imports.base import ids_in, insert_customers, load_instances, text_in

pytestmark = pytest.mark.django_db


def test_text_in_matches_exactly_the_listed_values():
    odd = ["C1", "客户'2", 'x"y', "a\\b", "", "中 文 ", "%_"]
    for i, ext in enumerate(odd):
        Customer.objects.create(name=f"n{i}", external_id=ext or None)
    Customer.objects.create(name="other", external_id="C10")
    found = set(Customer.objects.filter(text_in("external_id", odd)).values_list("external_id", flat=True))
    assert found == {e for e in odd if e}
    assert not Customer.objects.filter(text_in("external_id", [])).exists()


def test_ids_in_matches_exactly_the_listed_ids():
    pks = [Customer.objects.create(name=f"n{i}").pk for i in range(4)]
    wanted = {pks[0], pks[2]}
    assert set(Customer.objects.filter(ids_in("pk", wanted)).values_list("pk", flat=True)) == wanted
    assert not Customer.objects.filter(ids_in("pk", [])).exists()


def test_load_instances_reads_the_fields_and_defers_the_rest():
    c = Customer.objects.create(name="张伟", external_id="E1", mobile="+8613812345678", attributes={"a": 1})
    (obj,) = load_instances(Customer.objects.filter(pk=c.pk), ["id", "external_id", "attributes", "owner"])
    assert (obj.pk, obj.external_id, obj.attributes, obj.owner_id) == (c.pk, "E1", {"a": 1}, None)
    assert obj.get_deferred_fields() >= {"name", "mobile"}
    assert obj.name == "张伟"  # loaded on access, like .only()
    obj.external_id = "E2"
    obj.save(update_fields=["external_id"])
    assert Customer.objects.get(pk=c.pk).external_id == "E2"


def test_inserted_customers_get_their_own_primary_keys(monkeypatch):
    def no_read_back(*args):
        raise AssertionError("ids should come from the sequence or the consecutive rowids")

    monkeypatch.setattr(base, "_read_back_ids", no_read_back)
    Customer.objects.create(name="before")
    objs = []
    for i in range(5):
        obj = Customer()
        obj.name, obj.external_id = f"n{i}", f"K{i}"
        objs.append(obj)
    insert_customers(objs)
    for obj in objs:
        assert Customer.objects.get(pk=obj.pk).external_id == obj.external_id
        assert Customer.objects.get(pk=obj.pk).uid == obj.uid


def _checkpoint_pages() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        return cursor.fetchone()[0]


def test_an_import_checkpoints_less_often_and_restores_it(tmp_path, agent, settings, monkeypatch):
    """SQLite: while the rows are written the log checkpoints at TENURE_IMPORT_SQLITE_WAL_MB, and at
    the connection's own setting again afterwards, also when the import fails."""
    from django.db import connection

    from tenure.imports.customers import CustomerImporter
    from tenure.imports.services import import_connection
    from tenure.imports.tests.helpers import run_import, write_csv

    if connection.vendor != "sqlite":
        pytest.skip("a SQLite connection setting")
    settings.TENURE_IMPORT_SQLITE_WAL_MB = 8
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_size")
        wanted = 8 * 1024 * 1024 // cursor.fetchone()[0]
    before = _checkpoint_pages()
    assert before != wanted
    seen = []
    real = CustomerImporter.handle_batch

    def handle_batch(self, prepared):
        seen.append(_checkpoint_pages())
        return real(self, prepared)

    monkeypatch.setattr(CustomerImporter, "handle_batch", handle_batch)
    path = write_csv(tmp_path / "c.csv", [["name", "mobile"], ["王伟", "13800138000"]])
    assert run_import("customers", path, "--owner", "agent")["created"] == 1
    assert seen == [wanted] and _checkpoint_pages() == before
    with pytest.raises(RuntimeError), import_connection():
        assert _checkpoint_pages() == wanted
        raise RuntimeError("the import failed")
    assert _checkpoint_pages() == before


def test_inserted_dates_and_instants_are_stored_as_given():
    """insert_objects sends dates and datetimes to PostgreSQL's COPY as ISO text: the stored instant
    is the one given, whatever its time zone (offsets east and west of UTC, daylight saving time,
    microseconds), and a date stays that day."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from tenure.commerce.models import Order
    from tenure.imports.base import insert_objects

    owner = Customer.objects.create(name="买家", birthday=None)
    instants = [
        datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=ZoneInfo("Asia/Shanghai")),
        datetime(2024, 7, 4, 1, 30, tzinfo=ZoneInfo("America/New_York")),  # daylight saving time
        datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York")),  # the second 1:30
        datetime(1999, 12, 31, 16, 0, tzinfo=ZoneInfo("UTC")),
    ]
    orders = []
    for i, at in enumerate(instants):
        order = Order()
        order.number, order.customer_id, order.ordered_at = f"T{i}", owner.pk, at
        orders.append(order)
    insert_objects(Order, orders, key="number")
    stored = dict(Order.objects.filter(number__startswith="T").values_list("number", "ordered_at"))
    # Compared as timestamps: Python never finds an ambiguous local time (fold=1) equal to a
    # datetime in another zone (PEP 495).
    assert [stored[f"T{i}"].timestamp() for i in range(len(instants))] == [at.timestamp() for at in instants]
    assert Order.objects.get(number="T0").created_at == orders[0].created_at

    people = []
    for i, day in enumerate([date(2000, 2, 29), date(1970, 1, 1)]):
        person = Customer()
        person.name, person.external_id, person.birthday = f"生日{i}", f"B{i}", day
        people.append(person)
    insert_customers(people)
    assert [Customer.objects.get(pk=p.pk).birthday for p in people] == [date(2000, 2, 29), date(1970, 1, 1)]


def test_uuid4_hexes_are_random_version_4_uuids():
    import uuid

    from tenure.imports.base import uuid4_hexes

    hexes = uuid4_hexes(1000)
    assert len(set(hexes)) == 1000 and all(len(h) == 32 for h in hexes)
    for h in hexes:
        u = uuid.UUID(hex=h)
        assert (u.version, u.variant, u.hex) == (4, uuid.RFC_4122, h)


def test_new_rows_hold_every_column_at_its_default():
    """NewRows' template is what an unsaved instance holds, as the database takes it; a field whose
    default is computed per row must be named by the caller."""
    from django.db import connection

    from tenure.commerce.models import Order
    from tenure.imports.base import STAMPS, NewRows, stamped_by_database

    spec = NewRows.of(Customer, connection, per_row={"uid"})
    omitted = set(STAMPS) if stamped_by_database(connection, Customer) else set()
    fields = [f for f in Customer._meta.concrete_fields if not f.primary_key and f.attname not in omitted]
    assert spec.columns == [f.column for f in fields]
    assert [fields[i].attname for i in spec.stamps] == [a for a in STAMPS if a not in omitted]
    blank = Customer()
    for i, f in enumerate(fields):
        if f.attname in ("uid", "created_at", "updated_at"):
            assert spec.template[i] is None
        elif f.attname in ("attributes", "allowed_channels"):
            assert json.loads(spec.template[i]) == getattr(blank, f.attname)
        else:
            assert spec.template[i] == getattr(blank, f.attname), f.attname
    assert spec.slots["owner_id"][0] == [f.attname for f in fields].index("owner_id")
    assert "owner" not in spec.slots  # a relation is set by its id only
    with pytest.raises(ValueError, match="uid"):
        NewRows(Customer, connection, per_row=set())
    assert NewRows.of(Order, connection, per_row=set()).template  # no default computed per row


def test_an_import_runs_the_garbage_collector_less_often_and_restores_it(tmp_path, agent, monkeypatch):
    import gc

    from tenure.imports import base
    from tenure.imports.tests.helpers import run_import, write_csv

    seen = []
    real = base.Importer._run

    def recording(self, table):
        seen.append(gc.get_threshold())
        return real(self, table)

    monkeypatch.setattr(base.Importer, "_run", recording)
    before = gc.get_threshold()
    assert before[0] < base.GC_THRESHOLD[0]
    run_import("customers", write_csv(tmp_path / "c.csv", [["name"], ["张伟"]]), "--owner", "agent")
    assert seen == [tuple(max(a, b) for a, b in zip(before, base.GC_THRESHOLD, strict=True))]
    assert gc.get_threshold() == before


def test_the_database_stamps_new_customers_and_orders_on_postgresql(tmp_path, agent):
    """PostgreSQL: created_at and updated_at default to now() (migration imports 0003), so an import
    copies rows without them; the rows are stamped all the same, one instant per batch."""
    from django.db import connection
    from django.utils import timezone

    from tenure.commerce.models import Order
    from tenure.imports.base import stamped_by_database
    from tenure.imports.tests.helpers import run_import, write_csv

    on_postgresql = connection.vendor == "postgresql"
    assert stamped_by_database(connection, Customer) is on_postgresql
    assert stamped_by_database(connection, Order) is on_postgresql
    started = timezone.now()
    run_import(
        "customers",
        write_csv(tmp_path / "c.csv", [["external_id", "name"], ["C1", "张伟"]]),
        "--owner",
        "agent",
    )
    rows = [["order_id", "customer_external_id", "date", "sku", "quantity", "unit_price"]]
    rows += [["SO1", "C1", "2024-03-01", "A", "1", "3"], ["SO2", "C1", "2024-03-02", "A", "1", "4"]]
    run_import("orders", write_csv(tmp_path / "o.csv", rows))
    for model in (Customer, Order):
        stamps = set(model.objects.values_list("created_at", "updated_at"))
        assert len(stamps) == 1, model  # one batch: one instant
        ((created, updated),) = stamps
        assert created == updated and abs((created - started).total_seconds()) < 60


def test_an_import_looks_again_whether_the_database_stamps_rows(tmp_path, agent):
    """Should a default go (a migration undone), the next import writes the timestamps itself."""
    from django.db import connection

    from tenure.imports import base
    from tenure.imports.tests.helpers import run_import, write_csv

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL stamps rows itself")
    assert base.stamped_by_database(connection, Customer)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE customers_customer ALTER COLUMN created_at DROP DEFAULT")
    try:
        run_import("customers", write_csv(tmp_path / "c.csv", [["name"], ["张伟"]]), "--owner", "agent")
        assert Customer.objects.get(name="张伟").created_at is not None
        assert not base.stamped_by_database(connection, Customer)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE customers_customer ALTER COLUMN created_at SET DEFAULT statement_timestamp()"
            )
        base._STAMPED.clear()
