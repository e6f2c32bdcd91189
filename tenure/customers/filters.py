"""django-filter filter sets for the customer API."""

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from tenure.customers.models import Address, Contact, Customer


class IdFilter(filters.Filter):
    """An integer id (a foreign key); non-numbers are a 400, not a crash."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "exact")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is not None and not (0 < value < 2**63):
            return qs.none()
        return super().filter(qs, value)


class CustomerFilter(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_q",
        label=_("Search: name (Chinese, pinyin, initials), phone (any format, partial), email, id."),
    )
    kind = filters.ChoiceFilter(choices=Customer.Kind.choices)
    lifecycle_stage = filters.ChoiceFilter(choices=Customer.Stage.choices)
    owner = IdFilter(field_name="owner_id", label=_("Owner (staff id)."))
    representative = IdFilter(field_name="representative_id", label=_("Dedicated representative (staff id)."))
    team = IdFilter(field_name="team_id", label=_("Team id."))
    tag = filters.CharFilter(method="filter_tag", label=_("Tag name (exact)."))
    do_not_contact = filters.BooleanFilter()
    created = filters.IsoDateTimeFromToRangeFilter(
        field_name="created_at", label=_("Created between (created_after, created_before; ISO 8601).")
    )
    updated = filters.IsoDateTimeFromToRangeFilter(
        field_name="updated_at", label=_("Updated between (updated_after, updated_before; ISO 8601).")
    )

    class Meta:
        model = Customer
        fields = []

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.search(value)

    def filter_tag(self, queryset, name, value):
        through = Customer.tags.through
        return queryset.filter(
            Exists(through.objects.filter(customer_id=OuterRef("pk"), tag__name=value.strip()))
        )


class ContactFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label=_("Customer id."))

    class Meta:
        model = Contact
        fields = []


class AddressFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label=_("Customer id."))
    kind = filters.ChoiceFilter(choices=Address.Kind.choices)

    class Meta:
        model = Address
        fields = []
