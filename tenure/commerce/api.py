"""/api/v1/products/ and /api/v1/orders/: the purchase history over HTTP."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from tenure.commerce import services
from tenure.commerce.filters import OrderFilter, ProductFilter
from tenure.commerce.models import Order, OrderLine, Product
from tenure.commerce.serializers import (
    OrderInputSerializer,
    OrderSerializer,
    ProductInputSerializer,
    ProductSerializer,
)
from tenure.core.api import ManagerWritePermission, visible_customers_q


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Products")),
    retrieve=extend_schema(summary=gettext_lazy("One product")),
    create=extend_schema(
        summary=gettext_lazy("Create a product (managers and administrators)"),
        request=ProductInputSerializer,
        responses={201: ProductSerializer},
    ),
    update=extend_schema(
        summary=gettext_lazy("Update a product (managers and administrators)"),
        request=ProductInputSerializer,
        responses=ProductSerializer,
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("Change some fields of a product (managers and administrators)"),
        request=ProductInputSerializer,
        responses=ProductSerializer,
    ),
)
class ProductViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ["id", "sku", "name", "created_at"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    permission_classes = [ManagerWritePermission]
    queryset = Product.objects.all()

    def create(self, request, *args, **kwargs):
        data = ProductInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_create(actor=request.user, **data.validated_data)
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        product = self.get_object()
        data = ProductInputSerializer(data=request.data, partial=kwargs.pop("partial", False))
        data.is_valid(raise_exception=True)
        product = services.product_update(product=product, actor=request.user, **data.validated_data)
        return Response(ProductSerializer(product).data)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Orders of the customers you can see, last recorded first")),
    retrieve=extend_schema(summary=gettext_lazy("One order with its lines")),
    create=extend_schema(
        summary=gettext_lazy("Record an order with its lines"),
        request=OrderInputSerializer,
        responses={201: OrderSerializer},
    ),
)
class OrderViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["id", "ordered_at", "total", "created_at"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    queryset = Order.objects.none()

    def get_queryset(self):
        lines = OrderLine.objects.select_related("product").order_by("id")
        return Order.objects.filter(visible_customers_q(self.request.user)).prefetch_related(
            Prefetch("lines", queryset=lines)
        )

    def create(self, request, *args, **kwargs):
        data = OrderInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        lines = [services.LineInput(**line) for line in fields.pop("lines")]
        order = services.order_create(actor=request.user, lines=lines, **fields)
        return Response(
            OrderSerializer(self.get_queryset().get(pk=order.pk)).data, status=status.HTTP_201_CREATED
        )
