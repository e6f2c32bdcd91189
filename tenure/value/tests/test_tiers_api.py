"""/api/v1/ tiers: definitions, a customer's tier and override, migration counts; visibility."""

from datetime import UTC, datetime

import pytest

from tenure.customers.services import customer_create
from tenure.customers.tests.test_api import token_client
from tenure.value import services
from tenure.value.models import CustomerMetrics, TierChange, TierDefinition, TierOverride


@pytest.fixture
def theirs(outsider):
    return customer_create(actor=outsider, name="Other team's customer")


@pytest.fixture
def tiered(customer, theirs):
    CustomerMetrics.objects.create(customer=customer, margin=500, order_count=3)
    services.tiers_recompute()
    customer.refresh_from_db()
    return customer


def test_definitions_list_in_order_with_criteria(agent, db):
    r = token_client(agent).get("/api/v1/tiers/")
    assert r.status_code == 200
    data = r.json()
    assert [t["code"] for t in data] == ["platinum", "gold", "iron", "lead"]
    assert data[0]["criteria"].startswith("Top 5% by lifetime margin")
    assert data[0]["conditions"][0] == {"metric": "order_count", "op": ">", "value": 0.0}
    assert token_client(agent).get(f"/api/v1/tiers/{data[1]['id']}/").json()["code"] == "gold"


def test_only_admins_write_definitions_with_validation(agent, manager, admin_user, db):
    body = {
        "code": "vip",
        "name_en": "VIP",
        "name_zh": "贵宾",
        "rule": "conditions",
        "conditions": [{"metric": "referrals", "op": ">=", "value": 3}],
    }
    assert token_client(agent).post("/api/v1/tiers/", body, format="json").status_code == 403
    assert token_client(manager).post("/api/v1/tiers/", body, format="json").status_code == 403
    api = token_client(admin_user)
    bad = {**body, "conditions": [{"metric": "password", "op": ">=", "value": 3}]}
    r = api.post("/api/v1/tiers/", bad, format="json")
    assert r.status_code == 400 and "conditions" in r.json()["errors"]
    r = api.post("/api/v1/tiers/", body, format="json")
    assert r.status_code == 201 and r.json()["position"] == 5
    pk = r.json()["id"]
    r = api.patch(
        f"/api/v1/tiers/{pk}/",
        {"rule": "top_percent", "percent": 150, "percent_metric": "margin"},
        format="json",
    )
    assert r.status_code == 400 and "percent" in r.json()["errors"]
    r = api.patch(f"/api/v1/tiers/{pk}/", {"position": 0}, format="json")
    assert r.status_code == 200 and TierDefinition.objects.order_by("position").first().code == "vip"
    assert api.delete(f"/api/v1/tiers/{pk}/").status_code == 405


def test_customer_tier_with_history(agent, tiered):
    r = token_client(agent).get(f"/api/v1/customer-tiers/{tiered.pk}/")
    assert r.status_code == 200
    data = r.json()
    assert (data["tier"], data["computed_tier"], data["override"]) == ("platinum", "platinum", None)
    assert [(h["from_tier"], h["to_tier"], h["source"]) for h in data["history"]] == [
        ("", "platinum", "computed")
    ]


def test_outsider_gets_404_for_the_customer_tier(outsider, tiered):
    api = token_client(outsider)
    assert api.get(f"/api/v1/customer-tiers/{tiered.pk}/").status_code == 404
    r = api.post(
        f"/api/v1/customer-tiers/{tiered.pk}/override/", {"tier": "gold", "reason": "x"}, format="json"
    )
    assert r.status_code == 404
    assert api.delete(f"/api/v1/customer-tiers/{tiered.pk}/override/").status_code == 404
    assert not TierOverride.objects.exists()


def test_override_set_and_end_through_the_api(manager, agent, tiered):
    url = f"/api/v1/customer-tiers/{tiered.pk}/override/"
    assert token_client(agent).post(url, {"tier": "gold", "reason": "x"}, format="json").status_code == 403
    api = token_client(manager)
    r = api.post(url, {"tier": "gold", "reason": ""}, format="json")
    assert r.status_code == 400
    r = api.post(
        url, {"tier": "gold", "reason": "Key account", "expires_at": "2099-01-01T00:00:00Z"}, format="json"
    )
    assert r.status_code == 201
    data = r.json()
    assert (data["tier"], data["computed_tier"], data["override"]["reason"]) == (
        "gold",
        "platinum",
        "Key account",
    )
    assert data["history"][0]["source"] == "override"
    r = api.delete(url)
    assert r.status_code == 200 and r.json()["tier"] == "platinum" and r.json()["override"] is None
    assert api.put(url, {}, format="json").status_code == 405


def test_migration_counts_only_visible_customers(agent, customer, theirs):
    d = datetime(2025, 3, 10, 6, tzinfo=UTC)
    for c in (customer, theirs):
        TierChange.objects.create(
            customer=c, from_tier="", to_tier="iron", changed_at=d.replace(day=1), source="computed"
        )
        TierChange.objects.create(
            customer=c, from_tier="iron", to_tier="gold", changed_at=d, source="computed"
        )
    api = token_client(agent)
    r = api.get("/api/v1/tier-migration/", {"since": "2025-03-05", "until": "2025-03-20"})
    assert r.status_code == 200
    data = r.json()
    assert data["cells"] == [{"from": "iron", "to": "gold", "count": 1}]
    assert (data["up"], data["down"], data["total"]) == (1, 0, 1)
    assert (
        api.get("/api/v1/tier-migration/", {"since": "2025-03-20", "until": "2025-03-05"}).status_code == 400
    )
    assert api.get("/api/v1/tier-migration/").status_code == 400
    assert api.post("/api/v1/tier-migration/", {}).status_code == 405
