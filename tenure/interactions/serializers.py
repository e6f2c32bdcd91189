"""API input and output shapes for the interaction log."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tenure.accounts.models import User
from tenure.core.api import StrictSerializer, VisibleCustomerField
from tenure.customers.serializers import StaffRefSerializer
from tenure.interactions.models import Interaction


class InteractionSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(source="customer_id", read_only=True)
    handled_by = StaffRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "customer",
            "kind",
            "direction",
            "purpose",
            "memo",
            "occurred_at",
            "duration_seconds",
            "handled_by",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InteractionInputSerializer(StrictSerializer):
    customer = VisibleCustomerField()
    kind = serializers.ChoiceField(choices=Interaction.Kind.choices, required=False)
    direction = serializers.ChoiceField(choices=Interaction.Direction.choices, required=False)
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True)
    memo = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    occurred_at = serializers.DateTimeField(required=False, help_text=_("Defaults to now."))
    duration_seconds = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=86400 * 7
    )
    handled_by = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("Staff id; defaults to you."),
    )
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)
