"""Reads of customers: duplicate suggestions."""

from tenure.customers.models import Customer
from tenure.customers.selectors import duplicate_candidates
from tenure.customers.services import customer_create


def test_duplicates_by_each_rule_in_one_statement(agent, customer, django_assert_num_queries):
    customer.phone = "+862150001111"
    customer.save(update_fields=["phone"])
    same_mobile = customer_create(actor=agent, name="A", mobile="138 1234 5678")
    mobile_as_phone = customer_create(actor=agent, name="B", phone="138 1234 5678")
    phone_as_mobile = customer_create(actor=agent, name="C", mobile="+862150001111")
    same_email = customer_create(actor=agent, name="D", email="zhang.wei@example.com")
    same_name = customer_create(actor=agent, name="张伟")
    customer_create(actor=agent, name="Someone else", mobile="13900009999", email="x@example.com")
    list(duplicate_candidates(agent, customer))  # the user's visibility is looked up once
    with django_assert_num_queries(1):
        found = list(duplicate_candidates(agent, customer))
    assert found == [same_mobile, mobile_as_phone, phone_as_mobile, same_email, same_name]


def test_duplicates_exclude_the_customer_and_what_the_user_may_not_see(agent, outsider, customer):
    hidden = customer_create(actor=outsider, name="张伟", mobile="13812345678")
    visible = customer_create(actor=agent, name="张伟")
    assert list(duplicate_candidates(agent, customer)) == [visible]
    assert list(duplicate_candidates(outsider, hidden)) == []
    assert Customer.objects.filter(pk=hidden.pk).exists()


def test_duplicates_lowest_ids_first_up_to_the_limit(agent, customer):
    twins = [customer_create(actor=agent, name="张伟") for _ in range(4)]
    assert list(duplicate_candidates(agent, customer, limit=3)) == twins[:3]


def test_customer_without_phone_or_email_matches_on_name_only(agent):
    lone = customer_create(actor=agent, name="王芳")
    customer_create(actor=agent, name="Other")
    twin = customer_create(actor=agent, name="王芳", mobile="13700001111")
    assert list(duplicate_candidates(agent, lone)) == [twin]
