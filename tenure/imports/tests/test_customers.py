import pytest
from openpyxl import Workbook

from tenure.accounts.models import AuditEntry
from tenure.customers.models import Customer, SearchDoc
from tenure.customers.search import customer_tokens
from tenure.imports.base import search_tokens
from tenure.imports.models import ImportJob
from tenure.imports.tests.helpers import read_report, run_import, write_csv

pytestmark = pytest.mark.django_db

GOOD = [
    ["客户编号", "姓名", "手机", "邮箱", "公司", "标签", "会员等级", "负责人"],
    ["C1", "张伟", "138 1234 5678", "ZW@Example.com", "某公司", "VIP，老客户", "金卡", ""],
    ["C2", "Li Na", "13900001111", "", "", "", "", "teammate"],
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chinese_headers_in_every_encoding(tmp_path, agent, teammate, encoding):
    path = write_csv(tmp_path / "c.csv", GOOD, encoding)
    summary = run_import("customers", path, "--owner", "agent")
    assert summary["created"] == 2 and summary["rejected"] == 0 and summary["rows"] == 2
    zw = Customer.objects.get(external_id="C1")
    assert (zw.name, zw.mobile, zw.email) == ("张伟", "+8613812345678", "zw@example.com")
    assert zw.attributes == {"company": "某公司", "会员等级": "金卡"}  # unknown column -> attribute
    assert sorted(zw.tags.values_list("name", flat=True)) == ["VIP", "老客户"]
    assert zw.owner == agent and zw.team_id == agent.team_ids()[0]


def test_owner_column_overrides_owner_option(tmp_path, agent, teammate):
    run_import("customers", write_csv(tmp_path / "c.csv", GOOD), "--owner", "agent")
    assert Customer.objects.get(external_id="C2").owner == teammate
    assert Customer.objects.get(external_id="C1").owner == agent


def test_imported_customers_are_searchable(tmp_path, agent, teammate):
    run_import("customers", write_csv(tmp_path / "c.csv", GOOD), "--owner", "agent")
    visible = Customer.objects.visible_to(agent)
    assert list(visible.search("zhangwei").values_list("external_id", flat=True)) == ["C1"]
    assert list(visible.search("1234 5678").values_list("external_id", flat=True)) == ["C1"]


def test_fast_search_tokens_equal_the_search_modules():
    for mobile in ["+8613812345678", "+14155552671", ""]:
        c = Customer(
            name="张伟 Wei",
            alt_name="David",
            mobile=mobile,
            phone="+861065529988",
            email="a@b.cn",
            external_id="X 1",
        )
        assert search_tokens(c) == customer_tokens(c)


def test_reimport_changes_nothing_and_update_counts(tmp_path, agent, teammate):
    path = write_csv(tmp_path / "c.csv", GOOD)
    run_import("customers", path, "--owner", "agent")
    entries = dict(SearchDoc.objects.values_list("customer_id", "doc"))
    again = run_import("customers", path, "--owner", "agent")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert (
        Customer.objects.count() == 2 and dict(SearchDoc.objects.values_list("customer_id", "doc")) == entries
    )
    changed = [GOOD[0], ["C1", "张伟", "13812345679", "", "", "", "", ""], GOOD[2]]
    summary = run_import("customers", write_csv(tmp_path / "d.csv", changed))
    assert (summary["updated"], summary["unchanged"]) == (1, 1)
    zw = Customer.objects.get(external_id="C1")
    assert zw.mobile == "+8613812345679"
    assert zw.email == "zw@example.com"  # an empty cell does not erase
    assert Customer.objects.visible_to(agent).search("12345679").get() == zw


def test_rows_without_external_id_match_on_mobile(tmp_path, agent):
    rows = [["name", "mobile", "email"], ["A", "13800000001", "a@x.cn"], ["B", "", "b@x.cn"]]
    path = write_csv(tmp_path / "c.csv", rows)
    assert run_import("customers", path)["created"] == 2
    assert run_import("customers", path)["unchanged"] == 2
    assert Customer.objects.count() == 2


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (["C9", "", "13800000001", "", ""], "name", "A name is required."),
        (["C9", "X", "12", "", ""], "mobile", "not a valid phone number"),
        (["C9", "X", "", "bad@", ""], "email", "not a valid email address"),
        (["C9", "X", "", "", "1990-13-40"], "birthday", "not a valid date"),
        (["C9", "X", "", "", "yesterday"], "birthday", "not a date"),
        (["C9", "X" * 201, "", "", ""], "name", "Too long"),
    ],
)
def test_bad_rows_are_reported_with_line_field_reason_and_not_written(tmp_path, row, field, reason):
    rows = [["external_id", "name", "mobile", "email", "birthday"], ["C0", "Good", "", "", ""], row]
    report = tmp_path / "r.csv"
    summary = run_import("customers", write_csv(tmp_path / "c.csv", rows), "--report", report)
    assert (summary["created"], summary["rejected"]) == (1, 1)
    assert not Customer.objects.filter(external_id="C9").exists()
    [rejected] = read_report(report)
    assert rejected["line"] == "3" and rejected["field"] == field and reason in rejected["reason"]
    assert rejected["external_id"] == "C9"  # original values kept


def test_unknown_owner_is_rejected(tmp_path, agent):
    rows = [["name", "owner"], ["A", "nobody"]]
    report = tmp_path / "r.csv"
    summary = run_import("customers", write_csv(tmp_path / "c.csv", rows), "--report", report)
    assert summary["rejected"] == 1 and not Customer.objects.exists()
    assert read_report(report)[0]["field"] == "owner"
    assert "Unknown staff member" in read_report(report)[0]["reason"]


def test_duplicate_in_file_is_rejected(tmp_path):
    rows = [["编号", "姓名"], ["C1", "A"], ["C1", "B"]]
    report = tmp_path / "r.csv"
    summary = run_import("customers", write_csv(tmp_path / "c.csv", rows), "--report", report)
    assert (summary["created"], summary["rejected"]) == (1, 1)
    assert "Duplicate of line 2" in read_report(report)[0]["reason"]


def test_report_is_formula_injection_safe(tmp_path):
    rows = [["name", "email"], ['=HYPERLINK("http://x")', "bad"]]
    report = tmp_path / "r.csv"
    run_import("customers", write_csv(tmp_path / "c.csv", rows), "--report", report)
    assert read_report(report)[0]["name"].startswith("'=")


def test_dry_run_writes_nothing(tmp_path, agent, teammate):
    summary = run_import("customers", write_csv(tmp_path / "c.csv", GOOD), "--dry-run")
    assert summary["created"] == 2 and summary["dry_run"] is True
    assert (
        not Customer.objects.exists()
        and not ImportJob.objects.exists()
        and not AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).exists()
    )


def test_map_option_and_ignored_column(tmp_path):
    rows = [["Kunde", "Handy", "Land"], ["Anna", "13800000009", "DE"]]
    run_import(
        "customers",
        write_csv(tmp_path / "c.csv", rows),
        "--map",
        "Kunde=name",
        "--map",
        "Handy=mobile",
        "--map",
        "Land=-",
    )
    anna = Customer.objects.get()
    assert (anna.name, anna.mobile, anna.attributes) == ("Anna", "+8613800000009", {})


def test_one_audit_entry_per_run(tmp_path, teammate):
    run_import("customers", write_csv(tmp_path / "c.csv", GOOD))
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT)
    assert entry.action == AuditEntry.Action.IMPORT and entry.changes["created"] == 2
    assert ImportJob.objects.get().created == 2


def test_xlsx(tmp_path, teammate):
    wb = Workbook()
    for row in GOOD:
        wb.active.append(row)
    wb.active.append([17850, "数字编号", 13800000002, None, None, None, None, None])
    wb.save(tmp_path / "c.xlsx")
    assert run_import("customers", tmp_path / "c.xlsx")["created"] == 3
    assert Customer.objects.get(external_id="17850").mobile == "+8613800000002"


def test_fatal_errors_exit_non_zero(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown kind"):
        run_import("products", write_csv(tmp_path / "c.csv", GOOD))
    with pytest.raises(CommandError, match="Cannot open"):
        run_import("customers", tmp_path / "missing.csv")
    with pytest.raises(CommandError, match="required field"):
        run_import("customers", write_csv(tmp_path / "d.csv", [["foo"], ["bar"]]))


def test_web_actor_cannot_update_another_teams_customer(tmp_path, agent, outsider):
    from tenure.customers.services import customer_create
    from tenure.imports.services import import_file

    theirs = customer_create(actor=outsider, name="B队", external_id="B1", mobile="13700000000")
    rows = [["external_id", "name"], ["B1", "Hijacked"]]
    report = tmp_path / "r.csv"
    result = import_file(
        kind="customers", path=write_csv(tmp_path / "c.csv", rows), actor=agent, report_path=report
    )
    assert (result.rejected, result.updated) == (1, 0)
    assert read_report(report)[0]["reason"] == "This external id is already in use."
    theirs.refresh_from_db()
    assert theirs.name == "B队"
    # matching by mobile only looks at visible customers: a new customer is created instead
    rows = [["name", "mobile"], ["Mine", "13700000000"]]
    result = import_file(kind="customers", path=write_csv(tmp_path / "d.csv", rows), actor=agent)
    assert result.created == 1 and Customer.objects.filter(mobile="+8613700000000").count() == 2


def test_web_actor_can_only_assign_teammates(tmp_path, agent, outsider):
    from tenure.imports.services import import_file

    rows = [["name", "owner"], ["A", "outsider"], ["B", "agent"]]
    result = import_file(kind="customers", path=write_csv(tmp_path / "c.csv", rows), actor=agent)
    assert (result.created, result.rejected) == (1, 1)
    assert "not in your teams" in result.preview[0].reason


def test_gb18030_after_an_ascii_sample_is_still_read(tmp_path, monkeypatch):
    from tenure.lib import tabular

    monkeypatch.setattr(tabular, "SAMPLE_BYTES", 64)  # the sample looks like UTF-8…
    path = tmp_path / "c.csv"
    good = "".join(f"C{i},Name {i}\n" for i in range(10)).encode()
    path.write_bytes(b"external_id,name\n" + good + "C99,张伟\n".encode("gb18030"))  # …the end is not
    assert run_import("customers", path)["created"] == 11
    assert Customer.objects.get(external_id="C99").name == "张伟"


def test_file_breaking_part_way_stops_with_counts(tmp_path, monkeypatch):
    from django.core.management.base import CommandError

    from tenure.imports import base

    monkeypatch.setattr(base, "BATCH_ROWS", 2)
    path = tmp_path / "c.csv"
    head = "external_id,name\nC0,张伟\n".encode("gb18030")
    good = "".join(f"C{i},Name {i}\n" for i in range(1, 10)).encode()
    path.write_bytes(head + good + b"C99,\xff\xff\n" + b"C100,After\n")
    with pytest.raises(CommandError, match="Line 12: the file is not valid gb18030 text"):
        run_import("customers", path)
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.created == Customer.objects.count() == 10
    assert "Line 12" in job.error


def _every_column(n, suffix):
    header = ["external_id", "name", "alt_name", "kind", "mobile", "phone", "email", "company", "gender"]
    header += ["birthday", "language", "industry", "source", "lifecycle_stage", "owner", "representative"]
    header += ["tags", "notes", "do_not_contact", "attributes"]
    rows = [header]
    for i in range(n):
        rows.append(
            [f"E{i}", f"张{suffix}{i}", f"Alt{suffix}", "company", f"1380000{i:04d}", f"010-6552{i:04d}"]
            + [f"e{i}{suffix}@example.com", f"公司{suffix}", "f", "1990-01-02", "en", f"ind{suffix}"]
            + [f"src{suffix}", "active", "agent", "teammate", f"t{suffix}", f"note {suffix}", "yes"]
            + [f'{{"k": "{suffix}"}}']
        )
    return rows


def test_reimport_reads_matched_customers_in_constant_queries(
    tmp_path, agent, teammate, django_assert_max_num_queries
):
    """Matched customers are loaded with only the fields the file can change: comparing and writing
    them must not fetch a deferred field row by row."""
    for n in (3, 30):
        Customer.objects.all().delete()
        run_import("customers", write_csv(tmp_path / "a.csv", _every_column(n, "a")), "--owner", "agent")
        with django_assert_max_num_queries(40):
            summary = run_import("customers", write_csv(tmp_path / "b.csv", _every_column(n, "b")))
        assert summary["updated"] == n and summary["rejected"] == 0, summary
        with django_assert_max_num_queries(40):
            summary = run_import("customers", write_csv(tmp_path / "b.csv", _every_column(n, "b")))
        assert summary["unchanged"] == n, summary
    c = Customer.objects.get(external_id="E29")
    assert (c.alt_name, c.industry, c.source, c.notes, c.attributes) == (
        "Altb",
        "indb",
        "srcb",
        "note b",
        {"k": "b", "company": "公司b"},
    )


def test_tags_are_added_to_new_and_existing_customers_never_removed(tmp_path, agent):
    first = [["external_id", "name", "tags"], ["T1", "甲", "VIP"], ["T2", "乙", ""]]
    run_import("customers", write_csv(tmp_path / "a.csv", first), "--owner", "agent")
    second = [
        ["external_id", "name", "tags"],
        ["T1", "甲", "学生；VIP"],
        ["T2", "乙", "VIP"],
        ["T3", "丙", "VIP"],
    ]
    summary = run_import("customers", write_csv(tmp_path / "b.csv", second), "--owner", "agent")
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (1, 2, 0)
    tags = {c.external_id: sorted(c.tags.values_list("name", flat=True)) for c in Customer.objects.all()}
    assert tags == {"T1": ["VIP", "学生"], "T2": ["VIP"], "T3": ["VIP"]}
    again = run_import("customers", write_csv(tmp_path / "b.csv", second), "--owner", "agent")
    assert again["unchanged"] == 3


def test_stored_tokens_are_the_search_modules_even_with_copy_escapes(tmp_path, agent):
    rows = [
        ["external_id", "name", "alt_name", "mobile", "email"],
        ["B\\1", "曾\\小贤", "O'Brien\\Tab", "+86 138-0000-0001", "x@example.com"],
        ["B2", "单雄信", "Zoë Ñ", "0086 139 0000 0002", "a@b.cn"],
    ]
    summary = run_import("customers", write_csv(tmp_path / "c.csv", rows), "--owner", "agent")
    assert summary["created"] == 2
    for c in Customer.objects.all():
        stored = SearchDoc.objects.get(customer_id=c.pk).doc
        assert stored == customer_tokens(c)
        assert any("\\" in t for t in stored) or c.external_id == "B2"


@pytest.mark.django_db(transaction=True)
def test_a_big_import_refreshes_statistics_and_the_visibility_map(tmp_path, agent, teammate, settings):
    """Outside a transaction (as `tenure import` and the worker run), from the row threshold on."""
    from django.db import connection

    from tenure.imports.services import tidy_after_import

    settings.TENURE_IMPORT_TIDY_ROWS = 2
    run_import("customers", write_csv(tmp_path / "c.csv", GOOD), "--owner", "agent")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VACUUM marks the pages all-visible (what index-only scans need), in pg_class itself.
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relallvisible > 0 AND relname LIKE 'customers_%%'"
            )
            assert {"customers_customer", "customers_searchdoc"} <= {r[0] for r in cursor.fetchall()}
        else:
            # sqlite_stat1 has rows for indexed tables only (the entries are keyed by their rowid).
            cursor.execute("SELECT tbl FROM sqlite_stat1")
            assert "customers_customer" in {r[0] for r in cursor.fetchall()}
    assert tidy_after_import(kind="customers", rows=1) is False  # below the threshold


def _raw_rows(table, column, ids):
    """The rows of `table` whose `column` is in `ids` exactly as the database holds them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(ids))}) ORDER BY {column}",
            list(ids),
        )
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_new_customers_are_stored_as_the_orm_stores_them(tmp_path, agent, teammate):
    """Every column of a customer created by the import (the set-based path: no Model.__init__, no
    save()) holds what Django's own save() of the same customer writes, and its search entry what
    search.reindex (model instances, bulk_create) writes."""
    import datetime as dt

    from django.db import connection

    from tenure.customers import search
    from tenure.customers.models import Tag

    rows = _every_column(3, "a")
    rows.append(["", "Only A Name", *[""] * (len(rows[0]) - 2)])
    rows.append(["E9", "曾 Zoë", "", "", "0086 139 0000 0002", "", "", "", "", "", "", "", "", "", "", ""])
    rows[-1] += ["VIP，学生", "", "", '{"x": [1, "二"]}']
    summary = run_import("customers", write_csv(tmp_path / "all.csv", rows), "--owner", "agent")
    assert summary["created"] == 5 and summary["rejected"] == 0, summary
    ids = sorted(Customer.objects.values_list("pk", flat=True))
    imported = _raw_rows("customers_customer", "id", ids)
    docs = _raw_rows("customers_searchdoc", "customer_id", ids)
    tags = {c.pk: sorted(c.tags.values_list("name", flat=True)) for c in Customer.objects.all()}

    team_a = agent.teams.get()
    expected = []
    for i in range(3):
        expected.append(
            dict(
                external_id=f"E{i}", name=f"张a{i}", alt_name="Alta", kind="company",
                mobile=f"+861380000{i:04d}", phone=f"+86106552{i:04d}", email=f"e{i}a@example.com",
                gender="f", birthday=dt.date(1990, 1, 2), language="en", industry="inda",
                source="srca", lifecycle_stage="active", owner=agent, team=team_a,
                representative=teammate, notes="note a", do_not_contact=True,
                attributes={"k": "a", "company": "公司a"},
            )
        )  # fmt: skip
    expected.append(dict(name="Only A Name", owner=agent, team=team_a))
    expected.append(
        dict(external_id="E9", name="曾 Zoë", mobile="+8613900000002", owner=agent, team=team_a,
             attributes={"x": [1, "二"]})
    )  # fmt: skip
    assert [tags[pk] for pk in ids] == [["ta"]] * 3 + [[], ["VIP", "学生"]]

    # The same customers saved by the ORM, with the same id, uid and timestamps.
    Customer.objects.all().delete()
    for row, fields in zip(imported, expected, strict=True):
        ref = Customer(id=row["id"], **fields)
        ref.full_clean(exclude=["uid"])
        ref.save()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE customers_customer SET uid = %s, created_at = %s, updated_at = %s WHERE id = %s",
                [row["uid"], row["created_at"], row["updated_at"], row["id"]],
            )
    assert _raw_rows("customers_customer", "id", ids) == imported
    search.reindex(ids)
    assert _raw_rows("customers_searchdoc", "customer_id", ids) == docs
    assert Tag.objects.count() == 3


def test_json_fields_left_at_their_defaults_are_stored_as_their_types(tmp_path, agent):
    """New customers' JSON fields at their defaults go to the database as JSON text written once
    (COPY on PostgreSQL): an empty object and an empty list, read back as such and queryable."""
    rows = [["external_id", "name", "colour"], ["C1", "张伟", ""], ["C2", "Li Na", "red"]]
    run_import("customers", write_csv(tmp_path / "c.csv", rows), "--owner", "agent")
    c1, c2 = Customer.objects.order_by("external_id")
    assert (c1.attributes, c1.allowed_channels) == ({}, [])
    assert (c2.attributes, c2.allowed_channels) == ({"colour": "red"}, [])
    assert Customer.objects.filter(allowed_channels=[]).count() == 2
    assert Customer.objects.filter(attributes={}).get() == c1
