"""/api/v1/metrics/, /api/v1/value/… and /api/v1/recommendations/: the dashboard's numbers through
the visibility door, outsider 404s, and bad input as JSON 400s."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tenure.value.models import AssociationRule, ClvFit
from tenure.value.tests import test_views

# The shop with teams and the tea rules of test_views.py.
teams = test_views.teams
team_shop = test_views.team_shop
bought_tea = test_views.bought_tea


@pytest.fixture
def api():
    def _make(user):
        c = APIClient()
        c.force_authenticate(user)
        return c

    return _make


def names(shop, rows):
    by_id = {c.pk: k for k, c in shop.items()}
    return sorted(by_id[r["customer"]] for r in rows)


def test_metrics_list_only_visible_with_filters(team_shop, api, agent, outsider):
    c = api(agent)
    body = c.get("/api/v1/metrics/").json()
    assert names(team_shop, body["results"]) == ["A", "B", "C", "D", "F"]
    assert names(team_shop, c.get("/api/v1/metrics/", {"abc_class": "A"}).json()["results"]) == [
        "A",
        "B",
        "C",
    ]
    assert names(team_shop, c.get("/api/v1/metrics/", {"rfm_segment": "loyal"}).json()["results"]) == ["B"]
    rows = c.get("/api/v1/metrics/", {"min_revenue": "250", "max_revenue": "600"}).json()["results"]
    assert names(team_shop, rows) == ["B", "C"]
    ordered = c.get("/api/v1/metrics/", {"ordering": "-revenue"}).json()["results"]
    assert [r["revenue"] for r in ordered][:2] == ["1000.00", "550.00"]
    assert names(team_shop, api(outsider).get("/api/v1/metrics/").json()["results"]) == ["E"]


def test_metrics_detail_and_outsider_404(team_shop, api, agent, outsider):
    a = team_shop["A"]
    body = api(agent).get(f"/api/v1/metrics/{a.pk}/").json()
    assert (body["revenue"], body["abc_class"], body["rfm_r"], body["rfm_segment"]) == (
        "1000.00",
        "A",
        5,
        "champions",
    )
    assert api(outsider).get(f"/api/v1/metrics/{a.pk}/").status_code == 404
    assert api(agent).get("/api/v1/metrics/99999999/").status_code == 404


def test_metrics_bad_filters_are_400(team_shop, api, agent):
    c = api(agent)
    for params in ({"abc_class": "Z"}, {"min_revenue": "lots"}, {"cursor": "junk"}):
        response = c.get("/api/v1/metrics/", params)
        assert response.status_code == 400, params
        assert "detail" in response.json()


def test_pareto_abc_rfm_over_visible_customers(team_shop, api, agent, outsider):
    c = api(agent)
    pareto = c.get("/api/v1/value/pareto/").json()
    assert pareto["customers"] == 4
    assert pareto["revenue"]["top20_share"] == pytest.approx(0.4)
    assert pareto["margin"]["top20_share"] == pytest.approx(0.8 * 400 / 835, abs=1e-6)
    custom = c.get("/api/v1/value/pareto/", {"since": "2025-01-01", "until": "2025-06-30"}).json()
    assert custom["period"] == "custom" and custom["revenue"]["total"] == 1450.0
    abc = c.get("/api/v1/value/abc/").json()
    assert {k: v["customers"] for k, v in abc["classes"].items()} == {"A": 3, "B": 1, "C": 1}
    assert abc["thresholds"] == [80, 15, 5]
    rfm = c.get("/api/v1/value/rfm/").json()
    assert rfm["customers"] == 4 and rfm["counts"][4][4] == 1
    assert api(outsider).get("/api/v1/value/rfm/").json()["counts"][0][1] == 1


def test_pareto_bad_dates_are_clear_400s(api, agent):
    c = api(agent)
    for params, field in (
        ({"period": "custom", "since": "2025-13-01"}, "since"),
        ({"period": "custom", "since": "2025-02-30"}, "since"),
        ({"period": "custom", "since": "2025-05-01", "until": "2025-04-01"}, "until"),
        ({"period": "custom"}, "since"),
        ({"period": "forever"}, "period"),
    ):
        response = c.get("/api/v1/value/pareto/", params)
        assert response.status_code == 400, params
        assert field in response.json()["errors"], params


def test_cohorts_and_bad_months(team_shop, api, agent):
    c = api(agent)
    body = c.get("/api/v1/value/cohorts/", {"months": "120"}).json()
    assert sum(row["customers"] for row in body["cohorts"]) == 4  # A, B, C, D (F never bought)
    assert all(row["months"][0]["pct"] == 100.0 for row in body["cohorts"])
    for bad in ("0", "121", "x"):
        assert c.get("/api/v1/value/cohorts/", {"months": bad}).status_code == 400


def test_clv_fit_none_then_latest(api, agent, db):
    c = api(agent)
    body = c.get("/api/v1/value/clv-fit/").json()
    assert body["fit"] is None and "No lifetime-value model" in body["message"]
    ClvFit.objects.create(until="2025-01-01", r=0.24, alpha=4.4, a=0.79, b=2.4, log_likelihood=-1.0)
    latest = ClvFit.objects.create(until="2025-06-01", r=0.3, alpha=5.0, a=0.8, b=2.5, log_likelihood=-2.0)
    body = c.get("/api/v1/value/clv-fit/").json()
    assert body["fit"]["id"] == latest.pk and body["fit"]["r"] == 0.3 and body["message"] == ""


@pytest.fixture
def eager_tasks():
    from tenure.celery_app import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def test_recompute_is_queued_for_admins_only_and_runs(api, agent, analyst, admin_user, customer, eager_tasks):
    from tenure.core.models import JobRun
    from tenure.value.models import CustomerMetrics, MetricsRun

    assert api(agent).post("/api/v1/value/recompute/").status_code == 403
    assert api(analyst).post("/api/v1/value/recompute/").status_code == 403
    assert not MetricsRun.objects.exists()
    response = api(admin_user).post("/api/v1/value/recompute/")
    assert response.status_code == 202 and response.json()["task_id"]
    # The worker (here: run in process) recomputed the metrics of every customer.
    assert MetricsRun.objects.get().status == MetricsRun.Status.OK
    assert CustomerMetrics.objects.filter(customer=customer).exists()
    assert JobRun.objects.get(name="value.nightly").status == JobRun.Status.OK
    assert api(admin_user).get("/api/v1/value/recompute/").status_code == 405


def test_recommendations_with_rules_and_outsider_404(bought_tea, api, agent, outsider):
    c = api(agent)
    body = c.get("/api/v1/recommendations/", {"customer": bought_tea.pk}).json()
    assert [r["product"]["name"] for r in body] == ["Teapot", "Kettle"]
    assert [p["name"] for p in body[1]["because"]] == ["Longjing tea", "Tea cups"]
    assert body[0]["confidence"] == 0.6 and body[0]["lift"] == 2.5
    assert body[0]["rule"] == AssociationRule.objects.get(consequent__name="Teapot").pk
    assert len(c.get("/api/v1/recommendations/", {"customer": bought_tea.pk, "limit": 1}).json()) == 1
    assert api(outsider).get("/api/v1/recommendations/", {"customer": bought_tea.pk}).status_code == 404
    for params in ({}, {"customer": "abc"}, {"customer": bought_tea.pk, "limit": "0"}):
        response = c.get("/api/v1/recommendations/", params)
        assert response.status_code == 400, params
        assert set(response.json()["errors"]) <= {"customer", "limit"} and response.json()["errors"]


def test_anonymous_is_refused(client, db):
    assert client.get("/api/v1/value/pareto/").status_code in (401, 403)


VALUE_ENDPOINTS = [
    "/api/v1/metrics/",
    "/api/v1/value/pareto/",
    "/api/v1/value/abc/",
    "/api/v1/value/rfm/",
    "/api/v1/value/cohorts/",
    "/api/v1/value/clv-fit/",
    "/api/v1/recommendations/",
]
JUNK = ["", "0", "-1", "1e999", "2024-02-30", "9999-99-99", "\x00", "🙂", "' OR 1=1 --", "custom", "12m"]
PARAMS = ["period", "since", "until", "months", "customer", "limit", "ordering", "cursor", "page_size"]
PARAMS += ["abc_class", "rfm_segment", "lifecycle_stage", "min_revenue", "max_revenue"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(VALUE_ENDPOINTS),
    params=st.dictionaries(st.sampled_from(PARAMS), st.one_of(st.sampled_from(JUNK), st.text(max_size=12))),
)
def test_junk_query_parameters_never_500(api, agent, path, params):
    response = api(agent).get(path, params)
    assert response.status_code in (200, 400, 404), (path, params, response.content[:300])
