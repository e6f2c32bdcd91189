"""The value dashboard, the RFM cell list and the cross-sell panel: hand-computed numbers over the
shop of conftest.py (A–D and F in team A, E in team B), visibility and query counts."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tenure.accounts.models import Team
from tenure.core.models import JobRun
from tenure.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory
from tenure.value import dashboard
from tenure.value.models import AssociationRule
from tenure.value.services import metrics_recompute
from tenure.value.tests.conftest import AS_OF

URL = "/value/"


@pytest.fixture
def teams(agent, outsider):
    return Team.objects.get(name="Team A"), Team.objects.get(name="Team B")


@pytest.fixture
def team_shop(shop, teams, agent, outsider):
    """The shop of conftest.py: A, B, C, D, F are team A's (agent's), E is team B's (outsider's)."""
    team_a, team_b = teams
    for key, customer in shop.items():
        customer.team = team_b if key == "E" else team_a
        customer.owner = outsider if key == "E" else agent
        customer.save(update_fields=["team", "owner"])
    metrics_recompute(as_of=AS_OF, with_clv=False)
    return shop


def test_dashboard_renders_for_every_persona(
    team_shop, client_for, agent, teammate, outsider, manager, analyst, admin_user
):
    for user in (agent, teammate, outsider, manager, analyst, admin_user):
        response = client_for(user).get(URL)
        assert response.status_code == 200, user
        html = response.content.decode()
        for chart in ("pareto-chart-data", "abc-chart-data", "rfm-chart-data", "stage-chart-data"):
            assert f'data-chart="{chart}"' in html
        assert "vendor/echarts-6.1.0.min.js" in html and "value/dashboard.js" in html


def test_dashboard_wrong_method_and_anonymous(client_for, agent, client):
    assert client_for(agent).post(URL).status_code == 405
    assert client.get(URL).status_code == 302


def test_pareto_numbers_over_visible_customers_only(team_shop, client_for, agent, outsider):
    # Agent sees A 1000, B 550, C 250, D 200 (E is team B's): the best 20% of 4 customers is 0.8 of
    # A, so 0.8 × 1000 / 2000 = 40% of revenue; margin 0.8 × 400 / 835 = 38.3%.
    response = client_for(agent).get(URL)
    ctx = response.context
    assert ctx["pareto"]["customers"] == 4
    assert ctx["top20_revenue_pct"] == 40.0
    assert ctx["top20_margin_pct"] == 38.3
    assert "The top 20% of customers bring 40.0% of revenue and 38.3% of margin." in response.content.decode()
    # Outsider: only E (100 + a later 999), one customer: the curve is the diagonal.
    ctx = client_for(outsider).get(URL).context
    assert ctx["pareto"]["customers"] == 1
    assert ctx["pareto"]["revenue"]["total"] == 1099.0


def test_pareto_custom_period_and_bad_dates(team_shop, client_for, agent):
    c = client_for(agent)
    # [2025-01-01, 2025-06-30]: A 1000, C 250, B 200 − 50 = 150, D 50: top 20% = 0.8 × 1000 / 1450.
    ctx = c.get(URL, {"period": "custom", "since": "2025-01-01", "until": "2025-06-30"}).context
    assert ctx["pareto"]["customers"] == 4
    assert ctx["pareto"]["revenue"]["top20_share"] == pytest.approx(0.8 * 1000 / 1450, abs=1e-6)
    response = c.get(URL, {"period": "custom", "since": "2025-02-30"})
    assert response.status_code == 200
    assert "Not a valid date: 2025-02-30" in response.content.decode()
    assert response.context["pareto"]["customers"] == 4  # all time instead
    fragment = c.get(reverse("value:pareto"), {"period": "12m"})
    assert fragment.status_code == 200 and b'id="pareto-card"' in fragment.content
    assert b"<html" not in fragment.content


def test_abc_and_rfm_counts_over_visible_customers(team_shop, client_for, agent, outsider, admin_user):
    abc = client_for(agent).get(URL).context["abc"]
    # Stored classes: A, B, C are class A (1800), D class B (200), F class C (0); E is not visible.
    assert {k: v["customers"] for k, v in abc["classes"].items()} == {"A": 3, "B": 1, "C": 1}
    assert abc["classes"]["A"]["value_share"] == pytest.approx(0.9)
    assert abc["classes"]["B"]["value_share"] == pytest.approx(0.1)
    rfm = client_for(agent).get(URL).context["rfm"]
    # (R, F): A (5, 5), B (3, 4), C (4, 2), D (2, 4); E (1, 2) is the outsider's.
    expected = [[0] * 5 for _ in range(5)]
    for r, f in ((5, 5), (3, 4), (4, 2), (2, 4)):
        expected[r - 1][f - 1] = 1
    assert rfm["counts"] == expected
    assert rfm["mean_revenue"][4][4] == 1000.0 and rfm["mean_revenue"][0][1] is None
    outsider_rfm = client_for(outsider).get(URL).context["rfm"]
    assert outsider_rfm["customers"] == 1 and outsider_rfm["counts"][0][1] == 1
    assert client_for(admin_user).get(URL).context["rfm"]["customers"] == 5


def test_stage_counts_and_changes_hide_other_teams(team_shop, client_for, agent, outsider):
    ctx = client_for(agent).get(URL).context
    assert ctx["stage_total"] == 5
    names = {ch["customer"].name for ch in ctx["stage_changes"]}
    assert "E" not in names and names <= {"A", "B", "C", "D"} and names
    ctx = client_for(outsider).get(URL).context
    assert ctx["stage_total"] == 1
    assert {ch["customer"].name for ch in ctx["stage_changes"]} <= {"E"}


def test_empty_database_explains_instead_of_crashing(client_for, admin_user):
    response = client_for(admin_user).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No lifetime-value model has been fitted yet" in html
    assert "No purchases in this period." in html


def test_tier_distribution_and_migration_over_visible_customers(team_shop, client_for, agent, admin_user):
    from django.utils import timezone

    from tenure.customers.models import Customer
    from tenure.value.models import TierChange

    # The recompute gave everyone a tier; move A from its tier to "lead" recently (as an override would).
    a = team_shop["A"]
    a.refresh_from_db()
    old_tier = a.tier
    TierChange.objects.create(
        customer=a, from_tier=old_tier, to_tier="lead", changed_at=timezone.now(), source="override"
    )
    Customer.objects.filter(pk=a.pk).update(tier="lead")
    ctx = client_for(agent).get(URL).context
    chart = ctx["tier_chart"]
    counts = dict(zip(chart["categories"], chart["values"], strict=True))
    visible = Customer.objects.filter(pk__in=[c.pk for k, c in team_shop.items() if k != "E"])
    assert sum(counts.values()) == visible.count() == ctx["tier_total"] == 5
    assert counts["Lead"] == visible.filter(tier="lead").count()
    migration = ctx["tier_migration"]
    assert old_tier != "lead"  # A is the shop's best customer
    assert migration["total"] == 5 and migration["down"] == 1 and migration["up"] == 0
    chart = ctx["tier_migration_chart"]
    moved = [c for c in chart["cells"] if chart["from"][c[1]] != chart["to"][c[0]]]
    assert [(chart["to"][c[0]], c[2]) for c in moved] == [("Lead", 1)]
    assert sum(c[2] for c in chart["cells"]) == 5
    # The admin also sees E (team B): one more customer in the distribution.
    assert client_for(admin_user).get(URL).context["tier_total"] == 6


def test_rfm_cell_lists_visible_customers_paginated(team_shop, teams, client_for, agent, outsider):
    team_a, _ = teams
    c = client_for(agent)
    response = c.get(reverse("value:rfm_cell", args=[5, 5]))
    assert response.status_code == 200
    assert [m.customer.name for m in response.context["page"]] == ["A"]
    assert (
        client_for(outsider).get(reverse("value:rfm_cell", args=[5, 5])).context["page"].paginator.count == 0
    )
    assert c.get(reverse("value:rfm_cell", args=[6, 1])).status_code == 404
    assert c.post(reverse("value:rfm_cell", args=[5, 5])).status_code == 405


def test_rfm_cell_pages_without_n_plus_one(db, teams, client_for, agent, django_assert_num_queries):
    team_a, _ = teams
    customers = [CustomerFactory(team=team_a, name=f"P{i:03d}") for i in range(60)]
    for i, customer in enumerate(customers):
        OrderFactory(
            customer=customer, ordered_at=datetime(2025, 6, 1, 4, tzinfo=UTC), total=Decimal(100 + i)
        )
    metrics_recompute(as_of=AS_OF, with_clv=False)
    # Everyone bought once on the same day: one RFM cell.
    (r, f), n = next(
        ((r + 1, f + 1), n)
        for r, row in enumerate(dashboard.rfm_for(agent)["counts"])
        for f, n in enumerate(row)
        if n
    )
    assert n == 60
    c = client_for(agent)
    url = reverse("value:rfm_cell", args=[r, f])
    c.get(url)  # warm the session
    with django_assert_num_queries(4):  # session, user (+ org settings, teams), count, one page
        first = c.get(url)
    assert len(first.context["page"]) == 50 and first.context["page"].has_next()
    assert first.context["page"][0].customer.name == "P059"  # best revenue first
    second = c.get(url, {"page": 2})
    assert len(second.context["page"]) == 10
    assert "P000" in second.content.decode()


def test_holdout_validation_is_for_admins_and_explains_too_little_history(
    team_shop, client_for, agent, admin_user
):
    url = reverse("value:holdout_run")
    assert client_for(agent).post(url).status_code == 403
    assert client_for(admin_user).get(url).status_code == 405
    response = client_for(admin_user).post(url, follow=True)
    assert response.status_code == 200
    assert "Too little purchase history" in response.content.decode()
    assert JobRun.objects.filter(name=dashboard.HOLDOUT_JOB, status="failed").count() == 1
    assert "Run hold-out validation" not in client_for(agent).get(URL).content.decode()


def test_holdout_chart_from_the_last_validation(client_for, admin_user):
    JobRun.objects.create(
        name=dashboard.HOLDOUT_JOB,
        started_at=AS_OF,
        status="ok",
        detail={
            "calibration_end": "2025-01-01",
            "holdout_end": "2025-07-01",
            "actual_total": 12.0,
            "predicted_total": 11.5,
            "by_calibration_repeats": [
                {"calibration_repeats": "0", "customers": 10, "actual": 0.2, "predicted": 0.25},
                {"calibration_repeats": "1", "customers": 5, "actual": 1.0, "predicted": 0.9},
            ],
        },
    )
    response = client_for(admin_user).get(URL)
    chart = response.context["holdout_chart"]
    assert chart["categories"] == ["0", "1"] and chart["predicted"] == [0.25, 0.9]
    assert 'data-chart="holdout-chart-data"' in response.content.decode()


# --- Cross-sell on the customer page ---------------------------------------------------------


@pytest.fixture
def bought_tea(customer):
    tea, cups, pot, kettle = (
        ProductFactory(sku=s, name=n)
        for s, n in (("TEA", "Longjing tea"), ("CUP", "Tea cups"), ("POT", "Teapot"), ("KET", "Kettle"))
    )
    order = OrderFactory(customer=customer)
    OrderLineFactory(order=order, product=tea)
    OrderLineFactory(order=order, product=cups)
    rule = dict(orders=10, support=0.1)
    AssociationRule.objects.create(antecedent=tea, consequent=pot, confidence=0.6, lift=2.5, **rule)
    AssociationRule.objects.create(
        antecedent=tea, antecedent_2=cups, consequent=kettle, confidence=0.4, lift=3.0, **rule
    )
    AssociationRule.objects.create(antecedent=pot, consequent=cups, confidence=0.9, lift=4.0, **rule)
    return customer


def test_customer_page_shows_recommendations_with_their_rule(bought_tea, client_for, agent):
    response = client_for(agent).get(reverse("customers:detail", args=[bought_tea.pk]))
    html = response.content.decode()
    assert 'id="recommendations"' in html
    assert "bought Longjing tea → Teapot" in html
    assert "bought Longjing tea and Tea cups → Kettle" in html
    assert "confidence 60%" in html and "lift 2.50" in html
    assert [r.product.name for r in response.context["recommendations"]] == ["Teapot", "Kettle"]


def test_recommendations_take_at_most_two_queries(bought_tea, django_assert_max_num_queries):
    from tenure.value.selectors import recommendations_for

    with django_assert_max_num_queries(2):
        recs = recommendations_for(bought_tea)
        [(r.product.name, [b.name for b in r.because]) for r in recs]


def test_another_teams_customer_page_is_a_404(bought_tea, client_for, outsider):
    assert client_for(outsider).get(reverse("customers:detail", args=[bought_tea.pk])).status_code == 404


def test_dashboard_queries_do_not_grow_with_customers(db, teams, client_for, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    team_a, _ = teams
    c = client_for(agent)

    def queries_for_dashboard() -> int:
        metrics_recompute(as_of=AS_OF, with_clv=False)
        c.get(URL)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(URL).status_code == 200
        return len(ctx)

    def add(n, start):
        for i in range(start, start + n):
            customer = CustomerFactory(team=team_a, name=f"N{i}")
            OrderFactory(customer=customer, ordered_at=datetime(2025, 1 + i % 6, 1, 4, tzinfo=UTC))
            OrderFactory(customer=customer, ordered_at=datetime(2025, 6, 2, 4, tzinfo=UTC))

    add(3, 0)
    few = queries_for_dashboard()
    add(30, 3)
    assert queries_for_dashboard() == few
