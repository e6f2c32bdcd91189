"""The textbook baskets (Tan, Steinbach & Kumar, Introduction to Data Mining, ch. 6), by hand."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.http import Http404

from tenure.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory
from tenure.value.basket import basket_analysis
from tenure.value.models import AssociationRule
from tenure.value.selectors import recommendations_for, recommendations_for_user
from tenure.value.services import association_rules_store

BASKETS = [
    {"BREAD", "MILK"},
    {"BREAD", "DIAPERS", "BEER", "EGGS"},
    {"MILK", "DIAPERS", "BEER", "COLA"},
    {"BREAD", "MILK", "DIAPERS", "BEER"},
    {"BREAD", "MILK", "DIAPERS", "COLA"},
]


@pytest.fixture
def baskets(db):
    products = {sku: ProductFactory(sku=sku) for sku in sorted(set().union(*BASKETS))}
    for basket in BASKETS:
        o = OrderFactory()
        for sku in sorted(basket):
            OrderLineFactory(order=o, product=products[sku])
    OrderLineFactory(order=o, product=products["COLA"])  # a second line of cola: still one basket item
    # A return holding beer and cola is not a basket.
    ret = OrderFactory(is_return=True, total=Decimal("-20"))
    for sku in ("BEER", "COLA"):
        OrderLineFactory(order=ret, product=products[sku], quantity=Decimal("-1"), amount=Decimal("-10"))
    return products


def rules_by_skus(result):
    data = result.as_dict()
    return {(tuple(sorted(r["antecedents"])), r["consequents"][0]): r for r in data["rules"]}


def test_pair_rules_support_confidence_lift(baskets):
    result = basket_analysis(min_support=0.6, min_confidence=0.0)
    assert result.orders == 5
    data = result.as_dict()
    pairs = {tuple(sorted(s["items"])): s["support"] for s in data["itemsets"] if len(s["items"]) == 2}
    assert pairs == {
        ("BREAD", "MILK"): 0.6,
        ("BREAD", "DIAPERS"): 0.6,
        ("DIAPERS", "MILK"): 0.6,
        ("BEER", "DIAPERS"): 0.6,
    }
    assert not [s for s in data["itemsets"] if len(s["items"]) == 3]
    rules = rules_by_skus(result)
    assert len(rules) == 8
    beer = rules[(("BEER",), "DIAPERS")]
    assert (beer["support"], beer["confidence"], beer["lift"]) == (0.6, 1.0, 1.25)
    diapers = rules[(("DIAPERS",), "BEER")]
    assert (diapers["confidence"], diapers["lift"]) == (0.75, 1.25)
    assert rules[(("BREAD",), "MILK")]["lift"] == pytest.approx(0.9375)


def test_triples_and_min_confidence(baskets):
    result = basket_analysis(min_support=0.4, min_confidence=0.6)
    data = result.as_dict()
    triples = {tuple(sorted(s["items"])): s["support"] for s in data["itemsets"] if len(s["items"]) == 3}
    assert triples == {
        ("BREAD", "DIAPERS", "MILK"): 0.4,
        ("BEER", "DIAPERS", "MILK"): 0.4,
        ("BEER", "BREAD", "DIAPERS"): 0.4,
        ("COLA", "DIAPERS", "MILK"): 0.4,
    }
    rules = rules_by_skus(result)
    rule = rules[(("DIAPERS", "MILK"), "BEER")]
    assert rule["confidence"] == pytest.approx(2 / 3, abs=1e-6)
    assert rule["lift"] == pytest.approx((2 / 3) / 0.6, abs=1e-6)
    assert all(r["confidence"] >= 0.6 for r in data["rules"])


def test_recommendations_exclude_what_the_customer_bought(baskets):
    association_rules_store(result=basket_analysis(min_support=0.6, min_confidence=0.0))
    customer = CustomerFactory()
    OrderLineFactory(order=OrderFactory(customer=customer), product=baskets["DIAPERS"])
    recs = recommendations_for(customer, limit=5)
    assert [r.product.sku for r in recs][:1] == ["BEER"]  # same confidence as bread/milk, higher lift
    assert {r.product.sku for r in recs} == {"BEER", "BREAD", "MILK"}
    assert all(r.because == [baskets["DIAPERS"]] for r in recs)
    assert recommendations_for(customer, limit=1)[0].confidence == 0.75


def test_recommendations_respect_visibility(baskets, agent, outsider, customer):
    association_rules_store(result=basket_analysis(min_support=0.6, min_confidence=0.0))
    OrderLineFactory(order=OrderFactory(customer=customer), product=baskets["BEER"])
    assert [r.product.sku for r in recommendations_for_user(agent, customer.pk)] == ["DIAPERS"]
    with pytest.raises(Http404):
        recommendations_for_user(outsider, customer.pk)


def test_basket_command_prints_and_stores_rules(baskets):
    out = StringIO()
    call_command("value", "basket", "--min-support", "0.6", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["orders"] == 5 and data["rule_count"] == 8
    rule = data["rules"][0]
    assert set(rule) >= {"antecedents", "consequents", "support", "confidence", "lift"}
    assert AssociationRule.objects.count() == 8


def test_no_orders_no_rules(db):
    result = basket_analysis(min_support=0.1)
    assert (result.orders, result.rules, result.itemsets) == (0, [], [])
