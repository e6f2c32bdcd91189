"""Segment rules: validation with precise messages, and compilation of a rule tree to ONE Q object.

A tree is a group ``{"op": "and"|"or", "rules": [rule or group, ...]}``; a rule is
``{"field": KEY, "op": OP, "value": TEXT}`` with KEY from ``tenure.segments.fields.FIELDS``. The Q
applies to ``Customer`` (metrics through the one-to-one, a LEFT JOIN; tags through EXISTS subqueries,
so members are never duplicated), so ``visible_to(user).filter(q)`` is one SQL statement.

Rules are numbered from 1 in messages, nested ones as ``2.1``: "rule 2.1: field 'x' is unknown".
"""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import F
from django.db.models.fields.json import HasKey, KeyTextTransform
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, IsNull, LessThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.segments.fields import FIELDS, NO_VALUE_OPS

MAX_DEPTH = 3  # the top group, groups in it, and groups in those
MAX_RULES = 100
MAX_DAYS = 365 * 200
ATTRIBUTE_KEY = re.compile(r"^[^\s=]{1,100}$")


class RuleError(ValidationError):
    """Invalid rules; `.messages` holds one precise message per problem."""


def _list(value) -> list[str]:
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _parse_date(value) -> date | None:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _parse_value(field, op, value, where, errors, check_db: bool = True) -> object:
    """The typed value of a rule, or None after adding a message to `errors`."""
    text = "" if value is None else str(value).strip()
    if op in NO_VALUE_OPS:
        return None
    if text == "":
        errors.append(_("%(where)s: a value is needed") % {"where": where})
        return None
    kind = field.type
    if op in ("within_days", "older_than_days"):
        if not text.isdigit() or int(text) > MAX_DAYS:
            errors.append(
                _("%(where)s: '%(value)s' is not a number of days") % {"where": where, "value": text}
            )
            return None
        return int(text)
    if kind in ("number", "money"):
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or abs(number) >= Decimal("1e14"):
            errors.append(_("%(where)s: '%(value)s' is not a number") % {"where": where, "value": text})
            return None
        return number
    if kind in ("date", "datetime"):
        day = _parse_date(text)
        if day is None:
            errors.append(
                _("%(where)s: '%(value)s' is not a date (YYYY-MM-DD)") % {"where": where, "value": text}
            )
        return day
    if kind in ("choice", "channel"):
        codes = _list(text) if op in ("in", "not_in") else [text]
        known = {code for code, _label in field.choice_list()}
        for code in codes:
            if code not in known and not (field.open_choices and re.fullmatch(r"[\w-]{1,32}", code)):
                errors.append(
                    _("%(where)s: '%(value)s' is not a choice of %(field)s")
                    % {"where": where, "value": code, "field": field.key}
                )
                return None
        if field.integer:
            codes = [int(code) for code in codes]
        return codes if op in ("in", "not_in") else codes[0]
    if kind == "tag":
        names = _list(text) if op in ("has_any", "has_none") else [text]
        if not names:
            errors.append(_("%(where)s: a value is needed") % {"where": where})
            return None
        return names
    if kind == "staff":
        from tenure.accounts.models import User

        if check_db and not User.objects.filter(username=text).exists():
            errors.append(_("%(where)s: no staff member '%(value)s'") % {"where": where, "value": text})
            return None
        return text
    if kind == "team":
        from tenure.accounts.models import Team

        if check_db and not Team.objects.filter(name=text).exists():
            errors.append(_("%(where)s: no team '%(value)s'") % {"where": where, "value": text})
            return None
        return text
    if kind == "attribute":
        if op in ("eq", "ne"):
            key, sep, rest = text.partition("=")
            key = key.strip()
            if not sep or not ATTRIBUTE_KEY.match(key):
                errors.append(_("%(where)s: write the attribute as key=value") % {"where": where})
                return None
            return (key, rest.strip())
        if not ATTRIBUTE_KEY.match(text):
            errors.append(
                _("%(where)s: '%(value)s' is not an attribute key") % {"where": where, "value": text}
            )
            return None
        return text
    return text[:200]


def _check(node, path: str, depth: int, errors: list, counter: list, check_db: bool = True) -> dict | None:
    """The normalised node, collecting messages in `errors`; `path` numbers it ("2.1"), "" is the top."""
    where = _("rule %(n)s") % {"n": path} if path else _("the rules")
    if not isinstance(node, dict):
        errors.append(_("%(where)s: a rule must be an object") % {"where": where})
        return None
    if "rules" in node:
        op = node.get("op", "and")
        if op not in ("and", "or"):
            errors.append(
                _("%(where)s: a group combines with 'and' or 'or', not '%(op)s'") % {"where": where, "op": op}
            )
            return None
        children = node.get("rules")
        if not isinstance(children, list):
            errors.append(_("%(where)s: 'rules' must be a list") % {"where": where})
            return None
        if depth >= MAX_DEPTH:
            errors.append(
                _("%(where)s: groups nest %(n)s levels deep at most") % {"where": where, "n": MAX_DEPTH}
            )
            return None
        if depth > 0 and not children:
            errors.append(_("%(where)s: the group is empty") % {"where": where})
            return None
        out = []
        for i, child in enumerate(children, start=1):
            checked = _check(child, f"{path}.{i}" if path else str(i), depth + 1, errors, counter, check_db)
            if checked is not None:
                out.append(checked)
        return {"op": op, "rules": out}
    counter[0] += 1
    key = node.get("field")
    field = FIELDS.get(key) if isinstance(key, str) else None
    if field is None:
        errors.append(_("%(where)s: field '%(field)s' is unknown") % {"where": where, "field": key})
        return None
    op = node.get("op")
    if op not in field.ops:
        errors.append(
            _("%(where)s: '%(op)s' is not an operator of %(field)s (use one of: %(ops)s)")
            % {"where": where, "op": op, "field": key, "ops": ", ".join(field.ops)}
        )
        return None
    before = len(errors)
    _parse_value(field, op, node.get("value"), where, errors, check_db)
    if len(errors) > before:
        return None
    value = node.get("value")
    return {
        "field": key,
        "op": op,
        "value": "" if op in NO_VALUE_OPS or value is None else str(value).strip(),
    }


def validate_rules(tree, *, check_db: bool = True) -> dict:
    """The normalised tree, or RuleError with one message per problem (nothing is saved then).

    `check_db=False` skips the look-ups of staff and team names (reads of saved segments stay one
    query; an unknown name then simply matches nobody)."""
    if tree is None:
        tree = {"op": "and", "rules": []}
    errors: list[str] = []
    counter = [0]
    if not isinstance(tree, dict) or "rules" not in tree:
        raise RuleError([_('The rules must be a group: {"op": "and", "rules": [...]}')])
    out = _check(tree, "", 0, errors, counter, check_db)
    if counter[0] > MAX_RULES:
        errors.append(_("A segment has %(n)s rules at most.") % {"n": MAX_RULES})
    if errors:
        raise RuleError(errors)
    return out


# --- compilation ----------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _tags_exist(names: list[str]) -> Exists:
    from tenure.customers.models import Customer

    through = Customer.tags.through
    return Exists(through.objects.filter(customer_id=OuterRef("pk"), tag__name__in=names))


def _derived_leaf(field, op: str, value, now: datetime) -> Q:
    """A number derived from the stored metrics when read (days since…, churn risk), as of ``now``.

    NULL (no purchase, no contact, no metrics yet) never matches a comparison; "not equal" and
    "is empty" include it, as they do for stored numbers."""
    from tenure.value.derived import derived_expression

    expr = derived_expression(field.derived, at=now, prefix="metrics__")
    no_metrics = Q(metrics__isnull=True)
    if op == "empty":
        return Q(IsNull(expr, True)) | no_metrics
    if op == "not_empty":
        return Q(IsNull(expr, False)) & ~no_metrics
    if op == "ne":
        return ~Q(Exact(expr, value)) | Q(IsNull(expr, True)) | no_metrics
    lookup = {
        "eq": Exact,
        "gt": GreaterThan,
        "gte": GreaterThanOrEqual,
        "lt": LessThan,
        "lte": LessThanOrEqual,
    }
    return Q(lookup[op](expr, value))


def _leaf(rule: dict, now: datetime) -> Q:
    field = FIELDS[rule["field"]]
    op = rule["op"]
    errors: list[str] = []
    value = _parse_value(field, op, rule.get("value"), rule["field"], errors, check_db=False)
    if errors:
        raise RuleError(errors)
    path = field.path
    kind = field.type
    if field.derived:
        return _derived_leaf(field, op, value, now)
    # A negation must include the customers without a value — for metrics, also those without a
    # metrics row. Django adds "IS NULL" to a negated lookup only when it already knows the join is
    # a LEFT JOIN, which it decides after the OR of the whole tree: say it explicitly.
    missing = Q(**{f"{path}__isnull": True})
    if kind == "boolean":
        if field.extra.get("isnull"):
            return Q(**{f"{path}__isnull": op == "is_false"})
        return Q(**{path: op == "is_true"})
    if op == "empty":
        if kind in ("text",):
            return Q(**{path: ""})
        if kind == "choice" and not field.integer:
            return Q(**{path: ""}) | Q(**{f"{path}__isnull": True})
        return Q(**{f"{path}__isnull": True})
    if op == "not_empty":
        if kind in ("text",):
            return ~Q(**{path: ""})
        if kind == "choice" and not field.integer:
            return ~Q(**{path: ""}) & Q(**{f"{path}__isnull": False})
        return Q(**{f"{path}__isnull": False})
    if kind == "text":
        return {
            "eq": Q(**{path: value}),
            "ne": ~Q(**{path: value}) | missing,
            "contains": Q(**{f"{path}__icontains": value}),
            "not_contains": ~Q(**{f"{path}__icontains": value}) | missing,
            "startswith": Q(**{f"{path}__istartswith": value}),
        }[op]
    if kind in ("number", "money"):
        if op == "ne":
            return ~Q(**{path: value}) | missing
        lookup = {"eq": "exact", "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}[op]
        return Q(**{f"{path}__{lookup}": value})
    if kind in ("date", "datetime"):
        if op in ("within_days", "older_than_days"):
            edge = now - timedelta(days=value)
            if kind == "date":
                edge = timezone.localtime(now).date() - timedelta(days=value)
            lookup = "gte" if op == "within_days" else "lt"
            return Q(**{f"{path}__{lookup}": edge})
        if kind == "date":
            lookup = {"on": "exact", "before": "lt", "after": "gt"}[op]
            return Q(**{f"{path}__{lookup}": value})
        start, end = _day_start(value), _day_start(value + timedelta(days=1))
        if op == "on":
            return Q(**{f"{path}__gte": start, f"{path}__lt": end})
        if op == "before":
            return Q(**{f"{path}__lt": start})
        return Q(**{f"{path}__gte": end})
    if kind == "choice":
        return {
            "eq": lambda: Q(**{path: value}),
            "ne": lambda: ~Q(**{path: value}) | missing,
            "in": lambda: Q(**{f"{path}__in": value}),
            "not_in": lambda: ~Q(**{f"{path}__in": value}) | missing,
        }[op]()
    if kind == "tag":
        exists = _tags_exist(value)
        return ~Q(exists) if op == "has_none" else Q(exists)
    if kind == "staff":
        q = Q(**{f"{path}__username": value})
        return q if op == "eq" else ~q
    if kind == "team":
        q = Q(**{f"{path}__name": value})
        return q if op == "eq" else ~q
    if kind == "attribute":
        if op in ("has_key", "lacks_key"):
            q = Q(HasKey(F(path), value))
            return q if op == "has_key" else ~q
        key, text = value
        value_of = KeyTextTransform(key, path)
        if op == "eq":
            return Q(Exact(value_of, text))
        return ~Q(Exact(value_of, text)) | Q(IsNull(KeyTextTransform(key, path), True))
    if kind == "channel":
        # Codes are fixed identifiers, so the quoted code matches one element of the JSON list.
        q = Q(**{f"{path}__icontains": f'"{value}"'})
        return q if op == "contains" else ~q
    raise RuleError([_("%(field)s: cannot compile '%(op)s'") % {"field": field.key, "op": op}])


def compile_rules(tree: dict, *, now: datetime | None = None) -> Q:
    """One Q for the whole (already validated) tree; an empty top group matches everyone."""
    now = now or timezone.now()
    parts = []
    for node in tree.get("rules", []):
        parts.append(compile_rules(node, now=now) if "rules" in node else _leaf(node, now))
    if not parts:
        return Q()
    combined = parts[0]
    for part in parts[1:]:
        combined = (combined | part) if tree.get("op") == "or" else (combined & part)
    return combined
