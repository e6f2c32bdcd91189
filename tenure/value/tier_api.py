"""/api/v1/ for tiers: definitions (admins write), each visible customer's tier with its history and
override, and the tier migration between two dates. Same services and visibility as the pages."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tenure.accounts.permissions import AdminPermission, StaffPermission
from tenure.customers.selectors import get_customer_for_user
from tenure.value import services
from tenure.value.models import TIER_METRICS, CustomerMetrics, TierChange, TierDefinition, TierOverride
from tenure.value.tiers import SQL_OPERATORS, criteria_text, tier_migration


# --- Definitions ---------------------------------------------------------------------------------
class ConditionSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=list(TIER_METRICS))
    op = serializers.ChoiceField(choices=list(SQL_OPERATORS))
    value = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=False)


class TierDefinitionOut(serializers.ModelSerializer):
    conditions = ConditionSerializer(many=True)
    criteria = serializers.SerializerMethodField()

    class Meta:
        model = TierDefinition
        fields = [
            "id",
            "code",
            "name_en",
            "name_zh",
            "position",
            "rule",
            "percent",
            "percent_metric",
            "conditions",
            "criteria",
            "description_en",
            "description_zh",
            "is_active",
            "created_at",
            "updated_at",
        ]

    def get_criteria(self, obj) -> str:
        """The rule in words, in the request's language."""
        return str(criteria_text(obj))


class TierDefinitionIn(serializers.Serializer):
    code = serializers.SlugField(max_length=32)
    name_en = serializers.CharField(max_length=64)
    name_zh = serializers.CharField(max_length=64)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    rule = serializers.ChoiceField(choices=TierDefinition.Rule.choices)
    percent = serializers.DecimalField(max_digits=6, decimal_places=3, required=False, allow_null=True)
    percent_metric = serializers.CharField(max_length=32, required=False, allow_blank=True)
    conditions = serializers.ListField(child=serializers.DictField(), required=False)
    description_en = serializers.CharField(required=False, allow_blank=True)
    description_zh = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class TierDefinitionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Tier definitions in order (first matching rule wins; the last active one takes everyone else).
    Everyone reads; admins create and update (a recompute applies the change)."""

    serializer_class = TierDefinitionOut
    queryset = TierDefinition.objects.order_by("position", "id")
    pagination_class = None
    filter_backends: list = []

    def get_permissions(self):
        if self.action in ("create", "update", "partial_update"):
            return [AdminPermission()]
        return [StaffPermission()]

    def _save(self, request, definition, partial):
        data = TierDefinitionIn(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "conditions" in fields:
            fields["conditions"] = [dict(c) for c in fields["conditions"]]
        return services.tier_definition_save(actor=request.user, definition=definition, **fields)

    @extend_schema(request=TierDefinitionIn, responses={201: TierDefinitionOut})
    def create(self, request, *args, **kwargs):
        definition = self._save(request, None, partial=False)
        return Response(TierDefinitionOut(definition).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TierDefinitionIn, responses=TierDefinitionOut)
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        definition = self._save(request, self.get_object(), partial=partial)
        return Response(TierDefinitionOut(definition).data)


# --- A customer's tier ---------------------------------------------------------------------------
class TierOverrideOut(serializers.ModelSerializer):
    created_by = serializers.IntegerField(source="created_by_id", allow_null=True)

    class Meta:
        model = TierOverride
        fields = ["id", "tier", "reason", "expires_at", "created_by", "created_at"]


class TierChangeOut(serializers.ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", allow_null=True)

    class Meta:
        model = TierChange
        fields = ["from_tier", "to_tier", "changed_at", "source", "actor"]


class CustomerTierOut(serializers.Serializer):
    customer = serializers.IntegerField()
    tier = serializers.CharField(help_text="The effective tier code (an active override, else computed).")
    computed_tier = serializers.CharField(help_text="The tier by the rules at the last recompute.")
    override = TierOverrideOut(allow_null=True)
    history = TierChangeOut(many=True, help_text="The latest 50 changes, newest first.")


class TierOverrideIn(serializers.Serializer):
    tier = serializers.CharField(max_length=32)
    reason = serializers.CharField(max_length=500)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


def _customer_tier(customer) -> dict:
    return {
        "customer": customer.pk,
        "tier": customer.tier,
        "computed_tier": CustomerMetrics.objects.filter(customer_id=customer.pk)
        .values_list("computed_tier", flat=True)
        .first()
        or "",
        "override": TierOverride.objects.filter(customer_id=customer.pk, ended_at__isnull=True).first(),
        "history": list(TierChange.objects.filter(customer_id=customer.pk)[:50]),
    }


class CustomerTierViewSet(viewsets.ViewSet):
    """A visible customer's tier, its history and manual override (managers set and end overrides).
    Customers the caller may not see are 404."""

    lookup_value_regex = r"\d+"

    @extend_schema(responses=CustomerTierOut)
    def retrieve(self, request, pk=None):
        customer = get_customer_for_user(request.user, pk)
        return Response(CustomerTierOut(_customer_tier(customer)).data)

    @extend_schema(methods=["POST"], request=TierOverrideIn, responses={201: CustomerTierOut})
    @extend_schema(methods=["DELETE"], request=None, responses={200: CustomerTierOut})
    @action(detail=True, methods=["post", "delete"])
    def override(self, request, pk=None):
        """POST: set the override (replacing an active one); DELETE: end it. Applied at once."""
        customer = get_customer_for_user(request.user, pk)
        if request.method == "DELETE":
            services.tier_override_end(customer=customer, actor=request.user)
            customer.refresh_from_db(fields=["tier"])
            return Response(CustomerTierOut(_customer_tier(customer)).data)
        data = TierOverrideIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.tier_override_set(customer=customer, actor=request.user, **data.validated_data)
        customer.refresh_from_db(fields=["tier"])
        return Response(CustomerTierOut(_customer_tier(customer)).data, status=status.HTTP_201_CREATED)


# --- Migration -----------------------------------------------------------------------------------
class MigrationQuery(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()

    def validate(self, attrs):
        if attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"since": ["must not be after until"]})
        return attrs


MigrationOut = inline_serializer(
    "TierMigration",
    fields={
        "since": serializers.DateField(),
        "until": serializers.DateField(),
        "cells": inline_serializer(
            "TierMigrationCell",
            fields={
                "from": serializers.CharField(help_text='Tier at the end of `since` ("" = none).'),
                "to": serializers.CharField(help_text="Tier at the end of `until`."),
                "count": serializers.IntegerField(),
            },
            many=True,
        ),
        "up": serializers.IntegerField(),
        "down": serializers.IntegerField(),
        "entered": serializers.IntegerField(),
        "total": serializers.IntegerField(),
    },
)


class TierMigrationViewSet(viewsets.ViewSet):
    """Counts of visible customers by tier at the end of one day (from) and of another (to)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATE, required=True),
            OpenApiParameter("until", OpenApiTypes.DATE, required=True),
        ],
        responses=MigrationOut,
    )
    def list(self, request):
        query = MigrationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        since, until = query.validated_data["since"], query.validated_data["until"]
        result = tier_migration(request.user, since=since, until=until)
        return Response({"since": since, "until": until, **result})


def register(router) -> None:
    router.register("tiers", TierDefinitionViewSet, basename="tier")
    router.register("customer-tiers", CustomerTierViewSet, basename="customer-tier")
    router.register("tier-migration", TierMigrationViewSet, basename="tier-migration")
