"""Property tests: for random metrics and random ordered rules, the SQL engine puts every customer in
exactly one tier, and that tier is what a plain-Python reading of the rules gives."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.customers.models import Customer
from tenure.factories import CustomerFactory
from tenure.value.models import CustomerMetrics, TierChange, TierDefinition, TierOverride
from tenure.value.services import tiers_recompute

METRICS = ["margin", "order_count", "tenure_days"]
NOW = datetime(2025, 7, 1, 12, tzinfo=UTC)
OPS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}

customer_st = st.one_of(
    st.none(),  # no metrics row at all
    st.fixed_dictionaries(
        {
            "margin": st.integers(-50, 50),
            "order_count": st.integers(0, 4),
            "tenure_days": st.one_of(st.none(), st.integers(0, 1000)),
        }
    ),
)
condition_st = st.fixed_dictionaries(
    {"metric": st.sampled_from(METRICS), "op": st.sampled_from(list(OPS)), "value": st.integers(-10, 10)}
)
rule_st = st.one_of(
    st.fixed_dictionaries(
        {
            "rule": st.just("top_percent"),
            "percent": st.sampled_from([1, 5, 12.5, 20, 33.333, 50, 100]),
            "percent_metric": st.sampled_from(METRICS),
            "conditions": st.lists(condition_st, max_size=2),
        }
    ),
    st.fixed_dictionaries(
        {
            "rule": st.just("conditions"),
            "percent": st.none(),
            "percent_metric": st.just(""),
            "conditions": st.lists(condition_st, min_size=1, max_size=3),
        }
    ),
)


def holds(cond, row) -> bool:
    value = None if row is None else row[cond["metric"]]
    return value is not None and OPS[cond["op"]](value, cond["value"])


def expected_tiers(rows: list, rules: list[dict], last: str) -> list[str]:
    """The rules read literally, one customer at a time."""
    tops = []
    for rule in rules:
        if rule["rule"] != "top_percent":
            tops.append(None)
            continue
        metric = rule["percent_metric"]
        population = [
            r[metric]
            for r in rows
            if r is not None and r[metric] is not None and all(holds(c, r) for c in rule["conditions"])
        ]
        n = len(population)

        def in_top(row, metric=metric, population=population, n=n, rule=rule):
            if row is None or row[metric] is None or not all(holds(c, row) for c in rule["conditions"]):
                return False
            above = sum(1 for v in population if v > row[metric])
            return Decimal(above * 100) < Decimal(str(rule["percent"])) * n

        tops.append(in_top)
    out = []
    for row in rows:
        for i, rule in enumerate(rules):
            if rule["rule"] == "top_percent":
                ok = tops[i](row)
            else:
                ok = all(holds(c, row) for c in rule["conditions"])
            if ok:
                out.append(f"t{i}")
                break
        else:
            out.append(last)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(customer_st, min_size=1, max_size=14), rules=st.lists(rule_st, min_size=0, max_size=3))
def test_every_customer_gets_exactly_the_tier_the_rules_say(db, rows, rules):
    TierChange.objects.all().delete()
    TierOverride.objects.all().delete()
    Customer.objects.all().delete()
    TierDefinition.objects.all().delete()
    for i, rule in enumerate(rules):
        TierDefinition.objects.create(code=f"t{i}", name_en=f"T{i}", name_zh=f"T{i}", position=i, **rule)
    TierDefinition.objects.create(code="rest", name_en="Rest", name_zh="其他", position=99, rule="everyone")
    customers = []
    for row in rows:
        c = CustomerFactory()
        if row is not None:
            # tenure_days is derived when read: store the first purchase that many days before NOW.
            stored = {k: v for k, v in row.items() if k != "tenure_days"}
            if row["tenure_days"] is not None:
                stored["first_purchase_at"] = NOW - timedelta(days=row["tenure_days"])
            CustomerMetrics.objects.create(customer=c, **stored)
        customers.append(c)
    tiers_recompute(as_of=NOW)
    got = dict(Customer.objects.values_list("pk", "tier"))
    codes = {f"t{i}" for i in range(len(rules))} | {"rest"}
    # A partition: every customer is in exactly one (known) tier ...
    assert len(got) == len(rows) and set(got.values()) <= codes
    # ... the one the rules give, also as the stored computed tier ...
    assert [got[c.pk] for c in customers] == expected_tiers(rows, rules, "rest")
    with_rows = {c.pk: got[c.pk] for c, row in zip(customers, rows, strict=True) if row is not None}
    assert dict(CustomerMetrics.objects.values_list("customer_id", "computed_tier")) == with_rows
    # ... and the history holds exactly one entry per customer after the first recompute.
    assert TierChange.objects.count() == len(rows)
    tiers_recompute(as_of=NOW)
    assert TierChange.objects.count() == len(rows)
