import csv
import importlib.util
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tenure.commerce.models import Order
from tenure.factories import CustomerFactory
from tenure.value import clv
from tenure.value.models import ClvFit, CustomerMetrics
from tenure.value.services import metrics_recompute
from tenure.value.tests.conftest import at, order


def cdnow(name: str) -> dict[str, np.ndarray]:
    """A CDNOW summary file shipped in the `lifetimes` wheel (its fitting code is not used)."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None:
        pytest.skip("the `lifetimes` package (dev extra) holds the CDNOW reference data")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / name
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


def test_bgnbd_reproduces_the_cdnow_reference():
    data = cdnow("cdnow_customers_summary.csv")
    assert len(data["T"]) == 2357
    (r, alpha, a, b), ll, _ = clv.fit_bgnbd(data["frequency"], data["recency"], data["T"])
    # Fader, Hardie & Lee (2005), weeks: r=0.243, alpha=4.414, a=0.793, b=2.426, LL=-9582.4.
    assert r == pytest.approx(0.243, rel=0.01)
    assert alpha == pytest.approx(4.414, rel=0.01)
    assert a == pytest.approx(0.793, rel=0.01)
    assert b == pytest.approx(2.426, rel=0.01)
    assert ll == pytest.approx(-9582.4, abs=0.1)


def test_bgnbd_conditional_expectation_matches_the_paper_example():
    params = np.array([0.243, 4.414, 0.793, 2.426])
    # FHL 2005: a customer with x=2, t_x=30.43, T=38.86 is expected to buy 1.226 times in 39 weeks.
    assert clv.expected_purchases(params, 39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=0.002)
    assert clv.p_alive(params, np.array([0.0]), np.array([0.0]), np.array([38.86]))[0] == 1.0


def test_gamma_gamma_reproduces_the_cdnow_reference():
    data = cdnow("cdnow_customers_summary_with_transactions.csv")
    (p, q, gamma), _ = clv.fit_gamma_gamma(data["x"], data["zbar"])
    # Fader, Hardie & Lee (2005) "RFM and CLV", 946 repeat buyers: p=6.25, q=3.74, gamma=15.44.
    assert (data["x"] > 0).sum() == 946
    assert p == pytest.approx(6.25, rel=0.01)
    assert q == pytest.approx(3.74, rel=0.01)
    assert gamma == pytest.approx(15.44, rel=0.01)


def test_history_counts_repeat_purchases_per_distinct_day(db):
    c = CustomerFactory()
    order(c, at(2025, 1, 1), 10, 0)
    order(c, at(2025, 1, 1, 9), 20, 0)  # same local day: one purchase of 30
    order(c, at(2025, 1, 15), 40, 0)
    order(c, at(2025, 1, 29), 60, 0)
    order(c, at(2025, 2, 1), -60, 0, is_return=True)  # returns are not purchases
    h = clv.history(until=datetime(2025, 3, 1, 12, tzinfo=UTC), time_unit="week")
    assert h.x.tolist() == [2.0]
    assert h.t_x.tolist() == [4.0]
    assert h.T.tolist() == [(31 + 28) / 7]
    assert h.zbar.tolist() == [50.0]  # mean of the repeat days (40, 60): the first day is excluded
    d = clv.history(until=datetime(2025, 3, 1, 12, tzinfo=UTC), time_unit="day")
    assert (d.t_x.tolist(), d.T.tolist()) == ([28.0], [59.0])


def simulate(n: int = 120, seed: int = 7, start=datetime(2023, 1, 2, 4, tzinfo=UTC), days: int = 540):
    """Customers buying at gamma-distributed rates who may drop out after any purchase (BG/NBD)."""
    rng = np.random.default_rng(seed)
    orders = []
    for i in range(n):
        customer = CustomerFactory()
        rate = rng.gamma(0.8, 1 / 20)  # purchases per day
        dropout = rng.beta(1.0, 4.0)
        t = float(rng.integers(0, days // 2))
        while t < days:
            amount = Decimal(int(rng.gamma(6, 10)) + 1)
            orders.append(
                Order(
                    number=f"S-{i}-{len(orders)}",
                    customer=customer,
                    ordered_at=start + timedelta(days=int(t)),
                    total=amount,
                    total_cost=amount / 2,
                )
            )
            if rng.random() < dropout:
                break
            t += rng.exponential(1 / rate)
    Order.objects.bulk_create(orders)
    return start + timedelta(days=days)


def test_recompute_fits_clv_and_derives_churn_risk_from_p_alive(db):
    end = simulate()
    run = metrics_recompute(as_of=end)
    assert "clv_fit" in run.detail, run.detail
    fit = ClvFit.objects.get(pk=run.detail["clv_fit"])
    assert fit.customers == 120 and fit.r > 0 and fit.alpha > 0 and fit.q > 1
    rows = CustomerMetrics.objects.exclude(clv_p_alive=None)
    assert rows.count() == 120
    for m in rows:
        assert 0 <= m.clv_p_alive <= 1
        assert m.clv_expected_purchases >= 0 and m.clv_value >= 0
        assert m.churn_risk == pytest.approx(1 - m.clv_p_alive)


def test_clv_fit_command_prints_the_parameters(db):
    end = simulate()
    out = StringIO()
    call_command(
        "value", "clv-fit", "--until", end.date().isoformat(), "--time-unit", "day", "--json", stdout=out
    )
    data = json.loads(out.getvalue())
    assert {"r", "alpha", "a", "b", "p", "q", "gamma", "log_likelihood", "time_unit"} <= set(data)
    assert data["time_unit"] == "day" and data["log_likelihood"] < 0


def test_holdout_validation_compares_predicted_and_actual_by_calibration_repeats(db):
    end = simulate(n=150)
    until = end - timedelta(days=180)
    result = clv.holdout_validation(until=until, holdout_until=end, time_unit="week")
    groups = result["by_calibration_repeats"]
    assert groups and groups[0]["calibration_repeats"] == "0"
    assert sum(g["customers"] for g in groups) == len(clv.history(until=until).x)
    assert result["actual_total"] > 0
    # The model should get the total number of hold-out purchases roughly right.
    assert 0.5 < result["predicted_total"] / result["actual_total"] < 2


def test_too_little_history_is_a_clear_message_not_a_crash(shop):
    with pytest.raises(CommandError, match="Too little purchase history"):
        call_command("value", "clv-fit", "--until", "2025-07-01", "--json", stdout=StringIO())
    run = metrics_recompute(as_of=at(2025, 7, 1, 0))
    assert "Too little purchase history" in run.detail["clv_skipped"]
    assert not CustomerMetrics.objects.exclude(clv_p_alive=None).exists()


def test_analytic_gradients_match_finite_differences():
    from scipy.optimize import approx_fprime

    rng = np.random.default_rng(1)
    x = rng.integers(0, 6, 50).astype(float)
    T = rng.uniform(5, 40, 50)
    t_x = np.where(x > 0, T * rng.uniform(0.1, 1, 50), 0.0)
    w = np.ones(50)
    params = np.array([0.4, 3.0, 0.8, 2.5])
    _, grad = clv.bgnbd_negll_grad(params, x, t_x, T, w)
    numeric = approx_fprime(params, lambda p: clv.bgnbd_negll_grad(p, x, t_x, T, w)[0], 1e-7)
    assert grad == pytest.approx(numeric, rel=1e-4, abs=1e-4)
    xs, z = np.maximum(x, 1), rng.uniform(5, 50, 50)
    gg = np.array([6.0, 4.0, 15.0])
    _, grad = clv.gg_negll_grad(gg, xs, z, w)
    numeric = approx_fprime(gg, lambda p: clv.gg_negll_grad(p, xs, z, w)[0], 1e-7)
    assert grad == pytest.approx(numeric, rel=1e-4, abs=1e-4)


def test_clv_fit_command_with_holdout_and_store(db):
    end = simulate(n=100)
    until = (end - timedelta(days=120)).date().isoformat()
    out = StringIO()
    call_command(
        "value",
        "clv-fit",
        "--until",
        until,
        "--holdout-until",
        end.date().isoformat(),
        "--store",
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["until"] == until and data["id"] == ClvFit.objects.get().pk
    rows = data["holdout"]["by_calibration_repeats"]
    assert {"calibration_repeats", "customers", "actual", "predicted"} <= set(rows[0])
    assert CustomerMetrics.objects.exclude(clv_value=None).count() == data["customers"]
