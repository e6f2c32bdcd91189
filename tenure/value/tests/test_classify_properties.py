"""RFM scores and ABC classes against a plain-Python reference of their definitions (CUME_DIST among
buyers with ties sharing a percentile; cumulative share of value best first, ties by customer id),
on random shops full of ties: the classify step ranks customers against a few constants instead
of sorting them, and must give exactly what the definitions give."""

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.factories import CustomerFactory
from tenure.value.conf import value_settings
from tenure.value.derived import derived_value
from tenure.value.models import CustomerMetrics
from tenure.value.services import metrics_recompute
from tenure.value.tests.conftest import order

AS_OF = datetime(2025, 7, 1, tzinfo=UTC)
BINS = [0.2, 0.4, 0.6, 0.8]


def reference() -> dict:
    rows = list(CustomerMetrics.objects.order_by("customer_id"))
    buyers = [m for m in rows if m.order_count > 0]
    n = len(buyers)
    recency = {m.customer_id: derived_value("recency_days", m, AS_OF) for m in buyers}

    def score(count_at_or_before: int) -> int:
        return 1 + sum(1 for c in BINS if count_at_or_before / n > c)

    expected = {}
    for m in buyers:
        r = score(sum(1 for b in buyers if recency[b.customer_id] >= recency[m.customer_id]))
        f = score(sum(1 for b in buyers if b.order_count <= m.order_count))
        mm = score(sum(1 for b in buyers if b.revenue <= m.revenue))
        expected[m.customer_id] = {"rfm": (r, f, mm)}
    cents = {m.customer_id: max(0, math.floor(float(m.revenue) * 100.0 + 0.5)) for m in rows}
    total = sum(cents.values())
    ranked = sorted(rows, key=lambda m: (-cents[m.customer_id], m.customer_id))
    before = 0
    for m in ranked:
        value = cents[m.customer_id]
        share = before / total if total else None
        if value <= 0 or share is None:
            cls = "C"
        elif share < 0.8:
            cls = "A"
        elif share < 0.95:
            cls = "B"
        else:
            cls = "C"
        expected.setdefault(m.customer_id, {"rfm": (None, None, None)})["abc"] = cls
        before += value
    return expected


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shop=st.lists(
        st.lists(
            st.tuples(st.integers(0, 40), st.sampled_from([0, 10, 10, 25, 99, 100, 250])),
            min_size=0,
            max_size=4,
        ),
        min_size=1,
        max_size=14,
    )
)
def test_scores_and_classes_follow_their_definitions(db, shop):
    from django.db import transaction

    class Rollback(Exception):
        pass

    assert value_settings()["rfm_bins"] == BINS
    try:
        with transaction.atomic():
            for orders in shop:
                customer = CustomerFactory()
                for days_ago, amount in orders:
                    when = AS_OF - timedelta(days=days_ago * 7, hours=20)
                    order(customer, when, Decimal(amount), Decimal(amount) / 2)
            metrics_recompute(as_of=AS_OF, with_clv=False, full=True)
            expected = reference()
            stored = {
                m.customer_id: {"rfm": (m.rfm_r, m.rfm_f, m.rfm_m), "abc": m.abc_class}
                for m in CustomerMetrics.objects.all()
            }
            assert stored == expected
            raise Rollback
    except Rollback:
        pass
