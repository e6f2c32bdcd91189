"""Metrics derived when read (days since the first / last purchase / last contact, churn risk): a
recompute a day later rewrites nothing that did not move, and Python, SQL, pages and the API agree."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tenure.value.derived import DERIVED, derived_value, metrics_with_derived
from tenure.value.models import CustomerMetrics, TierChange
from tenure.value.services import metrics_recompute
from tenure.value.tests.conftest import AS_OF


def test_a_recompute_a_day_later_rewrites_only_what_moved(shop):
    first = metrics_recompute(as_of=AS_OF, with_clv=False)
    assert first.detail["written"]["base"] == 6
    history = TierChange.objects.count()
    # A day later every buyer's recency and tenure grew by one, but no order, contact, score,
    # class, stage or tier changed (see conftest: nobody crosses a threshold on 2025-07-02).
    nightly = metrics_recompute(as_of=AS_OF + timedelta(days=1), with_clv=False)
    assert nightly.detail["written"] == {"base": 0, "contact": 0, "referrals": 0, "classify": 0}
    assert (nightly.stage_changes, nightly.detail["tier_changes"]) == (0, 0)
    assert TierChange.objects.count() == history


def test_a_threshold_crossed_overnight_is_written(shop):
    metrics_recompute(as_of=AS_OF, with_clv=False)
    # C first bought on 2025-06-01 04:00: 90 whole days old on 2025-08-31 00:00 (still "new",
    # new_days = 90), 91 on 2025-09-01. C's call of 2025-08-01 is a contact by then.
    run = metrics_recompute(as_of=AS_OF + timedelta(days=61), with_clv=False)
    assert CustomerMetrics.objects.get(customer=shop["C"]).lifecycle_stage == "new"
    assert run.detail["written"]["contact"] == 1
    run = metrics_recompute(as_of=AS_OF + timedelta(days=62), with_clv=False)
    assert CustomerMetrics.objects.get(customer=shop["C"]).lifecycle_stage == "active"
    assert run.detail["written"]["contact"] == 0
    assert run.detail["written"]["classify"] >= 1


def test_python_and_sql_agree_at_any_moment(shop):
    metrics_recompute(as_of=AS_OF, with_clv=False)
    moment = AS_OF + timedelta(days=17, hours=5, seconds=7)
    rows = metrics_with_derived(CustomerMetrics.objects.order_by("customer_id"), at=moment)
    checked = 0
    for m in rows:
        for name in DERIVED:
            assert getattr(m, name) == pytest.approx(derived_value(name, m, moment)), name
            checked += getattr(m, name) is not None
    assert checked >= 15  # five buyers x recency, tenure, churn risk; A's contact


def test_pages_and_api_count_days_up_to_now(admin_client, shop):
    metrics_recompute(as_of=AS_OF, with_clv=False)
    a = CustomerMetrics.objects.get(customer=shop["A"])
    expected = (timezone.now() - a.last_purchase_at).days
    assert a.recency_days in (expected, expected + 1)  # the boundary second may pass in between
    body = admin_client.get(f"/api/v1/metrics/{shop['A'].pk}/").json()
    assert body["recency_days"] in (expected, expected + 1)
    assert body["tenure_days"] == a.tenure_days
    assert body["days_since_contact"] == a.days_since_contact > 0
    assert 0 < body["churn_risk"] <= 1
    f = admin_client.get(f"/api/v1/metrics/{shop['F'].pk}/").json()
    assert (f["recency_days"], f["tenure_days"], f["churn_risk"]) == (None, None, None)


def test_a_new_order_rewrites_only_the_rows_whose_labels_moved(shop):
    from tenure.value.tests.conftest import order

    labels = [
        "abc_value",
        "abc_class",
        "rfm_r",
        "rfm_f",
        "rfm_m",
        "rfm_segment",
        "lifecycle_stage",
        "stage_since",
    ]

    def snapshot():
        return {row["customer_id"]: row for row in CustomerMetrics.objects.values("customer_id", *labels)}

    metrics_recompute(as_of=AS_OF, with_clv=False)
    before = snapshot()
    order(shop["D"], AS_OF + timedelta(hours=12), 5000, 100)  # D becomes the biggest customer
    run = metrics_recompute(as_of=AS_OF + timedelta(days=1), with_clv=False)
    after = snapshot()
    moved = [pk for pk in before if before[pk] != after[pk]]
    # Percentiles and cumulative shares moved for everybody, but they are not stored: only the
    # customers whose stored labels changed are written (D, and whoever D pushed across a cut).
    assert shop["D"].pk in moved and len(moved) < len(before)
    assert run.detail["written"]["classify"] == len(moved)
    assert run.detail["written"]["base"] == 1


def test_unchanged_customers_are_not_even_locked(shop):
    """PostgreSQL locks (writes the xmax of) every row that meets ON CONFLICT DO UPDATE, even when
    its WHERE leaves the row alone; the recompute proposes only the rows that changed, so a night
    with nothing new leaves every stored row version untouched (no lock, no dirty page)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks as xmax are PostgreSQL's")
    metrics_recompute(as_of=AS_OF, with_clv=False)

    def versions():
        with connection.cursor() as cursor:
            cursor.execute("SELECT customer_id, ctid::text, xmax::text FROM value_customermetrics")
            return sorted(cursor.fetchall())

    before = versions()
    run = metrics_recompute(as_of=AS_OF + timedelta(days=1), with_clv=False)
    assert run.detail["written"]["classify"] == 0
    assert versions() == before


@pytest.mark.django_db
def test_epoch_is_the_floor_of_whole_seconds_for_columns_and_constants():
    """Epoch (the days-since metrics are differences of it) is floor(seconds since 1970), whether it
    reads a column (date_part on PostgreSQL, strftime on SQLite) or a constant (computed in Python):
    a fraction just under the next second, a whole second, and days either side of a boundary.
    (SQLite's date functions keep milliseconds: a fraction within half a millisecond of the next
    second reads as that second there, so the fraction here stops at .999.)"""
    import math

    from django.db.models import Value

    from tenure.commerce.models import Order
    from tenure.factories import CustomerFactory
    from tenure.value.sql import Epoch, days_between
    from tenure.value.tests.conftest import order

    customer = CustomerFactory()
    moments = [
        datetime(2026, 11, 27, 23, 59, 59, 999000, tzinfo=UTC),
        datetime(2026, 11, 28, 0, 0, 0, tzinfo=UTC),
        datetime(2026, 11, 28, 0, 0, 0, 1, tzinfo=UTC),
        datetime(2001, 2, 3, 4, 5, 6, 500000, tzinfo=UTC),
    ]
    for moment in moments:
        order(customer, moment, 10, 5)
    as_of = datetime(2026, 11, 29, 0, 0, 0, 500000, tzinfo=UTC)
    rows = (
        Order.objects.filter(customer=customer)
        .annotate(
            e=Epoch("ordered_at"),
            k=Epoch(Value(as_of)),
            days=days_between(Value(as_of), "ordered_at"),
        )
        .values_list("ordered_at", "e", "k", "days")
    )
    got = sorted(rows)
    assert [e for _m, e, _k, _d in got] == sorted(math.floor(m.timestamp()) for m in moments)
    assert {k for _m, _e, k, _d in got} == {math.floor(as_of.timestamp())}
    assert [d for _m, _e, _k, d in got] == [9429, 1, 1, 1]
