"""factory_boy factories for tests and benchmarks."""

from decimal import Decimal

import factory
from django.utils import timezone

from tenure.accounts.models import Role, Team, User
from tenure.commerce.models import Order, OrderLine, Product
from tenure.customers.models import Customer
from tenure.interactions.models import Interaction


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.AGENT
    language = "en"


class CustomerFactory(factory.django.DjangoModelFactory):
    """Bulk test data; note it bypasses services, so call search.reindex() if a test searches."""

    class Meta:
        model = Customer

    name = factory.Faker("name", locale="zh_CN")
    mobile = factory.Sequence(lambda n: f"+86139{n:08d}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    price = Decimal("10.00")
    cost = Decimal("6.00")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"SO-{n:07d}")
    customer = factory.SubFactory(CustomerFactory)
    ordered_at = factory.LazyFunction(timezone.now)
    total = Decimal("100.00")
    total_cost = Decimal("60.00")
    line_count = 1


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = Decimal("1")
    unit_price = Decimal("100.00")
    unit_cost = Decimal("60.00")
    amount = Decimal("100.00")


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    customer = factory.SubFactory(CustomerFactory)
    kind = Interaction.Kind.CALL
    purpose = "Follow-up"
    memo = factory.Faker("sentence")
