"""Call lists: made from a segment (leaving out who may not be phoned), worked down by the assignee
with HTMX, visible only to whom it concerns."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tenure.accounts.models import Team
from tenure.customers.models import Customer
from tenure.interactions.models import CallList, CallListEntry, Interaction
from tenure.interactions.services import call_list_create
from tenure.segments.services import segment_create

ALL = {"op": "and", "rules": []}


@pytest.fixture
def people(agent, outsider):
    team_a, team_b = Team.objects.get(name="Team A"), Team.objects.get(name="Team B")
    ok = Customer.objects.create(name="Ok", team=team_a, mobile="13800000001")
    dnc = Customer.objects.create(name="Dnc", team=team_a, mobile="13800000002", do_not_contact=True)
    email_only = Customer.objects.create(
        name="Mail", team=team_a, mobile="13800000003", allowed_channels=["email"]
    )
    no_phone = Customer.objects.create(name="Nophone", team=team_a)
    phone_ok = Customer.objects.create(
        name="Phone", team=team_a, phone="010-1234567", allowed_channels=["phone"]
    )
    other = Customer.objects.create(name="Other", team=team_b, mobile="13800000009")
    return {"ok": ok, "dnc": dnc, "mail": email_only, "nophone": no_phone, "phone": phone_ok, "other": other}


@pytest.fixture
def segment(agent):
    return segment_create(actor=agent, name="All", rules=ALL)


def test_call_list_from_segment_skips_who_may_not_be_phoned(client_for, agent, people, segment):
    response = client_for(agent).post(
        reverse("segments:call_list", args=[segment.pk]),
        {"name": "Ring them", "assignee": agent.pk},
        follow=True,
    )
    call_list = CallList.objects.get(name="Ring them")
    names = [e.customer.name for e in call_list.entries.order_by("position")]
    assert sorted(names) == ["Ok", "Phone"]  # Other is another team's: never in the snapshot
    assert call_list.skipped == {"do_not_contact": 1, "no_phone_channel": 1, "no_phone": 1}
    assert call_list.segment == segment
    html = response.content.decode()
    assert "do not contact" in html and "no phone number on file" in html


def test_assignee_who_may_not_see_a_customer_does_not_get_it(agent, outsider, people):
    call_list = call_list_create(
        actor=agent,
        assignee=outsider,
        name="x",
        customers=Customer.objects.visible_to(agent).filter(name="Ok"),
    )
    assert call_list.entries.count() == 0
    assert call_list.skipped == {"not_visible_to_assignee": 1}


def test_my_call_lists_and_the_list_page(
    client_for, agent, teammate, outsider, people, django_assert_max_num_queries
):
    call_list = call_list_create(
        actor=agent, assignee=teammate, name="Team calls", customers=Customer.objects.visible_to(agent)
    )
    client = client_for(teammate)
    index = client.get(reverse("interactions:call_lists"))
    assert [cl.name for cl in index.context["call_lists"]] == ["Team calls"]
    assert index.context["call_lists"][0].entry_open == 2
    url = reverse("interactions:call_list", args=[call_list.pk])
    client.get(url)
    with django_assert_max_num_queries(8):
        page = client.get(url)
    assert [e.customer.name for e in page.context["entries"]] == ["Phone", "Ok"]  # newest customer first
    assert "010-1234567" in page.content.decode() or "010 1234 567" in page.content.decode()
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(outsider).get(reverse("interactions:call_lists")).context["call_lists"] == []


def test_logging_an_outcome_creates_a_call_on_the_timeline(client_for, agent, people):
    call_list = call_list_create(
        actor=agent, assignee=agent, name="Calls", customers=Customer.objects.visible_to(agent)
    )
    entry = call_list.entries.get(customer=people["ok"])
    url = reverse("interactions:call_entry_record", args=[entry.pk])
    assert client_for(agent).get(url).status_code == 405
    response = client_for(agent).post(
        url, {"status": "done", "outcome": "Happy, will order"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert f'id="entry-{entry.pk}"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == CallListEntry.Status.DONE and entry.called_at is not None
    interaction = Interaction.objects.get(pk=entry.interaction_id)
    assert interaction.customer == people["ok"]
    assert interaction.kind == "call" and interaction.direction == "out"
    assert interaction.memo == "Happy, will order"


def test_skipping_logs_no_interaction(client_for, agent, people):
    call_list = call_list_create(
        actor=agent, assignee=agent, name="Calls", customers=Customer.objects.visible_to(agent)
    )
    entry = call_list.entries.first()
    client_for(agent).post(reverse("interactions:call_entry_record", args=[entry.pk]), {"status": "skipped"})
    entry.refresh_from_db()
    assert entry.status == "skipped" and entry.interaction is None
    assert not Interaction.objects.exists()


def test_outsider_cannot_record_on_someone_elses_entry(client_for, agent, outsider, people):
    call_list = call_list_create(
        actor=agent, assignee=agent, name="Calls", customers=Customer.objects.visible_to(agent)
    )
    entry = call_list.entries.first()
    response = client_for(outsider).post(
        reverse("interactions:call_entry_record", args=[entry.pk]), {"status": "done"}
    )
    assert response.status_code == 404
    assert not Interaction.objects.exists()


def test_api_make_list_and_record(agent, outsider, people, segment):
    api = APIClient()
    api.force_authenticate(agent)
    made = api.post("/api/v1/call-lists/", {"segment": segment.pk, "assignee": agent.pk}, format="json")
    assert made.status_code == 201
    body = made.json()
    assert body["entries"] == 2 and body["skipped"]["do_not_contact"] == 1
    entries = api.get("/api/v1/call-list-entries/", {"call_list": body["id"]}).json()["results"]
    assert len(entries) == 2
    done = api.post(
        f"/api/v1/call-list-entries/{entries[0]['id']}/record/",
        {"status": "done", "outcome": "ok"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["interaction"]
    assert (
        api.post(
            f"/api/v1/call-list-entries/{entries[1]['id']}/record/", {"status": "nope"}, format="json"
        ).status_code
        == 400
    )
    other = APIClient()
    other.force_authenticate(outsider)
    assert other.get(f"/api/v1/call-lists/{body['id']}/").status_code == 404
    assert other.get("/api/v1/call-list-entries/").json()["results"] == []


def test_a_manager_follows_the_call_lists_of_their_teams(client_for, agent, manager, outsider, people):
    mine = call_list_create(
        actor=agent, assignee=agent, name="Agent calls", customers=Customer.objects.visible_to(agent)
    )
    theirs = call_list_create(
        actor=outsider,
        assignee=outsider,
        name="Team B calls",
        customers=Customer.objects.visible_to(outsider),
    )
    index = client_for(manager).get(reverse("interactions:call_lists"))
    # Team A's manager sees Team A's agent's list, with its progress, but not Team B's.
    assert [cl.name for cl in index.context["call_lists"]] == ["Agent calls"]
    assert index.context["call_lists"][0].entry_open == 2
    assert client_for(manager).get(reverse("interactions:call_list", args=[mine.pk])).status_code == 200
    assert client_for(manager).get(reverse("interactions:call_list", args=[theirs.pk])).status_code == 404
    # Another team's agent never opens it.
    assert client_for(outsider).get(reverse("interactions:call_list", args=[mine.pk])).status_code == 404
