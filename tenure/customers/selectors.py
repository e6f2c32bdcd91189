"""Reads of customers. Everything starts from Customer.objects.visible_to(user)."""

from django.db import connection, connections, router
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.expressions import RawSQL
from django.http import Http404

from tenure.customers.models import ALL, Address, Contact, Customer, Tag, visibility_scope
from tenure.lib.prepared import Prepared


def customers_for(user):
    return Customer.objects.visible_to(user)


def get_customer_for_user(user, pk) -> Customer:
    """The customer if `user` may see it, else 404 (never 403: existence is not revealed).

    `Customer.objects.visible_to(user).select_related(…).get(pk=pk)`, compiled once per visibility
    shape (see `_visible_customer`)."""
    try:
        rows = _visible_customer(visibility_scope(user), Customer._meta.pk.get_prep_value(pk))
    except (ValueError, TypeError):
        raise Http404("No such customer") from None
    if not rows:
        raise Http404("No such customer")
    return rows[0]


class _VisibleStatement:
    """A read of visible customers compiled once per shape (tenure.lib.prepared), for many users.

    The SQL of `visible_in(scope)` depends only on the scope's shape: "all", or a user's rule with
    n team ids (the user id and the team ids are bound parameters). `build(scope, key, *values)`
    returns the queryset; it is compiled once per (scope shape, key) with markers in place of the
    scope's ids and of `values`, then each call binds the caller's. Rows are read on every call and
    never shared between calls, let alone users."""

    def __init__(self, build):
        self.build = build
        self._by_shape: dict[tuple, Prepared] = {}

    def _compile(self, shape, key, n_values: int) -> Prepared:
        if shape is ALL:
            return Prepared(lambda *values: self.build(ALL, key, *values), arity=n_values)
        n_scope = 1 + shape

        def build(*markers):
            scope = (markers[0], list(markers[1:n_scope]))
            return self.build(scope, key, *markers[n_scope:])

        return Prepared(build, arity=n_scope + n_values)

    def __call__(self, scope, key, *values) -> list:
        if scope is None:  # sees no customer
            return []
        if scope is ALL:
            shape, bound = ALL, values
        else:
            user_id, team_ids = scope
            team_ids = tuple(dict.fromkeys(team_ids))  # what `team_id__in` keeps (no repeats)
            shape, bound = len(team_ids), (user_id, *team_ids, *values)
        statement = self._by_shape.get((shape, key))
        if statement is None:
            statement = self._by_shape.setdefault((shape, key), self._compile(shape, key, len(values)))
        return statement(*bound)


_VISIBLE_CUSTOMER = _VisibleStatement(
    lambda scope, _key, pk: (
        Customer.objects.visible_in(scope)
        .select_related("owner", "representative", "team", "referred_by")
        .filter(pk=pk)
        .order_by()[:21]  # what .get() runs
    )
)


def _visible_customer(scope, pk) -> list:
    """The customer row `pk` (with its owner, representative, team and referrer) if `scope` sees it."""
    if type(pk) is not int:  # what the integer primary key's lookup would refuse (a 404 above)
        raise TypeError(pk)
    low, high = connections[router.db_for_read(Customer)].ops.integer_field_range(
        Customer._meta.pk.get_internal_type()
    )
    if (low is not None and pk < low) or (high is not None and pk > high):
        return []  # what the ORM answers for an id out of the column's range: no row
    return _VISIBLE_CUSTOMER(scope, None, pk)


def _order_totals(customer_id):
    from tenure.commerce.models import Order

    return (
        Order.objects.filter(customer_id=customer_id)
        .order_by()
        .values("customer_id")
        .annotate(
            revenue=Sum("total"),
            cost=Sum("total_cost"),
            orders=Count("id", filter=Q(is_return=False)),
            returns=Count("id", filter=Q(is_return=True)),
            first=Min("ordered_at"),
            last=Max("ordered_at"),
        )
    )


# The customer page's reads of one customer's own rows: the same statements on every view, compiled
# once (tenure.lib.prepared) instead of built by the ORM each time. The customer is already known to
# be visible (get_customer_for_user); these read what hangs off it.
_ORDER_TOTALS = Prepared(_order_totals)
_CONTACTS = Prepared(lambda customer_id: Contact.objects.filter(customer_id=customer_id))
_ADDRESSES = Prepared(lambda customer_id: Address.objects.filter(customer_id=customer_id))
_TAGS = Prepared(lambda customer_id: Tag.objects.filter(customers=customer_id))
_REFERRALS = Prepared(
    lambda customer_id: (
        Customer.objects.filter(referred_by_id=customer_id)
        .order_by()
        .values("referred_by_id")
        .annotate(n=Count("id"))
    )
)


def contacts_of(customer: Customer) -> list:
    """`list(customer.contacts.all())`, each contact's `customer` set to `customer`."""
    rows = _CONTACTS(customer.pk)
    for row in rows:
        row.customer = customer
    return rows


def addresses_of(customer: Customer) -> list:
    """`list(customer.addresses.all())`, each address's `customer` set to `customer`."""
    rows = _ADDRESSES(customer.pk)
    for row in rows:
        row.customer = customer
    return rows


def tags_of(customer: Customer) -> list:
    """`list(customer.tags.all())`."""
    return _TAGS(customer.pk)


def referrals_count(customer: Customer) -> int:
    """`customer.referrals.count()`."""
    rows = _REFERRALS(customer.pk)
    return rows[0]["n"] if rows else 0


def tags_by_customer(customer_ids) -> dict[int, list[Tag]]:
    """Tags of many customers in one statement, each list in the tags' own order (by name).

    What `prefetch_related("tags")` fetches, without its per-customer bookkeeping: Django's prefetch
    builds a related manager and a filtered queryset for each of the customers (~0.5 ms a page of 50
    rows); here the rows are only grouped."""
    links = (
        Customer.tags.through.objects.filter(customer_id__in=list(customer_ids))
        .select_related("tag")
        .order_by("tag__name", "tag_id")
    )
    found: dict[int, list[Tag]] = {}
    for link in links:
        found.setdefault(link.customer_id, []).append(link.tag)
    return found


def value_summary(customer: Customer) -> dict:
    """Lifetime revenue and margin, order count, first and last purchase, tenure, buyer type."""
    from django.utils import timezone

    rows = _ORDER_TOTALS(customer.pk)
    agg = (
        rows[0]
        if rows
        else {"revenue": None, "cost": None, "orders": 0, "returns": 0, "first": None, "last": None}
    )
    agg.pop("customer_id", None)
    revenue = agg["revenue"] or 0
    cost = agg["cost"] or 0
    agg["revenue"] = revenue
    agg["margin"] = revenue - cost
    agg["tenure_days"] = (timezone.now() - agg["first"]).days if agg["first"] else None
    orders = agg["orders"]
    agg["buyer_type"] = "none" if not orders else ("first_time" if orders == 1 else "repeat")
    agg["average_order"] = (revenue / orders) if orders else None
    return agg


def duplicate_candidates(user, customer: Customer, limit: int = 10):
    """Visible customers that look like `customer`: same normalised phone or email, or same name.

    One small indexed look-up per rule (at most `limit * 5` ids each, lowest ids first), then the
    visible rows among them. OR-ing the rules into one WHERE made PostgreSQL walk the whole table in
    id order at 1M customers (25 ms on every page); running them as separate queries cost ~0.5 ms of
    ORM work each on every customer page. So the rules are one `UNION` of per-rule sub-selects
    (each its own index look-up with its own LIMIT), used as the id list of the visible query: one
    statement, valid on SQLite and PostgreSQL. A queryset; `duplicate_rows` runs the same statement
    compiled once.
    """
    fields, values = _duplicate_rules(customer)
    return _duplicates_query(visibility_scope(user), (fields, limit), customer.pk, *values)


def duplicate_rows(user, customer: Customer, limit: int = 10) -> list[Customer]:
    """`list(duplicate_candidates(user, customer, limit))`, its statement compiled once per shape
    (visibility shape, which rules apply, `limit`) and only re-bound (`_VisibleStatement`)."""
    fields, values = _duplicate_rules(customer)
    return _DUPLICATES(visibility_scope(user), (fields, limit), customer.pk, *values)


def _duplicate_rules(customer: Customer) -> tuple[tuple, tuple]:
    """The fields compared (mobile and phone against each of the customer's numbers, email, name)
    and the values they are compared with."""
    rules = []
    for phone in sorted({customer.mobile, customer.phone} - {""}):
        rules += [("mobile", phone), ("phone", phone)]
    if customer.email:
        rules.append(("email", customer.email))
    rules.append(("name", customer.name))
    return tuple(field for field, _value in rules), tuple(value for _field, value in rules)


def _duplicates_query(scope, key, customer_pk, *values):
    fields, limit = key
    quote = connection.ops.quote_name
    table, pk = quote(Customer._meta.db_table), quote(Customer._meta.pk.column)
    parts, params = [], []
    for n, (field, value) in enumerate(zip(fields, values, strict=True)):
        column = quote(Customer._meta.get_field(field).column)
        parts.append(
            f"SELECT {pk} FROM (SELECT {pk} FROM {table} WHERE {column} = %s AND {pk} <> %s "
            f"ORDER BY {pk} LIMIT %s) rule{n}"
        )
        params += [value, customer_pk, limit * 5]
    ids = RawSQL(" UNION ".join(parts), params)  # noqa: S611 - names from the model, values are params
    return Customer.objects.visible_in(scope).filter(pk__in=ids).order_by("id")[:limit]


_DUPLICATES = _VisibleStatement(_duplicates_query)


# --- Reads for the staff web interface -----------------------------------------------------------

LIST_SORTS = {
    "-id": ("-id",),
    "id": ("id",),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "stage": ("lifecycle_stage", "-id"),
    "-updated": ("-updated_at", "-id"),
}


def customer_list(
    user, *, q: str = "", filters: dict | None = None, sort: str = "-id", all_matches: bool = False
):
    """Visible customers matching the search box and the list filters, sorted.

    `filters` may hold kind, stage, owner (user id), representative (user id), tag (name) and
    dnc ("1" / "0"). Unknown values are ignored rather than failing the page. `all_matches`: the
    same customers, the search read through the index (``search.index_filter``), for reading all of
    them (the list's count, the CSV export) rather than finding the newest page.
    """
    from tenure.customers.search import index_filter

    qs = Customer.objects.visible_to(user)
    if q:
        qs = qs.filter(index_filter(q)) if all_matches else qs.search(q)
    filters = filters or {}
    if filters.get("kind") in Customer.Kind.values:
        qs = qs.filter(kind=filters["kind"])
    if filters.get("stage") in Customer.Stage.values:
        qs = qs.filter(lifecycle_stage=filters["stage"])
    for field in ("owner", "representative"):
        value = str(filters.get(field) or "")
        if value == "none":
            qs = qs.filter(**{f"{field}__isnull": True})
        elif value.isdigit():
            qs = qs.filter(**{f"{field}_id": int(value)})
    tag = (filters.get("tag") or "").strip()
    if tag:
        qs = qs.filter(tags__name=tag)
    if filters.get("dnc") in ("1", "0"):
        qs = qs.filter(do_not_contact=filters["dnc"] == "1")
    return qs.order_by(*LIST_SORTS.get(sort, LIST_SORTS["-id"]))


def customers_by_phone(user, raw: str):
    """Screen pop: visible customers whose mobile, phone or a contact's mobile is the caller's number
    (any writing: spaces, dashes, +86/0086, full-width digits)."""
    from django.conf import settings

    from tenure.customers.models import Contact
    from tenure.lib.phone import lookup_candidates

    numbers = lookup_candidates(raw, settings.TENURE_PHONE_REGION)
    if not numbers:
        return Customer.objects.none()
    via_contact = Contact.objects.filter(mobile__in=numbers).values("customer_id")
    return (
        Customer.objects.visible_to(user)
        .filter(Q(mobile__in=numbers) | Q(phone__in=numbers) | Q(pk__in=via_contact))
        .select_related("owner", "representative")
        .order_by("-id")
    )


DUPLICATE_KEYS = ("mobile", "phone", "email", "name")


def duplicate_groups(user, *, per_key: int = 50) -> list[dict]:
    """Groups of visible customers sharing a normalised mobile, phone, email or the same name.

    Set-based: one GROUP BY per key (capped at `per_key` groups), then one query per key for the
    members of the groups shown. Returns [{"key": "mobile", "value": "+86…", "customers": [...]}].
    """
    visible = Customer.objects.visible_to(user)
    groups: list[dict] = []
    for key in DUPLICATE_KEYS:
        values = list(
            visible.exclude(**{key: ""})
            .order_by()
            .values(key)
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .order_by("-n", key)
            .values_list(key, flat=True)[:per_key]
        )
        if not values:
            continue
        members: dict[str, list] = {v: [] for v in values}
        rows = (
            visible.filter(**{f"{key}__in": values}).select_related("owner", "representative").order_by("id")
        )
        for customer in rows:
            members[getattr(customer, key)].append(customer)
        groups.extend({"key": key, "value": v, "customers": members[v]} for v in values)
    return groups


def audit_history(customer: Customer, *, limit: int = 200):
    """The audit trail of one customer (who, when, what changed), newest first."""
    from tenure.accounts.models import AuditEntry

    return AuditEntry.objects.filter(customer=customer).select_related("actor").order_by("-at", "-id")[:limit]


def staff_choices(*, writers_only: bool = False):
    """Active staff members, for owner / representative pickers and filters."""
    from tenure.accounts.models import Role, User

    qs = User.objects.filter(is_active=True)
    if writers_only:
        qs = qs.exclude(role=Role.ANALYST)
    return qs.order_by("username")
