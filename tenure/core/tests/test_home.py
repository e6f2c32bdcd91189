from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tenure.service.models import Promise, RecoveryTask


def test_home_shows_my_recovery_tasks_and_overdue_promises(agent, customer, client_for):
    RecoveryTask.objects.create(customer=customer, assignee=agent, reason=RecoveryTask.Reason.choices[0][0])
    Promise.objects.create(
        customer=customer,
        made_by=agent,
        what="Free delivery next order",
        due_date=timezone.localdate() - timedelta(days=2),
    )
    body = client_for(agent).get(reverse("core:home")).content.decode()
    assert "Needs you first" in body and "Free delivery next order" in body and customer.name in body


def test_home_hides_other_teams_work(agent, customer, outsider, client_for):
    RecoveryTask.objects.create(
        customer=customer, assignee=outsider, reason=RecoveryTask.Reason.choices[0][0]
    )
    body = client_for(outsider).get(reverse("core:home")).content.decode()
    assert customer.name not in body and "Needs you first" not in body


def test_home_query_count_is_bounded(agent, customer, client_for, django_assert_max_num_queries):
    c = client_for(agent)
    with django_assert_max_num_queries(14):
        assert c.get(reverse("core:home")).status_code == 200
