from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tenure.accounts.models import AuditEntry
from tenure.commerce.models import Order
from tenure.commerce.services import LineInput, order_create
from tenure.customers.models import Customer
from tenure.customers.services import customer_create, customer_merge, customer_update
from tenure.interactions.models import Interaction
from tenure.interactions.services import interaction_log


def test_create_normalises_phone_and_email_and_sets_owner_team(agent):
    c = customer_create(actor=agent, name=" 王芳 ", mobile="138-0013-8000", email="Wang.Fang@Example.COM")
    assert c.name == "王芳"
    assert c.mobile == "+8613800138000"
    assert c.email == "wang.fang@example.com"
    assert c.owner == agent
    assert c.team.name == "Team A"


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"name": ""}, "name"),
        ({"name": "x", "mobile": "12"}, "mobile"),
        ({"name": "x", "email": "nope"}, "email"),
    ],
)
def test_create_rejects_bad_input_and_writes_nothing(agent, fields, field):
    with pytest.raises(ValidationError) as exc:
        customer_create(actor=agent, **fields)
    assert field in exc.value.message_dict
    assert Customer.objects.count() == 0


def test_every_change_is_audited_with_before_and_after(customer, agent):
    customer_update(customer=customer, actor=agent, email="new@example.com", tags=["VIP"])
    entry = AuditEntry.objects.filter(customer=customer, action="update").get()
    assert entry.actor == agent
    assert entry.changes["email"] == ["zhang.wei@example.com", "new@example.com"]
    assert entry.changes["tags"] == [[], ["VIP"]]


def test_merge_keeps_every_order_interaction_and_history(customer, agent):
    other = customer_create(
        actor=agent, name="张伟", email="zw2@example.com", external_id="E-2", notes="likes tea"
    )
    order_create(
        customer=other,
        number="SO-1",
        ordered_at=timezone.now(),
        lines=[LineInput(sku="A", quantity=Decimal(2), unit_price=Decimal("9.50"), unit_cost=Decimal(5))],
    )
    interaction_log(customer=other, actor=agent, purpose="asked about price")
    kept = customer_merge(keep=customer, drop=other, actor=agent)
    assert not Customer.objects.filter(pk=other.pk).exists()
    assert Order.objects.get(number="SO-1").customer == kept
    assert Interaction.objects.filter(customer=kept).count() == 1
    assert kept.notes == "likes tea" and kept.external_id == "E-2"
    assert kept.email == "zhang.wei@example.com"
    history = AuditEntry.objects.filter(customer=kept)
    assert history.filter(action="merge").exists()
    assert history.filter(summary__startswith="order SO-1").exists()


def test_cannot_merge_with_itself(customer, agent):
    with pytest.raises(ValidationError):
        customer_merge(keep=customer, drop=customer, actor=agent)


def test_order_totals_and_returns(customer, agent):
    order = order_create(
        customer=customer,
        number="SO-9",
        ordered_at=timezone.now(),
        lines=[
            LineInput(sku="A", quantity=Decimal(3), unit_price=Decimal("10"), unit_cost=Decimal("4")),
            LineInput(sku="B", quantity=Decimal(-1), unit_price=Decimal("10"), unit_cost=Decimal("4")),
        ],
    )
    assert order.total == Decimal("20.00") and order.total_cost == Decimal("8.00") and order.line_count == 2
    assert not order.is_return


def _orphan_entries() -> list:
    from tenure.customers.models import SearchDoc

    return list(
        SearchDoc.objects.exclude(customer_id__in=Customer.objects.values("pk")).values_list(
            "customer_id", flat=True
        )
    )


def test_deleting_and_merging_customers_leaves_no_orphan_search_entries(customer, agent):
    """SearchDoc.customer has no database constraint: Django's collector must remove the entries (and,
    on SQLite, the delete trigger their FTS5 postings)."""
    from tenure.customers.models import SearchDoc
    from tenure.customers.search import matching_ids
    from tenure.customers.services import customer_delete

    others = [
        customer_create(actor=agent, name=name, mobile=mobile, email=f"c{i}@example.com", external_id=f"E{i}")
        for i, (name, mobile) in enumerate(
            [("李娜", "139 0000 1111"), ("王芳", "137 0000 2222"), ("赵强", "136 0000 3333"), ("周杰", "")]
        )
    ]
    ids = [c.pk for c in others]
    assert SearchDoc.objects.filter(customer_id__in=ids).count() == 4
    assert set(matching_ids(["example.com"], 100)) >= set(ids)

    customer_merge(keep=customer, drop=others[0], actor=agent)  # the dropped one is deleted
    assert not SearchDoc.objects.filter(customer_id=ids[0]).exists()
    assert "e0" in SearchDoc.objects.get(customer_id=customer.pk).doc  # its external id
    customer_delete(customer=others[1], actor=agent)  # one instance
    assert not SearchDoc.objects.filter(customer_id=ids[1]).exists()
    Customer.objects.filter(pk__in=ids[2:]).delete()  # a queryset
    assert not SearchDoc.objects.filter(customer_id__in=ids).exists()
    assert _orphan_entries() == []
    assert SearchDoc.objects.filter(customer_id=customer.pk).exists()
    assert set(matching_ids(["example.com"], 100)) & set(ids) == set()
    assert matching_ids(["e0"], 100) == [customer.pk]
