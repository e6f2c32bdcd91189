"""Built-in answers (BRIEF R2.6, R5.2): parameterised segments that are not stored rows.

Each answer is a function ``(user, params, now) -> Customer queryset`` starting from the visibility
door, plus its parameters' defaults and bounds, so the pages, the call lists and the tests share it.

- ``big-complainers``: big customers (ABC class A, or with ``top_pct`` > 0 the top N % of the visible
  customers by lifetime revenue) with at least ``min_complaints`` (default 2, i.e. "more than once")
  complaints in the last 12 months. Complaints are ``metrics.complaints_12m``, which the value engine
  counts from complaint interactions over the rolling 12 months at its last recompute.
- ``top-last-year``: the top ``top_n`` customers by net order revenue in the previous calendar year,
  with this year's revenue and order count so far (did they buy again?), one query over orders.
- ``not-heard-from``: customers known for at least ``years`` years (default 7) with no interaction
  and no order in the last ``years`` years: the R5.2 call-back list.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenure.customers.models import Customer


@dataclass(frozen=True)
class Param:
    name: str
    label: object
    default: int
    minimum: int
    maximum: int


@dataclass(frozen=True)
class Answer:
    slug: str
    title: object
    question: object
    params: tuple[Param, ...]
    build: object  # (user, params: dict, now) -> queryset

    def clean_params(self, data) -> dict:
        out = {}
        for p in self.params:
            raw = data.get(p.name) if data is not None else None
            try:
                value = int(raw)
            except (TypeError, ValueError):
                value = p.default
            out[p.name] = min(max(value, p.minimum), p.maximum)
        return out

    def queryset(self, user, params: dict, now: datetime | None = None):
        return self.build(user, params, now or timezone.now())


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def year_start(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())


def big_complainers(user, params: dict, now: datetime):
    visible = Customer.objects.visible_to(user)
    if params["top_pct"] > 0:
        with_metrics = visible.filter(metrics__revenue__gt=0)
        n = with_metrics.count()
        take = max(1, -(-n * params["top_pct"] // 100)) if n else 0
        edge = (
            with_metrics.order_by("-metrics__revenue").values_list("metrics__revenue", flat=True)[take - 1]
            if take
            else None
        )
        big = Q(metrics__revenue__gte=edge) if edge is not None else Q(pk__in=[])
    else:
        big = Q(metrics__abc_class="A")
    return (
        visible.filter(big, metrics__complaints_12m__gte=params["min_complaints"])
        .select_related("metrics", "representative")
        .order_by("-metrics__complaints_12m", "-metrics__revenue", "pk")
    )


def top_last_year(user, params: dict, now: datetime):
    local = timezone.localtime(now)
    last_start, this_start = year_start(local.year - 1), year_start(local.year)
    money = DecimalField(max_digits=16, decimal_places=2)
    last_year = Q(orders__ordered_at__gte=last_start, orders__ordered_at__lt=this_start)
    this_year = Q(orders__ordered_at__gte=this_start, orders__ordered_at__lte=now)
    return (
        Customer.objects.visible_to(user)
        .filter(orders__ordered_at__gte=last_start, orders__ordered_at__lte=now)
        .annotate(
            revenue_last_year=Coalesce(Sum("orders__total", filter=last_year), Value(0), output_field=money),
            revenue_this_year=Coalesce(Sum("orders__total", filter=this_year), Value(0), output_field=money),
            orders_this_year=Count("orders", filter=this_year & Q(orders__is_return=False)),
        )
        .filter(revenue_last_year__gt=0)
        .select_related("representative")
        .order_by("-revenue_last_year", "pk")[: params["top_n"]]
    )


def not_heard_from(user, params: dict, now: datetime):
    from tenure.commerce.models import Order
    from tenure.interactions.models import Interaction

    since = years_before(now, params["years"])
    recent_touch = Interaction.objects.filter(customer_id=OuterRef("pk"), occurred_at__gte=since)
    recent_order = Order.objects.filter(customer_id=OuterRef("pk"), ordered_at__gte=since)
    return (
        Customer.objects.visible_to(user)
        .filter(created_at__lt=since)
        .filter(~Exists(recent_touch), ~Exists(recent_order))
        .select_related("metrics", "representative")
        .order_by("name", "pk")
    )


ANSWERS = {
    a.slug: a
    for a in [
        Answer(
            "big-complainers",
            _("Big customers who complained repeatedly"),
            _("Which big customers complained more than once in the last 12 months?"),
            (
                Param("min_complaints", _("complaints at least"), 2, 1, 1000),
                Param("top_pct", _("top % by revenue (0: ABC class A)"), 0, 0, 100),
            ),
            big_complainers,
        ),
        Answer(
            "top-last-year",
            _("Last year's top customers"),
            _("Are last year's best customers still buying this year?"),
            (Param("top_n", _("how many"), 50, 1, 1000),),
            top_last_year,
        ),
        Answer(
            "not-heard-from",
            _("Not heard from for years"),
            _("Which customers have we not heard from (no contact, no order) for years? Call them back."),
            (Param("years", _("years"), 7, 1, 50),),
            not_heard_from,
        ),
    ]
}
