"""/api/v1/customers/, /contacts/, /addresses/: the customer 360 over HTTP.

Every queryset starts from Customer.objects.visible_to(request.user); writes call the services.
"""

import base64
import binascii
import json
from datetime import datetime

from django.conf import settings
from django.db.models import Q, prefetch_related_objects
from django.utils.dateparse import parse_datetime
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
    AuditEntrySerializer,
    ContactInputSerializer,
    ContactSerializer,
    CustomerInputSerializer,
    CustomerSerializer,
    CustomerSummarySerializer,
    MergeInputSerializer,
    PhoneLookupSerializer,
    TimelinePageSerializer,
    ValueSummarySerializer,
)
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
        items, more = timeline_page(customer, limit=limit, cursor=request.query_params.get("cursor"))
        next_url = None
        if more:
            last = items[-1]
            next_url = replace_query_param(
                request.build_absolute_uri(), "cursor", encode_timeline_cursor(last)
            )
        return Response({"next": next_url, "results": [timeline_item(i) for i in items]})

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
# Keyset pagination over two tables: items sort by (at, type, id) descending; the cursor is the
# last item's key, so each page is two indexed range scans of `limit + 1` rows.


def encode_timeline_cursor(item) -> str:
    key = [item["at"].isoformat(), item["type"], item["id"]]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def decode_timeline_cursor(raw: str) -> tuple[datetime, str, int]:
    try:
        at, kind, pk = json.loads(base64.urlsafe_b64decode(raw.encode()))
        when = parse_datetime(at)
        if when is None or kind not in ("interaction", "order") or not isinstance(pk, int):
            raise ValueError
        return when, kind, pk
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise exceptions.ValidationError(
            {"cursor": [_("Invalid cursor: use the `next` link as given.")]}
        ) from None


def _after(kind: str, field: str, cursor) -> Q:
    at, ckind, cid = cursor
    q = Q(**{f"{field}__lt": at})
    if kind < ckind:
        q |= Q(**{field: at})
    elif kind == ckind:
        q |= Q(**{field: at, "id__lt": cid})
    return q


def timeline_page(customer: Customer, *, limit: int, cursor: str | None = None):
    from tenure.commerce.models import Order
    from tenure.interactions.models import Interaction

    interactions = Interaction.objects.filter(customer=customer).select_related("handled_by")
    orders = Order.objects.filter(customer=customer)
    if cursor:
        key = decode_timeline_cursor(cursor)
        interactions = interactions.filter(_after("interaction", "occurred_at", key))
        orders = orders.filter(_after("order", "ordered_at", key))
    items = [
        {"type": "interaction", "id": i.pk, "at": i.occurred_at, "obj": i}
        for i in interactions.order_by("-occurred_at", "-id")[: limit + 1]
    ] + [
        {"type": "order", "id": o.pk, "at": o.ordered_at, "obj": o}
        for o in orders.order_by("-ordered_at", "-id")[: limit + 1]
    ]
    items.sort(key=lambda i: (i["at"], i["type"], i["id"]), reverse=True)
    return items[:limit], len(items) > limit


def timeline_item(item) -> dict:
    obj = item["obj"]
    staff = None
    if item["type"] == "interaction":
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


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Contact persons of the customers you can see")),
    retrieve=extend_schema(summary=gettext_lazy("One contact person")),
    create=extend_schema(
        summary=gettext_lazy("Add a contact person to a customer"),
        request=ContactInputSerializer,
        responses={201: ContactSerializer},
    ),
)
class ContactViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    queryset = Contact.objects.none()

    def get_queryset(self):
        return Contact.objects.filter(visible_customers_q(self.request.user))

    def create(self, request, *args, **kwargs):
        data = ContactInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        customer = fields.pop("customer")
        contact = services.contact_add(customer=customer, actor=request.user, **fields)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Addresses of the customers you can see")),
    retrieve=extend_schema(summary=gettext_lazy("One address")),
    create=extend_schema(
        summary=gettext_lazy("Add an address to a customer"),
        request=AddressInputSerializer,
        responses={201: AddressSerializer},
    ),
)
class AddressViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = AddressSerializer
    filterset_class = AddressFilter
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    queryset = Address.objects.none()

    def get_queryset(self):
        return Address.objects.filter(visible_customers_q(self.request.user))

    def create(self, request, *args, **kwargs):
        data = AddressInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        customer = fields.pop("customer")
        address = services.address_add(customer=customer, actor=request.user, **fields)
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)
