"""The customer page's visible reads, compiled once per visibility shape, answer as the ORM does."""

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from tenure.accounts.models import OrgSettings, Role, User
from tenure.accounts.services import staff_create
from tenure.customers.models import ALL, Customer, visibility_scope
from tenure.customers.selectors import duplicate_candidates, duplicate_rows, get_customer_for_user
from tenure.customers.services import customer_create

RELATED = ("owner", "representative", "team", "referred_by")


def _fresh(user):
    """The user as a request would have it (visibility read anew)."""
    return User.objects.get(pk=user.pk)


def _orm_customer(user, pk):
    return Customer.objects.visible_to(user).select_related(*RELATED).get(pk=pk)


def _same(mine, theirs):
    assert type(mine) is type(theirs)
    for field in Customer._meta.concrete_fields:
        assert getattr(mine, field.attname) == getattr(theirs, field.attname), field.name
    for name in RELATED:  # the select_related objects are loaded, and are the same rows
        assert name in mine._state.fields_cache, name
        a, b = getattr(mine, name), getattr(theirs, name)
        assert (a and a.pk) == (b and b.pk), name
    assert not mine._state.adding and mine._state.db == theirs._state.db


@pytest.fixture
def world(agent, teammate, outsider, admin_user):
    two_teams = staff_create(username="two", role=Role.AGENT, teams=["Team A", "Team C"])
    no_team = staff_create(username="loner", role=Role.AGENT, teams=[])
    referrer = customer_create(actor=agent, name="Referrer")
    rows = {
        "a": customer_create(
            actor=agent, name="<b>A</b>", representative=teammate, referred_by=referrer, mobile="13800001111"
        ),
        "b": customer_create(actor=outsider, name="B", mobile="13800001111"),
        "c": customer_create(actor=two_teams, name="C", mobile="13800001111"),
        "lone": customer_create(actor=no_team, name="Lone"),
        "referrer": referrer,
    }
    # the loner represents one of team B's customers: seen through the representative rule only
    rows["b"].representative = no_team
    rows["b"].save(update_fields=["representative"])
    users = [agent, teammate, outsider, admin_user, two_teams, no_team]
    return users, rows


def test_each_user_sees_what_the_orm_shows_and_gets_a_404_otherwise(world):
    users, rows = world
    for user in users:
        for customer in rows.values():
            user = _fresh(user)
            try:
                expected = _orm_customer(user, customer.pk)
            except Customer.DoesNotExist:
                with pytest.raises(Http404):
                    get_customer_for_user(_fresh(user), customer.pk)
                continue
            _same(get_customer_for_user(_fresh(user), customer.pk), expected)


def test_shapes_differ_only_by_what_the_sql_depends_on(world):
    users, _rows = world
    agent, teammate, outsider, admin_user, two_teams, no_team = (_fresh(u) for u in users)
    assert visibility_scope(admin_user) is ALL
    assert visibility_scope(agent) == (agent.pk, agent.team_ids()) and len(agent.team_ids()) == 1
    assert len(visibility_scope(two_teams)[1]) == 2 and visibility_scope(no_team) == (no_team.pk, [])
    inactive = _fresh(outsider)
    inactive.is_active = False
    assert visibility_scope(inactive) is None


def test_the_same_shape_never_shares_rows_between_users(world):
    users, rows = world
    agent, _teammate, outsider = (_fresh(u) for u in users[:3])
    assert get_customer_for_user(agent, rows["a"].pk).pk == rows["a"].pk
    with pytest.raises(Http404):  # the same statement (one team), the outsider's own ids bound
        get_customer_for_user(_fresh(outsider), rows["a"].pk)
    assert get_customer_for_user(_fresh(outsider), rows["b"].pk).pk == rows["b"].pk
    with pytest.raises(Http404):
        get_customer_for_user(_fresh(agent), rows["b"].pk)


def test_open_visibility_and_inactive_users(world):
    users, rows = world
    outsider = users[2]
    OrgSettings.objects.update_or_create(pk=1, defaults={"open_visibility": True})
    assert get_customer_for_user(_fresh(outsider), rows["a"].pk).pk == rows["a"].pk
    OrgSettings.objects.filter(pk=1).update(open_visibility=False)
    with pytest.raises(Http404):
        get_customer_for_user(_fresh(outsider), rows["a"].pk)
    gone = _fresh(outsider)
    gone.is_active = False
    with pytest.raises(Http404):
        get_customer_for_user(gone, rows["b"].pk)


@pytest.mark.parametrize("pk", ["abc", None, "", [], 10**30])
def test_malformed_ids_are_404(agent, customer, pk):
    with pytest.raises(Http404):
        get_customer_for_user(_fresh(agent), pk)


def test_numeric_text_ids_work_as_with_the_orm(agent, customer):
    assert get_customer_for_user(_fresh(agent), str(customer.pk)).pk == customer.pk


def test_one_statement_per_read(agent, customer):
    user = _fresh(agent)
    get_customer_for_user(user, customer.pk)
    with CaptureQueriesContext(connection) as queries:
        get_customer_for_user(user, customer.pk)
    assert len(queries) == 1


def test_duplicates_equal_the_orm_for_every_shape(world):
    users, rows = world
    for user in users:
        for customer in rows.values():
            user = _fresh(user)
            visible = Customer.objects.visible_to(user)
            mine = duplicate_rows(user, customer, limit=5)
            assert [c.pk for c in mine] == [c.pk for c in duplicate_candidates(user, customer, limit=5)]
            twins = (
                visible.exclude(pk=customer.pk)
                .filter(pk__in=[c.pk for c in Customer.objects.all() if _looks_alike(c, customer)])
                .order_by("id")[:5]
            )
            assert [c.pk for c in mine] == [c.pk for c in twins], (user.username, customer.name)


def _looks_alike(a, b) -> bool:
    phones = {b.mobile, b.phone} - {""}
    return bool(({a.mobile, a.phone} & phones) or (b.email and a.email == b.email) or a.name == b.name)
