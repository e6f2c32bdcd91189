import json

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.value.pareto import abc_classify, customers_for, lorenz
from tenure.value.services import metrics_recompute
from tenure.value.tests.conftest import AS_OF


def run(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("value", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def computed(shop):
    metrics_recompute(as_of=AS_OF, with_clv=False)
    return shop


def test_pareto_all_time_hand_computed(shop):
    # 2025-08-01's order of E counts here (no period): E brings 1099 of 3099.
    data = run("pareto", "--until", "2025-07-01", "--json")
    # Values 1000, 550, 250, 200, 100 of 2100.
    assert data["customers"] == 5
    assert data["top20_share"] == pytest.approx(1000 / 2100, abs=1e-6)
    assert data["revenue"]["customers_for_80"] == pytest.approx(
        0.4 + (0.8 - 1550 / 2100) / (250 / 2100) * 0.2, abs=1e-6
    )
    points = data["revenue"]["points"]
    assert points[0] == [0.0, 0.0] and points[-1] == [1.0, 1.0]
    assert [p[1] for p in points] == pytest.approx(
        [0, 1000 / 2100, 1550 / 2100, 1800 / 2100, 2000 / 2100, 1], abs=1e-6
    )
    # Margins 400, 275, 100, 60, 10 of 845.
    assert data["margin"]["top20_share"] == pytest.approx(400 / 845, abs=1e-6)


def test_pareto_for_a_period(shop):
    data = run("pareto", "--since", "2025-01-01", "--until", "2025-07-01", "--json")
    # In 2025: A 1000, C 250, B 200 - 50 = 150, D 50 -> 4 customers, 1450.
    assert data["customers"] == 4
    assert data["top20_share"] == pytest.approx(0.8 * 1000 / 1450, abs=1e-6)


def test_abc_command_counts(computed):
    data = run("abc", "--json")
    assert data["counts"] == {"A": 3, "B": 1, "C": 2}
    assert data["classes"]["A"]["value_share"] == pytest.approx(1800 / 2100, abs=1e-6)


def test_abc_command_on_margin_with_other_thresholds(computed):
    # Margins 400, 275, 100, 60, 10, 0 of 845: before-shares 0, .473, .799, .917, .988, 1.
    data = run("abc", "--basis", "margin", "--thresholds", "50,40,10", "--json")
    assert data["counts"] == {"A": 2, "B": 1, "C": 3}


def test_abc_command_rejects_bad_thresholds(computed):
    with pytest.raises(CommandError):
        run("abc", "--thresholds", "80,30,5", "--json")


def test_abc_tenure_weight_favours_long_relationships(computed):
    # B (550, 425 days) overtakes A (1000, 171 days) when each year counts 5x.
    data = run("abc", "--tenure-weight", "5", "--thresholds", "40,40,20", "--json")
    assert data["counts"]["A"] == 1
    from tenure.value.pareto import abc_values

    values = abc_values(basis="revenue", marketing=False, tenure_weight=5.0, tenure_cap_years=10.0)
    assert values.argmax() == 1  # customers are read in id order: A, B, ...


def test_rfm_command_grid_and_segments(computed):
    data = run("rfm", "--json")
    assert data["customers"] == 5
    assert data["segments"]["champions"]["customers"] == 1
    assert data["segments"]["lost"]["customers"] == 0
    grid = data["grid"]["counts"]
    assert sum(map(sum, grid)) == 5
    assert grid[4][4] == 1  # A: R5, FM5
    assert grid[0][1] == 1  # E: R1, FM2


def test_recompute_command_prints_json(shop):
    data = run("recompute", "--as-of", "2025-07-01", "--no-clv", "--json")
    assert data["customers"] == 6
    assert "base" in data["timings"]


values_st = st.lists(st.floats(min_value=-1000, max_value=1e6, allow_nan=False), min_size=1, max_size=60)


@given(values_st, st.sampled_from([(80, 15, 5), (50, 30, 20), (70, 20, 10), (100, 0, 0)]))
def test_abc_classes_partition_customers_and_respect_value_order(values, thresholds):
    classes = abc_classify(np.array(values), thresholds)
    assert len(classes) == len(values)
    assert set(classes) <= {"A", "B", "C"}
    rank = {"A": 0, "B": 1, "C": 2}
    order = sorted(range(len(values)), key=lambda i: -max(values[i], 0))
    ranks = [rank[classes[i]] for i in order if np.floor(max(values[i], 0) * 100 + 0.5) > 0]
    assert ranks == sorted(ranks)  # better customers never get a worse class
    if any(np.floor(max(v, 0) * 100 + 0.5) > 0 for v in values):
        assert "A" in classes


@given(values_st)
def test_pareto_shares_are_monotone_and_end_at_one(values):
    x, y = lorenz(np.array(values))
    assert np.all(np.diff(x) > 0) and x[0] == 0 and x[-1] == 1
    assert np.all(np.diff(y) >= -1e-12)
    if sum(max(v, 0) for v in values) > 0:
        assert y[-1] == 1.0
        assert np.all(y >= x - 1e-9)  # best first: the curve lies above the diagonal
        assert 0 <= customers_for(x, y, 0.8) <= 1


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=12))
def test_sql_abc_classes_equal_the_numpy_rule(db, amounts):
    from decimal import Decimal

    from tenure.customers.models import Customer
    from tenure.factories import CustomerFactory, OrderFactory
    from tenure.value.models import CustomerMetrics

    Customer.objects.all().delete()
    for amount in amounts:
        customer = CustomerFactory()
        if amount:
            OrderFactory(customer=customer, ordered_at=AS_OF, total=Decimal(amount) / 4)
    metrics_recompute(as_of=AS_OF, with_clv=False)
    rows = list(CustomerMetrics.objects.order_by("customer_id").values_list("revenue", "abc_class"))
    expected = abc_classify(np.array([float(r) for r, _ in rows]))
    assert [c for _, c in rows] == list(expected)
