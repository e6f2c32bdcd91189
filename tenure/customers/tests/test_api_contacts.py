"""/api/v1/contacts/ and /api/v1/addresses/: flat lists with a `customer` validated against visibility;
updates and deletes through the audited services, never moving a row to another customer."""

import pytest
from rest_framework.test import APIClient

from tenure.accounts.models import AuditEntry
from tenure.customers.models import Address, Contact, Customer, SearchDoc
from tenure.customers.services import address_add, contact_add, contact_update, customer_create
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
    assert "13900002222" in SearchDoc.objects.get(customer=customer).doc


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
    assert client.post(f"{CONTACTS}{contact.pk}/", {}, format="json").status_code == 405
    assert client.put(CONTACTS, {}, format="json").status_code == 405
    assert client.delete(ADDRESSES).status_code == 405
    assert APIClient().get(CONTACTS).status_code == 401
    assert APIClient().get(ADDRESSES).status_code == 401


# --- update and delete -----------------------------------------------------------------------------


def _audit(instance, action):
    model = f"customers.{instance._meta.model_name}"
    return AuditEntry.objects.filter(action=action, model=model, object_id=str(instance.pk))


def test_contact_patch_normalises_audits_and_refreshes_search(agent):
    company = customer_create(actor=agent, name="华为", kind="company")
    contact = contact_add(customer=company, actor=agent, name="李经理", mobile="13900001111")
    response = token_client(agent).patch(
        f"{CONTACTS}{contact.pk}/", {"mobile": "139-0000-3333"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["mobile"] == "+8613900003333"
    assert response.json()["name"] == "李经理"
    entry = _audit(contact, "update").get()
    assert entry.customer_id == company.pk and entry.actor == agent
    assert entry.changes == {"mobile": ["+8613900001111", "+8613900003333"]}
    visible = Customer.objects.visible_to(agent)
    assert list(visible.search("13900003333")) == [company]
    assert list(visible.search("13900001111")) == []


def test_contact_put_changes_what_is_sent_and_keeps_the_rest(agent, contact):
    contact_update(contact=contact, actor=agent, notes="keep me")
    payload = {"customer": contact.customer_id, "name": "王总", "title": "总经理", "is_primary": True}
    response = token_client(agent).put(f"{CONTACTS}{contact.pk}/", payload, format="json")
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert (contact.name, contact.title, contact.is_primary) == ("王总", "总经理", True)
    assert (contact.notes, contact.mobile) == ("keep me", "+8613900001111")
    assert _audit(contact, "update").latest("id").changes["name"] == ["王秘书", "王总"]


def test_contact_put_without_name_is_400(agent, contact):
    response = token_client(agent).put(f"{CONTACTS}{contact.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_contact_delete_audits_and_refreshes_search(agent, contact):
    customer = contact.customer
    visible = Customer.objects.visible_to(agent)
    assert list(visible.search("13900001111")) == [customer]
    response = token_client(agent).delete(f"{CONTACTS}{contact.pk}/")
    assert response.status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    entry = _audit(contact, "delete").get()
    assert entry.customer_id == customer.pk
    assert entry.changes["name"] == ["王秘书", None]
    assert list(visible.search("13900001111")) == []
    assert token_client(agent).delete(f"{CONTACTS}{contact.pk}/").status_code == 404


def test_address_patch_and_put_audit(agent, address):
    client = token_client(agent)
    response = client.patch(f"{ADDRESSES}{address.pk}/", {"city": "杭州", "kind": "work"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["city"], response.json()["kind"]) == ("杭州", "work")
    assert response.json()["line"] == "南京路 1 号"
    assert _audit(address, "update").get().changes["city"] == ["上海", "杭州"]
    response = client.put(f"{ADDRESSES}{address.pk}/", {"line": "西湖路 2 号"}, format="json")
    assert response.status_code == 200, response.content
    address.refresh_from_db()
    assert (address.city, address.line) == ("杭州", "西湖路 2 号")
    assert _audit(address, "update").count() == 2


def test_address_delete_audits(agent, address):
    response = token_client(agent).delete(f"{ADDRESSES}{address.pk}/")
    assert response.status_code == 204
    assert not Address.objects.filter(pk=address.pk).exists()
    entry = _audit(address, "delete").get()
    assert entry.customer_id == address.customer_id
    assert entry.changes["city"] == ["上海", None]


def test_teammate_may_edit_a_contact(teammate, contact):
    response = token_client(teammate).patch(f"{CONTACTS}{contact.pk}/", {"title": "秘书"}, format="json")
    assert response.status_code == 200, response.content
    assert _audit(contact, "update").get().actor == teammate


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"mobile": "1"}, "mobile"),
        ({"mobile": "not a phone"}, "mobile"),
        ({"email": "@"}, "email"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"is_primary": "maybe"}, "is_primary"),
        ({"boss": True}, "boss"),
        ({"id": 5}, "id"),
    ],
)
def test_contact_bad_update_is_400_and_changes_nothing(agent, contact, payload, field):
    response = token_client(agent).patch(f"{CONTACTS}{contact.pk}/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    contact.refresh_from_db()
    assert (contact.name, contact.mobile, contact.email) == ("王秘书", "+8613900001111", "")
    assert not _audit(contact, "update").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"kind": "moon"}, "kind"), ({"line": ""}, "line"), ({"city": "x" * 61}, "city"), ({"x": 1}, "x")],
)
def test_address_bad_update_is_400_and_changes_nothing(agent, address, payload, field):
    response = token_client(agent).patch(f"{ADDRESSES}{address.pk}/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    address.refresh_from_db()
    assert (address.city, address.line) == ("上海", "南京路 1 号")
    assert not _audit(address, "update").exists()


@pytest.fixture
def part(request, contact, address):
    """(url, row, message) for a contact, then an address."""
    if request.param == "contact":
        return f"{CONTACTS}{contact.pk}/", contact, "A contact cannot be moved to another customer."
    return f"{ADDRESSES}{address.pk}/", address, "An address cannot be moved to another customer."


@pytest.mark.parametrize("part", ["contact", "address"], indirect=True)
@pytest.mark.parametrize("other", ["mine", "theirs", "missing", "abc", None, True])
def test_moving_to_another_customer_is_400_and_changes_nothing(agent, outsider, part, other):
    url, row, message = part
    others = {
        "mine": lambda: customer_create(actor=agent, name="另一个客户").pk,
        "theirs": lambda: customer_create(actor=outsider, name="外人客户").pk,
        "missing": lambda: 10**30,
    }
    target = others[other]() if other in others else other
    client = token_client(agent)
    for method in (client.patch, client.put):
        response = method(url, {"customer": target, "city": "北京", "name": "x", "line": "x"}, format="json")
        assert response.status_code == 400, response.content
        assert response.json()["errors"]["customer"] == [message]
    assert (
        type(row).objects.filter(pk=row.pk, customer_id=row.customer_id, updated_at=row.updated_at).exists()
    )
    assert not _audit(row, "update").exists()


@pytest.mark.parametrize("part", ["contact", "address"], indirect=True)
def test_repeating_the_same_customer_is_allowed(agent, part):
    url, row, _message = part
    payload = {"customer": str(row.customer_id)}
    assert token_client(agent).patch(url, payload, format="json").status_code == 200


@pytest.mark.parametrize("part", ["contact", "address"], indirect=True)
def test_outsider_cannot_change_or_delete_another_teams_row(outsider, part):
    url, row, _message = part
    client = token_client(outsider)
    assert client.patch(url, {"name": "hacked", "city": "hacked"}, format="json").status_code == 404
    assert client.put(url, {"name": "hacked", "line": "hacked"}, format="json").status_code == 404
    response = client.delete(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert type(row).objects.filter(pk=row.pk, updated_at=row.updated_at).exists()
    assert not AuditEntry.objects.filter(actor=outsider, model__startswith="customers.").exists()


@pytest.mark.parametrize("part", ["contact", "address"], indirect=True)
def test_analyst_cannot_change_or_delete(analyst, part):
    url, row, _message = part
    client = token_client(analyst)
    assert client.get(url).status_code == 200
    assert client.patch(url, {"name": "x", "city": "x"}, format="json").status_code == 403
    assert client.put(url, {"name": "x", "line": "x"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    assert type(row).objects.filter(pk=row.pk, updated_at=row.updated_at).exists()


@pytest.mark.parametrize("part", ["contact", "address"], indirect=True)
def test_unauthenticated_cannot_change_or_delete(part):
    url, row, _message = part
    assert APIClient().patch(url, {"name": "x"}, format="json").status_code == 401
    assert APIClient().put(url, {"name": "x"}, format="json").status_code == 401
    assert APIClient().delete(url).status_code == 401
    assert type(row).objects.filter(pk=row.pk, updated_at=row.updated_at).exists()


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
