"""/api/v1/customers/, /contacts/, /addresses/: the customer 360 over HTTP.

Every queryset starts from Customer.objects.visible_to(request.user); writes call the services.
"""

import base64

from django.conf import settings
from django.db.models import Q, prefetch_related_objects
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from tenure.accounts.models import AuditEntry
from tenure.accounts.permissions import AdminPermission, StaffPermission
from tenure.core.api import DefaultCursorPagination, visible_customers_q
from tenure.customers import services
from tenure.customers.filters import AddressFilter, ContactFilter, CustomerFilter
from tenure.customers.models import Address, Contact, Customer
from tenure.customers.selectors import duplicate_candidates, value_summary
from tenure.customers.serializers import (
    AddressInputSerializer,
    AddressSerializer,
    AddressUpdateSerializer,
    AuditEntrySerializer,
    ContactInputSerializer,
    ContactSerializer,
    ContactUpdateSerializer,
    CustomerInputSerializer,
    CustomerSerializer,
    CustomerSummarySerializer,
    MergeInputSerializer,
    PhoneLookupSerializer,
    TimelinePageSerializer,
    ValueSummarySerializer,
)
from tenure.interactions.selectors import Cursor, Entry, timeline
from tenure.lib.phone import lookup_candidates, phone_digits

LOOKUP_LIMIT = 20
TIMELINE_PAGE = 50
TIMELINE_MAX = 200


class FixedOrderCursorPagination(DefaultCursorPagination):
    """Cursor pagination that ignores `?ordering=` (for sub-lists like a customer's history)."""

    def get_ordering(self, request, queryset, view):
        return (self.ordering,) if isinstance(self.ordering, str) else tuple(self.ordering)


def _int_param(request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise exceptions.ValidationError({name: [_("A whole number is required.")]}) from None
    if value < 1:
        raise exceptions.ValidationError({name: [_("Must be at least 1.")]})
    return min(value, maximum)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("List the customers you can see")),
    retrieve=extend_schema(
        summary=gettext_lazy("One customer with contacts, addresses, tags and preferences")
    ),
    create=extend_schema(
        summary=gettext_lazy("Create a customer"),
        request=CustomerInputSerializer,
        responses={201: CustomerSerializer},
    ),
    update=extend_schema(
        summary=gettext_lazy("Update a customer (fields not sent are left unchanged)"),
        request=CustomerInputSerializer,
        responses=CustomerSerializer,
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("Change some fields of a customer"),
        request=CustomerInputSerializer,
        responses=CustomerSerializer,
    ),
    destroy=extend_schema(summary=gettext_lazy("Delete a customer (administrators only)")),
)
class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["id", "name", "created_at", "updated_at"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    queryset = Customer.objects.none()  # for the schema; get_queryset is the real door

    def get_queryset(self):
        qs = Customer.objects.visible_to(self.request.user).select_related("owner", "representative", "team")
        if self.action in ("list", "retrieve", "create", "update", "partial_update"):
            qs = qs.prefetch_related("contacts", "addresses", "tags")
        return qs

    def get_permissions(self):
        if self.action == "destroy":
            return [AdminPermission()]
        return [StaffPermission()]

    def _read(self, customer: Customer) -> Customer:
        """The customer as written, with its relations; it may have just left the user's sight (handed
        to another team or owner), in which case the writer still gets what they wrote, once."""
        row = (
            self.get_queryset()
            .prefetch_related("contacts", "addresses", "tags")
            .filter(pk=customer.pk)
            .first()
        )
        if row is None:
            prefetch_related_objects([customer], "contacts", "addresses", "tags")
            row = customer
        return row

    def create(self, request, *args, **kwargs):
        data = CustomerInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        customer = services.customer_create(actor=request.user, **data.validated_data)
        out = CustomerSerializer(self._read(customer), context=self.get_serializer_context())
        return Response(out.data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        customer = self.get_object()
        context = {**self.get_serializer_context(), "instance": customer}
        data = CustomerInputSerializer(data=request.data, partial=partial, context=context)
        data.is_valid(raise_exception=True)
        customer = services.customer_update(customer=customer, actor=request.user, **data.validated_data)
        return Response(CustomerSerializer(self._read(customer), context=context).data)

    def perform_destroy(self, instance):
        services.customer_delete(customer=instance, actor=self.request.user)

    @extend_schema(
        summary=gettext_lazy("Merge a duplicate into this customer"),
        description=gettext_lazy(
            "Every order, interaction, contact, address, tag and history entry of `drop` moves to this "
            "customer; empty fields are filled from `drop`; `drop` is deleted. Both must be visible to you."
        ),
        request=MergeInputSerializer,
        responses=CustomerSerializer,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        keep = self.get_object()
        data = MergeInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        keep = services.customer_merge(keep=keep, drop=data.validated_data["drop"], actor=request.user)
        return Response(CustomerSerializer(self._read(keep), context=self.get_serializer_context()).data)

    @extend_schema(
        summary=gettext_lazy("Likely duplicates of this customer"),
        description=gettext_lazy(
            "Visible customers with the same phone or email, or the same name (at most 10)."
        ),
        responses=CustomerSummarySerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def duplicates(self, request, pk=None):
        customer = self.get_object()
        rows = duplicate_candidates(request.user, customer)
        return Response(CustomerSummarySerializer(rows, many=True).data)

    @extend_schema(
        summary=gettext_lazy("Value summary: lifetime revenue and margin, orders, first and last purchase"),
        responses=ValueSummarySerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def summary(self, request, pk=None):
        customer = self.get_object()
        return Response(ValueSummarySerializer(value_summary(customer)).data)

    @extend_schema(
        summary=gettext_lazy("Audit history of this customer, newest first"),
        responses=AuditEntrySerializer(many=True),
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=FixedOrderCursorPagination,
        filter_backends=[],
    )
    def history(self, request, pk=None):
        customer = self.get_object()
        qs = AuditEntry.objects.filter(customer=customer).select_related("actor")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(AuditEntrySerializer(page, many=True).data)

    @extend_schema(
        summary=gettext_lazy("Timeline of interactions and orders, newest first"),
        parameters=[
            OpenApiParameter(
                "cursor", OpenApiTypes.STR, description=gettext_lazy("The `next` value of the previous page.")
            ),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description=gettext_lazy("Items per page (default 50, at most 200)."),
            ),
        ],
        responses=TimelinePageSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None):
        customer = self.get_object()
        limit = _int_param(request, "page_size", TIMELINE_PAGE, TIMELINE_MAX)
        before = decode_timeline_cursor(request.query_params.get("cursor"))
        entries, next_cursor = timeline(customer, before=before, limit=limit)
        next_url = None
        if next_cursor is not None:
            next_url = replace_query_param(
                request.build_absolute_uri(), "cursor", encode_timeline_cursor(next_cursor)
            )
        return Response({"next": next_url, "results": [timeline_item(e) for e in entries]})

    @extend_schema(
        summary=gettext_lazy("Phone look-up for screen pop"),
        description=gettext_lazy(
            "The visible customers whose mobile or phone, or one of whose contacts' mobile, is the given "
            "number (any format, normalised to E.164). When nothing matches exactly, a partial number is "
            "searched in the search index. At most 20 results."
        ),
        parameters=[
            OpenApiParameter(
                "phone",
                OpenApiTypes.STR,
                required=True,
                description=gettext_lazy("Caller number, any format."),
            )
        ],
        responses=PhoneLookupSerializer,
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def lookup(self, request):
        raw = (request.query_params.get("phone") or "").strip()
        if len(phone_digits(raw)) < 3:
            raise exceptions.ValidationError({"phone": [_("Give at least three digits of a phone number.")]})
        candidates = lookup_candidates(raw, settings.TENURE_PHONE_REGION)
        visible = Customer.objects.visible_to(request.user).order_by("-id")
        rows: list[Customer] = []
        exact = False
        if candidates:
            rows = list(visible.filter(Q(mobile__in=candidates) | Q(phone__in=candidates))[:LOOKUP_LIMIT])
            seen = {c.pk for c in rows}
            if len(rows) < LOOKUP_LIMIT:
                via_contacts = visible.filter(
                    pk__in=Contact.objects.filter(mobile__in=candidates).values("customer_id")
                ).exclude(pk__in=seen)
                rows += list(via_contacts[: LOOKUP_LIMIT - len(rows)])
            exact = bool(rows)
        if not rows:
            rows = list(visible.search(raw)[:LOOKUP_LIMIT])
        return Response(
            {
                "phone": raw,
                "normalized": candidates[0] if candidates else "",
                "exact": exact,
                "results": CustomerSummarySerializer(rows, many=True).data,
            }
        )


# --- Timeline ---------------------------------------------------------------------------------
# The page is tenure.interactions.selectors.timeline (the one the customer page uses); the API wraps
# its cursor in URL-safe base64 so clients treat it as opaque.


def encode_timeline_cursor(cursor: Cursor) -> str:
    return base64.urlsafe_b64encode(cursor.encode().encode()).decode().rstrip("=")


def decode_timeline_cursor(raw: str | None) -> Cursor | None:
    """The selector's cursor from `?cursor=`, None for the first page; anything else is a 400."""
    if not raw:
        return None
    try:
        text = base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeError):  # binascii.Error is a ValueError
        text = ""
    cursor = Cursor.decode(text)
    if cursor is None:
        raise exceptions.ValidationError({"cursor": [_("Invalid cursor: use the `next` link as given.")]})
    return cursor


def timeline_item(entry: Entry) -> dict:
    obj = entry.obj
    staff = None
    if entry.kind == "interaction":
        if obj.handled_by is not None:
            staff = {
                "id": obj.handled_by.pk,
                "username": obj.handled_by.username,
                "display_name": obj.handled_by.display_name,
            }
        return {
            "type": "interaction",
            "id": obj.pk,
            "at": obj.occurred_at,
            "title": obj.purpose or obj.get_kind_display(),
            "detail": obj.memo,
            "kind": obj.kind,
            "amount": None,
            "currency": "",
            "handled_by": staff,
        }
    return {
        "type": "order",
        "id": obj.pk,
        "at": obj.ordered_at,
        "title": obj.number,
        "detail": ngettext("%(count)s line", "%(count)s lines", obj.line_count) % {"count": obj.line_count},
        "kind": obj.channel,
        "amount": str(obj.total),
        "currency": obj.currency,
        "handled_by": None,
    }


# --- Contacts and addresses -------------------------------------------------------------------


CONTACT_UPDATE_NOTE = gettext_lazy(
    "Phones are stored as E.164; the customer's search index follows a new name, mobile or email. "
    "A contact stays with its customer: a different `customer` is a 400."
)
ADDRESS_UPDATE_NOTE = gettext_lazy("An address stays with its customer: a different `customer` is a 400.")


# A contact or an address, reached through its customer's visibility; every write is a service call.
# (A comment, not a docstring: drf-spectacular would publish a docstring as each operation's description.)
class _CustomerPartViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_regex = r"\d+"
    ordering = ["-id"]
    input_serializer: type
    update_serializer: type

    def get_queryset(self):
        qs = self.queryset.model.objects.filter(visible_customers_q(self.request.user))
        if self.action in ("update", "partial_update", "destroy"):
            qs = qs.select_related("customer")  # the services audit against it
        return qs

    def add(self, *, customer: Customer, actor, **fields):
        raise NotImplementedError

    def change(self, instance, *, actor, **fields):
        raise NotImplementedError

    def remove(self, instance, *, actor) -> None:
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        data = self.input_serializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        customer = fields.pop("customer")
        row = self.add(customer=customer, actor=request.user, **fields)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        context = {**self.get_serializer_context(), "instance": instance}
        data = self.update_serializer(data=request.data, partial=partial, context=context)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("customer", None)  # the same customer: nothing to change
        row = self.change(instance, actor=request.user, **fields)
        return Response(self.get_serializer(row).data)

    def perform_destroy(self, instance):
        self.remove(instance, actor=self.request.user)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Contact persons of the customers you can see")),
    retrieve=extend_schema(summary=gettext_lazy("One contact person")),
    create=extend_schema(
        summary=gettext_lazy("Add a contact person to a customer"),
        request=ContactInputSerializer,
        responses={201: ContactSerializer},
    ),
    update=extend_schema(
        summary=gettext_lazy("Update a contact person (fields not sent are left unchanged)"),
        description=CONTACT_UPDATE_NOTE,
        request=ContactUpdateSerializer,
        responses=ContactSerializer,
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("Change some fields of a contact person"),
        description=CONTACT_UPDATE_NOTE,
        request=ContactUpdateSerializer,
        responses=ContactSerializer,
    ),
    destroy=extend_schema(summary=gettext_lazy("Remove a contact person")),
)
class ContactViewSet(_CustomerPartViewSet):
    serializer_class = ContactSerializer
    input_serializer = ContactInputSerializer
    update_serializer = ContactUpdateSerializer
    filterset_class = ContactFilter
    ordering_fields = ["id", "name", "created_at"]
    queryset = Contact.objects.none()  # for the schema; get_queryset is the real door

    def add(self, *, customer, actor, **fields):
        return services.contact_add(customer=customer, actor=actor, **fields)

    def change(self, instance, *, actor, **fields):
        return services.contact_update(contact=instance, actor=actor, **fields)

    def remove(self, instance, *, actor):
        services.contact_remove(contact=instance, actor=actor)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Addresses of the customers you can see")),
    retrieve=extend_schema(summary=gettext_lazy("One address")),
    create=extend_schema(
        summary=gettext_lazy("Add an address to a customer"),
        request=AddressInputSerializer,
        responses={201: AddressSerializer},
    ),
    update=extend_schema(
        summary=gettext_lazy("Update an address (fields not sent are left unchanged)"),
        description=ADDRESS_UPDATE_NOTE,
        request=AddressUpdateSerializer,
        responses=AddressSerializer,
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("Change some fields of an address"),
        description=ADDRESS_UPDATE_NOTE,
        request=AddressUpdateSerializer,
        responses=AddressSerializer,
    ),
    destroy=extend_schema(summary=gettext_lazy("Remove an address")),
)
class AddressViewSet(_CustomerPartViewSet):
    serializer_class = AddressSerializer
    input_serializer = AddressInputSerializer
    update_serializer = AddressUpdateSerializer
    filterset_class = AddressFilter
    ordering_fields = ["id", "created_at"]
    queryset = Address.objects.none()  # for the schema; get_queryset is the real door

    def add(self, *, customer, actor, **fields):
        return services.address_add(customer=customer, actor=actor, **fields)

    def change(self, instance, *, actor, **fields):
        return services.address_update(address=instance, actor=actor, **fields)

    def remove(self, instance, *, actor):
        services.address_remove(address=instance, actor=actor)
