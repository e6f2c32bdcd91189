"""/api/v1/contacts/ and /api/v1/addresses/: flat lists with a `customer` validated against visibility."""

import pytest
from rest_framework.test import APIClient

from tenure.accounts.models import AuditEntry
from tenure.customers.models import Address, Contact, SearchToken
from tenure.customers.services import address_add, contact_add, customer_create
from tenure.customers.tests.test_api import token_client
from tenure.factories import CustomerFactory

CONTACTS = "/api/v1/contacts/"
ADDRESSES = "/api/v1/addresses/"


@pytest.fixture
def contact(agent, customer):
    return contact_add(customer=customer, actor=agent, name="王秘书", mobile="13900001111")


@pytest.fixture
def address(agent, customer):
    return address_add(customer=customer, actor=agent, city="上海", line="南京路 1 号")


def test_contact_create_normalises_audits_and_indexes(agent, customer):
    response = token_client(agent).post(
        CONTACTS, {"customer": customer.pk, "name": "李经理", "mobile": "139-0000-2222"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["mobile"] == "+8613900002222"
    assert response.json()["customer"] == customer.pk
    contact = Contact.objects.get(pk=response.json()["id"])
    assert AuditEntry.objects.filter(
        customer=customer, model="customers.contact", object_id=str(contact.pk)
    ).exists()
    assert SearchToken.objects.filter(customer=customer, token="13900002222").exists()


def test_contact_for_invisible_customer_is_400_does_not_exist(outsider, customer):
    response = token_client(outsider).post(CONTACTS, {"customer": customer.pk, "name": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["customer"] == [f"Customer {customer.pk} does not exist."]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x"}, "customer"),
        ({"customer": "abc", "name": "x"}, "customer"),
        ({"customer": 10**30, "name": "x"}, "customer"),
        ({"customer": None, "name": "x"}, "customer"),
        ({"customer": "CUSTOMER", "name": ""}, "name"),
        ({"customer": "CUSTOMER", "name": "x", "mobile": "1"}, "mobile"),
        ({"customer": "CUSTOMER", "name": "x", "email": "@"}, "email"),
        ({"customer": "CUSTOMER", "name": "x", "boss": True}, "boss"),
    ],
)
def test_contact_bad_input_is_400(agent, customer, payload, field):
    payload = {k: customer.pk if v == "CUSTOMER" else v for k, v in payload.items()}
    response = token_client(agent).post(CONTACTS, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Contact.objects.exists()


def test_contacts_list_excludes_invisible_and_filters_by_customer(agent, outsider, contact):
    theirs = customer_create(actor=outsider, name="外人客户")
    contact_add(customer=theirs, actor=outsider, name="外人联系人")
    client = token_client(agent)
    assert [c["name"] for c in client.get(CONTACTS).json()["results"]] == ["王秘书"]
    assert client.get(CONTACTS, {"customer": theirs.pk}).json()["results"] == []
    assert [c["name"] for c in client.get(CONTACTS, {"customer": contact.customer_id}).json()["results"]] == [
        "王秘书"
    ]


def test_outsider_gets_404_for_contact_and_address(outsider, contact, address):
    client = token_client(outsider)
    assert client.get(f"{CONTACTS}{contact.pk}/").status_code == 404
    assert client.get(f"{ADDRESSES}{address.pk}/").status_code == 404
    assert client.get(CONTACTS).json()["results"] == []
    assert client.get(ADDRESSES).json()["results"] == []


def test_contact_and_address_retrieve(agent, contact, address):
    client = token_client(agent)
    assert client.get(f"{CONTACTS}{contact.pk}/").json()["name"] == "王秘书"
    assert client.get(f"{ADDRESSES}{address.pk}/").json()["city"] == "上海"


def test_address_create_and_invisible_customer(agent, outsider, customer):
    response = token_client(agent).post(
        ADDRESSES,
        {"customer": customer.pk, "kind": "work", "city": "北京", "line": "长安街 1 号"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert AuditEntry.objects.filter(customer=customer, model="customers.address").exists()
    response = token_client(outsider).post(ADDRESSES, {"customer": customer.pk, "line": "x"}, format="json")
    assert response.status_code == 400
    assert "customer" in response.json()["errors"]
    response = token_client(agent).post(ADDRESSES, {"customer": customer.pk, "kind": "moon"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind", "line"}
    assert Address.objects.count() == 1


def test_analyst_cannot_add_contacts_or_addresses(analyst, customer, contact):
    client = token_client(analyst)
    assert client.get(CONTACTS).status_code == 200
    assert client.post(CONTACTS, {"customer": customer.pk, "name": "x"}, format="json").status_code == 403
    assert client.post(ADDRESSES, {"customer": customer.pk, "line": "x"}, format="json").status_code == 403


def test_wrong_methods_and_unauthenticated(agent, contact, address):
    client = token_client(agent)
    assert client.delete(f"{CONTACTS}{contact.pk}/").status_code == 405
    assert client.patch(f"{ADDRESSES}{address.pk}/", {}, format="json").status_code == 405
    assert APIClient().get(CONTACTS).status_code == 401
    assert APIClient().get(ADDRESSES).status_code == 401


@pytest.mark.parametrize("url", [CONTACTS, ADDRESSES])
def test_list_query_count_is_constant(agent, url, django_assert_max_num_queries):
    client = token_client(agent)

    def make(n):
        for _i in range(n):
            c = CustomerFactory(owner=agent)
            contact_add(customer=c, actor=agent, name="c")
            address_add(customer=c, actor=agent, line="l")

    make(2)
    client.get(url)
    with django_assert_max_num_queries(6) as small:
        assert len(client.get(url).json()["results"]) == 2
    make(15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(url).json()["results"]) == 17
