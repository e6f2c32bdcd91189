"""/api/v1/interactions/: the touchpoint log over HTTP."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tenure.accounts.models import User
from tenure.core.api import StrictSerializer, visible_customers_q
from tenure.interactions.filters import InteractionFilter
from tenure.interactions.models import CallList, CallListEntry, Interaction
from tenure.interactions.selectors import call_lists_for, get_call_list_entry_for_user
from tenure.interactions.serializers import InteractionInputSerializer, InteractionSerializer
from tenure.interactions.services import call_list_create, call_list_entry_record, interaction_log


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Interactions with the customers you can see, last logged first")
    ),
    retrieve=extend_schema(summary=gettext_lazy("One interaction")),
    create=extend_schema(
        summary=gettext_lazy("Log an interaction"),
        request=InteractionInputSerializer,
        responses={201: InteractionSerializer},
    ),
)
class InteractionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = InteractionSerializer
    filterset_class = InteractionFilter
    ordering_fields = ["id", "occurred_at", "created_at"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    queryset = Interaction.objects.none()

    def get_queryset(self):
        return Interaction.objects.filter(visible_customers_q(self.request.user)).select_related("handled_by")

    def create(self, request, *args, **kwargs):
        data = InteractionInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        interaction = interaction_log(actor=request.user, **data.validated_data)
        return Response(
            InteractionSerializer(self.get_queryset().get(pk=interaction.pk)).data,
            status=status.HTTP_201_CREATED,
        )


# --- call lists ---------------------------------------------------------------------------------


class CallListSerializer(serializers.ModelSerializer):
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    segment = serializers.PrimaryKeyRelatedField(source="segment_id", read_only=True, allow_null=True)
    entries = serializers.IntegerField(source="entry_total", read_only=True)
    to_call = serializers.IntegerField(source="entry_open", read_only=True)

    class Meta:
        model = CallList
        fields = [
            "id", "name", "assignee", "created_by", "segment", "source", "due_date", "skipped",
            "entries", "to_call", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class CallListInputSerializer(StrictSerializer):
    segment = serializers.IntegerField(help_text=gettext_lazy("Id of a segment you can see."))
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), help_text=gettext_lazy("Staff id.")
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class CallListEntrySerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(source="customer_id", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    phone = serializers.CharField(source="customer.primary_phone", read_only=True)
    interaction = serializers.PrimaryKeyRelatedField(source="interaction_id", read_only=True, allow_null=True)
    status = serializers.CharField(read_only=True, help_text=gettext_lazy("pending, done or skipped"))

    class Meta:
        model = CallListEntry
        fields = [
            "id", "call_list", "position", "customer", "customer_name", "phone", "status", "outcome",
            "called_at", "interaction",
        ]  # fmt: skip
        read_only_fields = fields


class CallOutcomeInputSerializer(StrictSerializer):
    status = serializers.CharField(help_text=gettext_lazy("done, skipped or pending"))
    outcome = serializers.CharField(max_length=2000, required=False, allow_blank=True)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Call lists assigned to you or made by you")),
    retrieve=extend_schema(summary=gettext_lazy("One call list")),
    create=extend_schema(
        summary=gettext_lazy("Make a call list from a segment (who may not be called by phone is left out)"),
        request=CallListInputSerializer,
        responses={201: CallListSerializer},
    ),
)
class CallListViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = CallListSerializer
    queryset = CallList.objects.none()
    lookup_value_regex = r"\d+"
    ordering_fields = ["id", "created_at", "due_date"]
    ordering = ["-id"]

    def get_queryset(self):
        return call_lists_for(self.request.user)

    def create(self, request, *args, **kwargs):
        from tenure.segments.selectors import get_segment_for_user, segment_members

        data = CallListInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        segment = get_segment_for_user(request.user, data.validated_data["segment"])
        call_list = call_list_create(
            actor=request.user,
            assignee=data.validated_data["assignee"],
            name=data.validated_data.get("name") or segment.name,
            customers=segment_members(request.user, segment),
            segment=segment,
            due_date=data.validated_data.get("due_date"),
        )
        return Response(
            CallListSerializer(self.get_queryset().get(pk=call_list.pk)).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Entries of your call lists whose customers you can see")),
    retrieve=extend_schema(summary=gettext_lazy("One call list entry")),
)
class CallListEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CallListEntrySerializer
    queryset = CallListEntry.objects.none()
    lookup_value_regex = r"\d+"
    filterset_fields = ["call_list", "status"]
    ordering_fields = ["id", "position"]
    ordering = ["id"]

    def get_queryset(self):
        return CallListEntry.objects.filter(
            visible_customers_q(self.request.user),
            call_list__in=call_lists_for(self.request.user).values("pk"),
        ).select_related("customer")

    @extend_schema(
        summary=gettext_lazy("Record a call's outcome (done logs a call on the customer's timeline)"),
        request=CallOutcomeInputSerializer,
        responses=CallListEntrySerializer,
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        entry = get_call_list_entry_for_user(request.user, pk)
        data = CallOutcomeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = call_list_entry_record(entry=entry, actor=request.user, **data.validated_data)
        return Response(CallListEntrySerializer(self.get_queryset().get(pk=entry.pk)).data)
