from decimal import Decimal

import pytest

from tenure.accounts.models import AuditEntry
from tenure.customers.models import Customer
from tenure.value.derived import metrics_with_derived
from tenure.value.models import CustomerMetrics, MetricsRun, StageChange
from tenure.value.services import metrics_recompute
from tenure.value.tests.conftest import AS_OF, at, order


def as_of_run(queryset=None):
    """Metrics rows with the metrics derived when read (days since…, churn risk) as of AS_OF."""
    return metrics_with_derived(queryset if queryset is not None else CustomerMetrics.objects.all(), at=AS_OF)


def cuts() -> dict:
    """What the classify step ranks everybody against: the R, F and M values where a score goes up
    and the first customer past each cumulative share of value."""
    from tenure.value.conf import value_settings
    from tenure.value.metrics import abc_bounds, abc_value_expression, rfm_cuts

    conf = value_settings()
    cents = abc_value_expression(
        basis="revenue", marketing=False, tenure_weight=0.0, tenure_cap_years=10, as_of=AS_OF
    )
    return {**rfm_cuts(as_of=AS_OF, conf=conf), "abc": abc_bounds(cents=cents, cuts=[0.8, 0.95])}


def metrics(shop):
    return {name: as_of_run().get(customer=c) for name, c in shop.items()}


@pytest.fixture
def computed(shop):
    metrics_recompute(as_of=AS_OF, with_clv=False)
    return metrics(shop)


def test_revenue_and_margin_are_net_of_returns(computed):
    b = computed["B"]
    assert (b.revenue, b.margin) == (Decimal("550.00"), Decimal("275.00"))
    assert (b.revenue_12m, b.margin_12m) == (Decimal("150.00"), Decimal("75.00"))
    assert (b.order_count, b.return_count, b.purchase_days) == (2, 1, 2)
    assert b.avg_order_value == Decimal("275.00")


def test_dates_tenure_recency_and_gap(computed):
    b = computed["B"]
    assert b.first_purchase_at == at(2024, 5, 1)
    assert b.last_purchase_at == at(2025, 2, 1)  # the return is not a purchase
    assert (b.tenure_days, b.recency_days) == (425, 149)
    assert b.typical_gap_days == 276.0
    assert computed["A"].typical_gap_days == 80.5
    assert computed["C"].typical_gap_days is None


def test_orders_after_as_of_are_ignored(computed):
    e = computed["E"]
    assert (e.revenue, e.order_count, e.recency_days) == (Decimal("100.00"), 1, 333)


def test_contact_complaints_and_referrals(computed):
    a = computed["A"]
    assert a.last_contact_at == at(2025, 6, 25)
    assert a.days_since_contact == 5
    assert a.complaints_12m == 1
    assert a.referrals == 2
    assert computed["C"].last_contact_at is None  # the only call is after AS_OF


def test_customer_without_orders_has_a_zero_row(computed):
    f = computed["F"]
    assert (f.revenue, f.order_count, f.first_purchase_at, f.rfm_segment, f.abc_class) == (
        Decimal("0.00"),
        0,
        None,
        "",
        "C",
    )


def test_abc_classes_by_cumulative_share(computed):
    # Ranked 1000, 550, 250, 200, 100, 0 of 2100: shares before 0, .476, .738, .857, .952, 1.
    assert {k: m.abc_class for k, m in computed.items()} == {
        "A": "A",
        "B": "A",
        "C": "A",
        "D": "B",
        "E": "C",
        "F": "C",
    }
    # The cumulative shares are not stored (they move for everyone whenever anyone buys): the step
    # finds the first customer at or past each cut, D (.857 >= .80) and E (.952 >= .95).
    total, (a_bound, b_bound) = cuts()["abc"]
    assert total == 210000
    assert a_bound == (20000, computed["D"].customer_id)
    assert b_bound == (10000, computed["E"].customer_id)


def test_rfm_scores_and_segments(computed):
    scores = {k: (m.rfm_r, m.rfm_f, m.rfm_m) for k, m in computed.items()}
    assert scores == {
        "A": (5, 5, 5),
        "B": (3, 4, 4),
        "C": (4, 2, 3),
        "D": (2, 4, 2),
        "E": (1, 2, 1),
        "F": (None, None, None),
    }
    segments = {k: m.rfm_segment for k, m in computed.items()}
    assert segments == {
        "A": "champions",
        "B": "loyal",
        "C": "potential_loyalist",
        "D": "at_risk",
        "E": "hibernating",
        "F": "",
    }


def test_lifecycle_stages_are_written_to_customers_with_history(computed, shop):
    stages = dict(
        Customer.objects.filter(pk__in=[c.pk for c in shop.values()]).values_list("name", "lifecycle_stage")
    )
    assert stages == {"A": "active", "B": "active", "C": "new", "D": "dormant", "E": "at_risk", "F": "new"}
    changes = {
        (c.customer.name, c.from_stage, c.to_stage) for c in StageChange.objects.select_related("customer")
    }
    assert changes == {
        ("A", "new", "active"),
        ("B", "new", "active"),
        ("D", "new", "dormant"),
        ("E", "new", "at_risk"),
    }
    assert all(c.changed_at == AS_OF for c in StageChange.objects.all())


def test_a_dormant_customer_who_buys_again_is_won_back(computed, shop):
    later = at(2025, 7, 10)
    order(shop["D"], at(2025, 7, 5), 80, 40)
    run = metrics_recompute(as_of=later, with_clv=False)
    shop["D"].refresh_from_db()
    assert shop["D"].lifecycle_stage == "won_back"
    change = StageChange.objects.get(customer=shop["D"], changed_at=later)
    assert (change.from_stage, change.to_stage, change.run_id) == ("dormant", "won_back", run.pk)
    assert CustomerMetrics.objects.get(customer=shop["D"]).stage_since == later


def test_churn_risk_follows_the_rule_without_a_model(computed):
    # E: single purchase, typical gap 90 days -> churn threshold max(8 x 90, 365) = 720 days.
    assert computed["E"].churn_risk == pytest.approx(333 / 720)
    assert computed["F"].churn_risk is None


def test_recompute_is_idempotent_and_audited_once(computed, shop):
    before = list(CustomerMetrics.objects.order_by("customer_id").values())
    run = metrics_recompute(as_of=AS_OF, with_clv=False)
    after = list(CustomerMetrics.objects.order_by("customer_id").values())
    strip = [{k: v for k, v in row.items() if k != "created_at"} for row in before]
    assert strip == [{k: v for k, v in row.items() if k != "created_at"} for row in after]
    assert run.stage_changes == 0 and run.status == MetricsRun.Status.OK
    entries = AuditEntry.objects.filter(model="value.metricsrun")
    assert entries.count() == 2
    assert entries.first().changes == {"customers": 6, "stage_changes": 0, "tier_changes": 0}
    # Nothing changed, so nothing was rewritten.
    assert run.detail["written"] == {"base": 0, "contact": 0, "referrals": 0, "classify": 0}


def test_a_recompute_rewrites_only_the_customers_that_changed(computed, shop):
    order(shop["B"], at(2025, 6, 29), "50.00", "30.00")
    run = metrics_recompute(as_of=AS_OF, with_clv=False)
    assert run.detail["written"]["base"] == 1  # B's revenue, orders and dates
    assert CustomerMetrics.objects.get(customer=shop["B"]).order_count == computed["B"].order_count + 1


def test_lost_interactions_and_referrals_are_cleared_on_recompute(computed, shop):
    shop["A"].interactions.all().delete()
    Customer.objects.filter(referred_by=shop["A"]).update(referred_by=None)
    metrics_recompute(as_of=AS_OF, with_clv=False)
    a = as_of_run().get(customer=shop["A"])
    assert (a.last_contact_at, a.days_since_contact, a.complaints_12m, a.referrals) == (None, None, 0, 0)


def test_deleted_orders_disappear_from_metrics_on_recompute(computed, shop):
    shop["C"].orders.all().delete()
    metrics_recompute(as_of=AS_OF, with_clv=False)
    c = CustomerMetrics.objects.get(customer=shop["C"])
    assert (c.revenue, c.order_count, c.rfm_r, c.rfm_segment, c.last_purchase_at) == (
        Decimal("0.00"),
        0,
        None,
        "",
        None,
    )


def test_marketing_cost_comes_from_the_customer_attribute(shop, settings):
    shop["A"].attributes = {"marketing_cost": "900"}
    shop["A"].save(update_fields=["attributes"])
    settings.TENURE_VALUE = {"abc_marketing_cost": True}
    metrics_recompute(as_of=AS_OF, with_clv=False)
    a = CustomerMetrics.objects.get(customer=shop["A"])
    assert a.marketing_cost == Decimal("900.00")
    assert a.abc_value == Decimal("100.00")


def test_every_rfm_grid_cell_has_a_segment():
    from tenure.value.metrics import segment_for

    cells = {(r, fm): segment_for(r, fm) for r in range(1, 6) for fm in range(1, 6)}
    assert all(cells.values())
    assert cells[(1, 1)] == "lost" and cells[(2, 1)] == "hibernating" and cells[(5, 5)] == "champions"


def test_every_stored_column_has_the_expected_value(computed):
    """The whole row, float for float: the suite runs on SQLite and PostgreSQL, so both agree."""
    row = as_of_run(CustomerMetrics.objects.filter(customer__name="A")).values().get()
    row.pop("customer_id")
    row.pop("created_at")
    assert row == {
        "revenue": Decimal("1000.00"),
        "margin": Decimal("400.00"),
        "revenue_12m": Decimal("1000.00"),
        "margin_12m": Decimal("400.00"),
        "order_count": 3,
        "return_count": 0,
        "purchase_days": 3,
        "first_purchase_at": at(2025, 1, 10),
        "last_purchase_at": at(2025, 6, 20),
        "tenure_days": 171,
        "recency_days": 10,
        "avg_order_value": Decimal("333.33"),
        "typical_gap_days": 80.5,
        "last_contact_at": at(2025, 6, 25),
        "days_since_contact": 5,
        "complaints_12m": 1,
        "referrals": 2,
        "marketing_cost": Decimal("0.00"),
        "rfm_r": 5,
        "rfm_f": 5,
        "rfm_m": 5,
        "rfm_segment": "champions",
        "abc_value": Decimal("1000.00"),
        "abc_class": "A",
        "clv_expected_purchases": None,
        "clv_p_alive": None,
        "clv_expected_spend": None,
        "clv_value": None,
        "churn_risk": 10 / 644,
        "lifecycle_stage": "active",
        "stage_since": AS_OF,
        "computed_tier": "platinum",
        "computed_at": AS_OF,
    }
    # ... and the values where the scores go up (buyers A-E: recency 10, 149, 29, 180, 333 days;
    # orders 3, 2, 1, 2, 1; revenue 1000, 550, 250, 200, 100): the first value, in each order,
    # whose cumulative share of the five buyers is above .2, .4, .6, .8.
    c = cuts()
    assert c["r"] == [180, 149, 29, 10]
    assert c["f"] == [1, 2, 2, 3]
    assert c["m"] == [Decimal("200"), Decimal("250"), Decimal("550"), Decimal("1000")]
