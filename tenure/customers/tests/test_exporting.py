import csv
import io

import pytest
from django.urls import reverse

from tenure.customers.exporting import COLUMNS, export_customers_csv, neutralise
from tenure.customers.models import Customer
from tenure.customers.services import customer_create

pytestmark = pytest.mark.django_db


def parse(response):
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("   =cmd", "'   =cmd"),
        ("张伟", "张伟"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_export_is_formula_safe_and_chinese(client_for, agent, customer):
    customer_create(actor=agent, name='=HYPERLINK("http://evil")', external_id="-1", tags=["VIP"])
    response = client_for(agent).get(reverse("imports:export_customers"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = parse(response)
    names = {r["name"] for r in rows}
    assert names == {"张伟", '\'=HYPERLINK("http://evil")'}
    evil = next(r for r in rows if r["name"].startswith("'"))
    assert evil["external_id"] == "'-1" and evil["tags"] == "VIP" and evil["owner"] == "agent"
    assert next(r for r in rows if r["name"] == "张伟")["mobile"] == "'+8613812345678"


def test_outsider_export_excludes_team_a(client_for, customer, outsider):
    customer_create(actor=outsider, name="B队客户")
    rows = parse(client_for(outsider).get(reverse("imports:export_customers")))
    assert [r["name"] for r in rows] == ["B队客户"]


def test_export_search_filter(client_for, agent, customer):
    customer_create(actor=agent, name="李娜")
    rows = parse(client_for(agent).get(reverse("imports:export_customers"), {"q": "zhangwei"}))
    assert [r["name"] for r in rows] == ["张伟"]


def test_export_queries_do_not_grow_with_rows(agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(n):
        for i in range(n):
            customer_create(actor=agent, name=f"客户{i}", tags=["t"])
        with CaptureQueriesContext(connection) as ctx:
            lines = list(export_customers_csv(Customer.objects.visible_to(agent)))
        assert len(lines) == Customer.objects.count() + 2  # BOM + header + rows
        return len(ctx.captured_queries)

    count(0)  # warm the per-user caches (org settings, team ids)
    assert count(2) == count(30)


def test_export_round_trips_through_the_importer(tmp_path, agent, teammate):
    from tenure.imports.tests.helpers import run_import

    customer_create(
        actor=agent,
        name="张伟",
        external_id="C1",
        mobile="13812345678",
        email="z@x.cn",
        tags=["VIP", "老客户"],
        attributes={"company": "某公司", "会员等级": "金卡"},
        representative=teammate,
        notes="=not a formula",
    )
    customer_create(actor=agent, name="No Id", mobile="13900001111")
    path = tmp_path / "export.csv"
    path.write_text("".join(export_customers_csv(Customer.objects.visible_to(agent))), encoding="utf-8")
    with open(path, encoding="utf-8-sig") as f:
        assert next(csv.reader(f)) == COLUMNS
    summary = run_import("customers", path)
    assert (summary["rejected"], summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 0, 2)
    Customer.objects.all().delete()
    summary = run_import("customers", path)
    assert summary["created"] == 2
    c1 = Customer.objects.get(external_id="C1")
    assert c1.mobile == "+8613812345678" and c1.representative == teammate and c1.owner == agent
    assert c1.attributes == {"company": "某公司", "会员等级": "金卡"}
    assert sorted(c1.tags.values_list("name", flat=True)) == ["VIP", "老客户"]


def test_export_keeps_the_list_filters_of_its_link(client_for, agent, customer):
    """The list's export link carries its search and filters: the CSV holds what the list shows."""
    customer_create(actor=agent, name="张伟国", lifecycle_stage=Customer.Stage.ACTIVE)
    customer_create(actor=agent, name="李娜", lifecycle_stage=Customer.Stage.ACTIVE)
    url = reverse("imports:export_customers")
    rows = parse(client_for(agent).get(url, {"q": "zhangwei", "stage": "active"}))
    assert [r["name"] for r in rows] == ["张伟国"]
    rows = parse(client_for(agent).get(url, {"stage": "active"}))
    assert sorted(r["name"] for r in rows) == ["张伟国", "李娜"]
