"""A small hand-computed dataset: five buyers and one customer without orders, as of 2025-07-01.

Orders are at 04:00 UTC (noon in Asia/Shanghai) so local dates are unambiguous.

| customer | orders (total / cost)                                         | net revenue | margin |
|----------|---------------------------------------------------------------|-------------|--------|
| A        | 2025-01-10 500/300, 2025-03-10 300/200, 2025-06-20 200/100     | 1000        | 400    |
| B        | 2024-05-01 400/200, 2025-02-01 200/100, return 2025-02-05 -50/-25 | 550      | 275    |
| C        | 2025-06-01 250/150                                             | 250         | 100    |
| D        | 2024-12-01 150/100, 2025-01-01 50/40                           | 200         | 60     |
| E        | 2024-08-01 100/90                                              | 100         | 10     |
| F        | none                                                           | 0           | 0      |
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tenure.factories import CustomerFactory, InteractionFactory, OrderFactory
from tenure.interactions.models import Interaction

AS_OF = datetime(2025, 7, 1, tzinfo=UTC)


def at(y, m, d, h=4):
    return datetime(y, m, d, h, tzinfo=UTC)


def order(customer, when, total, cost, is_return=False):
    return OrderFactory(
        customer=customer,
        ordered_at=when,
        total=Decimal(str(total)),
        total_cost=Decimal(str(cost)),
        is_return=is_return,
    )


@pytest.fixture
def shop(db):
    c = {k: CustomerFactory(name=k) for k in "ABCDEF"}
    order(c["A"], at(2025, 1, 10), 500, 300)
    order(c["A"], at(2025, 3, 10), 300, 200)
    order(c["A"], at(2025, 6, 20), 200, 100)
    order(c["B"], at(2024, 5, 1), 400, 200)
    order(c["B"], at(2025, 2, 1), 200, 100)
    order(c["B"], at(2025, 2, 5), -50, -25, is_return=True)
    order(c["C"], at(2025, 6, 1), 250, 150)
    order(c["D"], at(2024, 12, 1), 150, 100)
    order(c["D"], at(2025, 1, 1), 50, 40)
    order(c["E"], at(2024, 8, 1), 100, 90)
    order(c["E"], at(2025, 8, 1), 999, 0)  # after AS_OF: ignored by a recompute as of AS_OF
    kinds = Interaction.Kind
    InteractionFactory(customer=c["A"], kind=kinds.COMPLAINT, occurred_at=at(2025, 3, 1))
    InteractionFactory(customer=c["A"], kind=kinds.COMPLAINT, occurred_at=at(2024, 6, 1))
    InteractionFactory(customer=c["A"], kind=kinds.CALL, occurred_at=at(2025, 6, 25))
    InteractionFactory(customer=c["C"], kind=kinds.CALL, occurred_at=at(2025, 8, 1))
    c["B"].referred_by = c["A"]
    c["B"].save(update_fields=["referred_by"])
    c["C"].referred_by = c["A"]
    c["C"].save(update_fields=["referred_by"])
    return c
