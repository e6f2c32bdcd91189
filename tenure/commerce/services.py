"""Writes for products and orders. Order totals are kept in step with their lines here."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tenure.accounts import audit
from tenure.accounts.models import AuditEntry, User
from tenure.commerce.models import Order, OrderLine, Product
from tenure.customers.models import Customer

CENT = Decimal("0.01")


@dataclass
class LineInput:
    sku: str
    quantity: Decimal
    unit_price: Decimal
    product_name: str = ""
    unit_cost: Decimal | None = None


def to_decimal(value, field: str) -> Decimal:
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("“%(value)s” is not a number.") % {"value": value}}) from None
    if not result.is_finite():
        raise ValidationError({field: _("“%(value)s” is not a number.") % {"value": value}})
    return result


def validate_line(line: LineInput) -> None:
    if not line.sku.strip():
        raise ValidationError({"sku": _("A line needs a SKU.")})
    if line.quantity == 0:
        raise ValidationError({"quantity": _("Quantity cannot be zero.")})
    if line.unit_price < 0:
        raise ValidationError({"unit_price": _("Unit price cannot be negative.")})
    if line.unit_cost is not None and line.unit_cost < 0:
        raise ValidationError({"cost": _("Cost cannot be negative.")})


def product_get_or_create(*, sku: str, name: str = "", price: Decimal | None = None, cost=None) -> Product:
    product = Product.objects.filter(sku=sku).first()
    if product is None:
        # A line's unit cost may carry 4 decimals; the product's list cost keeps cents.
        price = price.quantize(CENT) if isinstance(price, Decimal) else price
        cost = cost.quantize(CENT) if isinstance(cost, Decimal) else cost
        product = Product(sku=sku, name=name or sku, price=price, cost=cost)
        product.full_clean()
        product.save()
    return product


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return (quantity * unit_price).quantize(CENT)


def totals(lines: list[OrderLine]) -> tuple[Decimal, Decimal]:
    total = sum((ln.amount for ln in lines), Decimal("0"))
    cost = sum(((ln.unit_cost or 0) * ln.quantity for ln in lines), Decimal("0")).quantize(CENT)
    return total, cost


@transaction.atomic
def order_create(
    *,
    customer: Customer,
    number: str,
    ordered_at: datetime,
    lines: list[LineInput],
    channel: str = Order.Channel.OTHER,
    currency: str | None = None,
    actor: User | None = None,
) -> Order:
    if not lines:
        raise ValidationError({"lines": _("An order needs at least one line.")})
    for line in lines:
        validate_line(line)
    order = Order(customer=customer, number=number.strip(), ordered_at=ordered_at, channel=channel)
    if currency:
        order.currency = currency.upper()
    order.full_clean()
    order.save()
    objs = []
    for line in lines:
        product = product_get_or_create(sku=line.sku.strip(), name=line.product_name, cost=line.unit_cost)
        unit_cost = line.unit_cost if line.unit_cost is not None else product.cost
        objs.append(
            OrderLine(
                order=order,
                product=product,
                quantity=line.quantity,
                unit_price=line.unit_price,
                unit_cost=unit_cost,
                amount=line_amount(line.quantity, line.unit_price),
            )
        )
    OrderLine.objects.bulk_create(objs)
    order.total, order.total_cost = totals(objs)
    order.line_count = len(objs)
    order.is_return = order.total < 0
    order.save(update_fields=["total", "total_cost", "line_count", "is_return"])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=order,
        customer=customer,
        summary=f"order {order.number} {order.total} {order.currency}",
    )
    return order


PRODUCT_FIELDS = {"sku", "name", "category", "price", "cost", "currency", "active"}


@transaction.atomic
def product_create(*, actor: User | None, **fields) -> Product:
    unknown = set(fields) - PRODUCT_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    fields["sku"] = (fields.get("sku") or "").strip()
    if fields.get("currency"):
        fields["currency"] = fields["currency"].upper()
    product = Product(**fields)
    product.full_clean()
    product.save()
    audit.record(actor=actor, action=AuditEntry.Action.CREATE, instance=product, summary=str(product))
    return product


@transaction.atomic
def product_update(*, product: Product, actor: User | None, **fields) -> Product:
    unknown = set(fields) - PRODUCT_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    if "sku" in fields:
        fields["sku"] = (fields["sku"] or "").strip()
    if fields.get("currency"):
        fields["currency"] = fields["currency"].upper()
    before = audit.snapshot(product)
    for name, value in fields.items():
        setattr(product, name, value)
    product.full_clean()
    product.save()
    changes = audit.diff(before, audit.snapshot(product))
    if changes:
        audit.record(actor=actor, action=AuditEntry.Action.UPDATE, instance=product, changes=changes)
    return product
