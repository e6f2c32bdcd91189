"""Built-in answers on hand-made data: repeated complainers, last year's top customers, and
customers not heard from for years (as a call list)."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tenure.accounts.models import Team
from tenure.commerce.models import Order
from tenure.customers.models import Customer
from tenure.interactions.models import CallList, Interaction
from tenure.segments.answers import ANSWERS
from tenure.value.models import CustomerMetrics

NOW = timezone.now()
TZ = timezone.get_current_timezone()


def order(customer, when, total):
    return Order.objects.create(
        number=f"N{Order.objects.count() + 1}", customer=customer, ordered_at=when, total=total
    )


@pytest.fixture
def team_a(agent):
    return Team.objects.get(name="Team A")


def test_big_customers_who_complained_more_than_once(agent, outsider, team_a):
    big = Customer.objects.create(name="Big twice", team=team_a)
    once = Customer.objects.create(name="Big once", team=team_a)
    small = Customer.objects.create(name="Small thrice", team=team_a)
    CustomerMetrics.objects.create(customer=big, abc_class="A", complaints_12m=2, revenue=Decimal("900"))
    CustomerMetrics.objects.create(customer=once, abc_class="A", complaints_12m=1, revenue=Decimal("800"))
    CustomerMetrics.objects.create(customer=small, abc_class="C", complaints_12m=3, revenue=Decimal("10"))
    answer = ANSWERS["big-complainers"]
    names = [c.name for c in answer.queryset(agent, answer.clean_params({}), NOW)]
    assert names == ["Big twice"]
    # top 50 % by revenue instead of class A: Big twice and Big once are the top two of three
    top = [c.name for c in answer.queryset(agent, answer.clean_params({"top_pct": "50"}), NOW)]
    assert top == ["Big twice"]
    assert list(answer.queryset(outsider, answer.clean_params({}), NOW)) == []


def test_big_complainers_page_shows_the_complaints(client_for, agent, team_a):
    big = Customer.objects.create(name="Big twice", team=team_a)
    CustomerMetrics.objects.create(customer=big, abc_class="A", complaints_12m=4)
    html = client_for(agent).get(reverse("segments:answer", args=["big-complainers"])).content.decode()
    assert "Complaints, last 12 months" in html
    assert '<td class="num">4</td>' in html


def test_last_years_top_customers_and_whether_they_bought_again(
    agent, outsider, team_a, django_assert_num_queries
):
    now = datetime(2026, 6, 1, 12, tzinfo=TZ)
    a = Customer.objects.create(name="A", team=team_a)
    b = Customer.objects.create(name="B", team=team_a)
    c = Customer.objects.create(name="C", team=team_a)
    order(a, datetime(2025, 3, 1, tzinfo=TZ), Decimal("500"))
    order(a, datetime(2025, 12, 31, 23, tzinfo=TZ), Decimal("100"))
    order(a, datetime(2026, 2, 1, tzinfo=TZ), Decimal("70"))
    order(b, datetime(2025, 5, 1, tzinfo=TZ), Decimal("300"))
    order(c, datetime(2024, 5, 1, tzinfo=TZ), Decimal("9999"))  # not last year
    answer = ANSWERS["top-last-year"]
    Customer.objects.visible_to(agent)
    with django_assert_num_queries(1):
        rows = list(answer.queryset(agent, {"top_n": 10}, now))
    assert [(r.name, r.revenue_last_year, r.orders_this_year, r.revenue_this_year) for r in rows] == [
        ("A", Decimal("600"), 1, Decimal("70")),
        ("B", Decimal("300"), 0, Decimal("0")),
    ]
    assert [r.name for r in answer.queryset(agent, {"top_n": 1}, now)] == ["A"]
    assert list(answer.queryset(outsider, {"top_n": 10}, now)) == []


def test_not_heard_from_for_years_becomes_a_call_list(client_for, agent, team_a):
    old = NOW - timedelta(days=365 * 8)
    silent = Customer.objects.create(name="Silent", team=team_a, mobile="13800000001")
    talked = Customer.objects.create(name="Talked", team=team_a, mobile="13800000002")
    bought = Customer.objects.create(name="Bought", team=team_a, mobile="13800000003")
    new = Customer.objects.create(name="New", team=team_a, mobile="13800000004")
    Customer.objects.filter(pk__in=[silent.pk, talked.pk, bought.pk]).update(created_at=old)
    Interaction.objects.create(customer=silent, occurred_at=old, memo="long ago")
    Interaction.objects.create(customer=talked, occurred_at=NOW - timedelta(days=300), memo="recent")
    order(bought, NOW - timedelta(days=30), Decimal("10"))
    answer = ANSWERS["not-heard-from"]
    assert [c.name for c in answer.queryset(agent, answer.clean_params({}), NOW)] == ["Silent"]
    assert new.pk  # known for less than 7 years: not "not heard from"
    assert [c.name for c in answer.queryset(agent, {"years": 1}, NOW)] == ["Silent"]
    client = client_for(agent)
    page = client.get(reverse("segments:answer", args=["not-heard-from"]))
    assert page.status_code == 200 and "Silent" in page.content.decode()
    response = client.post(
        reverse("segments:answer_call_list", args=["not-heard-from"]) + "?years=7",
        {"name": "Call back", "assignee": agent.pk},
    )
    assert response.status_code == 302
    call_list = CallList.objects.get(name="Call back")
    assert [e.customer.name for e in call_list.entries.all()] == ["Silent"]


def test_top_last_year_call_list_keeps_the_order(client_for, agent, team_a):
    last = timezone.localtime(NOW).year - 1
    a = Customer.objects.create(name="A", team=team_a, mobile="13800000001")
    b = Customer.objects.create(name="B", team=team_a, mobile="13800000002")
    order(a, datetime(last, 3, 1, tzinfo=TZ), Decimal("100"))
    order(b, datetime(last, 3, 1, tzinfo=TZ), Decimal("900"))
    client_for(agent).post(
        reverse("segments:answer_call_list", args=["top-last-year"]), {"name": "Top", "assignee": agent.pk}
    )
    assert [e.customer.name for e in CallList.objects.get(name="Top").entries.all()] == ["B", "A"]


def test_answer_pages_and_unknown_answer(client_for, agent, outsider):
    for slug in ANSWERS:
        assert client_for(agent).get(reverse("segments:answer", args=[slug])).status_code == 200
    assert client_for(agent).get(reverse("segments:answer", args=["nope"])).status_code == 404
    assert (
        client_for(agent).get(reverse("segments:answer_call_list", args=["not-heard-from"])).status_code
        == 405
    )
