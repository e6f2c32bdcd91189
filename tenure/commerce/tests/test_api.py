"""/api/v1/products/ and /api/v1/orders/."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tenure.accounts.models import AuditEntry
from tenure.commerce.models import Order, Product
from tenure.commerce.services import LineInput, order_create
from tenure.customers.services import customer_create
from tenure.customers.tests.test_api import token_client
from tenure.factories import CustomerFactory, ProductFactory

PRODUCTS = "/api/v1/products/"
ORDERS = "/api/v1/orders/"


def make_order(customer, actor, number="SO-1", when=None, channel="store", lines=None):
    return order_create(
        customer=customer,
        number=number,
        ordered_at=when or timezone.now() - timedelta(hours=1),
        channel=channel,
        lines=lines
        or [LineInput(sku="TEA-1", quantity=Decimal("2"), unit_price=Decimal("50"), unit_cost=Decimal("30"))],
        actor=actor,
    )


# --- products --------------------------------------------------------------------------------------


def test_every_staff_member_reads_products(agent, analyst, outsider):
    ProductFactory(sku="TEA-1", name="Green tea")
    for user in (agent, analyst, outsider):
        body = token_client(user).get(PRODUCTS).json()
        assert [p["sku"] for p in body["results"]] == ["TEA-1"]


def test_managers_and_admins_write_products_agents_and_analysts_do_not(agent, analyst, manager, admin_user):
    payload = {"sku": "TEA-2", "name": "Oolong", "price": "88.00", "currency": "cny"}
    assert token_client(agent).post(PRODUCTS, payload, format="json").status_code == 403
    assert token_client(analyst).post(PRODUCTS, payload, format="json").status_code == 403
    response = token_client(manager).post(PRODUCTS, payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["currency"] == "CNY"
    product = Product.objects.get(sku="TEA-2")
    assert AuditEntry.objects.filter(
        model="commerce.product", object_id=str(product.pk), action="create"
    ).exists()
    response = token_client(admin_user).patch(f"{PRODUCTS}{product.pk}/", {"price": "99.50"}, format="json")
    assert response.status_code == 200
    product.refresh_from_db()
    assert product.price == Decimal("99.50")
    entry = AuditEntry.objects.get(model="commerce.product", action="update")
    assert entry.changes["price"] == ["88.00", "99.50"]
    assert (
        token_client(agent).patch(f"{PRODUCTS}{product.pk}/", {"price": "1"}, format="json").status_code
        == 403
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x"}, "sku"),
        ({"sku": "A", "name": "x", "price": "-1"}, "price"),
        ({"sku": "A", "name": "x", "price": "abc"}, "price"),
        ({"sku": "A", "name": "x", "price": "1e400"}, "price"),
        ({"sku": "A", "name": "x", "currency": "yuan"}, "currency"),
        ({"sku": "TEA-1", "name": "dup"}, "sku"),
        ({"sku": "A", "name": "x", "margin": 3}, "margin"),
    ],
)
def test_product_bad_input_is_400(manager, payload, field):
    ProductFactory(sku="TEA-1")
    response = token_client(manager).post(PRODUCTS, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Product.objects.count() == 1


def test_products_wrong_method_and_unauthenticated(admin_user):
    product = ProductFactory()
    assert token_client(admin_user).delete(f"{PRODUCTS}{product.pk}/").status_code == 405
    assert APIClient().get(PRODUCTS).status_code == 401


def test_product_filters(agent):
    ProductFactory(sku="A-1", category="tea")
    ProductFactory(sku="B-1", category="cups", active=False)
    client = token_client(agent)
    assert [p["sku"] for p in client.get(PRODUCTS, {"category": "tea"}).json()["results"]] == ["A-1"]
    assert [p["sku"] for p in client.get(PRODUCTS, {"active": "false"}).json()["results"]] == ["B-1"]
    assert [p["sku"] for p in client.get(PRODUCTS, {"ordering": "sku"}).json()["results"]] == ["A-1", "B-1"]


# --- orders ----------------------------------------------------------------------------------------


def test_create_order_with_lines(agent, customer):
    response = token_client(agent).post(
        ORDERS,
        {
            "customer": customer.pk,
            "number": "SO-100",
            "ordered_at": "2026-01-05T10:00:00+08:00",
            "channel": "online",
            "lines": [
                {
                    "sku": "TEA-1",
                    "product_name": "Green tea",
                    "quantity": "2",
                    "unit_price": "50",
                    "unit_cost": "30",
                },
                {"sku": "CUP-1", "quantity": 1, "unit_price": 20},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["total"] == "120.00"
    assert body["total_cost"] == "60.00"
    assert body["margin"] == "60.00"
    assert body["line_count"] == 2
    assert [ln["sku"] for ln in body["lines"]] == ["TEA-1", "CUP-1"]
    assert Product.objects.get(sku="TEA-1").name == "Green tea"
    assert AuditEntry.objects.filter(customer=customer, model="commerce.order").exists()


def test_return_order_with_negative_quantity(agent, customer):
    response = token_client(agent).post(
        ORDERS,
        {
            "customer": customer.pk,
            "number": "RET-1",
            "ordered_at": timezone.now().isoformat(),
            "lines": [{"sku": "TEA-1", "quantity": "-1", "unit_price": "50"}],
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["is_return"] is True
    assert response.json()["total"] == "-50.00"


def test_order_for_invisible_customer_is_400_does_not_exist(outsider, customer):
    response = token_client(outsider).post(
        ORDERS,
        {
            "customer": customer.pk,
            "number": "SO-1",
            "ordered_at": timezone.now().isoformat(),
            "lines": [{"sku": "X", "quantity": 1, "unit_price": 1}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["customer"] == [f"Customer {customer.pk} does not exist."]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": "x"}, "lines"),
        ({"lines": [{"sku": "X", "quantity": 0, "unit_price": 1}]}, "lines"),
        ({"lines": [{"sku": "X", "quantity": 1, "unit_price": -1}]}, "lines"),
        ({"lines": [{"sku": "X", "quantity": "many", "unit_price": 1}]}, "lines"),
        ({"lines": [{"sku": "X", "quantity": 1, "unit_price": 1, "colour": "red"}]}, "lines"),
        ({"lines": [{"sku": "X", "quantity": "999999999", "unit_price": "9999999999"}]}, "lines"),
        ({"lines": [{"sku": "X", "quantity": "9999", "unit_price": "9999999999"}] * 2}, "lines"),
        ({"lines": [{"sku": "X", "quantity": 1, "unit_price": 1}] * 1001}, "lines"),
        ({"ordered_at": "yesterday"}, "ordered_at"),
        ({"channel": "telepathy"}, "channel"),
        ({"number": "SO-EXISTS"}, "number"),
        ({"number": ""}, "number"),
    ],
)
def test_order_bad_input_is_400_and_writes_nothing(agent, customer, change, field):
    make_order(customer, agent, number="SO-EXISTS")
    payload = {
        "customer": customer.pk,
        "number": "SO-NEW",
        "ordered_at": timezone.now().isoformat(),
        "lines": [{"sku": "X", "quantity": 1, "unit_price": 1}],
        **change,
    }
    response = token_client(agent).post(ORDERS, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Order.objects.count() == 1
    assert not Product.objects.filter(sku="X").exists()


def test_orders_list_excludes_invisible_and_404s_them(agent, outsider, customer):
    mine = make_order(customer, agent, number="SO-MINE")
    theirs_customer = customer_create(actor=outsider, name="外人客户")
    theirs = make_order(theirs_customer, outsider, number="SO-THEIRS")
    client = token_client(agent)
    assert [o["number"] for o in client.get(ORDERS).json()["results"]] == ["SO-MINE"]
    assert client.get(f"{ORDERS}{theirs.pk}/").status_code == 404
    assert client.get(f"{ORDERS}{mine.pk}/").json()["lines"][0]["sku"] == "TEA-1"
    assert token_client(outsider).get(f"{ORDERS}{mine.pk}/").status_code == 404


def test_order_filters(agent, customer):
    other = customer_create(actor=agent, name="李四")
    now = timezone.now()
    make_order(customer, agent, "SO-OLD", when=now - timedelta(days=40), channel="store")
    make_order(customer, agent, "SO-NEW", when=now - timedelta(days=1), channel="online")
    make_order(other, agent, "SO-OTHER", when=now - timedelta(days=2), channel="online")
    client = token_client(agent)

    def numbers(params):
        response = client.get(ORDERS, {**params, "ordering": "-ordered_at"})
        assert response.status_code == 200, response.content
        return [o["number"] for o in response.json()["results"]]

    assert numbers({"customer": customer.pk}) == ["SO-NEW", "SO-OLD"]
    assert numbers({"channel": "online"}) == ["SO-NEW", "SO-OTHER"]
    assert numbers({"ordered_after": (now - timedelta(days=10)).isoformat()}) == ["SO-NEW", "SO-OTHER"]
    assert numbers({"ordered_before": (now - timedelta(days=10)).isoformat()}) == ["SO-OLD"]
    assert client.get(ORDERS, {"ordered_after": "31/02/2026"}).status_code == 400
    assert client.get(ORDERS, {"customer": "me"}).status_code == 400


def test_orders_analyst_reads_cannot_write_and_wrong_method(analyst, agent, customer):
    order = make_order(customer, agent)
    client = token_client(analyst)
    assert client.get(f"{ORDERS}{order.pk}/").status_code == 200
    payload = {"customer": customer.pk, "number": "X", "ordered_at": timezone.now().isoformat(), "lines": []}
    assert client.post(ORDERS, payload, format="json").status_code == 403
    assert token_client(agent).delete(f"{ORDERS}{order.pk}/").status_code == 405
    assert token_client(agent).patch(f"{ORDERS}{order.pk}/", {}, format="json").status_code == 405
    assert APIClient().get(ORDERS).status_code == 401


def test_orders_list_query_count_is_constant(agent, django_assert_max_num_queries):
    client = token_client(agent)

    def make(n, start):
        for i in range(n):
            c = CustomerFactory(owner=agent)
            make_order(
                c,
                agent,
                number=f"SO-{start + i}",
                lines=[
                    LineInput(sku=f"S{i}", quantity=Decimal("1"), unit_price=Decimal("1")),
                    LineInput(sku=f"T{i}", quantity=Decimal("1"), unit_price=Decimal("1")),
                ],
            )

    make(2, 0)
    client.get(ORDERS)
    with django_assert_max_num_queries(6) as small:
        assert len(client.get(ORDERS).json()["results"]) == 2
    make(12, 100)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(ORDERS).json()["results"]) == 14
