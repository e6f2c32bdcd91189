"""Reads of the value engine for users: every one goes through Customer.objects.visible_to(user)."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from tenure.commerce.models import OrderLine, Product
from tenure.customers.models import Customer
from tenure.customers.selectors import get_customer_for_user
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


def recommendations_for(customer: Customer, limit: int = 5) -> list[Recommendation]:
    """Products the customer is most likely to want next, each with the rule that suggests it.

    Rules whose antecedents the customer has all bought, for products they have not bought, best
    confidence first (then lift); one recommendation per product. ``customer`` must already have
    come through ``visible_to`` (see ``recommendations_for_user``).
    """
    bought = (
        OrderLine.objects.filter(order__customer=customer, order__is_return=False, quantity__gt=0)
        .order_by()
        .values("product_id")
    )
    rules = (
        AssociationRule.objects.filter(antecedent_id__in=bought)
        .filter(Q(antecedent_2__isnull=True) | Q(antecedent_2_id__in=bought))
        .exclude(consequent_id__in=bought)
        .select_related("antecedent", "antecedent_2", "consequent")
        .order_by("-confidence", "-lift", "id")
    )
    out: list[Recommendation] = []
    seen: set[int] = set()
    for rule in rules.iterator(chunk_size=200):
        if rule.consequent_id in seen:
            continue
        seen.add(rule.consequent_id)
        because = [rule.antecedent] + ([rule.antecedent_2] if rule.antecedent_2_id else [])
        out.append(Recommendation(rule.consequent, rule, because, rule.confidence, rule.lift))
        if len(out) >= limit:
            break
    return out


def recommendations_for_user(user, customer_pk, limit: int = 5) -> list[Recommendation]:
    return recommendations_for(get_customer_for_user(user, customer_pk), limit)
