"""Products, orders and order lines: the purchase history every value analysis stands on."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenure.core.models import TimeStamped


class Product(TimeStamped):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    category = models.CharField(_("category"), max_length=100, blank=True)
    price = models.DecimalField(_("list price"), max_digits=14, decimal_places=2, null=True, blank=True)
    cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default=settings.TENURE_CURRENCY)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class Order(TimeStamped):
    class Channel(models.TextChoices):
        STORE = "store", _("Store")
        ONLINE = "online", _("Online")
        PHONE = "phone", _("Phone")
        DEALER = "dealer", _("Dealer")
        OTHER = "other", _("Other")

    number = models.CharField(_("order number"), max_length=64, unique=True)
    # No index of its own: order_cust_date_idx (customer, ordered_at) serves every look-up by
    # customer, and a second index keyed by customer cost every import a random page write per order.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="orders",
        verbose_name=_("customer"),
        db_index=False,
    )
    ordered_at = models.DateTimeField(_("date"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.OTHER)
    currency = models.CharField(_("currency"), max_length=3, default=settings.TENURE_CURRENCY)
    # Totals are kept on the order by the services that write its lines, so value analysis reads
    # one row per order instead of every line.
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2, default=Decimal("0"))
    total_cost = models.DecimalField(_("cost"), max_digits=16, decimal_places=2, default=Decimal("0"))
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    is_return = models.BooleanField(_("return"), default=False)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [models.Index(fields=["customer", "ordered_at"], name="order_cust_date_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def margin(self) -> Decimal:
        return self.total - self.total_cost


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"

    @property
    def margin(self) -> Decimal | None:
        if self.unit_cost is None:
            return None
        return (self.unit_price - self.unit_cost) * self.quantity
