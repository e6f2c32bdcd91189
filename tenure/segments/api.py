"""/api/v1/segments/: saved segments, their counts and members, and the field registry."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tenure.core.api import DefaultCursorPagination, StrictSerializer
from tenure.segments.fields import FIELDS, OP_LABELS
from tenure.segments.models import Segment
from tenure.segments.selectors import get_segment_for_user, segment_count, segment_members, segments_for
from tenure.segments.services import segment_create, segment_delete, segment_update


class SegmentSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Segment
        fields = ["id", "name", "description", "rules", "shared", "owner", "created_at", "updated_at"]
        read_only_fields = fields


class SegmentInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    rules = serializers.JSONField(
        required=False,
        help_text=gettext_lazy(
            'A group: {"op": "and"|"or", "rules": [rule or group, …]}; see /segments/fields/.'
        ),
    )
    shared = serializers.BooleanField(required=False)


class SegmentPatchSerializer(SegmentInputSerializer):
    name = serializers.CharField(max_length=120, required=False)


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tier = serializers.CharField()
    lifecycle_stage = serializers.CharField()
    revenue_12m = serializers.DecimalField(
        max_digits=16, decimal_places=2, source="metrics.revenue_12m", allow_null=True, default=None
    )
    last_purchase_at = serializers.DateTimeField(
        source="metrics.last_purchase_at", allow_null=True, default=None
    )
    representative = serializers.CharField(source="representative.username", allow_null=True, default=None)


class FieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    group = serializers.CharField()
    type = serializers.CharField()
    operators = serializers.DictField(child=serializers.CharField())
    choices = serializers.DictField(child=serializers.CharField(), allow_null=True)


CountSerializer = inline_serializer(
    "SegmentCount", {"id": serializers.IntegerField(), "count": serializers.IntegerField()}
)


class MemberPagination(DefaultCursorPagination):
    ordering = "pk"


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Segments you can see")),
    retrieve=extend_schema(summary=gettext_lazy("One segment")),
    create=extend_schema(
        summary=gettext_lazy("Save a segment (rules are validated; errors name the rule)"),
        request=SegmentInputSerializer,
        responses={201: SegmentSerializer},
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("Change a segment"), request=SegmentPatchSerializer, responses=SegmentSerializer
    ),
    destroy=extend_schema(summary=gettext_lazy("Delete a segment")),
)
class SegmentViewSet(viewsets.ModelViewSet):
    serializer_class = SegmentSerializer
    queryset = Segment.objects.none()
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["name"]

    def get_queryset(self):
        return segments_for(self.request.user)

    def get_object(self):
        return get_segment_for_user(self.request.user, self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        data = SegmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        segment = segment_create(actor=request.user, **data.validated_data)
        return Response(SegmentSerializer(segment).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        segment = self.get_object()
        data = SegmentPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        segment = segment_update(segment=segment, actor=request.user, **data.validated_data)
        return Response(SegmentSerializer(segment).data)

    def destroy(self, request, *args, **kwargs):
        segment_delete(segment=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=gettext_lazy("How many customers you can see are in the segment"), responses=CountSerializer
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def count(self, request, pk=None):
        segment = self.get_object()
        return Response({"id": segment.pk, "count": segment_count(request.user, segment)})

    @extend_schema(
        summary=gettext_lazy("The segment's members you can see (cursor-paginated)"),
        responses=MemberSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=MemberPagination, filter_backends=[])
    def members(self, request, pk=None):
        segment = self.get_object()
        qs = segment_members(request.user, segment).order_by("pk")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(MemberSerializer(page, many=True).data)

    @extend_schema(
        summary=gettext_lazy("The fields, operators and choices a rule may use"),
        responses=FieldSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def fields(self, request):
        rows = [
            {
                "key": f.key,
                "label": str(f.label),
                "group": str(f.group),
                "type": f.type,
                "operators": {op: str(OP_LABELS[op]) for op in f.ops},
                "choices": {code: str(label) for code, label in f.choice_list()} if f.choices else None,
            }
            for f in FIELDS.values()
        ]
        return Response(FieldSerializer(rows, many=True).data)


def register(router) -> None:
    from tenure.interactions.api import CallListEntryViewSet, CallListViewSet

    router.register("segments", SegmentViewSet, basename="segment")
    router.register("call-lists", CallListViewSet, basename="call-list")
    router.register("call-list-entries", CallListEntryViewSet, basename="call-list-entry")
