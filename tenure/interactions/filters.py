"""django-filter filter sets for the interaction API."""

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from tenure.customers.filters import IdFilter
from tenure.interactions.models import Interaction


class InteractionFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label=_("Customer id."))
    kind = filters.ChoiceFilter(choices=Interaction.Kind.choices)
    direction = filters.ChoiceFilter(choices=Interaction.Direction.choices)
    handled_by = IdFilter(field_name="handled_by_id", label=_("Staff id."))
    occurred = filters.IsoDateTimeFromToRangeFilter(
        field_name="occurred_at", label=_("Occurred between (occurred_after, occurred_before; ISO 8601).")
    )

    class Meta:
        model = Interaction
        fields = []
