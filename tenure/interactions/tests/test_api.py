"""/api/v1/interactions/: log, list, filter; visibility and bad input."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tenure.accounts.models import AuditEntry
from tenure.customers.services import customer_create
from tenure.customers.tests.test_api import token_client
from tenure.factories import CustomerFactory
from tenure.interactions.models import Interaction
from tenure.interactions.services import interaction_log

URL = "/api/v1/interactions/"


def test_log_an_interaction(agent, customer):
    response = token_client(agent).post(
        URL,
        {"customer": customer.pk, "kind": "complaint", "purpose": "Late delivery", "memo": "Refund promised"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "complaint"
    assert body["handled_by"]["username"] == "agent"
    assert body["customer"] == customer.pk
    assert AuditEntry.objects.filter(customer=customer, model="interactions.interaction").exists()


def test_log_for_another_handler(agent, teammate, customer):
    response = token_client(agent).post(
        URL, {"customer": customer.pk, "memo": "x", "handled_by": teammate.pk}, format="json"
    )
    assert response.json()["handled_by"]["id"] == teammate.pk


def test_log_for_invisible_customer_is_400_saying_it_does_not_exist(outsider, customer):
    response = token_client(outsider).post(URL, {"customer": customer.pk, "memo": "hi"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["customer"] == [f"Customer {customer.pk} does not exist."]
    missing = token_client(outsider).post(URL, {"customer": 987654, "memo": "hi"}, format="json")
    assert missing.json()["errors"]["customer"] == ["Customer 987654 does not exist."]
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"memo": "", "purpose": ""}, "memo"),
        ({"kind": "telegram"}, "kind"),
        ({"direction": "sideways"}, "direction"),
        ({"occurred_at": "tomorrow"}, "occurred_at"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"duration_seconds": "long"}, "duration_seconds"),
        ({"handled_by": 999999}, "handled_by"),
        ({"customer": "abc"}, "customer"),
        ({"customer": [1]}, "customer"),
        ({"mood": "happy"}, "mood"),
    ],
)
def test_bad_input_is_400_naming_the_field(agent, customer, change, field):
    payload = {"customer": customer.pk, "memo": "called", **change}
    response = token_client(agent).post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not Interaction.objects.exists()


def test_duplicate_external_id_is_400(agent, customer):
    client = token_client(agent)
    payload = {"customer": customer.pk, "memo": "x", "external_id": "CALL-1"}
    assert client.post(URL, payload, format="json").status_code == 201
    response = client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert "external_id" in response.json()["errors"]


def test_list_excludes_invisible_and_detail_is_404(agent, outsider, customer):
    mine = interaction_log(customer=customer, actor=agent, memo="mine")
    theirs = interaction_log(
        customer=customer_create(actor=outsider, name="外人"), actor=outsider, memo="theirs"
    )
    client = token_client(agent)
    assert [i["memo"] for i in client.get(URL).json()["results"]] == ["mine"]
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(f"{URL}{mine.pk}/").json()["memo"] == "mine"
    assert token_client(outsider).get(f"{URL}{mine.pk}/").status_code == 404
    assert [i["memo"] for i in token_client(outsider).get(URL).json()["results"]] == ["theirs"]


def test_filters(agent, teammate, customer):
    other = customer_create(actor=agent, name="李四")
    now = timezone.now()
    interaction_log(
        customer=customer, actor=agent, kind="call", memo="a", occurred_at=now - timedelta(days=20)
    )
    interaction_log(
        customer=customer, actor=teammate, kind="visit", memo="b", occurred_at=now - timedelta(days=2)
    )
    interaction_log(
        customer=other, actor=agent, kind="complaint", memo="c", occurred_at=now - timedelta(days=1)
    )
    client = token_client(agent)

    def memos(params):
        response = client.get(URL, {**params, "ordering": "-occurred_at"})
        assert response.status_code == 200, response.content
        return [i["memo"] for i in response.json()["results"]]

    assert memos({}) == ["c", "b", "a"]
    assert memos({"customer": customer.pk}) == ["b", "a"]
    assert memos({"kind": "complaint"}) == ["c"]
    assert memos({"handled_by": teammate.pk}) == ["b"]
    assert memos({"occurred_after": (now - timedelta(days=10)).isoformat()}) == ["c", "b"]
    assert memos({"occurred_before": (now - timedelta(days=10)).isoformat()}) == ["a"]
    for bad in [{"occurred_after": "soon"}, {"kind": "x"}, {"handled_by": "me"}]:
        assert client.get(URL, bad).status_code == 400


def test_analyst_reads_but_cannot_log(analyst, agent, customer):
    interaction_log(customer=customer, actor=agent, memo="x")
    client = token_client(analyst)
    assert len(client.get(URL).json()["results"]) == 1
    assert client.post(URL, {"customer": customer.pk, "memo": "y"}, format="json").status_code == 403
    assert Interaction.objects.count() == 1


def test_wrong_method_and_unauthenticated(agent, customer):
    interaction = interaction_log(customer=customer, actor=agent, memo="x")
    client = token_client(agent)
    assert client.delete(f"{URL}{interaction.pk}/").status_code == 405
    assert client.put(f"{URL}{interaction.pk}/", {}, format="json").status_code == 405
    assert APIClient().get(URL).status_code == 401
    assert APIClient().post(URL, {"customer": customer.pk, "memo": "x"}, format="json").status_code == 401


def test_list_query_count_is_constant(agent, django_assert_max_num_queries):
    client = token_client(agent)

    def make(n):
        for _i in range(n):
            interaction_log(customer=CustomerFactory(owner=agent), actor=agent, memo="m")

    make(2)
    client.get(URL)
    with django_assert_max_num_queries(5) as small:
        assert len(client.get(URL).json()["results"]) == 2
    make(15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 17
