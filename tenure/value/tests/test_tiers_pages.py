"""Tier pages: the tiers list with counts over visible customers, editing, migration, the customer
panel and its override forms. Personas from tenure/conftest.py."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tenure.customers.services import customer_create
from tenure.value import services
from tenure.value.models import CustomerMetrics, TierChange, TierDefinition, TierOverride


@pytest.fixture
def theirs(outsider):
    return customer_create(actor=outsider, name="Other team's customer")


@pytest.fixture
def tiered(customer, theirs, agent):
    """Our customer is a profitable buyer (platinum: the only one), theirs has bought nothing (lead)."""
    extra = customer_create(actor=agent, name="王芳")
    CustomerMetrics.objects.create(customer=customer, margin=500, order_count=3)
    CustomerMetrics.objects.create(customer=extra, margin=0, order_count=0)
    services.tiers_recompute()
    customer.refresh_from_db()
    return {"ours": customer, "extra": extra, "theirs": theirs}


def test_tiers_page_counts_only_visible_customers(client_for, agent, tiered):
    r = client_for(agent).get(reverse("value:tiers"))
    assert r.status_code == 200
    rows = {row["tier"].code: row["count"] for row in r.context["rows"]}
    # The outsider's customer (lead) is not counted for the agent.
    assert rows == {"platinum": 1, "gold": 0, "iron": 0, "lead": 1}
    assert r.context["total"] == 2
    body = r.content.decode()
    chart = json.loads(re.search(r'id="tier-chart-data"[^>]*>(.*?)</script>', body).group(1))
    assert chart["counts"] == [1, 0, 0, 1] and chart["labels"][0] == "Platinum"
    assert "value/tiers.js" in body and "vendor/echarts-6.1.0.min.js" in body
    assert "Top 5% by lifetime margin" in body
    assert reverse("value:tiers_recompute") not in body  # agents cannot recompute
    assert reverse("value:tier_new") not in body


def test_tiers_page_for_the_admin_counts_everyone_and_offers_edit(client_for, admin_user, tiered):
    r = client_for(admin_user).get(reverse("value:tiers"))
    rows = {row["tier"].code: row["count"] for row in r.context["rows"]}
    assert rows == {"platinum": 1, "gold": 0, "iron": 0, "lead": 2}
    body = r.content.decode()
    assert reverse("value:tiers_recompute") in body and reverse("value:tier_new") in body


def test_tiers_page_in_chinese(client_for, agent, tiered):
    agent.language = "zh-hans"
    agent.save(update_fields=["language"])
    c = client_for(agent)
    r = c.get(reverse("value:tiers"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = r.content.decode()
    assert "铂金" in body and "在全部盈利客户中" in body


def test_tiers_page_query_count_does_not_grow_with_tiers(
    client_for, agent, tiered, django_assert_max_num_queries
):
    c = client_for(agent)
    with django_assert_max_num_queries(12) as small:
        c.get(reverse("value:tiers"))
    for i in range(5):
        TierDefinition.objects.create(
            code=f"t{i}", name_en=f"T{i}", name_zh=f"T{i}", position=10 + i, rule="everyone", is_active=False
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        r = c.get(reverse("value:tiers"))
    assert len(r.context["rows"]) == 9


def test_recompute_button_is_for_managers_and_post_only(client_for, manager, agent, tiered):
    CustomerMetrics.objects.filter(customer=tiered["extra"]).update(margin=10, order_count=1)
    assert client_for(manager).get(reverse("value:tiers_recompute")).status_code == 405
    assert client_for(agent).post(reverse("value:tiers_recompute")).status_code == 403
    r = client_for(manager).post(reverse("value:tiers_recompute"))
    assert r.status_code == 302
    tiered["extra"].refresh_from_db()
    # Two profitable buyers now: top 5% and top 20% of 2 → the first only; the other is iron.
    assert tiered["extra"].tier == "iron"


def test_edit_tier_is_admin_only_with_errors_per_field(client_for, admin_user, manager, db):
    gold = TierDefinition.objects.get(code="gold")
    url = reverse("value:tier_edit", args=[gold.pk])
    assert client_for(manager).get(url).status_code == 403
    c = client_for(admin_user)
    r = c.get(url)
    assert r.status_code == 200 and "order_count &gt; 0" in r.content.decode()
    data = {
        "code": "gold",
        "name_en": "Gold",
        "name_zh": "黄金",
        "position": 2,
        "rule": "top_percent",
        "percent": "",
        "percent_metric": "margin",
        "conditions": "margin >> 5\nsalary > 1",
        "is_active": "on",
    }
    r = c.post(url, data)
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert "percent" in errors and len(errors["conditions"]) == 2
    data.update(percent="10", conditions="order_count > 0\nrevenue_12m >= 1000")
    r = c.post(url, data)
    assert r.status_code == 302
    gold.refresh_from_db()
    assert gold.percent == 10 and gold.conditions[1] == {"metric": "revenue_12m", "op": ">=", "value": 1000}


def test_new_tier_page_creates_a_tier(client_for, admin_user, db):
    c = client_for(admin_user)
    r = c.get(reverse("value:tier_new"))
    assert r.context["form"].initial["position"] == 5
    r = c.post(
        reverse("value:tier_new"),
        {
            "code": "vip",
            "name_en": "VIP",
            "name_zh": "贵宾",
            "position": 0,
            "rule": "conditions",
            "conditions": "referrals >= 3",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    assert TierDefinition.objects.order_by("position").first().code == "vip"


def _history(customer, *steps):
    for when, from_tier, to_tier in steps:
        TierChange.objects.create(
            customer=customer, from_tier=from_tier, to_tier=to_tier, changed_at=when, source="computed"
        )


def test_migration_matrix_and_movers(client_for, agent, customer, theirs, db):
    a2 = customer_create(actor=agent, name="Down")
    a3 = customer_create(actor=agent, name="Stay")
    a4 = customer_create(actor=agent, name="New")
    d = lambda day: datetime(2025, 3, day, 6, tzinfo=UTC)  # noqa: E731
    _history(customer, (d(1), "", "iron"), (d(10), "iron", "gold"))
    _history(a2, (d(1), "", "platinum"), (d(12), "platinum", "iron"))
    _history(a3, (d(1), "", "iron"))
    _history(a4, (d(15), "", "lead"))
    _history(theirs, (d(1), "", "iron"), (d(10), "iron", "platinum"))  # invisible to the agent
    c = client_for(agent)
    r = c.get(reverse("value:tier_migration"), {"since": "2025-03-05", "until": "2025-03-20"})
    assert r.status_code == 200
    result = r.context["result"]
    cells = {(x["from"], x["to"]): x["count"] for x in result["cells"]}
    assert cells == {("iron", "gold"): 1, ("platinum", "iron"): 1, ("iron", "iron"): 1, ("", "lead"): 1}
    assert (result["up"], result["down"], result["entered"], result["total"]) == (1, 1, 1, 4)
    assert [x.name for x in r.context["page"].object_list] == [customer.name]
    r = c.get(
        reverse("value:tier_migration"), {"since": "2025-03-05", "until": "2025-03-20", "direction": "down"}
    )
    assert [x.name for x in r.context["page"].object_list] == ["Down"]
    assert a2.get_absolute_url() in r.content.decode()
    # Before any change in the period: nobody moved.
    r = c.get(reverse("value:tier_migration"), {"since": "2025-03-02", "until": "2025-03-03"})
    assert (r.context["result"]["up"], r.context["result"]["down"]) == (0, 0)
    assert (
        c.get(reverse("value:tier_migration"), {"since": "2025-03-20", "until": "2025-03-05"}).status_code
        == 400
    )
    assert c.post(reverse("value:tier_migration")).status_code == 405


def test_migration_page_defaults_to_the_last_30_days(client_for, agent, db):
    r = client_for(agent).get(reverse("value:tier_migration"))
    assert r.status_code == 200
    assert r.context["until"] == timezone.localdate()
    assert r.context["since"] == timezone.localdate() - timedelta(days=30)


def test_customer_page_shows_the_tier_panel_in_one_query(
    client_for, agent, tiered, django_assert_num_queries
):
    from tenure.value.tiers import customer_tier_panel

    customer = tiered["ours"]
    with django_assert_num_queries(1):
        panel = customer_tier_panel(customer, agent)
    assert (panel["code"], panel["computed"], panel["override"], panel["label"]) == (
        "platinum",
        "platinum",
        None,
        "Platinum",
    )
    r = client_for(agent).get(customer.get_absolute_url())
    body = r.content.decode()
    assert 'id="customer-tier"' in body and "Platinum" in body
    assert reverse("value:customer_tier_history", args=[customer.pk]) in body
    assert reverse("value:tier_override", args=[customer.pk]) not in body  # agents cannot override


def test_tier_history_fragment_in_two_queries(
    client_for, agent, manager, tiered, django_assert_max_num_queries
):
    from tenure.value.tiers import customer_tier_panel

    customer = tiered["ours"]
    services.tier_override_set(customer=customer, tier="iron", reason="Dispute", actor=manager)
    with django_assert_max_num_queries(2):
        panel = customer_tier_panel(customer, agent, history=20)
    assert [(e.from_label, e.to_label) for e in panel["history"]] == [("Platinum", "Iron"), ("—", "Platinum")]
    url = reverse("value:customer_tier_history", args=[customer.pk])
    r = client_for(agent).get(url)
    assert r.status_code == 200
    body = r.content.decode()
    assert "Platinum" in body and "Iron" in body and "manager" in body
    assert client_for(agent).post(url).status_code == 405


def test_manager_overrides_and_ends_from_the_customer_page(client_for, manager, tiered):
    customer = tiered["ours"]
    c = client_for(manager)
    url = reverse("value:tier_override", args=[customer.pk])
    assert url in c.get(customer.get_absolute_url()).content.decode()
    assert c.get(url).status_code == 405
    r = c.post(url, {"tier": "iron", "reason": ""})
    assert r.status_code == 302 and not TierOverride.objects.exists()
    r = c.post(url, {"tier": "iron", "reason": "Payment dispute", "expires_on": "2099-01-31"})
    assert r.status_code == 302
    customer.refresh_from_db()
    assert customer.tier == "iron"
    override = TierOverride.objects.get()
    assert timezone.localtime(override.expires_at).date().isoformat() == "2099-02-01"
    body = c.get(customer.get_absolute_url()).content.decode()
    assert "Payment dispute" in body and "override" in body
    r = c.post(reverse("value:tier_override_end", args=[customer.pk]))
    customer.refresh_from_db()
    assert customer.tier == "platinum"


def test_outsider_gets_404_on_the_override_pages(client_for, outsider, manager, tiered):
    theirs_manager = manager  # manages team A: cannot see team B's customer
    for user in (outsider, theirs_manager):
        c = client_for(user)
        for name in ("value:tier_override", "value:tier_override_end"):
            target = tiered["ours"] if user is outsider else tiered["theirs"]
            assert c.post(reverse(name, args=[target.pk]), {"tier": "gold", "reason": "x"}).status_code == 404
    assert not TierOverride.objects.exists()
    assert client_for(outsider).get(tiered["ours"].get_absolute_url()).status_code == 404
    url = reverse("value:customer_tier_history", args=[tiered["ours"].pk])
    assert client_for(outsider).get(url).status_code == 404


def test_tiers_page_wrong_method_and_login(client, client_for, agent, db):
    assert client_for(agent).post(reverse("value:tiers")).status_code == 405
    assert client.get(reverse("value:tiers")).status_code == 302


def test_migration_page_query_count_does_not_grow_with_movers(
    client_for, agent, customer, django_assert_max_num_queries
):
    d = datetime(2025, 3, 10, 6, tzinfo=UTC)
    params = {"since": "2025-03-05", "until": "2025-03-20"}
    _history(customer, (d.replace(day=1), "", "iron"), (d, "iron", "gold"))
    c = client_for(agent)
    with django_assert_max_num_queries(16) as small:
        c.get(reverse("value:tier_migration"), params)
    for i in range(8):
        other = customer_create(actor=agent, name=f"Mover {i}")
        _history(other, (d.replace(day=1), "", "lead"), (d, "lead", "platinum"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        r = c.get(reverse("value:tier_migration"), params)
    assert len(r.context["page"].object_list) == 9


def test_tier_customers_lists_only_visible_customers_without_n_plus_1(
    client_for, agent, tiered, django_assert_max_num_queries
):
    c = client_for(agent)
    url = reverse("value:tier_customers", args=["lead"])
    with django_assert_max_num_queries(12) as small:
        r = c.get(url)
    assert [x.name for x in r.context["page"].object_list] == ["王芳"]  # not the outsider's lead
    for i in range(6):
        extra = customer_create(actor=agent, name=f"Lead {i}")
        CustomerMetrics.objects.create(customer=extra)
    services.tiers_recompute()
    with django_assert_max_num_queries(len(small.captured_queries)):
        r = c.get(url)
    assert r.context["page"].paginator.count == 7
    assert c.get(reverse("value:tier_customers", args=["diamond"])).status_code == 404
    assert c.post(url).status_code == 405
    body = c.get(reverse("value:tiers")).content.decode()
    assert reverse("value:tier_customers", args=["platinum"]) in body
