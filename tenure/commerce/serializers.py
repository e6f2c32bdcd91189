"""API input and output shapes for products and orders."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tenure.commerce.models import Order, OrderLine, Product
from tenure.core.api import StrictSerializer, VisibleCustomerField

MAX_LINES = 1000
MAX_AMOUNT = Decimal(10) ** 13  # order totals are numeric(16, 2)


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "category",
            "price",
            "cost",
            "currency",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProductInputSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=255)
    category = serializers.CharField(max_length=100, required=False, allow_blank=True)
    price = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=Decimal("0")
    )
    cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=Decimal("0")
    )
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, help_text=_("ISO 4217 code."))
    active = serializers.BooleanField(required=False)


class OrderLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    margin = serializers.DecimalField(max_digits=16, decimal_places=4, read_only=True, allow_null=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "product",
            "sku",
            "product_name",
            "quantity",
            "unit_price",
            "unit_cost",
            "amount",
            "margin",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(source="customer_id", read_only=True)
    margin = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "customer",
            "ordered_at",
            "channel",
            "currency",
            "total",
            "total_cost",
            "margin",
            "line_count",
            "is_return",
            "lines",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LineInputSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=64)
    product_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=3, help_text=_("Negative for a returned item.")
    )
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=4, min_value=Decimal("0"))
    unit_cost = serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, allow_null=True, min_value=Decimal("0")
    )

    def validate_quantity(self, value):
        if value == 0:
            raise serializers.ValidationError(_("Quantity cannot be zero."))
        return value

    def validate(self, attrs):
        if abs(attrs["quantity"] * attrs["unit_price"]) >= MAX_AMOUNT:
            raise serializers.ValidationError({"unit_price": [_("The line amount is too large.")]})
        return attrs


class OrderInputSerializer(StrictSerializer):
    customer = VisibleCustomerField()
    number = serializers.CharField(max_length=64)
    ordered_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=Order.Channel.choices, required=False)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, help_text=_("ISO 4217 code."))
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)

    def validate_lines(self, lines):
        if abs(sum(line["quantity"] * line["unit_price"] for line in lines)) >= MAX_AMOUNT:
            raise serializers.ValidationError(_("The order total is too large."))
        return lines
