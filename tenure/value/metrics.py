"""The per-customer metrics as set-based SQL: each step is an INSERT … SELECT upsert (or two).

No rows pass through Python. Every statement reads as of ``as_of`` (orders and interactions after it
are ignored), so a recompute is reproducible and identical on SQLite and PostgreSQL.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import (
    Abs,
    Cast,
    Coalesce,
    CumeDist,
    Floor,
    Greatest,
    Least,
    NullIf,
    TruncDate,
)
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
)

from tenure.customers.models import Customer
from tenure.interactions.models import Interaction
from tenure.value.derived import churn_threshold, derived_expression, typical_gap
from tenure.value.models import AbcClass, CustomerMetrics, RfmSegment
from tenure.value.sql import (
    Epoch,
    MoneyRatio,
    temp_table,
    update_from_table,
    upsert_from_queryset,
    upsert_from_sql,
)

MONEY = DecimalField(max_digits=16, decimal_places=2)


def _at(value: datetime):
    return Value(value, output_field=DateTimeField())


def net(field: str, prefix: str = "orders__"):
    """An order amount with the sign of its kind: returns always count negative."""
    return Case(
        When(**{f"{prefix}is_return": True}, then=-Abs(F(f"{prefix}{field}"))),
        default=F(f"{prefix}{field}"),
        output_field=MONEY,
    )


def base_metrics(
    *, as_of: datetime, rolling_days: int, marketing_attr: str, marketing_default, only: str | None = None
) -> int:
    """Revenue, margin, counts, dates and marketing cost for every customer (one statement), or
    only for the customers whose ids the SELECT ``only`` returns (see ``changed_customers_sql``)."""
    sql, params, columns = base_metrics_sql(
        as_of=as_of,
        rolling_days=rolling_days,
        marketing_attr=marketing_attr,
        marketing_default=marketing_default,
        only=only,
    )
    return upsert_from_sql(
        CustomerMetrics, sql, params, columns, "customer_id", only_changed=True, touch=("computed_at",)
    )


def base_metrics_sql(
    *, as_of: datetime, rolling_days: int, marketing_attr: str, marketing_default, only: str | None = None
):
    """The SELECT of ``base_metrics`` as SQL text, its parameters and its column mapping.

    The orders are aggregated per customer on their own (GROUP BY the order's customer id, which
    the (customer, ordered_at) index serves), then joined to every customer. Grouping the customers
    joined with their orders instead put the marketing-cost expression (a JSON attribute) into the
    GROUP BY, which made PostgreSQL sort all orders by it (an incremental sort of every order line
    of 1M customers)."""
    from django.db import connection

    from tenure.commerce.models import Order

    since_12m = as_of - timedelta(days=rolling_days)
    purchase = Q(is_return=False)
    recent = Q(ordered_at__gt=since_12m)
    revenue = net("total", prefix="")
    margin = Case(
        When(is_return=True, then=-Abs(F("total")) + Abs(F("total_cost"))),
        default=F("total") - F("total_cost"),
        output_field=MONEY,
    )
    first = Min("ordered_at", filter=purchase)
    last = Max("ordered_at", filter=purchase)
    n_orders = Count("id", filter=purchase)
    n_days = Count(TruncDate("ordered_at"), filter=purchase, distinct=True)
    orders = Order.objects.filter(ordered_at__lte=as_of)
    customers = Customer.objects.all()
    if only is not None:
        orders = orders.filter(customer_id__in=RawSQL(only, ()))
        customers = customers.filter(id__in=RawSQL(only, ()))
    orders = (
        orders.order_by()
        .values("customer_id")
        .annotate(
            o_revenue=Sum(revenue),
            o_margin=Sum(margin),
            o_revenue_12m=Sum(revenue, filter=recent),
            o_margin_12m=Sum(margin, filter=recent),
            o_order_count=n_orders,
            o_return_count=Count("id", filter=Q(is_return=True)),
            o_purchase_days=n_days,
            o_first=first,
            o_last=last,
            o_aov=Case(
                When(GreaterThan(n_orders, 0), then=MoneyRatio(Sum(revenue), n_orders)),
                default=None,
                output_field=MONEY,
            ),
            o_gap=Case(
                When(
                    GreaterThan(n_days, 1),
                    then=Cast(Epoch(last) - Epoch(first), FloatField()) / Value(86400.0) / (n_days - 1),
                ),
                default=None,
                output_field=FloatField(),
            ),
        )
    )
    customers = (
        customers.order_by()
        .annotate(
            m_marketing=Coalesce(
                Cast(KeyTextTransform(marketing_attr, "attributes"), MONEY),
                Value(Decimal(str(marketing_default)), output_field=MONEY),
            ),
            m_at=_at(as_of),
        )
        .values("id", "m_marketing", "m_at")
    )
    c_sql, c_params = customers.query.get_compiler(customers.db).as_sql()
    o_sql, o_params = orders.query.get_compiler(orders.db).as_sql()
    qn = connection.ops.quote_name
    zero_money = [f"o_{name}" for name in ("revenue", "margin", "revenue_12m", "margin_12m")]
    zero_count = [f"o_{name}" for name in ("order_count", "return_count", "purchase_days")]
    as_is = ["o_first", "o_last", "o_aov", "o_gap"]
    select = [f"c.{qn('id')}", f"c.{qn('m_marketing')}", f"c.{qn('m_at')}"]
    select += [f"COALESCE(o.{qn(c)}, 0) AS {qn(c)}" for c in zero_money + zero_count]
    select += [f"o.{qn(c)}" for c in as_is]
    sql = (
        f"SELECT {', '.join(select)} FROM ({c_sql}) c "
        f"LEFT JOIN ({o_sql}) o ON o.{qn('customer_id')} = c.{qn('id')}"
    )
    return (
        sql,
        (*c_params, *o_params),
        {
            "customer_id": "id",
            "revenue": "o_revenue",
            "margin": "o_margin",
            "revenue_12m": "o_revenue_12m",
            "margin_12m": "o_margin_12m",
            "order_count": "o_order_count",
            "return_count": "o_return_count",
            "purchase_days": "o_purchase_days",
            "first_purchase_at": "o_first",
            "last_purchase_at": "o_last",
            "avg_order_value": "o_aov",
            "typical_gap_days": "o_gap",
            # last_contact_at, complaints_12m and referrals belong to contact_metrics and
            # referral_metrics (new rows start with the columns' defaults). Days since the first and
            # the last purchase are derived when read (derived.py), not stored.
            "marketing_cost": "m_marketing",
            "computed_at": "m_at",
        },
    )


def contact_metrics(*, as_of: datetime, rolling_days: int, only: str | None = None) -> int:
    """Last contact and complaints in the rolling year: written for the customers with interactions
    (only where they changed), cleared for those who no longer have any (merged away, deleted).
    With ``only`` (a SELECT of customer ids), for those customers alone."""
    stored = CustomerMetrics.objects.exclude(last_contact_at=None, complaints_12m=0)
    interactions = Interaction.objects.filter(occurred_at__lte=as_of)
    if only is not None:
        stored = stored.filter(customer_id__in=RawSQL(only, ()))
        interactions = interactions.filter(customer_id__in=RawSQL(only, ()))
    cleared = stored.filter(
        ~Exists(Interaction.objects.filter(customer=OuterRef("customer_id"), occurred_at__lte=as_of))
    ).update(last_contact_at=None, complaints_12m=0)
    since_12m = as_of - timedelta(days=rolling_days)
    last = Max("occurred_at")
    qs = (
        interactions.order_by()
        .values("customer_id")
        .annotate(
            c_last=last,
            c_complaints=Count("id", filter=Q(kind=Interaction.Kind.COMPLAINT, occurred_at__gt=since_12m)),
        )
    )
    columns = {
        "customer_id": "customer_id",
        "last_contact_at": "c_last",
        "complaints_12m": "c_complaints",
    }
    return cleared + upsert_from_queryset(CustomerMetrics, qs, columns, "customer_id", only_changed=True)


def _window_moves(field: str, *, prev_as_of: datetime, as_of: datetime, rolling_days: int) -> Q:
    """Rows whose ``field`` (a date) lies where moving the computation from ``prev_as_of`` to
    ``as_of`` changes what they count for: between the two as-of times (in or out of "up to as-of")
    or between the two starts of the rolling window (in or out of "the last 12 months")."""
    lo, hi = sorted((prev_as_of, as_of))
    window = timedelta(days=rolling_days)
    return Q(**{f"{field}__gt": lo, f"{field}__lte": hi}) | Q(
        **{f"{field}__gt": lo - window, f"{field}__lte": hi - window}
    )


def changed_customers_sql(
    *, changes_since: datetime, prev_as_of: datetime, as_of: datetime, rolling_days: int
) -> tuple[str, list]:
    """The customers whose base and contact metrics can differ from those a complete earlier run
    stored as of ``prev_as_of``: a SELECT of customer ids and its parameters.

    A customer's metrics are a function of their orders, interactions and own row (the marketing
    cost attribute), and of the as-of time. So they can only have moved for the customers
    - with an order or interaction written since ``changes_since`` (every write path stamps
      ``updated_at``: services, imports, the API; a merge moves the orders to the kept customer,
      whose row it saves);
    - whose own row was written since then (marketing cost; the kept side of a merge);
    - with an order or interaction dated where the as-of and the rolling window moved
      (``_window_moves``);
    - without a stored row (created since, or rows removed by hand).
    Orders and interactions never leave a customer except by a merge or by the customer's deletion
    (which removes their metrics row with them).
    """
    from django.db import connection

    from tenure.commerce.models import Order

    moves = {"prev_as_of": prev_as_of, "as_of": as_of, "rolling_days": rolling_days}
    parts = [
        Order.objects.filter(Q(updated_at__gte=changes_since) | _window_moves("ordered_at", **moves))
        .order_by()
        .values("customer_id"),
        Interaction.objects.filter(Q(updated_at__gte=changes_since) | _window_moves("occurred_at", **moves))
        .order_by()
        .values("customer_id"),
        Customer.objects.filter(
            Q(updated_at__gte=changes_since)
            | ~Exists(CustomerMetrics.objects.filter(customer_id=OuterRef("pk")))
        )
        .order_by()
        .values("id"),
    ]
    sqls, params = [], []
    for qs in parts:
        sql, p = qs.query.get_compiler(connection=connection).as_sql()
        sqls.append(sql)
        params.extend(p)
    return " UNION ".join(sqls), params


def referral_metrics() -> int:
    """How many customers each customer brought (Customer.referred_by): written for the referrers
    (only where it changed), set back to 0 for those who no longer have any referral."""
    cleared = (
        CustomerMetrics.objects.filter(referrals__gt=0)
        .filter(~Exists(Customer.objects.filter(referred_by=OuterRef("customer_id"))))
        .update(referrals=0)
    )
    qs = (
        Customer.objects.filter(referred_by__isnull=False)
        .order_by()
        .values("referred_by_id")
        .annotate(r_n=Count("id"))
    )
    columns = {"customer_id": "referred_by_id", "referrals": "r_n"}
    return cleared + upsert_from_queryset(CustomerMetrics, qs, columns, "customer_id", only_changed=True)


def abc_value_expression(
    *, basis: str, marketing: bool, tenure_weight: float, tenure_cap_years: float, as_of: datetime
):
    """Whole cents of (basis − marketing cost) × (1 + weight × min(tenure years, cap)), at least 0,
    tenure counted up to ``as_of``.

    Integer cents make the running sums exact and identical on SQLite and PostgreSQL.
    """
    if basis not in {"revenue", "margin"}:
        raise ValueError(f"unknown ABC basis {basis!r}")
    value = F(basis)
    if marketing:
        value = value - F("marketing_cost")
    value = Cast(value, FloatField())
    if tenure_weight:
        years = Least(
            Cast(Coalesce(derived_expression("tenure_days", at=as_of), 0), FloatField()) / Value(365.0),
            Value(float(tenure_cap_years)),
        )
        value = value * (Value(1.0) + Value(float(tenure_weight)) * years)
    cents = Floor(value * Value(100.0) + Value(0.5))
    return Cast(Greatest(cents, Value(0.0)), BigIntegerField())


def _score(pct, bins: list[float]):
    """1 + the number of cut points the percentile is above: 1..len(bins)+1."""
    whens = [
        When(GreaterThan(pct, Value(float(cut))), then=Value(len(bins) + 1 - i))
        for i, cut in enumerate(reversed(bins))
    ]
    return Case(*whens, default=Value(1), output_field=IntegerField())


# Named segments on the grid of recency score R and the mean of frequency and money scores FM
# (rounded half up). Checked top to bottom; documented in docs/value.md.
SEGMENT_RULES: list[tuple[str, tuple[int, int], tuple[int, int]]] = [
    (RfmSegment.CHAMPIONS, (5, 5), (4, 5)),
    (RfmSegment.LOYAL, (3, 4), (4, 5)),
    (RfmSegment.POTENTIAL_LOYALIST, (4, 5), (2, 3)),
    (RfmSegment.NEW, (5, 5), (1, 1)),
    (RfmSegment.PROMISING, (4, 4), (1, 1)),
    (RfmSegment.NEED_ATTENTION, (3, 3), (3, 3)),
    (RfmSegment.ABOUT_TO_SLEEP, (3, 3), (1, 2)),
    (RfmSegment.CANT_LOSE, (1, 2), (5, 5)),
    (RfmSegment.AT_RISK, (1, 2), (3, 4)),
    (RfmSegment.LOST, (1, 1), (1, 1)),
    (RfmSegment.HIBERNATING, (1, 2), (1, 2)),
]


def segment_for(r: int, fm: int) -> str:
    for name, (r_lo, r_hi), (fm_lo, fm_hi) in SEGMENT_RULES:
        if r_lo <= r <= r_hi and fm_lo <= fm <= fm_hi:
            return str(name)
    return ""


def _segment(r, fm):
    whens = [
        When(
            GreaterThanOrEqual(r, r_lo)
            & LessThanOrEqual(r, r_hi)
            & GreaterThanOrEqual(fm, fm_lo)
            & LessThanOrEqual(fm, fm_hi),
            then=Value(str(name)),
        )
        for name, (r_lo, r_hi), (fm_lo, fm_hi) in SEGMENT_RULES
    ]
    return Case(*whens, default=Value(""), output_field=CharField())


def _stage(*, as_of: datetime, rules: dict, prev):
    """Stage of a buyer by the rules (see docs/value.md); customers without purchases keep theirs."""
    Stage = Customer.Stage
    recency = Cast(derived_expression("recency_days", at=as_of), FloatField())
    gap = typical_gap(rules)
    since_cut = as_of - timedelta(days=int(rules["won_back_days"]))
    return Case(
        When(order_count=0, then=prev),
        When(GreaterThan(recency, churn_threshold(rules)), then=Value(Stage.CHURNED)),
        When(GreaterThan(recency, Value(float(rules["dormant_gaps"])) * gap), then=Value(Stage.DORMANT)),
        When(GreaterThan(recency, Value(float(rules["at_risk_gaps"])) * gap), then=Value(Stage.AT_RISK)),
        When(In(prev, [Stage.DORMANT, Stage.CHURNED]), then=Value(Stage.WON_BACK)),
        When(
            Exact(prev, Stage.WON_BACK) & GreaterThan(F("stage_since"), _at(since_cut)),
            then=Value(Stage.WON_BACK),
        ),
        When(
            LessThanOrEqual(derived_expression("tenure_days", at=as_of), int(rules["new_days"])),
            then=Value(Stage.NEW),
        ),
        default=Value(Stage.ACTIVE),
        output_field=CharField(),
    )


# Computed by the ranks SELECT and read by the labels, never stored: a percentile or a cumulative
# share moves for everybody as soon as anybody buys, so storing them made every nightly run rewrite
# every buyer's row. Only what they decide (scores, segment, class) is stored.
RANKED_ONLY = ("abc_share_before", "rfm_r_pct", "rfm_f_pct", "rfm_m_pct")


def _ranked(name: str):
    """A column of the ranks derived table, which the labels SELECT reads under the metrics
    table's name (see classify)."""
    from django.db import connection

    qn = connection.ops.quote_name
    return RawSQL(f"{qn(CustomerMetrics._meta.db_table)}.{qn(name)}", (), output_field=FloatField())


def classify(*, as_of: datetime, conf: dict) -> int:
    """ABC, RFM, lifecycle stage and churn risk of every customer: one upsert over the metrics.

    ``ranks`` computes each window function once per row (CUME_DIST among buyers for R, F and M,
    so ties share a percentile; a running sum of ABC value, best first, ties by customer id);
    ``labels`` turns those percentiles and shares into scores, segment, class and stage. The labels
    SELECT reads the ranks SELECT as its metrics table (a derived table under the same name), so
    every row is written once, and only if something changed. (Window calls written inside every
    CASE were evaluated again and again: slower.)
    """
    from django.db import connection

    ranks, rank_columns = ranks_select(as_of=as_of, conf=conf)
    labels, label_columns = labels_select(as_of=as_of, conf=conf)
    qn = connection.ops.quote_name
    fresh = {target: source for target, source in rank_columns.items() if target != "customer_id"}
    kept = [f.column for f in CustomerMetrics._meta.concrete_fields if f.column not in fresh]
    ranks_sql, ranks_params = ranks.values(*kept, *fresh.values()).query.sql_with_params()
    # CAST to the column's type: SQLite gives a subquery's computed column no affinity, and a
    # decimal compared with Django's '0' parameter would then compare as text.
    types = {f.column: f.db_type(connection) for f in CustomerMetrics._meta.concrete_fields}
    for target in RANKED_ONLY:
        types[target] = FloatField().db_type(connection)
    derived = ", ".join(
        [f"r.{qn(c)}" for c in kept]
        + [f"CAST(r.{qn(src)} AS {types[target]}) AS {qn(target)}" for target, src in fresh.items()]
    )
    stored = [target for target in fresh if target not in RANKED_ONLY]
    labels = labels.values(*label_columns.values(), *stored)
    labels_sql, labels_params = labels.query.sql_with_params()
    table = f"FROM {qn(CustomerMetrics._meta.db_table)}"
    head, tail = labels_sql.split(table)
    # The labels SELECT has no WHERE: its parameters all come before the FROM clause.
    assert "%s" not in tail, "labels_select grew parameters after FROM"
    sql = f"{head}FROM (SELECT {derived} FROM ({ranks_sql}) r) {qn(CustomerMetrics._meta.db_table)}{tail}"
    columns = {**label_columns, **{target: target for target in stored}}
    return upsert_from_sql(
        CustomerMetrics, sql, (*labels_params, *ranks_params), columns, "customer_id", only_changed=True
    )


def ranks_select(*, as_of: datetime, conf: dict):
    buyer = Q(order_count__gt=0)
    part = [ExpressionWrapper(buyer, output_field=BooleanField())]

    def cume(order):
        return Case(
            When(buyer, then=Window(CumeDist(), partition_by=part, order_by=order)),
            default=None,
            output_field=FloatField(),
        )

    cents = abc_value_expression(
        basis=conf["abc_basis"],
        marketing=bool(conf["abc_marketing_cost"]),
        tenure_weight=float(conf["abc_tenure_weight"]),
        tenure_cap_years=float(conf["abc_tenure_cap_years"]),
        as_of=as_of,
    )
    # The total value is one aggregate first: a window over the whole table (SUM() OVER ()) made
    # PostgreSQL keep every row in a tuplestore that spilled to disk at 1M customers.
    total = CustomerMetrics.objects.order_by().aggregate(t=Sum(cents))["t"] or 0
    qs = (
        CustomerMetrics.objects.order_by()
        .annotate(v_cents=cents)
        .annotate(
            v_value=Cast(F("v_cents"), FloatField()) / Value(100.0),
            v_before=Cast(
                Window(Sum("v_cents"), order_by=[F("v_cents").desc(), F("customer_id").asc()]) - F("v_cents"),
                FloatField(),
            )
            / Cast(NullIf(Value(int(total), output_field=BigIntegerField()), 0), FloatField()),
            # Longest since the last purchase first (as days, so that ties are whole days).
            r_pct=cume(derived_expression("recency_days", at=as_of).desc()),
            f_pct=cume(F("order_count").asc()),
            m_pct=cume(F("revenue").asc()),
        )
        .values("customer_id", "v_value", "v_before", "r_pct", "f_pct", "m_pct")
    )
    return qs, {
        "customer_id": "customer_id",
        "abc_value": "v_value",
        "abc_share_before": "v_before",
        "rfm_r_pct": "r_pct",
        "rfm_f_pct": "f_pct",
        "rfm_m_pct": "m_pct",
    }


def labels_select(*, as_of: datetime, conf: dict):
    bins = [float(b) for b in conf["rfm_bins"]]
    rules = conf["lifecycle"]
    thresholds = conf["abc_thresholds"]
    a_cut = thresholds[0] / 100.0
    b_cut = (thresholds[0] + thresholds[1]) / 100.0
    buyer = Q(order_count__gt=0)
    share_before = _ranked("abc_share_before")

    def if_buyer(expr, field):
        return Case(When(buyer, then=expr), default=None, output_field=field)

    prev = F("customer__lifecycle_stage")
    qs = (
        CustomerMetrics.objects.order_by()
        .annotate(
            r_score=_score(_ranked("rfm_r_pct"), bins),
            f_score=_score(_ranked("rfm_f_pct"), bins),
            m_score=_score(_ranked("rfm_m_pct"), bins),
            new_stage=_stage(as_of=as_of, rules=rules, prev=prev),
        )
        .annotate(
            v_class=Case(
                When(Q(abc_value__lte=0) | Q(IsNull(share_before, True)), then=Value(AbcClass.C)),
                When(LessThan(share_before, a_cut), then=Value(AbcClass.A)),
                When(LessThan(share_before, b_cut), then=Value(AbcClass.B)),
                default=Value(AbcClass.C),
                output_field=CharField(),
            ),
            o_r=if_buyer(F("r_score"), IntegerField()),
            o_f=if_buyer(F("f_score"), IntegerField()),
            o_m=if_buyer(F("m_score"), IntegerField()),
            o_segment=Case(
                When(
                    buyer,
                    then=_segment(
                        F("r_score"),
                        ExpressionWrapper((F("f_score") + F("m_score") + 1) / 2, output_field=IntegerField()),
                    ),
                ),
                default=Value(""),
                output_field=CharField(),
            ),
            o_since=Case(
                When(~Exact(F("new_stage"), prev), then=_at(as_of)),
                default=Coalesce(F("stage_since"), _at(as_of)),
            ),
        )
        .values("customer_id", "v_class", "o_r", "o_f", "o_m", "o_segment", "new_stage", "o_since")
    )
    return qs, {
        "customer_id": "customer_id",
        "abc_class": "v_class",
        "rfm_r": "o_r",
        "rfm_f": "o_f",
        "rfm_m": "o_m",
        "rfm_segment": "o_segment",
        "lifecycle_stage": "new_stage",
        "stage_since": "o_since",
    }


def record_stage_changes(*, as_of: datetime, run_id: int | None) -> int:
    """Log every customer whose computed stage differs from the stored one, then store it.

    The moved customers are found once (a temporary table), then logged and updated from it: two
    cheap statements over the few that moved instead of two joins of the whole customer table."""
    from django.db import connection
    from django.utils import timezone

    from tenure.value.models import StageChange

    changed = (
        CustomerMetrics.objects.exclude(lifecycle_stage="")
        .exclude(lifecycle_stage=F("customer__lifecycle_stage"))
        .order_by()
        .annotate(
            c_from=F("customer__lifecycle_stage"),
            c_to=F("lifecycle_stage"),
            c_at=_at(as_of),
            c_run=Value(run_id, output_field=BigIntegerField()),
        )
        .values("customer_id", "c_from", "c_to", "c_at", "c_run")
    )
    sql, params = changed.query.get_compiler(changed.db).as_sql()
    with temp_table("tenure_stage_moves", sql, params) as moves:
        n = upsert_from_sql(
            StageChange,
            f"SELECT * FROM {moves}",
            (),
            {
                "customer_id": "customer_id",
                "from_stage": "c_from",
                "to_stage": "c_to",
                "changed_at": "c_at",
                "run_id": "c_run",
            },
            None,
        )
        if n:
            update_from_table(
                Customer,
                moves,
                key="customer_id",
                columns={"lifecycle_stage": "c_to"},
                values={"updated_at": timezone.now()},
                using=connection.alias,
            )
    return n
