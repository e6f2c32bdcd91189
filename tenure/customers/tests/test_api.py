"""/api/v1/customers/: CRUD, filters, visibility, merge, duplicates, history, timeline, look-up."""

import base64
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tenure.accounts.models import AuditEntry, Team
from tenure.accounts.services import token_create, token_revoke
from tenure.commerce.services import LineInput, order_create
from tenure.customers.models import Customer, SearchDoc, Tag
from tenure.customers.services import contact_add, customer_create
from tenure.factories import CustomerFactory
from tenure.interactions.services import interaction_log

URL = "/api/v1/customers/"


def token_client(user) -> APIClient:
    """An APIClient sending `Authorization: Token <fresh key>` for user (other API tests import it)."""
    _token, key = token_create(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api_for(db):
    """api_for(user) -> token_client(user)."""
    return token_client


def detail(customer, suffix=""):
    return f"{URL}{customer.pk}/{suffix}"


# --- authentication ------------------------------------------------------------------------------


def test_unauthenticated_is_401_with_json(db, customer):
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_bad_token_is_401(db, customer):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token tnr_nonsense")
    assert client.get(URL).status_code == 401


def test_expired_token_is_401(agent, customer):
    token, key = token_create(user=agent, days=1)
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(URL)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_revoked_token_is_401(agent, customer):
    token, key = token_create(user=agent)
    token_revoke(token=token, actor=agent)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(URL).status_code == 401
    assert client.get(detail(customer)).status_code == 401


def test_token_of_inactive_user_is_401(agent, customer, api_for):
    client = api_for(agent)
    agent.is_active = False
    agent.save()
    assert client.get(URL).status_code == 401


def test_session_write_needs_csrf(agent, customer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"name": "李娜"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Customer.objects.filter(name="李娜").exists()


# --- list and retrieve ---------------------------------------------------------------------------


def test_list_shows_only_visible_customers(agent, outsider, customer, api_for):
    customer_create(actor=outsider, name="外人客户")
    names = [row["name"] for row in api_for(agent).get(URL).json()["results"]]
    assert names == ["张伟"]
    names = [row["name"] for row in api_for(outsider).get(URL).json()["results"]]
    assert names == ["外人客户"]


def test_retrieve_nests_contacts_addresses_tags_and_preferences(agent, customer, api_for):
    from tenure.customers.services import address_add, customer_update

    contact_add(customer=customer, actor=agent, name="王秘书", mobile="13900001111")
    address_add(customer=customer, actor=agent, city="上海", line="南京路 1 号")
    customer_update(customer=customer, actor=agent, tags=["vip", "wine"], do_not_contact=True)
    body = api_for(agent).get(detail(customer)).json()
    assert body["name"] == "张伟"
    assert body["mobile"] == "+8613812345678"
    assert body["owner"]["username"] == "agent"
    assert body["team"]["name"] == "Team A"
    assert body["tags"] == ["vip", "wine"]
    assert body["preferences"]["do_not_contact"] is True
    assert body["contacts"][0]["mobile"] == "+8613900001111"
    assert body["addresses"][0]["city"] == "上海"


def test_outsider_gets_404_on_detail_and_every_sub_resource(outsider, customer, api_for):
    client = api_for(outsider)
    for suffix in ["", "duplicates/", "history/", "timeline/", "summary/"]:
        response = client.get(detail(customer, suffix))
        assert response.status_code == 404, suffix
        assert response.json() == {"detail": "Not found."}
    assert client.patch(detail(customer), {"name": "x"}, format="json").status_code == 404
    assert client.put(detail(customer), {"name": "x"}, format="json").status_code == 404
    mine = customer_create(actor=outsider, name="外人客户")
    assert client.post(detail(customer, "merge/"), {"drop": mine.pk}, format="json").status_code == 404
    customer.refresh_from_db()
    assert customer.name == "张伟"


def test_unknown_and_malformed_ids_are_json_404(agent, customer, api_for):
    client = api_for(agent)
    for url in [f"{URL}999999/", f"{URL}99999999999999999999999/", f"{URL}abc/", "/api/v1/nothing/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["detail"], url


def test_list_query_count_is_constant(agent, api_for, django_assert_max_num_queries):
    client = api_for(agent)
    team = Team.objects.get(name="Team A")

    def make(n):
        for i in range(n):
            c = CustomerFactory(owner=agent, team=team, representative=agent)
            contact_add(customer=c, actor=agent, name=f"联系人{i}")
            c.tags.add(Tag.objects.get_or_create(name=f"t{i}")[0])

    make(3)
    with django_assert_max_num_queries(12) as small:
        assert len(client.get(URL).json()["results"]) == 3
    make(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 23


def test_wrong_method_is_405(agent, customer, api_for):
    client = api_for(agent)
    assert client.post(detail(customer)).status_code == 405
    assert client.delete(URL).status_code == 405
    assert client.get(detail(customer, "merge/")).status_code == 405
    assert client.post(detail(customer, "history/")).status_code == 405
    assert client.post(f"{URL}lookup/").status_code == 405


# --- filters, ordering, pagination ---------------------------------------------------------------


@pytest.fixture
def three(agent):
    a = customer_create(
        actor=agent, name="Alice Smith", kind="person", lifecycle_stage="active", tags=["vip"]
    )
    b = customer_create(
        actor=agent, name="Bolt Ltd", kind="company", lifecycle_stage="lead", do_not_contact=True
    )
    c = customer_create(actor=agent, name="刘德华", mobile="13700001234", lifecycle_stage="active")
    return a, b, c


def names(response):
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_filters(agent, three, api_for, teammate):
    client = api_for(agent)
    assert names(client.get(URL, {"kind": "company"})) == ["Bolt Ltd"]
    assert names(client.get(URL, {"lifecycle_stage": "active"})) == ["刘德华", "Alice Smith"]
    assert names(client.get(URL, {"tag": "vip"})) == ["Alice Smith"]
    assert names(client.get(URL, {"do_not_contact": "true"})) == ["Bolt Ltd"]
    assert names(client.get(URL, {"owner": agent.pk})) == ["刘德华", "Bolt Ltd", "Alice Smith"]
    assert names(client.get(URL, {"owner": teammate.pk})) == []
    assert names(client.get(URL, {"representative": agent.pk})) == []
    team = Team.objects.get(name="Team A")
    assert len(names(client.get(URL, {"team": team.pk}))) == 3
    assert names(client.get(URL, {"q": "ldh"})) == ["刘德华"]
    assert names(client.get(URL, {"q": "0001234"})) == ["刘德华"]
    assert names(client.get(URL, {"q": "alice"})) == ["Alice Smith"]


def test_date_range_filters(agent, three, api_for):
    client = api_for(agent)
    Customer.objects.filter(name="Alice Smith").update(created_at=timezone.now() - timedelta(days=30))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert names(client.get(URL, {"created_after": since})) == ["刘德华", "Bolt Ltd"]
    assert names(client.get(URL, {"created_before": since})) == ["Alice Smith"]
    assert len(names(client.get(URL, {"updated_after": "2000-01-01"}))) == 3


def test_search_does_not_leak_other_teams(agent, outsider, three, api_for):
    assert names(api_for(outsider).get(URL, {"q": "刘德华"})) == []
    assert names(api_for(outsider).get(URL, {"q": "13700001234"})) == []


def test_ordering(agent, three, api_for):
    client = api_for(agent)
    assert names(client.get(URL, {"ordering": "name"})) == ["Alice Smith", "Bolt Ltd", "刘德华"]
    assert names(client.get(URL, {"ordering": "-name"})) == ["刘德华", "Bolt Ltd", "Alice Smith"]
    assert names(client.get(URL, {"ordering": "id"})) == ["Alice Smith", "Bolt Ltd", "刘德华"]
    # an unknown ordering field is ignored, not an error
    assert len(names(client.get(URL, {"ordering": "password"}))) == 3


def test_cursor_pagination_walks_every_row_once(agent, three, api_for):
    client = api_for(agent)
    seen = []
    response = client.get(URL, {"page_size": 2})
    while True:
        body = response.json()
        seen += [row["name"] for row in body["results"]]
        if not body["next"]:
            break
        response = client.get(body["next"])
    assert seen == ["刘德华", "Bolt Ltd", "Alice Smith"]


def test_cursor_pagination_with_ordering_on_equal_names(agent, api_for):
    made = {customer_create(actor=agent, name="王芳").pk for _ in range(5)} | {
        customer_create(actor=agent, name="Amy").pk
    }
    client = api_for(agent)
    seen = []
    response = client.get(URL, {"page_size": 2, "ordering": "-name"})
    while True:
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            break
        response = client.get(body["next"])
    assert sorted(seen) == sorted(made)


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": "100000000000000000000"},
        {"page_size": "-5"},
        {"page_size": "abc"},
        {"cursor": "garbage!!"},
        {"created_after": "not-a-date"},
        {"updated_before": "2024-13-45"},
        {"owner": "abc"},
        {"owner": "99999999999999999999999"},
        {"kind": "robot"},
        {"do_not_contact": "maybe"},
        {"q": "\x00"},
        {"tag": "a\x00"},
        {"ordering": "-"},
    ],
)
def test_bad_query_parameters_never_500(agent, three, api_for, params):
    response = api_for(agent).get(URL, params)
    assert response.status_code in (200, 400), response.content
    assert isinstance(response.json(), dict)
    if response.status_code == 400:
        assert response.json()["detail"]
        assert response.json()["errors"]


def test_bad_cursor_is_400_naming_cursor(agent, three, api_for):
    response = api_for(agent).get(URL, {"cursor": "garbage!!"})
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_huge_page_size_is_capped(agent, api_for):
    CustomerFactory.create_batch(3, owner=agent)
    response = api_for(agent).get(URL, {"page_size": 10**9})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


# --- writes ----------------------------------------------------------------------------------------


def test_create_normalises_audits_and_indexes(agent, api_for):
    response = api_for(agent).post(
        URL,
        {"name": " 周杰伦 ", "mobile": "138-0000-9999", "email": "JAY@Example.com", "tags": ["vip"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "周杰伦"
    assert body["mobile"] == "+8613800009999"
    assert body["email"] == "jay@example.com"
    assert body["owner"]["id"] == agent.pk
    assert body["team"]["name"] == "Team A"
    assert body["tags"] == ["vip"]
    created = Customer.objects.get(pk=body["id"])
    assert AuditEntry.objects.filter(customer=created, action="create", actor=agent).exists()
    assert "zjl" in SearchDoc.objects.get(customer=created).doc


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x", "mobile": "12"}, "mobile"),
        ({"name": "x", "email": "not-an-email"}, "email"),
        ({"name": "x", "kind": "robot"}, "kind"),
        ({"name": "x", "birthday": "1990-02-31"}, "birthday"),
        ({"name": "x", "allowed_channels": ["pigeon"]}, "allowed_channels"),
        ({"name": "x", "allowed_channels": "sms"}, "allowed_channels"),
        ({"name": "x", "attributes": [1, 2]}, "attributes"),
        ({"name": "x", "max_contacts_per_month": "lots"}, "max_contacts_per_month"),
        ({"name": "x", "owner": 999999}, "owner"),
        ({"name": "x", "team": "Team A"}, "team"),
        ({"name": "x", "referred_by": 999999}, "referred_by"),
        ({"name": "x", "referred_by": True}, "referred_by"),
        ({"name": "x", "is_admin": True}, "is_admin"),
        ({"name": "x", "id": 5}, "id"),
        ({"name": ["x"]}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "x", "attributes": {"k": "a\x00b"}}, "attributes"),
        ({"name": "x", "tags": ["\x00"]}, "tags"),
    ],
)
def test_create_rejects_bad_input_naming_the_field(agent, api_for, payload, field):
    before = Customer.objects.count()
    response = api_for(agent).post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert Customer.objects.count() == before


def test_unknown_fields_are_reported_with_the_other_errors(agent, api_for):
    response = api_for(agent).post(URL, {"name": "", "colour": "red"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "colour"}
    assert response.json()["errors"]["colour"] == ["Unknown field."]


def test_create_rejects_a_referrer_of_another_team(agent, outsider, api_for):
    theirs = customer_create(actor=outsider, name="外人客户")
    response = api_for(agent).post(URL, {"name": "x", "referred_by": theirs.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["referred_by"] == [f"Customer {theirs.pk} does not exist."]


def test_malformed_json_and_wrong_body_types_are_400(agent, api_for):
    client = api_for(agent)
    response = client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    assert client.post(URL, "[1, 2]", content_type="application/json").status_code == 400
    assert client.post(URL, '"text"', content_type="application/json").status_code == 400
    assert client.post(URL, "null", content_type="application/json").status_code == 400
    assert client.post(URL, b"\xff\xfe", content_type="application/json").status_code == 400
    assert client.post(URL, "<x/>", content_type="application/xml").status_code == 415


def test_duplicate_external_id_is_400(agent, api_for):
    client = api_for(agent)
    assert client.post(URL, {"name": "a", "external_id": "E1"}, format="json").status_code == 201
    response = client.post(URL, {"name": "b", "external_id": "E1"}, format="json")
    assert response.status_code == 400
    assert "external_id" in response.json()["errors"]


def test_patch_updates_through_the_service(agent, customer, api_for):
    response = api_for(agent).patch(
        detail(customer), {"phone": "010 6552 9988", "lifecycle_stage": "at_risk"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "+861065529988"
    assert response.json()["name"] == "张伟"
    entry = AuditEntry.objects.filter(customer=customer, action="update").get()
    assert entry.changes["lifecycle_stage"] == ["new", "at_risk"]
    assert customer in Customer.objects.visible_to(agent).search("6552 9988")


def test_patch_with_bad_phone_changes_nothing(agent, customer, api_for):
    response = api_for(agent).patch(detail(customer), {"mobile": "abc", "notes": "x"}, format="json")
    assert response.status_code == 400
    assert "mobile" in response.json()["errors"]
    customer.refresh_from_db()
    assert customer.mobile == "+8613812345678"
    assert customer.notes == ""


def test_put_needs_a_name(agent, customer, api_for):
    client = api_for(agent)
    assert client.put(detail(customer), {"notes": "x"}, format="json").status_code == 400
    response = client.put(detail(customer), {"name": "张伟伟", "notes": "x"}, format="json")
    assert response.status_code == 200
    assert response.json()["notes"] == "x"


def test_handing_a_customer_to_another_team_answers_then_hides_it(agent, outsider, customer, api_for):
    client = api_for(agent)
    team_b = Team.objects.get(name="Team B")
    response = client.patch(detail(customer), {"team": team_b.pk, "owner": outsider.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["team"]["name"] == "Team B"
    assert client.get(detail(customer)).status_code == 404
    response = client.post(URL, {"name": "给别人的", "owner": outsider.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["team"]["name"] == "Team B"
    assert client.get(detail(Customer.objects.get(name="给别人的"))).status_code == 404


def test_customer_cannot_refer_themselves(agent, customer, api_for):
    response = api_for(agent).patch(detail(customer), {"referred_by": customer.pk}, format="json")
    assert response.status_code == 400
    assert "referred_by" in response.json()["errors"]


def test_analyst_reads_but_cannot_write(analyst, customer, api_for):
    client = api_for(analyst)
    assert client.get(detail(customer)).status_code == 200
    assert client.post(URL, {"name": "x"}, format="json").status_code == 403
    assert client.patch(detail(customer), {"name": "x"}, format="json").status_code == 403
    assert client.post(detail(customer, "merge/"), {"drop": customer.pk}, format="json").status_code == 403
    assert client.delete(detail(customer)).status_code == 403
    customer.refresh_from_db()
    assert customer.name == "张伟"


def test_only_admins_delete(agent, manager, admin_user, customer, api_for):
    assert api_for(agent).delete(detail(customer)).status_code == 403
    assert api_for(manager).delete(detail(customer)).status_code == 403
    assert api_for(admin_user).delete(detail(customer)).status_code == 204
    assert not Customer.objects.filter(pk=customer.pk).exists()
    entry = AuditEntry.objects.get(action="delete", model="customers.customer")
    assert entry.changes["deleted"]["name"] == "张伟"
    assert api_for(admin_user).delete(detail(customer)).status_code == 404


# --- merge, duplicates, history, timeline ------------------------------------------------------------


def test_merge_moves_everything_and_deletes_the_duplicate(agent, customer, api_for):
    dup = customer_create(actor=agent, name="张伟", email="zw@example.com")
    interaction_log(customer=dup, actor=agent, memo="called")
    response = api_for(agent).post(detail(customer, "merge/"), {"drop": dup.pk}, format="json")
    assert response.status_code == 200, response.content
    assert not Customer.objects.filter(pk=dup.pk).exists()
    assert customer.interactions.count() == 1
    assert AuditEntry.objects.filter(customer=customer, action="merge").exists()


def test_merge_with_invisible_or_bad_drop_is_400_and_changes_nothing(agent, outsider, customer, api_for):
    theirs = customer_create(actor=outsider, name="外人客户")
    client = api_for(agent)
    for payload in [{"drop": theirs.pk}, {"drop": "x"}, {}, {"drop": None}, {"drop": customer.pk}]:
        response = client.post(detail(customer, "merge/"), payload, format="json")
        assert response.status_code == 400, payload
    assert Customer.objects.filter(pk=theirs.pk).exists()
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_duplicates_lists_look_alikes_the_user_can_see(agent, outsider, customer, api_for):
    same_phone = customer_create(actor=agent, name="Wei Zhang", mobile="+86 138 1234 5678")
    customer_create(actor=outsider, name="张伟")  # a look-alike in another team: never shown
    customer_create(actor=agent, name="someone else")
    body = api_for(agent).get(detail(customer, "duplicates/")).json()
    assert [row["id"] for row in body] == [same_phone.pk]


def test_history_is_the_customers_audit_trail(agent, customer, api_for):
    from tenure.customers.services import customer_update

    customer_update(customer=customer, actor=agent, notes="hello")
    body = api_for(agent).get(detail(customer, "history/")).json()
    actions = [row["action"] for row in body["results"]]
    assert actions == ["update", "create"]
    assert body["results"][0]["changes"]["notes"] == ["", "hello"]
    assert body["results"][0]["actor"]["username"] == "agent"


def test_history_query_count_is_constant(agent, customer, api_for, django_assert_max_num_queries):
    from tenure.customers.services import customer_update

    client = api_for(agent)
    with django_assert_max_num_queries(10) as small:
        client.get(detail(customer, "history/"))
    for i in range(15):
        customer_update(customer=customer, actor=agent, notes=f"n{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(detail(customer, "history/")).json()["results"]) == 16


def _order(customer, agent, number, when):
    return order_create(
        customer=customer,
        number=number,
        ordered_at=when,
        lines=[LineInput(sku="SKU-1", quantity=Decimal("2"), unit_price=Decimal("50"))],
        actor=agent,
    )


def test_summary_gives_lifetime_value(agent, customer, api_for):
    assert api_for(agent).get(detail(customer, "summary/")).json()["buyer_type"] == "none"
    _order(customer, agent, "SO-1", timezone.now() - timedelta(days=10))
    _order(customer, agent, "SO-2", timezone.now() - timedelta(days=1))
    body = api_for(agent).get(detail(customer, "summary/")).json()
    assert body["revenue"] == "200.00"
    assert body["orders"] == 2
    assert body["buyer_type"] == "repeat"
    assert body["tenure_days"] == 10


def test_timeline_merges_interactions_and_orders_newest_first(agent, customer, api_for):
    now = timezone.now()
    interaction_log(customer=customer, actor=agent, memo="first call", occurred_at=now - timedelta(days=3))
    _order(customer, agent, "SO-1", now - timedelta(days=2))
    interaction_log(customer=customer, actor=agent, memo="second call", occurred_at=now - timedelta(days=1))
    body = api_for(agent).get(detail(customer, "timeline/")).json()
    assert [
        (i["type"], i["detail"] if i["type"] == "interaction" else i["title"]) for i in body["results"]
    ] == [
        ("interaction", "second call"),
        ("order", "SO-1"),
        ("interaction", "first call"),
    ]
    assert body["results"][1]["amount"] == "100.00"
    assert body["next"] is None


def test_timeline_pages_without_gaps_or_repeats_even_on_equal_times(agent, customer, api_for):
    now = timezone.now() - timedelta(hours=1)
    interactions, orders = [], []
    for i in range(5):
        interactions.append(interaction_log(customer=customer, actor=agent, memo=f"m{i}", occurred_at=now).pk)
        orders.append(_order(customer, agent, f"SO-{i}", now).pk)
    interaction_log(customer=customer, actor=agent, memo="older", occurred_at=now - timedelta(seconds=1))
    client = api_for(agent)
    seen, pages = [], 0
    response = client.get(detail(customer, "timeline/"), {"page_size": 3})
    while True:
        body = response.json()
        pages += 1
        assert len(body["results"]) <= 3
        seen += [(i["type"], i["id"]) for i in body["results"]]
        if not body["next"]:
            break
        response = client.get(body["next"])
    # Ties on one instant: interactions, then orders, newest id first (as on the customer page).
    assert seen[:10] == [("interaction", pk) for pk in reversed(interactions)] + [
        ("order", pk) for pk in reversed(orders)
    ]
    assert seen[10][0] == "interaction" and len(seen) == len(set(seen)) == 11
    assert pages == 4


def test_timeline_next_is_an_opaque_link_with_the_page_size(agent, customer, api_for):
    for i in range(3):
        interaction_log(customer=customer, actor=agent, memo=f"m{i}")
    body = api_for(agent).get(detail(customer, "timeline/"), {"page_size": 2}).json()
    query = parse_qs(urlsplit(body["next"]).query)
    assert query["page_size"] == ["2"]
    assert re.fullmatch(r"[A-Za-z0-9_-]+", query["cursor"][0])
    assert len(api_for(agent).get(body["next"]).json()["results"]) == 1


def _wrapped(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "bad",
        "garbage!!",
        "WzEsMiwzXQ==",  # the old API's JSON cursor
        "2026-01-01T00:00:00+00:00~1~5",  # the web page's cursor, unwrapped
        _wrapped("2026-01-01T00:00:00~1~5"),  # a naive time
        _wrapped("2026-01-01T00:00:00+00:00~7~5"),  # no such source
        _wrapped("2026-01-01T00:00:00+00:00~1"),
        _wrapped("0001-01-01T00:00:00+05:00~1~5"),  # before year 1 in UTC
        _wrapped("9999-12-31T23:59:59-05:00~0~5"),  # after year 9999 in UTC
        "\u00e9t\u00e9",
    ],
)
def test_timeline_bad_cursor_is_400_naming_cursor(agent, customer, api_for, cursor):
    interaction_log(customer=customer, actor=agent, memo="x")
    response = api_for(agent).get(detail(customer, "timeline/"), {"cursor": cursor})
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {"cursor": ["Invalid cursor: use the `next` link as given."]}


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-01T00:00:00+23:59~1~5",  # an offset PostgreSQL would refuse: read in UTC
        "2026-01-01T00:00:00+00:00~1~99999999999999999999999",
        "2026-01-01T00:00:00+00:00~0~-99999999999999999999999",
    ],
)
def test_timeline_odd_but_valid_cursors_are_200(agent, customer, api_for, text):
    interaction_log(customer=customer, actor=agent, memo="x", occurred_at=datetime(2025, 1, 1, tzinfo=UTC))
    response = api_for(agent).get(detail(customer, "timeline/"), {"cursor": _wrapped(text)})
    assert response.status_code == 200, response.content
    assert [i["detail"] for i in response.json()["results"]] == ["x"]


@pytest.mark.parametrize("params", [{"page_size": "x"}, {"page_size": "0"}])
def test_timeline_bad_page_size_is_400(agent, customer, api_for, params):
    response = api_for(agent).get(detail(customer, "timeline/"), params)
    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]


def test_timeline_of_another_teams_customer_is_404_even_with_a_cursor(agent, outsider, customer, api_for):
    for i in range(3):
        interaction_log(customer=customer, actor=agent, memo=f"m{i}")
    next_link = api_for(agent).get(detail(customer, "timeline/"), {"page_size": 1}).json()["next"]
    response = api_for(outsider).get(next_link)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_timeline_query_count_is_constant(agent, customer, api_for, django_assert_max_num_queries):
    client = api_for(agent)
    interaction_log(customer=customer, actor=agent, memo="x")
    with django_assert_max_num_queries(12) as small:
        client.get(detail(customer, "timeline/"))
    now = timezone.now() - timedelta(minutes=1)
    for i in range(10):
        interaction_log(customer=customer, actor=agent, memo=f"m{i}")
        _order(customer, agent, f"SO-{i}", now)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(detail(customer, "timeline/")).json()["results"]) == 21


# --- phone look-up -------------------------------------------------------------------------------------

LOOKUP = f"{URL}lookup/"


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "(138) 1234 5678"])
def test_lookup_matches_any_format_exactly(agent, customer, api_for, raw):
    body = api_for(agent).get(LOOKUP, {"phone": raw}).json()
    assert body["exact"] is True
    assert body["normalized"] == "+8613812345678"
    assert [row["name"] for row in body["results"]] == ["张伟"]


def test_lookup_finds_landline_and_contacts_mobile(agent, api_for):
    company = customer_create(actor=agent, name="华为", kind="company", phone="010-6552-9988")
    contact_add(customer=company, actor=agent, name="李经理", mobile="139 0000 2222")
    client = api_for(agent)
    assert [r["id"] for r in client.get(LOOKUP, {"phone": "01065529988"}).json()["results"]] == [company.pk]
    body = client.get(LOOKUP, {"phone": "13900002222"}).json()
    assert body["exact"] is True
    assert [r["id"] for r in body["results"]] == [company.pk]


def test_lookup_falls_back_to_partial_numbers(agent, customer, api_for):
    body = api_for(agent).get(LOOKUP, {"phone": "5678"}).json()
    assert body["exact"] is False
    assert [row["name"] for row in body["results"]] == ["张伟"]


def test_lookup_respects_visibility(outsider, customer, api_for):
    client = api_for(outsider)
    assert client.get(LOOKUP, {"phone": "13812345678"}).json()["results"] == []
    assert client.get(LOOKUP, {"phone": "5678"}).json()["results"] == []


@pytest.mark.parametrize("params", [{}, {"phone": ""}, {"phone": "12"}, {"phone": "abc"}])
def test_lookup_needs_some_digits(agent, api_for, params):
    response = api_for(agent).get(LOOKUP, params)
    assert response.status_code == 400
    assert "phone" in response.json()["errors"]


def test_lookup_query_count(agent, customer, api_for, django_assert_max_num_queries):
    client = api_for(agent)
    client.get(LOOKUP, {"phone": "13812345678"})  # first use: token's last_used_at, org settings row
    # token + user, org settings, teams, exact match on customers, contacts' mobiles
    with django_assert_max_num_queries(5):
        assert client.get(LOOKUP, {"phone": "13812345678"}).json()["exact"] is True
