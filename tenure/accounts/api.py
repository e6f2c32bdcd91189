"""/api/v1/staff/, /teams/ (administrators) and /tokens/ (each user's own API tokens)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.response import Response

from tenure.accounts import services
from tenure.accounts.models import ApiToken, Role, Team, User
from tenure.accounts.permissions import AdminPermission
from tenure.accounts.serializers import (
    StaffCreateSerializer,
    StaffSerializer,
    StaffUpdateSerializer,
    TeamInputSerializer,
    TeamSerializer,
    TokenCreatedSerializer,
    TokenInputSerializer,
    TokenSerializer,
)
from tenure.core.api import IsActiveStaff


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Staff members (administrators only)")),
    retrieve=extend_schema(summary=gettext_lazy("One staff member")),
    create=extend_schema(
        summary=gettext_lazy("Add a staff member"),
        request=StaffCreateSerializer,
        responses={201: StaffSerializer},
    ),
    update=extend_schema(
        summary=gettext_lazy("Change a staff member's role, teams, activity or details"),
        request=StaffUpdateSerializer,
        responses=StaffSerializer,
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("Change a staff member's role, teams, activity or details"),
        request=StaffUpdateSerializer,
        responses=StaffSerializer,
    ),
)
class StaffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = StaffSerializer
    permission_classes = [AdminPermission]
    queryset = User.objects.prefetch_related("teams")
    ordering_fields = ["id", "username", "date_joined"]
    ordering = ["id"]
    filterset_fields = ["role", "is_active"]
    lookup_value_regex = r"\d+"

    def create(self, request, *args, **kwargs):
        data = StaffCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        teams = [t.name for t in fields.pop("teams", [])]
        user = services.staff_create(actor=request.user, teams=teams, **fields)
        return Response(StaffSerializer(user).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        user = self.get_object()
        data = StaffUpdateSerializer(
            data=request.data, partial=kwargs.pop("partial", False), context={"user": user}
        )
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if user.pk == request.user.pk:
            if fields.get("is_active") is False:
                raise exceptions.ValidationError({"is_active": [_("You cannot deactivate yourself.")]})
            if "role" in fields and fields["role"] != Role.ADMIN and not user.is_superuser:
                raise exceptions.ValidationError(
                    {"role": [_("You cannot remove your own administrator role.")]}
                )
        user = services.staff_update(user=user, actor=request.user, **fields)
        return Response(StaffSerializer(User.objects.prefetch_related("teams").get(pk=user.pk)).data)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Teams (administrators only)")),
    retrieve=extend_schema(summary=gettext_lazy("One team")),
    create=extend_schema(
        summary=gettext_lazy("Create a team"), request=TeamInputSerializer, responses={201: TeamSerializer}
    ),
)
class TeamViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = TeamSerializer
    permission_classes = [AdminPermission]
    queryset = Team.objects.all()
    ordering_fields = ["id", "name"]
    ordering = ["id"]
    filterset_fields: list[str] = []
    lookup_value_regex = r"\d+"

    def create(self, request, *args, **kwargs):
        data = TeamInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        name = data.validated_data["name"].strip()
        if Team.objects.filter(name=name).exists():
            raise exceptions.ValidationError({"name": [_("A team with this name already exists.")]})
        team = services.team_get_or_create(name=name)
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Your API tokens")),
    retrieve=extend_schema(summary=gettext_lazy("One of your API tokens")),
    create=extend_schema(
        summary=gettext_lazy("Create an API token; its key is returned only this once"),
        request=TokenInputSerializer,
        responses={201: TokenCreatedSerializer},
    ),
    destroy=extend_schema(summary=gettext_lazy("Revoke one of your API tokens")),
)
class TokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TokenSerializer
    permission_classes = [IsActiveStaff]
    queryset = ApiToken.objects.none()
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    filterset_fields: list[str] = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = services.token_create(user=request.user, **data.validated_data)
        token.key = key
        return Response(TokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        if not instance.revoked:
            services.token_revoke(token=instance, actor=self.request.user)
