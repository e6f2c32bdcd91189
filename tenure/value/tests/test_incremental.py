"""The recompute after the first brings order and contact sums up to date only for the customers that
changed (metrics.changed_customers_sql): it must store exactly what a full recompute stores."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.commerce.models import Order
from tenure.customers.models import Customer
from tenure.customers.services import customer_merge
from tenure.factories import CustomerFactory, InteractionFactory
from tenure.interactions.models import Interaction
from tenure.value.models import CustomerMetrics, MetricsRun
from tenure.value.services import metrics_recompute
from tenure.value.tests.conftest import AS_OF, at, order

SKIP = {"created_at", "computed_at"}


def stored() -> dict:
    rows = CustomerMetrics.objects.order_by("customer_id").values()
    return {row["customer_id"]: {k: v for k, v in row.items() if k not in SKIP} for row in rows}


def settle():
    """Make the data written so far look old: the next run sees only what the test writes after."""
    old = datetime(2020, 1, 1, tzinfo=UTC)
    Order.objects.update(updated_at=old)
    Interaction.objects.update(updated_at=old)
    Customer.objects.update(updated_at=old)
    run = MetricsRun.objects.order_by("-started_at", "-id").first()
    run.detail["changes_from"] = (old + timedelta(days=1)).isoformat()
    run.save(update_fields=["detail"])


def moves(run) -> dict:
    """The stage and tier of every customer, and the moves the run logged."""
    from tenure.value.models import StageChange, TierChange

    return {
        "stages": dict(Customer.objects.values_list("id", "lifecycle_stage")),
        "tiers": dict(Customer.objects.values_list("id", "tier")),
        "stage_changes": sorted(
            StageChange.objects.filter(run=run).values_list("customer_id", "from_stage", "to_stage")
        ),
        "tier_changes": sorted(
            TierChange.objects.filter(run=run).values_list("customer_id", "from_tier", "to_tier")
        ),
    }


def full_result(as_of, with_moves=False):
    """What a full recompute stores as of ``as_of``, on the same data (rolled back)."""
    from django.db import transaction

    class Rollback(Exception):
        pass

    result = {}
    try:
        with transaction.atomic():
            run = metrics_recompute(as_of=as_of, with_clv=False, full=True)
            result.update(stored())
            if with_moves:
                result = (result, moves(run))
            raise Rollback
    except Rollback:
        pass
    return result


@pytest.fixture
def first(shop, settings):
    settings.TENURE_VALUE = {"full_every_days": None}  # the weekly full run has a test of its own
    run = metrics_recompute(as_of=AS_OF, with_clv=False)
    assert run.detail["base_mode"] == "full" and run.detail["base_full_reason"] == "first run"
    settle()
    return run


def test_an_unchanged_shop_recomputes_no_customer(first, shop):
    run = metrics_recompute(as_of=AS_OF, with_clv=False)
    assert run.detail["base_mode"] == "changed" and run.detail["base_since_run"] == first.pk
    assert run.detail["base_customers"] == 0
    assert run.detail["written"]["base"] == 0


def test_only_the_changed_customers_are_recomputed_and_the_rows_equal_a_full_run(first, shop):
    order(shop["B"], at(2025, 6, 29), "50.00", "30.00")
    InteractionFactory(customer=shop["D"], kind=Interaction.Kind.COMPLAINT, occurred_at=at(2025, 6, 2))
    run = metrics_recompute(as_of=AS_OF, with_clv=False)
    assert run.detail["base_mode"] == "changed"
    assert run.detail["base_customers"] == 2  # B and D, nobody else
    b = CustomerMetrics.objects.get(customer=shop["B"])
    assert (b.order_count, b.revenue) == (3, Decimal("600.00"))
    assert CustomerMetrics.objects.get(customer=shop["D"]).complaints_12m == 1
    assert stored() == full_result(AS_OF)


def test_moving_the_as_of_date_recomputes_the_customers_at_the_window_edges(first, shop):
    # 40 days later: E's order of 2024-08-01 leaves the last 12 months and E's order of 2025-08-01
    # comes into the history; C's call of 2025-08-01 too. Nobody else has anything at the edges.
    later = AS_OF + timedelta(days=40)
    run = metrics_recompute(as_of=later, with_clv=False)
    assert run.detail["base_mode"] == "changed"
    assert run.detail["base_customers"] == 2  # E and C
    e = CustomerMetrics.objects.get(customer=shop["E"])
    assert (e.order_count, e.revenue, e.revenue_12m) == (2, Decimal("1099.00"), Decimal("999.00"))
    assert CustomerMetrics.objects.get(customer=shop["C"]).last_contact_at == at(2025, 8, 1)
    assert stored() == full_result(later)
    # And back again: the same edges, crossed the other way.
    metrics_recompute(as_of=AS_OF, with_clv=False)
    assert stored() == full_result(AS_OF)


def test_a_merge_and_a_changed_marketing_cost_are_recomputed(first, shop, settings):
    customer_merge(keep=shop["A"], drop=shop["D"], actor=None)
    shop["E"].attributes = {"marketing_cost": "75"}
    shop["E"].save(update_fields=["attributes", "updated_at"])
    new = CustomerFactory(name="G")
    order(new, at(2025, 6, 30), "80.00", "20.00")
    run = metrics_recompute(as_of=AS_OF, with_clv=False)
    assert run.detail["base_mode"] == "changed"
    assert run.detail["base_customers"] == 3  # A (kept), E, G; D is gone with its metrics row
    a = CustomerMetrics.objects.get(customer=shop["A"])
    assert (a.order_count, a.revenue) == (5, Decimal("1200.00"))
    assert CustomerMetrics.objects.get(customer=shop["E"]).marketing_cost == Decimal("75.00")
    assert CustomerMetrics.objects.get(customer=new).order_count == 1
    assert not CustomerMetrics.objects.filter(customer_id=shop["D"].pk).exists()
    assert stored() == full_result(AS_OF)


def test_changed_settings_the_weekly_run_and_full_recompute_every_customer(first, shop, settings):
    assert metrics_recompute(as_of=AS_OF, with_clv=False, full=True).detail["base_full_reason"] == "asked"
    settings.TENURE_VALUE = {"rolling_days": 180, "full_every_days": None}
    run = metrics_recompute(as_of=AS_OF, with_clv=False)
    assert (run.detail["base_mode"], run.detail["base_full_reason"]) == ("full", "settings changed")
    settings.TENURE_VALUE = {"rolling_days": 180, "full_every_days": 7}
    assert metrics_recompute(as_of=AS_OF + timedelta(days=6), with_clv=False).detail["base_mode"] == "changed"
    run = metrics_recompute(as_of=AS_OF + timedelta(days=7), with_clv=False)
    assert (run.detail["base_mode"], run.detail["base_full_reason"]) == ("full", "weekly full run")
    settings.TENURE_VALUE = {"rolling_days": 180, "full_every_days": None}
    assert (
        metrics_recompute(as_of=AS_OF + timedelta(days=30), with_clv=False).detail["base_mode"] == "changed"
    )


def test_deleted_orders_are_picked_up_by_a_full_recompute(first, shop):
    """Orders leave a customer only by a merge (stamped) or with the customer; rows deleted behind
    the application's back are picked up by the next full run (weekly, or `--full`)."""
    shop["C"].orders.all().delete()
    metrics_recompute(as_of=AS_OF, with_clv=False, full=True)
    assert CustomerMetrics.objects.get(customer=shop["C"]).order_count == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's open transactions")
def test_writes_of_a_transaction_still_open_are_not_missed():
    """A transaction that stamps an order before the recompute starts and commits after it: the
    next recompute must still look at that order's customer."""
    import psycopg

    from tenure.value.services import _changes_from

    settings_dict = connection.settings_dict
    other = psycopg.connect(
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"],
        dbname=settings_dict["NAME"],
        autocommit=False,
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT now()")
            opened = cursor.fetchone()[0]
        started = timezone.now()
        assert _changes_from(started) <= opened - timedelta(minutes=10)
    finally:
        other.rollback()
        other.close()
    assert _changes_from(started) == started - timedelta(minutes=10)


day = st.integers(min_value=0, max_value=900)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(
            st.integers(min_value=-60, max_value=60),  # as-of moves by this many days
            st.lists(st.tuples(st.integers(0, 5), day, st.booleans()), max_size=4),  # new orders
            st.lists(st.tuples(st.integers(0, 5), day, st.booleans()), max_size=2),  # interactions
        ),
        min_size=1,
        max_size=3,
    )
)
def test_any_sequence_of_changes_gives_the_rows_of_a_full_recompute(first, shop, steps):
    from django.db import transaction

    class Rollback(Exception):
        pass

    names = "ABCDEF"
    start = datetime(2023, 1, 1, 4, tzinfo=UTC)
    try:
        with transaction.atomic():
            as_of = AS_OF
            for shift, orders, interactions in steps:
                as_of += timedelta(days=shift)
                for who, when, is_return in orders:
                    amount = -20 if is_return else 120
                    order(shop[names[who]], start + timedelta(days=when), amount, amount // 2, is_return)
                for who, when, complaint in interactions:
                    kind = Interaction.Kind.COMPLAINT if complaint else Interaction.Kind.CALL
                    InteractionFactory(
                        customer=shop[names[who]], kind=kind, occurred_at=start + timedelta(days=when)
                    )
                run = metrics_recompute(as_of=as_of, with_clv=False)
                assert run.detail["base_mode"] == "changed"
                assert stored() == full_result(as_of)
            raise Rollback
    except Rollback:
        pass


def test_a_customer_whose_metrics_row_went_missing_is_computed_again(first, shop):
    CustomerMetrics.objects.filter(customer=shop["C"]).delete()
    run = metrics_recompute(as_of=AS_OF, with_clv=False)
    assert run.detail["base_mode"] == "changed" and run.detail["base_customers"] == 1
    assert CustomerMetrics.objects.get(customer=shop["C"]).order_count == 1
    assert stored() == full_result(AS_OF)


def test_stage_and_tier_moves_are_those_of_a_full_run(first, shop):
    """Stage and tier moves are looked for among the changed customers and the rows this run
    rewrites only: a stage edited by hand, a tier changed by hand and a year of time passing must
    give the moves a search of every customer gives."""
    from tenure.value.services import tiers_recompute

    # G bought once, 100 days before AS_OF: active then, at risk 200 days later, with nothing of
    # theirs at the window edges (only the classify step sees them move).
    g = CustomerFactory(name="G")
    order(g, at(2025, 3, 23), "90.00", "30.00")
    metrics_recompute(as_of=AS_OF, with_clv=False, full=True)
    settle()
    Customer.objects.filter(pk=shop["A"].pk).update(lifecycle_stage="dormant", updated_at=timezone.now())
    Customer.objects.filter(pk=shop["C"].pk).update(tier="gold", updated_at=timezone.now())
    tiers_recompute(as_of=AS_OF)  # a manager's recompute between two nightly runs
    later = AS_OF + timedelta(days=200)
    expected_rows, expected_moves = full_result(later, with_moves=True)
    run = metrics_recompute(as_of=later, with_clv=False)
    assert run.detail["base_mode"] == "changed"
    assert stored() == expected_rows
    got = moves(run)
    assert got == expected_moves
    assert "dormant" in {m[1] for m in got["stage_changes"]}
    assert (g.pk, "active", "at_risk") in got["stage_changes"]


def test_the_command_asks_for_a_full_run(first, shop):
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("value", "recompute", "--as-of", "2025-07-01", "--no-clv", "--json", stdout=out)
    assert json.loads(out.getvalue())["base_mode"] == "changed"
    out = StringIO()
    call_command("value", "recompute", "--as-of", "2025-07-01", "--no-clv", "--full", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["base_mode"], data["base_full_reason"]) == ("full", "asked")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner settings")
def test_few_changed_customers_are_probed_by_index_with_the_same_rows(first, shop):
    """With statistics saying there are six metrics rows, one changed customer is 'few': the steps
    run with the planner pushed to index probes (services._probing), and store what a full run does."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE value_customermetrics")
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'value_customermetrics'::regclass")
        assert cursor.fetchone()[0] == 6
    order(shop["B"], at(2025, 6, 29), "50.00", "30.00")
    seen = []

    def spy(execute, sql, params, many, context):
        if "random_page_cost" in sql:
            seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        run = metrics_recompute(as_of=AS_OF, with_clv=False)
    assert run.detail["base_customers"] == 1
    assert seen[0] == "SET LOCAL random_page_cost = 1.1" and seen[-1].endswith("TO DEFAULT")
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "4"
    assert stored() == full_result(AS_OF)
