"""API plumbing shared by every domain: pagination, JSON errors, strict input, visibility helpers."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, pagination, permissions, serializers
from rest_framework.views import exception_handler as drf_exception_handler


class DefaultCursorPagination(pagination.CursorPagination):
    """Cursor pagination: stable under inserts, O(page) whatever the offset.

    `?page_size=` is capped at `max_page_size`; a cursor that cannot be decoded is a 400.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"
    invalid_cursor_message = gettext_lazy("Invalid cursor: use the `next` or `previous` link as given.")

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None


def exception_handler(exc, context):
    """DRF's handler, plus Django ValidationErrors from services as 400s with field messages.

    Every error body has a `detail` message; validation errors add `errors`: {field: [messages]}.
    """
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = exc.message_dict
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        # A service refusing the actor: 403 with the service's own (translated) reason.
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": _("Invalid input."), "errors": response.data}
    elif isinstance(response.data, list):
        response.data = {"detail": _("Invalid input."), "errors": {"non_field_errors": response.data}}
    return response


class StrictSerializerMixin:
    """Reject fields the serializer does not know, instead of silently ignoring them."""

    def to_internal_value(self, data):
        unknown: dict = {}
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = {name: [_("Unknown field.")] for name in sorted(set(data) - known)}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    pass


def visible_customers_q(user, prefix: str = "customer") -> Q:
    """A Q keeping rows whose customer `user` may see (no subquery when they see everyone)."""
    from tenure.customers.models import Customer

    visible = Customer.objects.visible_to(user)
    if not visible.query.where:
        return Q()
    return Q(**{f"{prefix}__in": visible.values("pk")})


def visible_customers(request):
    from tenure.customers.models import Customer

    return Customer.objects.visible_to(request.user)


@extend_schema_field(OpenApiTypes.INT)
class VisibleCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer id in a request body; another team's customer "does not exist" (a 400, no leak)."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("Customer {pk_value} does not exist."),
        "incorrect_type": gettext_lazy("A customer id must be a number, not {data_type}."),
    }

    def get_queryset(self):
        request = self.context.get("request")
        from tenure.customers.models import Customer

        if request is None:
            return Customer.objects.none()
        return Customer.objects.visible_to(request.user)

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, str) and not data.strip().isdigit()):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, int) and not (0 < data < 2**63):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class IsActiveStaff(permissions.BasePermission):
    """Any signed-in active staff member, analysts included (for their own tokens)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class ManagerWritePermission(permissions.BasePermission):
    """Staff read; managers and admins write."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return user.is_manager
