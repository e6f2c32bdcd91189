"""django-filter filter sets for the commerce API."""

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from tenure.commerce.models import Order, Product
from tenure.customers.filters import IdFilter


class ProductFilter(filters.FilterSet):
    sku = filters.CharFilter(field_name="sku", lookup_expr="exact")
    category = filters.CharFilter(field_name="category", lookup_expr="exact")
    active = filters.BooleanFilter()

    class Meta:
        model = Product
        fields = []


class OrderFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label=_("Customer id."))
    ordered = filters.IsoDateTimeFromToRangeFilter(
        field_name="ordered_at", label=_("Ordered between (ordered_after, ordered_before; ISO 8601).")
    )
    channel = filters.ChoiceFilter(choices=Order.Channel.choices)
    is_return = filters.BooleanFilter()

    class Meta:
        model = Order
        fields = []
