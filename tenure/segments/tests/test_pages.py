"""Segment pages, API and CLI: happy paths, wrong methods, visibility, query counts."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from tenure.accounts.models import AuditEntry
from tenure.customers.models import Customer
from tenure.segments.models import Segment
from tenure.segments.services import segment_create
from tenure.value.models import CustomerMetrics

BIG = {"op": "and", "rules": [{"field": "metrics.revenue_12m", "op": "gte", "value": "1000"}]}
OWNED = {
    "op": "and",
    "rules": [
        {"field": "metrics.revenue_12m", "op": "gte", "value": "1000"},
        {"field": "owner", "op": "eq", "value": "agent"},
        {"field": "team", "op": "ne", "value": "Team B"},
        {"field": "tags", "op": "has_none", "value": "blocked"},
    ],
}


@pytest.fixture
def data(agent, outsider):
    from tenure.accounts.models import Team

    team_a, team_b = Team.objects.get(name="Team A"), Team.objects.get(name="Team B")
    mine = [
        Customer.objects.create(name=f"A{i}", team=team_a, owner=agent, mobile="13800000000")
        for i in range(3)
    ]
    theirs = Customer.objects.create(name="B0", team=team_b, owner=outsider)
    for c in [*mine, theirs]:
        CustomerMetrics.objects.create(customer=c, revenue_12m=Decimal("5000"))
    return mine, theirs


@pytest.fixture
def segment(agent):
    return segment_create(actor=agent, name="Big", rules=BIG)


def test_create_is_audited_and_invalid_rules_save_nothing(agent):
    s = segment_create(actor=agent, name="Big", rules=BIG)
    assert AuditEntry.objects.filter(model="segments.segment", object_id=str(s.pk), action="create").exists()
    from django.core.exceptions import ValidationError

    bad = {"op": "and", "rules": [{"field": "metrics.revenu", "op": "gt", "value": "1"}]}
    with pytest.raises(ValidationError) as info:
        segment_create(actor=agent, name="Bad", rules=bad)
    assert "rule 1: field 'metrics.revenu' is unknown" in info.value.message_dict["rules"]
    assert not Segment.objects.filter(name="Bad").exists()


def test_list_counts_only_visible_members_in_one_query(
    client_for, agent, outsider, data, segment, django_assert_num_queries
):
    segment_create(actor=agent, name="Everyone", rules={"op": "and", "rules": []})
    client = client_for(agent)
    client.get(reverse("segments:list"))  # warm the session and org settings
    with django_assert_num_queries(4):  # session, user (+ teams, org settings), segments, ONE count query
        response = client.get(reverse("segments:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/segments/answers/not-heard-from/"' in html
    segments = {s.name: s.member_count for s in response.context["segments"]}
    assert segments == {"Big": 3, "Everyone": 3}
    outsider_counts = {
        s.name: s.member_count for s in client_for(outsider).get(reverse("segments:list")).context["segments"]
    }
    assert outsider_counts == {"Big": 1, "Everyone": 1}


def test_detail_lists_members_with_constant_queries(
    client_for, agent, data, segment, django_assert_max_num_queries
):
    client = client_for(agent)
    url = reverse("segments:detail", args=[segment.pk])
    client.get(url)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    names = [c.name for c in response.context["members"]]
    assert names == ["A0", "A1", "A2"]
    assert response.context["total"] == 3
    assert "5,000" in response.content.decode() or "5000" in response.content.decode()


def test_members_are_one_sql_query(agent, data, segment, django_assert_num_queries):
    from tenure.segments.selectors import segment_members

    Customer.objects.visible_to(agent)  # org settings and teams are cached on the user
    with django_assert_num_queries(1):
        rows = list(segment_members(agent, segment))
        assert [r.metrics.revenue_12m for r in rows] == [Decimal("5000")] * 3
        assert all(r.representative is None for r in rows)
    owned = segment_create(actor=agent, name="Owned", rules=OWNED)
    with django_assert_num_queries(1):  # staff, team and tag rules too: joins and EXISTS, no look-ups
        assert [r.name for r in segment_members(agent, owned)] == ["A0", "A1", "A2"]


def test_private_segment_is_404_for_others(client_for, agent, outsider, data):
    private = segment_create(actor=agent, name="Mine", rules=BIG, shared=False)
    client = client_for(outsider)
    for name in ["detail", "export", "edit"]:
        assert client.get(reverse(f"segments:{name}", args=[private.pk])).status_code == 404
    assert client.post(reverse("segments:delete", args=[private.pk])).status_code == 404
    assert APIClient().get(f"/api/v1/segments/{private.pk}/count/").status_code in (401, 403)
    api = APIClient()
    api.force_authenticate(outsider)
    assert api.get(f"/api/v1/segments/{private.pk}/count/").status_code == 404
    assert api.get(f"/api/v1/segments/{private.pk}/members/").status_code == 404


def test_export_streams_only_visible_members(client_for, outsider, data, segment):
    response = client_for(outsider).get(reverse("segments:export", args=[segment.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "B0" in body and "A0" not in body


def test_delete_needs_post_and_owner(client_for, agent, teammate, segment):
    url = reverse("segments:delete", args=[segment.pk])
    assert client_for(agent).get(url).status_code == 405
    assert client_for(teammate).post(url).status_code == 403
    assert client_for(agent).post(url).status_code == 302
    assert not Segment.objects.filter(pk=segment.pk).exists()


def test_builder_saves_rules_from_the_form(client_for, agent, data):
    post = {
        "name": "Built",
        "shared": "on",
        "top_op": "or",
        "node": ["0", "1", "1.0"],
        "r-0-field": "name", "r-0-op": "eq", "r-0-value": "A0",
        "kind-1": "group", "g-1-op": "and",
        "r-1.0-field": "metrics.revenue_12m", "r-1.0-op": "gte", "r-1.0-value": "4000",
    }  # fmt: skip
    response = client_for(agent).post(reverse("segments:new"), post)
    assert response.status_code == 302
    segment = Segment.objects.get(name="Built")
    assert segment.rules == {
        "op": "or",
        "rules": [
            {"field": "name", "op": "eq", "value": "A0"},
            {"op": "and", "rules": [{"field": "metrics.revenue_12m", "op": "gte", "value": "4000"}]},
        ],
    }


def test_builder_rejects_bad_rules_with_the_rule_number(client_for, agent):
    post = {
        "name": "Bad",
        "node": ["0"],
        "r-0-field": "metrics.revenue_12m",
        "r-0-op": "gt",
        "r-0-value": "abc",
    }
    response = client_for(agent).post(reverse("segments:new"), post)
    assert response.status_code == 400
    assert "rule 1: &#x27;abc&#x27; is not a number" in response.content.decode()
    assert not Segment.objects.exists()


def test_live_count_preview_adds_rules_and_counts(client_for, agent, outsider, data):
    url = reverse("segments:builder")
    post = {"node": ["0"], "r-0-field": "metrics.revenue_12m", "r-0-op": "gte", "r-0-value": "1000"}
    response = client_for(agent).post(url, post, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.context["live_count"] == 3
    assert 'id="builder"' in response.content.decode()
    added = client_for(agent).post(url, {**post, "action": "add:"}, HTTP_HX_REQUEST="true")
    assert len(added.context["tree"]["children"]) == 2  # the new rule (stage is lead) was added
    assert added.context["live_count"] == 0
    removed = client_for(agent).post(url, {**post, "action": "remove:0"}, HTTP_HX_REQUEST="true")
    assert removed.context["tree"]["children"] == [] and removed.context["live_count"] == 3
    assert client_for(outsider).post(url, post).context["live_count"] == 1
    assert client_for(agent).get(url).status_code == 405


def test_analyst_may_not_build(client_for, analyst):
    assert client_for(analyst).get(reverse("segments:new")).status_code == 403


def test_api_crud_count_members_and_fields(agent, outsider, data):
    api = APIClient()
    api.force_authenticate(agent)
    bad = api.post(
        "/api/v1/segments/",
        {"name": "X", "rules": {"op": "and", "rules": [{"field": "nope", "op": "eq", "value": 1}]}},
        format="json",
    )
    assert bad.status_code == 400
    assert "rule 1: field 'nope' is unknown" in bad.json()["errors"]["rules"]
    created = api.post("/api/v1/segments/", {"name": "Big", "rules": BIG}, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    assert api.get(f"/api/v1/segments/{pk}/count/").json() == {"id": pk, "count": 3}
    members = api.get(f"/api/v1/segments/{pk}/members/", {"page_size": 2}).json()
    assert [m["name"] for m in members["results"]] == ["A0", "A1"]
    assert members["next"]
    fields = {f["key"]: f for f in api.get("/api/v1/segments/fields/").json()}
    assert (
        fields["metrics.revenue_12m"]["type"] == "money"
        and "gte" in fields["metrics.revenue_12m"]["operators"]
    )
    other = APIClient()
    other.force_authenticate(outsider)
    assert other.get(f"/api/v1/segments/{pk}/count/").json()["count"] == 1
    assert other.patch(f"/api/v1/segments/{pk}/", {"name": "Mine"}, format="json").status_code == 403
    assert (
        api.patch(f"/api/v1/segments/{pk}/", {"description": "d"}, format="json").json()["description"] == "d"
    )
    assert api.delete(f"/api/v1/segments/{pk}/").status_code == 204


def test_cli_count_and_export(agent, outsider, data, segment, tmp_path):
    out = io.StringIO()
    call_command("segment", "count", "Big", stdout=out)
    assert json.loads(out.getvalue()) == {"segment": "Big", "count": 4}
    out = io.StringIO()
    call_command("segment", "--as", "outsider", "count", "Big", stdout=out)
    assert json.loads(out.getvalue())["count"] == 1
    path = tmp_path / "big.csv"
    call_command("segment", "--as", "agent", "export", "Big", str(path), stdout=io.StringIO())
    text = path.read_text(encoding="utf-8-sig")
    assert "A0" in text and "B0" not in text
    out = io.StringIO()
    call_command("segment", "list", stdout=out)
    assert json.loads(out.getvalue().splitlines()[0])["name"] == "Big"


def test_list_counts_agree_with_each_segment_count_when_metrics_are_missing(agent, data):
    from tenure.segments.selectors import segment_count
    from tenure.segments.views import segment_counts

    Customer.objects.create(name="No metrics", owner=agent)
    segments = [
        segment_create(actor=agent, name="Everyone", rules={"op": "and", "rules": []}),
        segment_create(actor=agent, name="Big", rules=BIG),
        segment_create(
            actor=agent,
            name="Not 5000",
            rules={"op": "and", "rules": [{"field": "metrics.revenue_12m", "op": "ne", "value": "5000"}]},
        ),
        segment_create(
            actor=agent,
            name="Tagged",
            rules={"op": "or", "rules": [{"field": "tags", "op": "has_none", "value": "x"}]},
        ),
    ]
    counts = segment_counts(agent, segments)
    assert counts == {s.pk: segment_count(agent, s) for s in segments}
    assert [counts[s.pk] for s in segments] == [4, 3, 1, 4]


def test_builder_pages_render_for_writers(client_for, agent, teammate, segment):
    new = client_for(agent).get(reverse("segments:new"))
    assert new.status_code == 200 and 'hx-post="/segments/builder/"' in new.content.decode()
    edit = client_for(agent).get(reverse("segments:edit", args=[segment.pk]))
    assert edit.status_code == 200 and 'value="1000"' in edit.content.decode()
    assert client_for(teammate).get(reverse("segments:edit", args=[segment.pk])).status_code == 403
    assert client_for(agent).get(reverse("segments:call_list", args=[segment.pk])).status_code == 405


def test_a_private_segment_name_never_leaks_to_others(agent, outsider, data):
    from django.core.exceptions import ValidationError

    from tenure.segments.rules import compile_rules, validate_rules

    everyone = {"op": "and", "rules": []}
    nobody = {"op": "and", "rules": [{"field": "metrics.revenue_12m", "op": "gte", "value": "999999"}]}
    segment_create(actor=outsider, name="Secret list", rules=everyone, shared=False)
    # Another user may take the same name, privately or shared: nothing reveals the private one.
    segment_create(actor=agent, name="Secret list", rules=nobody, shared=False)
    segment_create(actor=agent, name="Secret list", rules=everyone, shared=True)
    # The same name twice among one's own private segments, or twice shared, is refused.
    with pytest.raises(ValidationError, match="You already have a private segment with this name"):
        segment_create(actor=agent, name="Secret list", rules=everyone, shared=False)
    with pytest.raises(ValidationError, match="A shared segment with this name already exists"):
        segment_create(actor=outsider, name="Secret list", rules=everyone, shared=True)
    assert Segment.objects.filter(name="Secret list").count() == 3
    # The command line picks the user's own private segment (nobody) before the shared one (everyone).
    counts = {}
    for who in ("agent", "outsider"):
        out = io.StringIO()
        call_command("segment", "--as", who, "count", "Secret list", stdout=out)
        counts[who] = json.loads(out.getvalue())["count"]
    assert (
        counts["agent"]
        == Customer.objects.visible_to(agent).filter(compile_rules(validate_rules(nobody))).count()
    )
    assert counts["outsider"] == Customer.objects.visible_to(outsider).count()
    assert (counts["agent"], counts["outsider"]) == (0, 1)
