"""Reads of customers. Everything starts from Customer.objects.visible_to(user)."""

from django.db.models import Count, Max, Min, Q, Sum
from django.http import Http404

from tenure.customers.models import Customer


def customers_for(user):
    return Customer.objects.visible_to(user)


def get_customer_for_user(user, pk) -> Customer:
    """The customer if `user` may see it, else 404 (never 403: existence is not revealed)."""
    try:
        return (
            Customer.objects.visible_to(user)
            .select_related("owner", "representative", "team", "referred_by")
            .get(pk=pk)
        )
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise Http404("No such customer") from None


def value_summary(customer: Customer) -> dict:
    """Lifetime revenue and margin, order count, first and last purchase, tenure, buyer type."""
    from django.utils import timezone

    from tenure.commerce.models import Order

    agg = Order.objects.filter(customer=customer).aggregate(
        revenue=Sum("total"),
        cost=Sum("total_cost"),
        orders=Count("id", filter=Q(is_return=False)),
        returns=Count("id", filter=Q(is_return=True)),
        first=Min("ordered_at"),
        last=Max("ordered_at"),
    )
    revenue = agg["revenue"] or 0
    cost = agg["cost"] or 0
    agg["revenue"] = revenue
    agg["margin"] = revenue - cost
    agg["tenure_days"] = (timezone.now() - agg["first"]).days if agg["first"] else None
    orders = agg["orders"]
    agg["buyer_type"] = "none" if not orders else ("first_time" if orders == 1 else "repeat")
    agg["average_order"] = (revenue / orders) if orders else None
    return agg


def duplicate_candidates(user, customer: Customer, limit: int = 10):
    """Visible customers that look like `customer`: same normalised phone or email, or same name."""
    rule = Q()
    for phone in {customer.mobile, customer.phone} - {""}:
        rule |= Q(mobile=phone) | Q(phone=phone)
    if customer.email:
        rule |= Q(email=customer.email)
    rule |= Q(name=customer.name)
    if customer.alt_name:
        rule |= Q(alt_name__iexact=customer.alt_name)
    return Customer.objects.visible_to(user).filter(rule).exclude(pk=customer.pk).order_by("id")[:limit]
