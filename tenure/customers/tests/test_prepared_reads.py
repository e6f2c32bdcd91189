"""The customer page's compiled reads (tenure.lib.prepared) return what the ORM returns."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Max, Min, Q, Sum
from django.test.utils import CaptureQueriesContext

from tenure import factories
from tenure.commerce.models import Order
from tenure.customers.models import Customer, Tag
from tenure.customers.selectors import addresses_of, contacts_of, referrals_count, tags_of, value_summary
from tenure.customers.services import address_add, contact_add, customer_create
from tenure.lib.prepared import Prepared


def _orm_totals(customer):
    return Order.objects.filter(customer=customer).aggregate(
        revenue=Sum("total"),
        cost=Sum("total_cost"),
        orders=Count("id", filter=Q(is_return=False)),
        returns=Count("id", filter=Q(is_return=True)),
        first=Min("ordered_at"),
        last=Max("ordered_at"),
    )


def _same_rows(mine, theirs):
    assert [type(r) for r in mine] == [type(r) for r in theirs]
    for a, b in zip(mine, theirs, strict=True):
        for field in type(b)._meta.concrete_fields:
            assert getattr(a, field.attname) == getattr(b, field.attname), field.name
            assert type(getattr(a, field.attname)) is type(getattr(b, field.attname)), field.name
        assert not a._state.adding and a._state.db == b._state.db


def test_empty_customer(agent):
    lone = customer_create(actor=agent, name="Lone")
    assert contacts_of(lone) == [] and addresses_of(lone) == [] and tags_of(lone) == []
    assert referrals_count(lone) == 0
    summary = value_summary(lone)
    orm = _orm_totals(lone)
    assert {k: summary[k] for k in ("orders", "returns", "first", "last")} == {
        k: orm[k] for k in ("orders", "returns", "first", "last")
    }
    assert summary["revenue"] == 0 and summary["margin"] == 0 and summary["buyer_type"] == "none"


def test_rows_equal_the_orm(agent, customer):
    for i in range(3):
        contact_add(
            customer=customer, actor=agent, name=f"Contact {i}", mobile=f"1390000222{i}", is_primary=i == 1
        )
        address_add(customer=customer, actor=agent, city="北京", line=f"长安街 {i} 号")
    customer.tags.set([Tag.objects.create(name="VIP"), Tag.objects.create(name="批发")])
    for i in range(2):
        customer_create(actor=agent, name=f"Friend {i}", referred_by=customer)
    factories.OrderFactory(customer=customer, total=Decimal("120.50"), total_cost=Decimal("80.25"))
    factories.OrderFactory(
        customer=customer, total=Decimal("-20.00"), total_cost=Decimal("-10"), is_return=True
    )
    customer = Customer.objects.get(pk=customer.pk)

    _same_rows(contacts_of(customer), list(customer.contacts.all()))
    _same_rows(addresses_of(customer), list(customer.addresses.all()))
    _same_rows(tags_of(customer), list(customer.tags.all()))
    assert [c.name for c in contacts_of(customer)][0] == "Contact 1"  # the model's ordering
    assert referrals_count(customer) == customer.referrals.count() == 2
    with CaptureQueriesContext(connection) as queries:
        assert all(c.customer is customer for c in contacts_of(customer))
    assert len(queries) == 1

    summary, orm = value_summary(customer), _orm_totals(customer)
    for key in ("revenue", "orders", "returns", "first", "last"):
        assert summary[key] == orm[key] and type(summary[key]) is type(orm[key]), key
    assert summary["margin"] == orm["revenue"] - orm["cost"]
    assert summary["buyer_type"] == "first_time"


def test_another_customers_rows_are_not_mixed_in(agent, customer):
    other = customer_create(actor=agent, name="Other")
    contact_add(customer=other, actor=agent, name="Not yours", mobile="13900002229")
    assert contacts_of(customer) == [] and [c.name for c in contacts_of(other)] == ["Not yours"]


def test_refuses_shapes_it_cannot_rebuild(db):
    with pytest.raises(ValueError, match="marker must occur"):
        Prepared(lambda pk: Customer.objects.filter(pk=1))(1)
    with pytest.raises(ValueError, match="fields"):
        Prepared(lambda pk: Customer.objects.filter(pk=pk).only("name"))(1)
    with pytest.raises(ValueError, match="fields"):
        Prepared(lambda pk: Customer.objects.filter(pk=pk).select_related("owner").defer("owner__email"))(1)
    with pytest.raises(ValueError, match="only"):
        Prepared(lambda pk: Customer.objects.filter(pk=pk).values_list("name"))(1)


def test_the_value_is_bound_wherever_the_marker_occurs(agent, customer):
    friend = customer_create(actor=agent, name="Friend", referred_by=customer)
    customer_create(actor=agent, name="Stranger")
    either = Prepared(
        lambda pk: (Customer.objects.filter(pk=pk) | Customer.objects.filter(referred_by_id=pk)).order_by(
            "id"
        )
    )
    assert [c.pk for c in either(customer.pk)] == [customer.pk, friend.pk]
    assert [c.pk for c in either(friend.pk)] == [friend.pk]


def test_select_related_rows_equal_the_orm(agent, teammate, customer):
    customer_create(actor=agent, name="No owner")
    Customer.objects.filter(pk=customer.pk).update(representative=teammate, referred_by=None)
    related = ("owner", "representative", "team", "referred_by")
    mine = Prepared(lambda pk: Customer.objects.filter(pk__gte=pk).select_related(*related).order_by("id"))
    theirs = list(Customer.objects.filter(pk__gte=customer.pk).select_related(*related).order_by("id"))
    rows = mine(customer.pk)
    _same_rows(rows, theirs)
    with CaptureQueriesContext(connection) as queries:
        for a, b in zip(rows, theirs, strict=True):
            for name in related:
                x, y = getattr(a, name), getattr(b, name)
                assert (x is None and y is None) or (type(x) is type(y) and x.pk == y.pk), name
                if x is not None:
                    _same_rows([x], [y])
    assert len(queries) == 0  # the related rows came with the statement


def test_tags_of_a_page_equal_the_prefetch(agent):
    from tenure.customers.selectors import tags_by_customer

    b, a, c = Tag.objects.create(name="b"), Tag.objects.create(name="a"), Tag.objects.create(name="c")
    people = [customer_create(actor=agent, name=f"P{i}") for i in range(4)]
    people[0].tags.set([b, a, c])
    people[2].tags.set([c])
    people[3].tags.set([b, a])
    ids = [p.pk for p in people]
    with CaptureQueriesContext(connection) as queries:
        mine = tags_by_customer(ids)
    assert len(queries) == 1
    for p in Customer.objects.filter(pk__in=ids).prefetch_related("tags"):
        assert mine.get(p.pk, []) == list(p.tags.all())
    assert [t.name for t in mine[people[0].pk]] == ["a", "b", "c"] and people[1].pk not in mine


def test_several_values_are_bound_each_where_it_occurs(agent, customer):
    other = customer_create(actor=agent, name="Other")
    both = Prepared(
        lambda a, b: Customer.objects.filter(Q(pk=a) | Q(pk=b) | Q(referred_by_id=a)).order_by("id"),
        arity=2,
    )
    assert [c.pk for c in both(customer.pk, other.pk)] == [customer.pk, other.pk]
    assert [c.pk for c in both(other.pk, -1)] == [other.pk]
    with pytest.raises(TypeError):
        both(customer.pk)
    unused = Prepared(lambda a, b: Customer.objects.filter(pk=a), arity=2)
    with pytest.raises(ValueError, match="every marker"):
        unused(customer.pk, other.pk)
