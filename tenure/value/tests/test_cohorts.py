"""Monthly cohort retention, by hand: cohort = local month of the first purchase, each later month
the share of the cohort who bought in it; returns are not purchases; other teams' customers absent."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tenure.accounts.models import Team
from tenure.factories import CustomerFactory, OrderFactory
from tenure.value.dashboard import cohorts_for
from tenure.value.services import metrics_recompute

NOW = datetime(2025, 4, 15, 4, tzinfo=UTC)


def buy(customer, y, m, d, *, is_return=False):
    OrderFactory(
        customer=customer,
        ordered_at=datetime(y, m, d, 4, tzinfo=UTC),
        total=Decimal("-10" if is_return else "100"),
        total_cost=Decimal("-5" if is_return else "50"),
        is_return=is_return,
    )


@pytest.fixture
def cohorts(agent, outsider):
    team_a, team_b = Team.objects.get(name="Team A"), Team.objects.get(name="Team B")
    p = [CustomerFactory(team=team_a, name=f"P{i}") for i in range(4)]
    q = [CustomerFactory(team=team_a, name=f"Q{i}") for i in range(2)]
    for c in p:
        buy(c, 2025, 1, 5 + p.index(c))  # January cohort: 4 customers
    buy(p[0], 2025, 2, 1)
    buy(p[0], 2025, 2, 20)  # twice in February: counts once
    buy(p[1], 2025, 2, 3)
    buy(p[0], 2025, 4, 2)
    for c in q:
        buy(c, 2025, 2, 10)  # February cohort: 2 customers
    buy(q[1], 2025, 3, 1)
    buy(q[0], 2025, 3, 5, is_return=True)  # a return is not a purchase
    buy(p[2], 2025, 5, 1)  # after "now": ignored
    old = CustomerFactory(team=team_a, name="Old")
    buy(old, 2022, 1, 10)  # a cohort older than 24 months: left out
    buy(old, 2025, 1, 10)
    stranger = CustomerFactory(team=team_b, name="Stranger")
    buy(stranger, 2025, 1, 20)
    metrics_recompute(as_of=NOW, with_clv=False)


def matrix(result):
    return {row["cohort"]: (row["customers"], [c["pct"] for c in row["months"]]) for row in result["cohorts"]}


def test_retention_triangle_by_hand(cohorts, agent):
    result = cohorts_for(agent, now=NOW)
    assert matrix(result) == {
        # Jan: 4 buyers; Feb P0, P1 (2/4); Mar nobody; Apr P0 (1/4).
        "2025-01": (4, [100.0, 50.0, 0.0, 25.0]),
        # Feb: 2 buyers; Mar Q1 only (Q0's return does not count); Apr nobody.
        "2025-02": (2, [100.0, 50.0, 0.0]),
    }
    assert result["cohorts"][0]["months"][1]["customers"] == 2


def test_other_teams_customers_are_not_in_any_cohort(cohorts, outsider, admin_user):
    assert matrix(cohorts_for(outsider, now=NOW)) == {"2025-01": (1, [100.0, 0.0, 0.0, 0.0])}
    assert matrix(cohorts_for(admin_user, now=NOW))["2025-01"][0] == 5


def test_only_the_last_months_and_two_queries(cohorts, agent, django_assert_num_queries):
    agent._open_visibility = False
    agent.team_ids()
    with django_assert_num_queries(2):
        result = cohorts_for(agent, months=3, now=NOW)
    assert [row["cohort"] for row in result["cohorts"]] == ["2025-02"]
