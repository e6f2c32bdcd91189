"""The rule compiler: every field type and operator, AND/OR nesting, precise errors, and a property
test against a brute-force evaluation in Python."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.customers.models import Customer, Tag
from tenure.segments.fields import FIELDS, NO_VALUE_OPS
from tenure.segments.rules import RuleError, compile_rules, validate_rules
from tenure.value.models import CustomerMetrics

NOW = timezone.now()


def matching(rules, base=None):
    base = base if base is not None else Customer.objects.all()
    return set(base.filter(compile_rules(validate_rules(rules), now=NOW)).values_list("name", flat=True))


def one(field, op, value=""):
    return {"op": "and", "rules": [{"field": field, "op": op, "value": value}]}


@pytest.fixture
def people(db, agent):
    vip = Tag.objects.create(name="vip")
    a = Customer.objects.create(
        name="Alice",
        lifecycle_stage="active",
        tier="gold",
        owner=agent,
        attributes={"city": "bj"},
        allowed_channels=["phone", "email"],
        consent_given_at=NOW - timedelta(days=3),
        birthday=NOW.date().replace(month=3, day=1),
    )
    b = Customer.objects.create(
        name="Bob", lifecycle_stage="at_risk", do_not_contact=True, allowed_channels=["email"]
    )
    c = Customer.objects.create(name="Carol", lifecycle_stage="dormant", industry="retail")
    a.tags.add(vip)
    CustomerMetrics.objects.create(
        customer=a,
        revenue_12m=Decimal("12000"),
        complaints_12m=3,
        abc_class="A",
        rfm_segment="champions",
        last_purchase_at=NOW - timedelta(days=10),
    )
    CustomerMetrics.objects.create(
        customer=b,
        revenue_12m=Decimal("500"),
        abc_class="C",
        last_purchase_at=NOW - timedelta(days=400),
        order_count=1,
    )
    return a, b, c


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (("name", "eq", "Alice"), {"Alice"}),
        (("name", "ne", "Alice"), {"Bob", "Carol"}),
        (("name", "contains", "o"), {"Bob", "Carol"}),
        (("name", "not_contains", "o"), {"Alice"}),
        (("name", "startswith", "ca"), {"Carol"}),
        (("industry", "empty", ""), {"Alice", "Bob"}),
        (("industry", "not_empty", ""), {"Carol"}),
        (("metrics.revenue_12m", "gte", "12000"), {"Alice"}),
        (("metrics.revenue_12m", "gt", "12000"), set()),
        (("metrics.revenue_12m", "lt", "1000"), {"Bob"}),
        (("metrics.revenue_12m", "lte", "500"), {"Bob"}),
        (("metrics.revenue_12m", "eq", "500"), {"Bob"}),
        (("metrics.revenue_12m", "ne", "500"), {"Alice", "Carol"}),
        (("metrics.revenue_12m", "empty", ""), {"Carol"}),
        (("metrics.complaints_12m", "gte", "2"), {"Alice"}),
        (("metrics.last_purchase_at", "within_days", "30"), {"Alice"}),
        (("metrics.last_purchase_at", "older_than_days", "365"), {"Bob"}),
        (("metrics.last_purchase_at", "not_empty", ""), {"Alice", "Bob"}),
        (("metrics.last_purchase_at", "before", (NOW - timedelta(days=100)).date().isoformat()), {"Bob"}),
        (("metrics.last_purchase_at", "after", (NOW - timedelta(days=100)).date().isoformat()), {"Alice"}),
        (
            (
                "metrics.last_purchase_at",
                "on",
                timezone.localtime(NOW - timedelta(days=10)).date().isoformat(),
            ),
            {"Alice"},
        ),
        (("lifecycle_stage", "eq", "active"), {"Alice"}),
        (("lifecycle_stage", "ne", "active"), {"Bob", "Carol"}),
        (("lifecycle_stage", "in", "active, dormant"), {"Alice", "Carol"}),
        (("lifecycle_stage", "not_in", "active,dormant"), {"Bob"}),
        (("tier", "eq", "gold"), {"Alice"}),
        (("tier", "empty", ""), {"Bob", "Carol"}),
        (("metrics.abc_class", "eq", "A"), {"Alice"}),
        (("metrics.abc_class", "ne", "A"), {"Bob", "Carol"}),
        (("metrics.rfm_segment", "empty", ""), {"Bob", "Carol"}),
        (("metrics.rfm_segment", "not_empty", ""), {"Alice"}),
        (("birthday_month", "eq", "3"), {"Alice"}),
        (("do_not_contact", "is_true", ""), {"Bob"}),
        (("do_not_contact", "is_false", ""), {"Alice", "Carol"}),
        (("consent_given", "is_true", ""), {"Alice"}),
        (("consent_given", "is_false", ""), {"Bob", "Carol"}),
        (("consent_given_at", "within_days", "7"), {"Alice"}),
        (("tags", "has", "vip"), {"Alice"}),
        (("tags", "has_any", "vip, nothing"), {"Alice"}),
        (("tags", "has_none", "vip"), {"Bob", "Carol"}),
        (("owner", "eq", "agent"), {"Alice"}),
        (("owner", "empty", ""), {"Bob", "Carol"}),
        (("attributes", "eq", "city=bj"), {"Alice"}),
        (("attributes", "ne", "city=bj"), {"Bob", "Carol"}),
        (("attributes", "has_key", "city"), {"Alice"}),
        (("attributes", "lacks_key", "city"), {"Bob", "Carol"}),
        (("allowed_channels", "contains", "phone"), {"Alice"}),
        (("allowed_channels", "not_contains", "phone"), {"Bob", "Carol"}),
        # Derived when read, as of NOW (Carol has no metrics row at all).
        (("metrics.recency_days", "gt", "30"), {"Bob"}),
        (("metrics.recency_days", "lte", "10"), {"Alice"}),
        (("metrics.recency_days", "eq", "400"), {"Bob"}),
        (("metrics.recency_days", "ne", "10"), {"Bob", "Carol"}),
        (("metrics.recency_days", "empty", ""), {"Carol"}),
        (("metrics.recency_days", "not_empty", ""), {"Alice", "Bob"}),
        (("metrics.days_since_contact", "empty", ""), {"Alice", "Bob", "Carol"}),
        # Bob: one purchase day, default gap 90 -> churned after max(8 x 90, 365) = 720 days.
        (("metrics.churn_risk", "gte", "0.55"), {"Bob"}),
        (("metrics.churn_risk", "gt", "0.56"), set()),
        (("metrics.churn_risk", "empty", ""), {"Alice", "Carol"}),
    ],
)
def test_each_field_type_and_operator(people, rule, expected):
    assert matching(one(*rule)) == expected


def test_and_or_nesting(people):
    rules = {
        "op": "or",
        "rules": [
            {"field": "name", "op": "eq", "value": "Carol"},
            {
                "op": "and",
                "rules": [
                    {"field": "metrics.revenue_12m", "op": "gte", "value": "100"},
                    {"op": "or", "rules": [{"field": "do_not_contact", "op": "is_true"}]},
                ],
            },
        ],
    }
    assert matching(rules) == {"Bob", "Carol"}
    rules["op"] = "and"
    assert matching(rules) == set()


def test_empty_top_group_matches_everyone(people):
    assert matching({"op": "and", "rules": []}) == {"Alice", "Bob", "Carol"}


def test_tag_rules_do_not_duplicate_members(people):
    a, _b, _c = people
    a.tags.add(Tag.objects.create(name="second"))
    qs = Customer.objects.filter(compile_rules(validate_rules(one("tags", "has_any", "vip,second"))))
    assert list(qs.values_list("name", flat=True)) == ["Alice"]


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            {
                "op": "and",
                "rules": [
                    {"field": "name", "op": "eq", "value": "x"},
                    {
                        "op": "or",
                        "rules": [
                            {"field": "name", "op": "eq", "value": "y"},
                            {"field": "metrics.revenu", "op": "gt", "value": "1"},
                        ],
                    },
                ],
            },
            "rule 2.2: field 'metrics.revenu' is unknown",
        ),  # fmt: skip
        (one("metrics.revenue", "gt", "abc"), "rule 1: 'abc' is not a number"),
        (
            one("metrics.last_purchase_at", "before", "2024-13-01"),
            "rule 1: '2024-13-01' is not a date (YYYY-MM-DD)",
        ),
        (one("metrics.last_purchase_at", "within_days", "-3"), "rule 1: '-3' is not a number of days"),
        (one("name", "gt", "x"), "rule 1: 'gt' is not an operator of name"),
        (one("lifecycle_stage", "eq", "zombie"), "rule 1: 'zombie' is not a choice of lifecycle_stage"),
        (one("owner", "eq", "nobody"), "rule 1: no staff member 'nobody'"),
        (one("attributes", "eq", "novalue"), "rule 1: write the attribute as key=value"),
        (one("name", "eq", ""), "rule 1: a value is needed"),
        ({"op": "xor", "rules": []}, "a group combines with 'and' or 'or', not 'xor'"),
        ({"op": "and", "rules": [{"op": "or", "rules": []}]}, "rule 1: the group is empty"),
        ({"op": "and"}, "The rules must be a group"),
    ],
)
def test_invalid_rules_give_precise_messages(db, rules, message):
    with pytest.raises(RuleError) as info:
        validate_rules(rules)
    assert any(message in m for m in info.value.messages), info.value.messages


def test_tiers_accept_codes_defined_later(db):
    assert validate_rules(one("tier", "eq", "diamond"))["rules"][0]["value"] == "diamond"


# --- property: count == len(members) == brute force ------------------------------------------

NAMES = ["ab", "ba", "abc", "ca"]
STAGES = ["new", "active", "at_risk"]
TIERS = ["", "gold", "iron"]
TAGS = ["vip", "new"]
REVENUES = [Decimal("0"), Decimal("50"), Decimal("100")]
ABC = ["", "A", "B"]
CHANNELS = ["phone", "email"]
DAYS = [None, 10, 400]


def _eq(v, x):
    return v is not None and v == x


def brute(c: dict, node) -> bool:
    if "rules" in node:
        results = [brute(c, child) for child in node["rules"]]
        if not results:
            return True
        return any(results) if node["op"] == "or" else all(results)
    key, op, raw = node["field"], node["op"], node.get("value", "")
    field = FIELDS[key]
    v = c.get(key)
    if field.type == "boolean":
        truth = v is not None if key == "consent_given" else bool(v)
        return truth if op == "is_true" else not truth
    if op == "empty":
        return v in ("", None)
    if op == "not_empty":
        return v not in ("", None)
    if field.type == "text":
        return {
            "eq": lambda: v == raw,
            "ne": lambda: v != raw,
            "contains": lambda: raw.lower() in v.lower(),
            "not_contains": lambda: raw.lower() not in v.lower(),
            "startswith": lambda: v.lower().startswith(raw.lower()),
        }[op]()
    if field.type in ("money", "number"):
        x = Decimal(raw)
        if op == "ne":
            return not _eq(v, x)
        if v is None:
            return False
        return {"eq": v == x, "gt": v > x, "gte": v >= x, "lt": v < x, "lte": v <= x}[op]
    if field.type == "datetime":
        if v is None:
            return False
        edge = NOW - timedelta(days=int(raw))
        return v >= edge if op == "within_days" else v < edge
    if field.type == "choice":
        codes = [p.strip() for p in raw.split(",") if p.strip()]
        return {"eq": _eq(v, raw), "ne": not _eq(v, raw), "in": v in codes, "not_in": v not in codes}[op]
    if field.type == "tag":
        names = {p.strip() for p in raw.split(",")}
        return {"has": raw in v, "has_any": bool(v & names), "has_none": not (v & names)}[op]
    if field.type == "channel":
        return (raw in v) == (op == "contains")
    if field.type == "attribute":
        if op in ("has_key", "lacks_key"):
            return (raw in v) == (op == "has_key")
        k, _sep, text = raw.partition("=")
        return (v.get(k) == text) == (op == "eq")
    raise AssertionError(key)


FIELD_VALUES = {
    "name": st.sampled_from(["ab", "b", "ca", "x"]),
    "lifecycle_stage": st.sampled_from([*STAGES, "active,new"]),
    "tier": st.sampled_from(["gold", "iron", "gold,iron"]),
    "do_not_contact": st.just(""),
    "consent_given": st.just(""),
    "tags": st.sampled_from(["vip", "new", "vip,new"]),
    "allowed_channels": st.sampled_from(CHANNELS),
    "attributes": st.sampled_from(["city=bj", "city=sh", "city"]),
    "metrics.revenue_12m": st.sampled_from(["0", "50", "75", "100"]),
    "metrics.abc_class": st.sampled_from(["A", "B", "A,B"]),
    "metrics.last_purchase_at": st.sampled_from(["30", "365", "1000"]),
    "metrics.recency_days": st.sampled_from(["9", "10", "30", "400"]),
}
VALUE_OPS = {
    "attributes": {
        "eq": ["city=bj", "city=sh"],
        "ne": ["city=bj"],
        "has_key": ["city"],
        "lacks_key": ["city"],
    },
}


@st.composite
def leaf(draw):
    key = draw(st.sampled_from(sorted(FIELD_VALUES)))
    ops = FIELDS[key].ops
    if FIELDS[key].type == "datetime":
        ops = ["within_days", "older_than_days", "empty", "not_empty"]
    op = draw(st.sampled_from(ops))
    if op in NO_VALUE_OPS:
        return {"field": key, "op": op, "value": ""}
    if key in VALUE_OPS:
        value = draw(st.sampled_from(VALUE_OPS[key][op]))
    elif op in ("eq", "ne") and FIELDS[key].type == "choice":
        value = draw(FIELD_VALUES[key]).split(",")[0]
    else:
        value = draw(FIELD_VALUES[key])
    return {"field": key, "op": op, "value": value}


ops = st.sampled_from(["and", "or"])
groups = st.builds(
    lambda op, rules: {"op": op, "rules": rules}, ops, st.lists(leaf(), min_size=1, max_size=3)
)
trees = st.builds(
    lambda op, rules: {"op": op, "rules": rules}, ops, st.lists(leaf() | groups, min_size=0, max_size=4)
)

customer_rows = st.fixed_dictionaries(
    {
        "name": st.sampled_from(NAMES),
        "lifecycle_stage": st.sampled_from(STAGES),
        "tier": st.sampled_from(TIERS),
        "do_not_contact": st.booleans(),
        "consent_given": st.booleans(),
        "tags": st.sets(st.sampled_from(TAGS)),
        "allowed_channels": st.lists(st.sampled_from(CHANNELS), unique=True),
        "attributes": st.sampled_from([{}, {"city": "bj"}, {"city": "sh"}]),
        "metrics": st.none()
        | st.fixed_dictionaries(
            {
                "revenue_12m": st.sampled_from(REVENUES),
                "abc_class": st.sampled_from(ABC),
                "last_purchase_days": st.sampled_from(DAYS),
            }
        ),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(customer_rows, min_size=0, max_size=8), tree=trees)
def test_count_equals_members_equals_brute_force(db, rows, tree):
    Customer.objects.all().delete()
    Tag.objects.all().delete()
    tags = {name: Tag.objects.create(name=name) for name in TAGS}
    expected = set()
    for row in rows:
        c = Customer.objects.create(
            name=row["name"],
            lifecycle_stage=row["lifecycle_stage"],
            tier=row["tier"],
            do_not_contact=row["do_not_contact"],
            consent_given_at=NOW if row["consent_given"] else None,
            allowed_channels=row["allowed_channels"],
            attributes=row["attributes"],
        )
        c.tags.set([tags[t] for t in row["tags"]])
        m = row["metrics"]
        flat = {**row, "tags": set(row["tags"]), "consent_given": NOW if row["consent_given"] else None}
        flat.update(
            {
                "metrics.revenue_12m": None,
                "metrics.abc_class": None,
                "metrics.last_purchase_at": None,
                "metrics.recency_days": None,
            }
        )
        if m is not None:
            last = NOW - timedelta(days=m["last_purchase_days"]) if m["last_purchase_days"] else None
            CustomerMetrics.objects.create(
                customer=c, revenue_12m=m["revenue_12m"], abc_class=m["abc_class"], last_purchase_at=last
            )
            flat.update(
                {"metrics.revenue_12m": m["revenue_12m"], "metrics.abc_class": m["abc_class"], "metrics.last_purchase_at": last, "metrics.recency_days": m["last_purchase_days"]}
            )  # fmt: skip
        if brute(flat, tree):
            expected.add(c.pk)
    q = compile_rules(validate_rules(tree), now=NOW)
    members = list(Customer.objects.filter(q).values_list("pk", flat=True))
    assert len(members) == len(set(members))  # no duplicates from tags or metrics
    assert Customer.objects.filter(q).count() == len(members)
    assert set(members) == expected
