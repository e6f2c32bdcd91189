"""The tier engine: ordered rules over CustomerMetrics, evaluated set-based in SQL.

A tier's rule is one of
- ``top_percent``: the customer is among the top N percent of the customers that meet the rule's
  conditions (if any) and have a value for the metric, ranked by the metric, best first. "Top N%"
  means fewer than N% of that population rank strictly above the customer, so customers tied at the
  boundary are all in (``(RANK() - 1) * 100 < N * COUNT(*)``);
- ``conditions``: every condition (metric, operator, number) holds; a NULL metric never matches;
- ``everyone``: always matches.

Rules are checked in ``position`` order and the first match wins; the last active tier catches
everyone no rule above matched. The population of a percent rule is *not* reduced by the tiers above
it, so "platinum = top 5%, gold = top 20%" makes gold the next 15%.

``compute_sql`` builds one ``INSERT … SELECT … ON CONFLICT`` over all metrics rows (a top-percent
rule as "at or above its cut value", found first by ``_top_cut``; one CASE outside) that stores the computed tier in ``CustomerMetrics.computed_tier``
for the rows where it changed (every row conflicts, so it is an update). A customer without a metrics
row (created since the last metrics recompute) has no values: it gets the last tier. Metric names come from an allow-list and are quoted; numbers travel as
parameters. The same SQL runs on SQLite (≥ 3.25) and PostgreSQL and gives identical results.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from tenure.lib.prepared import Prepared
from tenure.value.models import TIER_METRICS, TIER_OPERATORS, CustomerMetrics, TierDefinition

SQL_OPERATORS = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "=": "=", "!=": "<>"}


def _number(value) -> Decimal:
    if isinstance(value, bool):
        raise InvalidOperation
    return Decimal(str(value).strip())


def clean_conditions(conditions) -> list[dict]:
    """Check a list of {"metric", "op", "value"} and return it normalised; raise ValidationError."""
    if conditions in (None, ""):
        return []
    if not isinstance(conditions, list):
        raise ValidationError({"conditions": _("Conditions must be a list.")})
    out, errors = [], []
    for i, cond in enumerate(conditions, start=1):
        if not isinstance(cond, dict):
            errors.append(_("Condition %(n)s: expected metric, operator and value.") % {"n": i})
            continue
        metric, op, value = cond.get("metric"), cond.get("op"), cond.get("value")
        if metric not in TIER_METRICS:
            errors.append(
                _("Condition %(n)s: unknown metric “%(metric)s”; use one of: %(allowed)s.")
                % {"n": i, "metric": metric, "allowed": ", ".join(TIER_METRICS)}
            )
            continue
        if op not in SQL_OPERATORS:
            errors.append(
                _("Condition %(n)s: unknown operator “%(op)s”; use one of: %(allowed)s.")
                % {"n": i, "op": op, "allowed": " ".join(SQL_OPERATORS)}
            )
            continue
        try:
            number = _number(value)
            if not number.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError, TypeError):
            errors.append(_("Condition %(n)s: “%(value)s” is not a number.") % {"n": i, "value": value})
            continue
        out.append(
            {"metric": metric, "op": op, "value": float(number) if "." in str(number) else int(number)}
        )
    if errors:
        raise ValidationError({"conditions": errors})
    return out


def validate_rule(*, rule: str, percent, percent_metric: str, conditions) -> list[dict]:
    """Validate a tier rule; returns the normalised conditions. Errors are keyed by field."""
    errors: dict[str, list[str]] = {}
    cleaned: list[dict] = []
    if rule not in TierDefinition.Rule.values:
        errors["rule"] = [_("Unknown rule.")]
    try:
        cleaned = clean_conditions(conditions)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if rule == TierDefinition.Rule.TOP_PERCENT:
        try:
            p = _number(percent) if percent not in (None, "") else None
        except (InvalidOperation, ValueError, TypeError):
            p = Decimal("NaN")
        if p is None or not p.is_finite() or not (0 < p <= 100):
            errors["percent"] = [_("Give a percentage above 0 and at most 100.")]
        if percent_metric not in TIER_METRICS:
            errors["percent_metric"] = [
                _("Unknown metric “%(metric)s”; use one of: %(allowed)s.")
                % {"metric": percent_metric, "allowed": ", ".join(TIER_METRICS)}
            ]
    else:
        if percent not in (None, ""):
            errors["percent"] = [_("Only a “top percent” rule takes a percentage.")]
        if percent_metric:
            errors["percent_metric"] = [_("Only a “top percent” rule is ranked by a metric.")]
    if rule == TierDefinition.Rule.CONDITIONS and not cleaned and "conditions" not in errors:
        errors["conditions"] = [_("Give at least one condition (or use the rule “everyone else”).")]
    if rule == TierDefinition.Rule.EVERYONE and cleaned:
        errors["conditions"] = [_("The rule “everyone else” takes no conditions.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def parse_conditions(text: str, *, validate: bool = True) -> list[dict]:
    """One condition a line, "metric operator number" (e.g. ``revenue_12m >= 10000``); without
    ``validate`` only the shape of each line is checked (the service validates the rest)."""
    out = []
    for i, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 3:
            raise ValidationError(
                {
                    "conditions": [
                        _("Line %(n)s: write “metric operator number”, e.g. “order_count >= 2”.") % {"n": i}
                    ]
                }
            )
        out.append({"metric": parts[0], "op": parts[1], "value": parts[2]})
    return clean_conditions(out) if validate else out


def format_conditions(conditions: list[dict]) -> str:
    return "\n".join(f"{c['metric']} {c['op']} {c['value']}" for c in conditions or [])


def _num(value) -> str:
    d = Decimal(str(value))
    return f"{d.normalize():f}" if d == d.to_integral() else str(value)


def criteria_text(tier: TierDefinition, *, last: bool = False) -> str:
    """The rule in words, in the active language (shown next to the customer-facing description)."""
    conds = "; ".join(
        f"{TIER_METRICS[c['metric']]} {TIER_OPERATORS[c['op']]} {_num(c['value'])}"
        for c in tier.conditions or []
    )
    if last:
        return _("Everyone not in a tier above")
    if tier.rule == TierDefinition.Rule.TOP_PERCENT:
        values = {
            "percent": _num(tier.percent),
            "metric": TIER_METRICS.get(tier.percent_metric, tier.percent_metric),
            "conditions": conds,
        }
        if conds:
            return _("Top %(percent)s%% by %(metric)s among customers with %(conditions)s") % values
        return _("Top %(percent)s%% by %(metric)s") % values
    if tier.rule == TierDefinition.Rule.CONDITIONS:
        return conds
    return _("Everyone not in a tier above")


# --- SQL ---------------------------------------------------------------------------------------
def _cond_sql(conditions: list[dict], qn, alias: str) -> tuple[str, list]:
    parts, params = [], []
    for c in conditions:
        parts.append(f"{alias}.{qn(c['metric'])} {SQL_OPERATORS[c['op']]} %s")
        params.append(float(c["value"]))
    return (" AND ".join(parts) or "1 = 1"), params


def _source_sql(tiers: list[TierDefinition], as_of) -> tuple[str, list]:
    """The metrics table the rules read: the table itself, or, when a rule reads a metric derived
    when read (days since…, churn risk: derived.py), a SELECT of the table with those metrics as
    of ``as_of`` added as columns of the same names."""
    from tenure.value.derived import DERIVED, metrics_with_derived

    used = {t.percent_metric for t in tiers} | {c["metric"] for t in tiers for c in (t.conditions or [])}
    derived = [name for name in DERIVED if name in used]
    if not derived:
        return connection.ops.quote_name(CustomerMetrics._meta.db_table), []
    columns = [f.attname for f in CustomerMetrics._meta.concrete_fields]
    qs = metrics_with_derived(CustomerMetrics.objects.order_by(), at=as_of, names=derived)
    sql, params = qs.values(*columns, *derived).query.sql_with_params()
    return f"({sql})", list(params)


def _top_cut(tier: TierDefinition, source: str, source_params: list):
    """The lowest value of the tier's metric that is still in its top percent, or None.

    A member (conditions met, metric known) is in when (RANK − 1) × 100 < percent × members, and
    RANK − 1 is the number of members with a greater value: that count only shrinks as the value
    grows, so the members in are exactly those at or above one value. It is found from the distinct
    values and their counts (a GROUP BY and a running sum over the groups, the same arithmetic as
    the rank test) instead of ranking every customer's row by a window sort."""
    qn = connection.ops.quote_name
    cond, params = _cond_sql(tier.conditions or [], qn, "m")
    metric = f"m.{qn(tier.percent_metric)}"
    grouped = f"SELECT {metric} AS v, COUNT(*) AS k FROM {source} m WHERE ({cond}) AND {metric} IS NOT NULL GROUP BY {metric}"
    ranked = f"SELECT v, SUM(k) OVER (ORDER BY v DESC) - k AS greater, SUM(k) OVER () AS n FROM ({grouped}) g"
    sql = f"SELECT MIN(v) FROM ({ranked}) r WHERE r.greater * 100.0 < %s * r.n"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*source_params, *params, float(tier.percent)])
        cut = cursor.fetchone()[0]
    if cut is not None and connection.vendor != "postgresql" and isinstance(cut, Decimal):
        cut = float(cut)  # SQLite keeps decimals as REAL; a Decimal parameter would be text
    return cut


def compute_sql(tiers: list[TierDefinition], as_of=None) -> tuple[str, list]:
    """``INSERT … SELECT`` of the computed tier of every customer whose stored one differs, metrics
    derived when read taken as of ``as_of`` (default: now). A top-percent rule is read as "at or
    above its cut value" (``_top_cut``), found first."""
    qn = connection.ops.quote_name
    metrics_table = qn(CustomerMetrics._meta.db_table)
    source, source_params = _source_sql(tiers, as_of)
    inner_cols, inner_params = [], []
    whens, when_params = [], []
    for i, tier in enumerate(tiers[:-1]):
        cond, params = _cond_sql(tier.conditions or [], qn, "m")
        if tier.rule == TierDefinition.Rule.TOP_PERCENT:
            metric = f"m.{qn(tier.percent_metric)}"
            cut = _top_cut(tier, source, source_params)
            if cut is None:
                inner_cols.append(f"0 AS c{i}")
            else:
                inner_cols.append(
                    f"CASE WHEN ({cond}) AND {metric} IS NOT NULL AND {metric} >= %s THEN 1 ELSE 0 END AS c{i}"
                )
                inner_params += [*params, cut]
            whens.append(f"WHEN s.c{i} = 1 THEN %s")
            when_params.append(tier.code)
        elif tier.rule == TierDefinition.Rule.CONDITIONS:
            inner_cols.append(f"CASE WHEN {cond} THEN 1 ELSE 0 END AS c{i}")
            inner_params += params
            whens.append(f"WHEN s.c{i} = 1 THEN %s")
            when_params.append(tier.code)
        else:
            whens.append("WHEN 1 = 1 THEN %s")
            when_params.append(tier.code)
    last = tiers[-1].code if tiers else ""
    case = f"CASE {' '.join(whens)} ELSE %s END" if whens else "%s"
    inner = ", ".join(["m.customer_id AS customer_id", "m.computed_tier AS old_tier", *inner_cols])
    sql = (
        f"INSERT INTO {metrics_table} (customer_id, computed_tier) "
        f"SELECT t.customer_id, t.new_tier FROM ("
        f"SELECT s.customer_id, s.old_tier, {case} AS new_tier FROM ("
        f"SELECT {inner} FROM {source} m"
        f") s) t WHERE t.new_tier <> t.old_tier "
        f"ON CONFLICT (customer_id) DO UPDATE SET computed_tier = excluded.computed_tier"
    )
    return sql, [*when_params, last, *inner_params, *source_params]


def compute_tiers(tiers: list[TierDefinition], as_of=None, written: list | None = None) -> int:
    """Store every customer's computed tier (one statement); returns the number of rows changed
    (and appends their customer ids to ``written`` when given)."""
    sql, params = compute_sql(tiers, as_of)
    if written is not None:
        sql += " RETURNING customer_id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if written is None:
            return max(cursor.rowcount, 0)
        rows = cursor.fetchall()
    written.extend(row[0] for row in rows)
    return len(rows)


def active_tiers() -> list[TierDefinition]:
    return list(TierDefinition.objects.filter(is_active=True).order_by("position", "id"))


def key_tier_codes() -> list[str]:
    """The codes of the key customers' tiers: the first ``TENURE_VALUE["key_tiers"]`` active tiers."""
    from tenure.value.conf import value_settings

    n = int(value_settings()["key_tiers"])
    return [t.code for t in active_tiers()[:n]]


# --- Reads (always through Customer.objects.visible_to) ----------------------------------------
def tier_label(code: str, names: dict[str, str]) -> str:
    if not code:
        return "—"
    return names.get(code, code)


def tier_rows(user) -> tuple[list[dict], dict[str, int], int]:
    """Every tier in order, with its criteria and how many of the user's visible customers are in it
    (two queries); also the counts of tier codes without a definition ("" = no tier yet) and the
    number of visible customers."""
    from django.db.models import Count

    from tenure.customers.models import Customer

    tiers = list(TierDefinition.objects.order_by("position", "id"))
    counts = dict(
        Customer.objects.visible_to(user)
        .order_by()
        .values("tier")
        .annotate(n=Count("id"))
        .values_list("tier", "n")
    )
    total = sum(counts.values())
    active = [t for t in tiers if t.is_active]
    rows = []
    for t in tiers:
        n = counts.pop(t.code, 0)
        rows.append(
            {
                "tier": t,
                "criteria": criteria_text(t, last=bool(active) and t == active[-1]),
                "count": n,
                "share": round(100.0 * n / total, 1) if total else 0.0,
            }
        )
    return rows, counts, total


def day_end(day):
    """The first instant after ``day`` (server time zone): a tier "on" a day is as of its end."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _per_customer_sql(user, *, since, until) -> tuple[str, list]:
    """SQL of (customer_id, t1, t2): for each visible customer with a tier at the end of ``until``,
    its tier at the end of ``since`` (t1, NULL if none) and at the end of ``until`` (t2).

    One pass over the tier history up to ``until`` with two ROW_NUMBER windows (latest change
    overall, latest change before ``since``), then one GROUP BY customer: no per-customer subquery.
    The inner SELECT is built with the ORM, so dates are adapted for each database."""
    from django.db.models import BooleanField, ExpressionWrapper, F, Q, Window
    from django.db.models.functions import RowNumber

    from tenure.customers.models import Customer
    from tenure.value.models import TierChange

    start, end = day_end(since), day_end(until)
    before = ExpressionWrapper(Q(changed_at__lt=start), output_field=BooleanField())
    latest = [F("changed_at").desc(), F("id").desc()]
    inner = (
        TierChange.objects.filter(
            changed_at__lt=end, customer__in=Customer.objects.visible_to(user).values("pk")
        )
        .order_by()
        .annotate(
            h_before=before,
            h_rn_end=Window(RowNumber(), partition_by=[F("customer_id")], order_by=latest),
            h_rn_start=Window(RowNumber(), partition_by=[F("customer_id"), before], order_by=latest),
        )
        .values("customer_id", "to_tier", "h_before", "h_rn_end", "h_rn_start")
    )
    sql, params = inner.query.get_compiler(inner.db).as_sql()
    per_customer = (
        "SELECT x.customer_id AS customer_id, "
        "MAX(CASE WHEN x.h_before AND x.h_rn_start = 1 THEN x.to_tier END) AS t1, "
        "MAX(CASE WHEN x.h_rn_end = 1 THEN x.to_tier END) AS t2 "
        f"FROM ({sql}) x GROUP BY x.customer_id"
    )
    return per_customer, list(params)


def _rank_sql(column: str, positions: dict[str, int]) -> tuple[str, list]:
    if not positions:
        return "NULL", []
    whens = " ".join("WHEN %s THEN %s" for _ in positions)
    params = [v for code, pos in positions.items() for v in (code, pos)]
    return f"CASE {column} {whens} END", params


def _positions() -> dict[str, int]:
    codes = TierDefinition.objects.order_by("position", "id").values_list("code", flat=True)
    return {code: i for i, code in enumerate(codes, start=1)}


def tier_migration(user, *, since, until, positions: dict[str, int] | None = None) -> dict:
    """The from→to matrix of counts between the ends of two days, over visible customers that had a
    tier at the end of ``until``; "" as from = no tier yet at the end of ``since``."""
    positions = _positions() if positions is None else positions
    base, params = _per_customer_sql(user, since=since, until=until)
    r1, p1 = _rank_sql("y.t1", positions)
    r2, p2 = _rank_sql("y.t2", positions)
    sql = (
        f"SELECT COALESCE(y.t1, '') AS t_from, y.t2 AS t_to, {r1} AS r_from, {r2} AS r_to, COUNT(*) "
        f"FROM ({base}) y GROUP BY y.t1, y.t2"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*p1, *p2, *params])
        cells = [
            dict(zip(["t_from", "t_to", "r_from", "r_to", "n"], row, strict=True))
            for row in cursor.fetchall()
        ]
    cells.sort(key=lambda c: (c["r_from"] or 0, c["r_to"] or 0, c["t_from"], c["t_to"]))
    up = sum(c["n"] for c in cells if c["r_from"] and c["r_to"] and c["r_to"] < c["r_from"])
    down = sum(c["n"] for c in cells if c["r_from"] and c["r_to"] and c["r_to"] > c["r_from"])
    entered = sum(c["n"] for c in cells if not c["t_from"])
    return {
        "cells": [{"from": c["t_from"], "to": c["t_to"], "count": c["n"]} for c in cells],
        "up": up,
        "down": down,
        "entered": entered,
        "total": sum(c["n"] for c in cells),
    }


class Movers:
    """Visible customers who moved up (or down) between the ends of two days, highest new tier
    first: a sliceable, countable sequence for Django's Paginator (SQL LIMIT/OFFSET per page, then
    the page's customers through the visibility door). Items are customers with ``t_from``/``t_to``."""

    def __init__(self, user, *, since, until, direction: str, positions: dict[str, int] | None = None):
        self.user = user
        positions = _positions() if positions is None else positions
        base, params = _per_customer_sql(user, since=since, until=until)
        r1, p1 = _rank_sql("y.t1", positions)
        r2, p2 = _rank_sql("y.t2", positions)
        op = ">" if direction == "down" else "<"
        self.sql = (
            f"SELECT z.customer_id, z.t1, z.t2 FROM (SELECT y.customer_id, y.t1, y.t2, {r1} AS r1, {r2} AS r2 "
            f"FROM ({base}) y) z WHERE z.r1 IS NOT NULL AND z.r2 IS NOT NULL AND z.r2 {op} z.r1"
        )
        self.params = [*p1, *p2, *params]

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({self.sql}) m", self.params)
            return cursor.fetchone()[0]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        from tenure.customers.models import Customer

        if not isinstance(key, slice):
            return self[key : key + 1][0]
        start, stop = key.start or 0, key.stop
        sql = f"{self.sql} ORDER BY z.r2, z.customer_id"
        if stop is not None:
            sql += f" LIMIT {max(int(stop) - int(start), 0)} OFFSET {int(start)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, self.params)
            rows = cursor.fetchall()
        customers = Customer.objects.visible_to(self.user).in_bulk([r[0] for r in rows])
        out = []
        for customer_id, t1, t2 in rows:
            customer = customers.get(customer_id)
            if customer is not None:
                customer.t_from, customer.t_to = t1 or "", t2
                out.append(customer)
        return out


def tier_movers(user, *, since, until, direction: str, positions: dict[str, int] | None = None) -> Movers:
    return Movers(user, since=since, until=until, direction=direction, positions=positions)


def _tier_panel_rows(customer_id):
    """Every tier definition in order, each with the customer's computed tier and active override
    as constant columns (uncorrelated sub-selects, evaluated once)."""
    from django.db.models import Subquery

    from tenure.value.models import TierOverride

    override = TierOverride.objects.filter(customer_id=customer_id, ended_at__isnull=True)

    def first(qs, field):
        return Subquery(qs.values(field)[:1])

    return TierDefinition.objects.order_by("position", "id").annotate(
        c_computed=first(CustomerMetrics.objects.filter(customer_id=customer_id), "computed_tier"),
        o_tier=first(override, "tier"),
        o_reason=first(override, "reason"),
        o_expires=first(override, "expires_at"),
        o_created=first(override, "created_at"),
        o_by=first(override, "created_by__username"),
    )


# The same statement on every customer page: compiled once (tenure.lib.prepared), only re-bound.
_TIER_PANEL = Prepared(_tier_panel_rows)


def customer_tier_panel(customer, user, *, history: int = 0) -> dict:
    """What the customer page shows about the tier, in one query: the tier definitions with the
    customer's computed tier and active override as constant columns (uncorrelated subqueries,
    evaluated once). With ``history``, also the latest that many changes (one more query); the
    customer page loads them on demand (``tier_views.customer_tier_history``), keeping its budget.
    ``customer`` has already passed the visibility door."""
    from tenure.value.models import TierChange

    tiers = _TIER_PANEL(customer.pk)
    names = {t.code: t.name for t in tiers}
    head = tiers[0] if tiers else None
    entries = (
        list(TierChange.objects.filter(customer_id=customer.pk).select_related("actor")[:history])
        if history
        else []
    )
    for e in entries:
        e.from_label = tier_label(e.from_tier, names)
        e.to_label = tier_label(e.to_tier, names)
    current = next((t for t in tiers if t.code == customer.tier), None)
    override_row = None
    if head is not None and head.o_tier:
        override_row = {
            "tier": head.o_tier,
            "label": tier_label(head.o_tier, names),
            "reason": head.o_reason,
            "expires_at": head.o_expires,
            "created_at": head.o_created,
            "created_by": head.o_by,
        }
    computed = head.c_computed if head is not None else None
    return {
        "tiers": [t for t in tiers if t.is_active],
        "code": customer.tier,
        "label": tier_label(customer.tier, names),
        "current": current,
        "computed": computed or "",
        "computed_label": tier_label(computed or "", names),
        "override": override_row,
        "history": entries,
        "can_override": bool(getattr(user, "is_manager", False) and user.can_write),
    }
