"""Reads of the value engine for users: every one goes through Customer.objects.visible_to(user)."""

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from tenure.commerce.models import OrderLine, Product
from tenure.customers.models import Customer
from tenure.customers.selectors import get_customer_for_user
from tenure.lib.prepared import Prepared
from tenure.value.models import AssociationRule, CustomerMetrics


def metrics_visible_to(user) -> QuerySet[CustomerMetrics]:
    """The stored metrics of the customers ``user`` may see (for lists, filters and segments)."""
    return CustomerMetrics.objects.filter(customer__in=Customer.objects.visible_to(user).order_by())


def metrics_for_user(user, customer_pk) -> CustomerMetrics | None:
    """One customer's metrics, or None if not computed yet; 404 if the customer is not visible."""
    customer = get_customer_for_user(user, customer_pk)
    return CustomerMetrics.objects.filter(customer=customer).first()


@dataclass
class Recommendation:
    product: Product
    rule: AssociationRule
    because: list[Product]
    confidence: float
    lift: float


def _recommendation_rules(customer_id, limit: int):
    """The rules behind the customer's recommendations, best first, at most ``limit``: rules whose
    antecedents the customer has all bought, for products they have not bought, and of the rules for
    one product only its best (confidence, then lift, then id), with the three products joined."""
    bought = (
        OrderLine.objects.filter(order__customer_id=customer_id, order__is_return=False, quantity__gt=0)
        .order_by()
        .values("product_id")
    )
    best_first = [F("confidence").desc(), F("lift").desc(), F("id").asc()]
    return (
        AssociationRule.objects.filter(antecedent_id__in=bought)
        .filter(Q(antecedent_2__isnull=True) | Q(antecedent_2_id__in=bought))
        .exclude(consequent_id__in=bought)
        .alias(rank_for_product=Window(RowNumber(), partition_by=[F("consequent_id")], order_by=best_first))
        .filter(rank_for_product=1)
        .select_related("antecedent", "antecedent_2", "consequent")
        .order_by("-confidence", "-lift", "id")[:limit]
    )


# One compiled statement per limit (the page asks for 5, the API for 1–50): tenure.lib.prepared.
_RULES: dict[int, Prepared] = {}


def recommendations_for(customer: Customer, limit: int = 5) -> list[Recommendation]:
    """Products the customer is most likely to want next, each with the rule that suggests it.

    Rules whose antecedents the customer has all bought, for products they have not bought, best
    confidence first (then lift); one recommendation per product (its best rule). One statement,
    compiled once per ``limit``. ``customer`` must already have come through ``visible_to`` (see
    ``recommendations_for_user``).
    """
    if limit < 1:
        return []
    rules = _RULES.get(limit)
    if rules is None:
        rules = _RULES.setdefault(
            limit, Prepared(lambda customer_id: _recommendation_rules(customer_id, limit))
        )
    return [
        Recommendation(
            rule.consequent,
            rule,
            [rule.antecedent, rule.antecedent_2] if rule.antecedent_2_id else [rule.antecedent],
            rule.confidence,
            rule.lift,
        )
        for rule in rules(customer.pk)
    ]


def recommendations_for_user(user, customer_pk, limit: int = 5) -> list[Recommendation]:
    return recommendations_for(get_customer_for_user(user, customer_pk), limit)
