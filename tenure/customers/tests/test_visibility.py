import pytest
from django.http import Http404

from tenure.accounts.models import OrgSettings
from tenure.customers.models import Customer
from tenure.customers.selectors import get_customer_for_user
from tenure.customers.services import customer_create


def visible(user):
    return set(Customer.objects.visible_to(user).values_list("name", flat=True))


def test_team_members_see_team_customers_outsiders_do_not(
    customer, agent, teammate, outsider, manager, admin_user
):
    assert visible(agent) == {"张伟"}
    assert visible(teammate) == {"张伟"}
    assert visible(manager) == {"张伟"}
    assert visible(admin_user) == {"张伟"}
    assert visible(outsider) == set()


def test_dedicated_representative_sees_customer_of_another_team(customer, agent, outsider):
    from tenure.customers.services import customer_update

    customer_update(customer=customer, actor=agent, representative=outsider)
    assert visible(outsider) == {"张伟"}


def test_owner_without_team_sees_own_customers(db):
    from tenure.accounts.services import staff_create

    loner = staff_create(username="loner")
    customer_create(actor=loner, name="王五")
    assert visible(loner) == {"王五"}


def test_open_visibility_shows_everything(customer, outsider):
    org = OrgSettings.current()
    org.open_visibility = True
    org.save()
    outsider = type(outsider).objects.get(pk=outsider.pk)
    assert visible(outsider) == {"张伟"}


def test_inactive_and_anonymous_see_nothing(customer, agent):
    from django.contrib.auth.models import AnonymousUser

    agent.is_active = False
    assert visible(agent) == set()
    assert visible(AnonymousUser()) == set()


def test_get_customer_for_user_is_404_for_outsider(customer, outsider, agent):
    assert get_customer_for_user(agent, customer.pk) == customer
    with pytest.raises(Http404):
        get_customer_for_user(outsider, customer.pk)
    with pytest.raises(Http404):
        get_customer_for_user(agent, "not-a-number")
