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

``compute_sql`` builds one ``INSERT … SELECT … ON CONFLICT`` over all customers (window functions in
a derived table, one CASE outside) that stores the computed tier in ``CustomerMetrics.computed_tier``
for the rows where it changed. Metric names come from an allow-list and are quoted; numbers travel as
parameters. The same SQL runs on SQLite (≥ 3.25) and PostgreSQL and gives identical results.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

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


def parse_conditions(text: str) -> list[dict]:
    """One condition a line, "metric operator number" (e.g. ``revenue_12m >= 10000``)."""
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
                        _("Line %(n)s: write “metric operator number”, e.g. “orders >= 2”.") % {"n": i}
                    ]
                }
            )
        out.append({"metric": parts[0], "op": parts[1], "value": parts[2]})
    return clean_conditions(out)


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
        text = _("Top %(percent)s%% by %(metric)s") % {
            "percent": _num(tier.percent),
            "metric": TIER_METRICS.get(tier.percent_metric, tier.percent_metric),
        }
        return text + (_(" among customers with %(conditions)s") % {"conditions": conds} if conds else "")
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


def compute_sql(tiers: list[TierDefinition]) -> tuple[str, list]:
    """``INSERT … SELECT`` of the computed tier of every customer whose stored one differs."""
    qn = connection.ops.quote_name
    metrics_table = qn(CustomerMetrics._meta.db_table)
    from tenure.customers.models import Customer

    customer_table = qn(Customer._meta.db_table)
    inner_cols, inner_params = [], []
    whens, when_params = [], []
    for i, tier in enumerate(tiers[:-1]):
        cond, params = _cond_sql(tier.conditions or [], qn, "m")
        if tier.rule == TierDefinition.Rule.TOP_PERCENT:
            metric = f"m.{qn(tier.percent_metric)}"
            member = f"({cond}) AND {metric} IS NOT NULL"
            part = f"CASE WHEN {member} THEN 1 ELSE 0 END"
            inner_cols.append(
                f"CASE WHEN {member} THEN RANK() OVER (PARTITION BY {part} ORDER BY {metric} DESC) END AS r{i}"
            )
            inner_cols.append(f"COUNT(*) OVER (PARTITION BY {part}) AS n{i}")
            inner_params += params + params + params
            whens.append(f"WHEN s.r{i} IS NOT NULL AND (s.r{i} - 1) * 100.0 < %s * s.n{i} THEN %s")
            when_params += [float(tier.percent), tier.code]
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
    inner = ", ".join(["c.id AS customer_id", "COALESCE(m.computed_tier, '') AS old_tier", *inner_cols])
    sql = (
        f"INSERT INTO {metrics_table} (customer_id, computed_tier) "
        f"SELECT t.customer_id, t.new_tier FROM ("
        f"SELECT s.customer_id, s.old_tier, {case} AS new_tier FROM ("
        f"SELECT {inner} FROM {customer_table} c LEFT JOIN {metrics_table} m ON m.customer_id = c.id"
        f") s) t WHERE t.new_tier <> t.old_tier "
        f"ON CONFLICT (customer_id) DO UPDATE SET computed_tier = excluded.computed_tier"
    )
    return sql, [*when_params, last, *inner_params]


def compute_tiers(tiers: list[TierDefinition]) -> int:
    """Store every customer's computed tier (one statement); returns the number of rows changed."""
    sql, params = compute_sql(tiers)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def active_tiers() -> list[TierDefinition]:
    return list(TierDefinition.objects.filter(is_active=True).order_by("position", "id"))
