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
    F,
    FloatField,
    Func,
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
    Floor,
    Greatest,
    Least,
    TruncDate,
)
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
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


def _among(field: str, only: str) -> Q:
    """``field`` is one of the customer ids the SELECT ``only`` returns.

    On PostgreSQL ``= ANY(ARRAY(…))``: the ids are read once and every table is probed by index
    for them (in id order, so the per-customer aggregates need no sort). Written as ``IN (…)``,
    the planner walked the whole (customer, …) index of 6.4M orders to merge it with 61k ids
    (2.9 s of 6.3 s). Elsewhere ``IN (…)``, which SQLite probes by index itself."""
    from django.db import connection

    if connection.vendor == "postgresql":
        assert "%" not in only
        return Q(
            Func(F(field), template=f"%(expressions)s = ANY(ARRAY({only}))", output_field=BooleanField())
        )
    return Q(**{f"{field}__in": RawSQL(only, ())})


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
        orders = orders.filter(_among("customer_id", only))
        customers = customers.filter(_among("id", only))
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
        stored = stored.filter(_among("customer_id", only))
        interactions = interactions.filter(_among("customer_id", only))
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
        Customer.objects.filter(updated_at__gte=changes_since).order_by().values("id"),
    ]
    # Every metrics row belongs to a customer (deleted with it): a customer can only lack one if
    # there are fewer rows than customers. Two index counts instead of an anti-join of 1M rows.
    if CustomerMetrics.objects.count() < Customer.objects.count():
        parts.append(
            Customer.objects.filter(~Exists(CustomerMetrics.objects.filter(customer_id=OuterRef("pk"))))
            .order_by()
            .values("id")
        )
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


def _cume_cuts(expr, *, descending: bool, bins: list[float]) -> list:
    """For each cut c of ``bins``, the first value of ``expr`` in its order (ascending, or
    descending) whose CUME_DIST among buyers is above c, or None when none is.

    CUME_DIST of a value is the share of buyers at or before it in the order (ties share it), so it
    never decreases along the order and a buyer's score (1 + the number of cuts its percentile is
    above) is 1 + the number of these values it is at or after. Computed from the distinct values
    and their counts (a GROUP BY and a running sum over the groups, the same division as CUME_DIST
    does) instead of a window sort of every customer's row: the same scores, read from a few
    constants."""
    from django.db import connection

    qn = connection.ops.quote_name
    buyers = CustomerMetrics.objects.filter(order_count__gt=0).order_by()
    grouped = buyers.annotate(g_value=expr).values("g_value").annotate(g_count=Count("customer_id"))
    inner, params = grouped.query.get_compiler(connection=connection).as_sql()
    direction = "DESC" if descending else "ASC"
    pick = "MAX" if descending else "MIN"
    value, count = qn("g_value"), qn("g_count")
    running = (
        f"SELECT {value}, CAST(SUM({count}) OVER (ORDER BY {value} {direction}) AS DOUBLE PRECISION) "
        f"/ CAST(SUM({count}) OVER () AS DOUBLE PRECISION) AS cume FROM ({inner}) g"
    )
    picks = ", ".join(f"{pick}(CASE WHEN cume > %s THEN {value} END)" for _ in bins)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {picks} FROM ({running}) r", (*[float(c) for c in bins], *params))
        row = cursor.fetchone()
    return list(row) if row else [None] * len(bins)


def _cut_score(expr, cuts: list, *, descending: bool, output_field):
    """1 + the number of ``cuts`` (from ``_cume_cuts``) the value is at or after."""
    whens = []
    for i in reversed(range(len(cuts))):
        cut = cuts[i]
        if cut is None:
            continue
        after = LessThanOrEqual if descending else GreaterThanOrEqual
        whens.append(When(after(expr, Value(cut, output_field=output_field)), then=Value(i + 2)))
    return Case(*whens, default=Value(1), output_field=IntegerField())


def _abc_before(cents):
    """Share of the total value held by the customers ranked before this one (best first, ties by
    customer id)."""
    return Window(Sum(cents), order_by=[cents.desc(), F("customer_id").asc()]) - cents


def abc_bounds(*, cents, cuts: list[float]) -> tuple[int, list]:
    """The total value in cents and, for each cut (share), the (cents, customer id) of the first
    customer in value order (best first, ties by id) whose share before it reaches the cut, or None.
    The share before a customer never decreases along that order, so a customer is below the cut
    exactly when they come before that first customer. One narrow window sort of (value, id)
    instead of sorting every customer's whole row."""
    from django.db import connection

    total = CustomerMetrics.objects.order_by().aggregate(t=Sum(cents))["t"] or 0
    if not total:
        return 0, [None] * len(cuts)
    qn = connection.ops.quote_name
    qs = (
        CustomerMetrics.objects.order_by()
        .annotate(v_cents=cents)
        .annotate(v_before=Cast(_abc_before(F("v_cents")), FloatField()) / Value(float(int(total))))
        .values("v_cents", "customer_id", "v_before")
    )
    inner, params = qs.query.get_compiler(connection=connection).as_sql()
    v, cid, before = qn("v_cents"), qn("customer_id"), qn("v_before")
    lag = f"LAG({before}) OVER (ORDER BY {v} DESC, {cid} ASC)"
    firsts = " OR ".join(f"({before} >= %s AND (prev IS NULL OR prev < %s))" for _ in cuts)
    sql = (
        f"SELECT {v}, {cid}, {before} FROM (SELECT {v}, {cid}, {before}, {lag} AS prev FROM ({inner}) w) x "
        f"WHERE {firsts}"
    )
    cut_params = [float(c) for c in cuts for _ in (0, 1)]
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, *cut_params))
        rows = sorted(cursor.fetchall(), key=lambda r: (-r[0], r[1]))
    bounds = []
    for c in cuts:
        first = next(((int(r[0]), int(r[1])) for r in rows if r[2] >= float(c)), None)
        bounds.append(first)
    return int(total), bounds


def _before_bound(cents, bound):
    """True for the customers ranked before ``bound`` (best value first, ties by id)."""
    if bound is None:
        return Q(pk__isnull=False)
    value, customer = bound
    big = Value(value, output_field=BigIntegerField())
    return Q(GreaterThan(cents, big)) | (Q(Exact(cents, big)) & Q(customer_id__lt=customer))


def classify(*, as_of: datetime, conf: dict, written: list | None = None) -> int:
    """ABC, RFM, lifecycle stage and churn risk of every customer: one upsert over the metrics.

    The ranks across customers are reduced to a few constants first: for R, F and M the values at
    which a buyer's percentile (CUME_DIST among buyers; ties share it) passes each cut point
    (``_cume_cuts``), and for ABC the first customer past each cumulative share (``abc_bounds``).
    The labels SELECT then reads every customer's row once and compares it with those constants:
    no window sort of the whole table (four of them, at 1M customers most of this step's time).
    Percentiles and cumulative shares are not stored: they move for everybody as soon as anybody
    buys, and storing them made every nightly run rewrite every buyer's row.
    """
    sql, params, columns = labels_sql(as_of=as_of, conf=conf)
    return upsert_from_sql(
        CustomerMetrics, sql, params, columns, "customer_id", only_changed=True, written=written
    )


def rfm_cuts(*, as_of: datetime, conf: dict) -> dict:
    """The R, F and M values at which a buyer's score goes up (``_cume_cuts``): R by days since the
    last purchase (longest first), F by orders, M by net revenue."""
    bins = [float(b) for b in conf["rfm_bins"]]
    money = [
        None if m is None else Decimal(str(m)) for m in _cume_cuts(F("revenue"), descending=False, bins=bins)
    ]
    return {
        "r": _cume_cuts(derived_expression("recency_days", at=as_of), descending=True, bins=bins),
        "f": _cume_cuts(F("order_count"), descending=False, bins=bins),
        "m": money,
    }


def labels_sql(*, as_of: datetime, conf: dict) -> tuple[str, list, dict]:
    """The labels SELECT of ``classify`` as SQL text, its parameters and its column mapping.

    Two levels: the inner SELECT (the ORM) computes each customer's value in cents, R, F and M
    scores and new stage once; the outer one names segment, class and stage date from those
    columns. (Written as one queryset, every reference to an annotation repeats its whole
    expression: the segment rules alone evaluated each score's CASE forty-four times per row.)
    """
    from django.db import connection

    qn = connection.ops.quote_name
    rules = conf["lifecycle"]
    thresholds = conf["abc_thresholds"]
    a_cut = thresholds[0] / 100.0
    b_cut = (thresholds[0] + thresholds[1]) / 100.0
    cents = abc_value_expression(
        basis=conf["abc_basis"],
        marketing=bool(conf["abc_marketing_cost"]),
        tenure_weight=float(conf["abc_tenure_weight"]),
        tenure_cap_years=float(conf["abc_tenure_cap_years"]),
        as_of=as_of,
    )
    total, (a_bound, b_bound) = abc_bounds(cents=cents, cuts=[a_cut, b_cut])
    cuts = rfm_cuts(as_of=as_of, conf=conf)
    inner = (
        CustomerMetrics.objects.order_by()
        .annotate(
            l_cents=cents,
            l_r=_cut_score(
                derived_expression("recency_days", at=as_of),
                cuts["r"],
                descending=True,
                output_field=IntegerField(),
            ),
            l_f=_cut_score(F("order_count"), cuts["f"], descending=False, output_field=IntegerField()),
            l_m=_cut_score(F("revenue"), cuts["m"], descending=False, output_field=MONEY),
            l_stage=_stage(as_of=as_of, rules=rules, prev=F("customer__lifecycle_stage")),
            l_prev=F("customer__lifecycle_stage"),
        )
        .values(
            "customer_id", "order_count", "stage_since", "l_cents", "l_r", "l_f", "l_m", "l_stage", "l_prev"
        )
    )
    inner_sql, inner_params = inner.query.get_compiler(connection=connection).as_sql()
    # Evaluate the inner columns once per row (no pulling up into the outer expressions).
    fence = " OFFSET 0" if connection.vendor == "postgresql" else " LIMIT -1 OFFSET 0"
    cid, n, since = qn("customer_id"), qn("order_count"), qn("stage_since")
    v, r, f, m, stage, prev = (qn(x) for x in ("l_cents", "l_r", "l_f", "l_m", "l_stage", "l_prev"))
    params: list = []

    def before(bound) -> str:
        if bound is None:
            return "1 = 1"
        params.extend([bound[0], bound[0], bound[1]])
        return f"({v} > %s OR ({v} = %s AND {cid} < %s))"

    if total:
        a_sql = before(a_bound)
        b_sql = before(b_bound)
        abc = (
            f"CASE WHEN {v} <= 0 THEN '{AbcClass.C}' WHEN {a_sql} THEN '{AbcClass.A}' "
            f"WHEN {b_sql} THEN '{AbcClass.B}' ELSE '{AbcClass.C}' END"
        )
    else:
        abc = f"'{AbcClass.C}'"
    fm = f"(({f} + {m} + 1) / 2)"
    segment_whens = " ".join(
        f"WHEN {r} BETWEEN {int(r_lo)} AND {int(r_hi)} AND {fm} BETWEEN {int(fm_lo)} AND {int(fm_hi)} "
        f"THEN '{name}'"
        for name, (r_lo, r_hi), (fm_lo, fm_hi) in SEGMENT_RULES
    )
    at = connection.ops.adapt_datetimefield_value(as_of)
    params.extend([at, at])
    outer = (
        f"SELECT {cid}, {abc} AS v_class, "
        f"CASE WHEN {n} > 0 THEN {r} END AS o_r, CASE WHEN {n} > 0 THEN {f} END AS o_f, "
        f"CASE WHEN {n} > 0 THEN {m} END AS o_m, "
        f"CASE WHEN {n} > 0 THEN CASE {segment_whens} ELSE '' END ELSE '' END AS o_segment, "
        f"{stage} AS new_stage, "
        f"CASE WHEN NOT ({stage} = {prev}) THEN %s ELSE COALESCE({since}, %s) END AS o_since, "
        f"CAST({v} AS DOUBLE PRECISION) / 100.0 AS v_value "
        f"FROM ({inner_sql}{fence}) l"
    )
    columns = {
        "customer_id": "customer_id",
        "abc_class": "v_class",
        "rfm_r": "o_r",
        "rfm_f": "o_f",
        "rfm_m": "o_m",
        "rfm_segment": "o_segment",
        "lifecycle_stage": "new_stage",
        "stage_since": "o_since",
        "abc_value": "v_value",
    }
    # In text order: the outer SELECT's parameters, then the inner one's (its FROM).
    return outer, [*params, *inner_params], columns


def record_stage_changes(*, as_of: datetime, run_id: int | None, only: str | None = None) -> int:
    """Log every customer whose computed stage differs from the stored one, then store it.

    The moved customers are found once (a temporary table), then logged and updated from it: two
    cheap statements over the few that moved instead of two joins of the whole customer table.
    ``only`` (a SELECT of customer ids) limits the search to the customers that can have moved."""
    from django.db import connection
    from django.utils import timezone

    from tenure.value.models import StageChange

    changed = (
        CustomerMetrics.objects.exclude(lifecycle_stage="")
        .exclude(lifecycle_stage=F("customer__lifecycle_stage"))
        .filter(_among("customer_id", only) if only is not None else Q())
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
