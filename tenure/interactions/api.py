"""/api/v1/interactions/: the touchpoint log over HTTP."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from tenure.core.api import visible_customers_q
from tenure.interactions.filters import InteractionFilter
from tenure.interactions.models import Interaction
from tenure.interactions.serializers import InteractionInputSerializer, InteractionSerializer
from tenure.interactions.services import interaction_log


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
