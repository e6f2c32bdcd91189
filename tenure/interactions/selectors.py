"""Reads for the interaction log: the customer timeline (interactions and orders in one stream)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q

from tenure.interactions.models import Interaction
from tenure.lib.prepared import Prepared

# Ties on the same instant: interactions sort before orders, then by id, all descending.
_RANK = {"interaction": 1, "order": 0}


@dataclass(frozen=True)
class Cursor:
    at: datetime
    rank: int
    pk: int

    def encode(self) -> str:
        return f"{self.at.isoformat()}~{self.rank}~{self.pk}"

    @classmethod
    def decode(cls, text: str | None) -> "Cursor | None":
        if not text:
            return None
        try:
            at, rank, pk = text.split("~")
            parsed = datetime.fromisoformat(at)
            if parsed.tzinfo is None or int(rank) not in _RANK.values():
                return None
            # In UTC: an instant the database cannot hold (year 1 at +05:00, a +23:59 offset) is no cursor.
            return cls(parsed.astimezone(UTC), int(rank), int(pk))
        except (ValueError, TypeError, OverflowError):
            return None


@dataclass
class Entry:
    kind: str  # "interaction" | "order"
    at: datetime
    obj: object

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, _RANK[self.kind], self.obj.pk)


def _older(field: str, rank: int, cursor: Cursor) -> Q:
    """Rows strictly after `cursor` in the (time, rank, id) descending order, for a source of `rank`."""
    if rank < cursor.rank:
        return Q(**{f"{field}__lte": cursor.at})
    if rank > cursor.rank:
        return Q(**{f"{field}__lt": cursor.at})
    return Q(**{f"{field}__lt": cursor.at}) | Q(**{field: cursor.at, "pk__lt": cursor.pk})


FIRST_PAGE = 25


def _streams(customer_id):
    """The customer's interactions (with who handled them) and orders, each newest first."""
    from tenure.commerce.models import Order

    interactions = (
        Interaction.objects.filter(customer_id=customer_id)
        .select_related("handled_by")
        .order_by("-occurred_at", "-id")
    )
    orders = Order.objects.filter(customer_id=customer_id).order_by("-ordered_at", "-id")
    return interactions, orders


def _limited(stream: int, limit: int):
    def build(customer_id):
        return _streams(customer_id)[stream][: limit + 1]

    return build


_FIRST_INTERACTIONS = Prepared(_limited(0, FIRST_PAGE))
_FIRST_ORDERS = Prepared(_limited(1, FIRST_PAGE))


def timeline(
    customer, *, before: Cursor | None = None, limit: int = FIRST_PAGE
) -> tuple[list[Entry], Cursor | None]:
    """One page of the customer's timeline, newest first, and the cursor of the next page (or None).

    Keyset pagination over two indexed streams ((customer, occurred_at) and (customer, ordered_at)):
    two queries per page whatever the page number.
    """
    if before is None and limit == FIRST_PAGE:
        # The customer page's first page: the same two statements on every view, compiled once.
        interactions, orders = _FIRST_INTERACTIONS(customer.pk), _FIRST_ORDERS(customer.pk)
    else:
        interactions, orders = _streams(customer.pk)
        if before is not None:
            interactions = interactions.filter(_older("occurred_at", _RANK["interaction"], before))
            orders = orders.filter(_older("ordered_at", _RANK["order"], before))
        interactions, orders = interactions[: limit + 1], orders[: limit + 1]
    entries = [Entry("interaction", i.occurred_at, i) for i in interactions]
    entries += [Entry("order", o.ordered_at, o) for o in orders]
    entries.sort(key=lambda e: (e.at, _RANK[e.kind], e.obj.pk), reverse=True)
    page = entries[:limit]
    next_cursor = page[-1].cursor if len(entries) > limit else None
    return page, next_cursor


# --- call lists ---------------------------------------------------------------------------------


def call_lists_for(user):
    """The call lists assigned to or made by `user` — for a manager, by anyone in their teams
    (admins: all) — with their progress counted. Entries stay filtered by customer visibility."""
    from django.db.models import Count

    from tenure.accounts.models import User
    from tenure.interactions.models import CallList, CallListEntry

    if user is None or not user.is_authenticated or not user.is_active:
        return CallList.objects.none()
    qs = CallList.objects.all()
    if not user.is_admin:
        people = [user.pk]
        rule = Q(assignee_id=user.pk) | Q(created_by_id=user.pk)
        team_ids = user.team_ids() if user.is_manager else []
        if team_ids:
            people = User.objects.filter(teams__in=team_ids).values("pk")
            rule = Q(assignee_id__in=people) | Q(created_by_id__in=people)
        qs = qs.filter(rule)
    return qs.select_related("assignee", "created_by").annotate(
        entry_total=Count("entries"),
        entry_open=Count("entries", filter=Q(entries__status=CallListEntry.Status.PENDING)),
    )


def get_call_list_for_user(user, pk):
    from django.http import Http404

    from tenure.interactions.models import CallList

    try:
        return call_lists_for(user).get(pk=pk)
    except (CallList.DoesNotExist, ValueError, TypeError):
        raise Http404("No such call list") from None


def call_list_entries(user, call_list):
    """The entries whose customer `user` may see, in call order, with what the page shows."""
    from tenure.core.api import visible_customers_q
    from tenure.interactions.models import CallListEntry

    return (
        CallListEntry.objects.filter(call_list=call_list)
        .filter(visible_customers_q(user))
        .select_related("customer", "customer__metrics", "interaction")
        .order_by("position")
    )


def get_call_list_entry_for_user(user, pk):
    """An entry of a call list `user` may open, whose customer they may see; else 404."""
    from django.http import Http404

    from tenure.core.api import visible_customers_q
    from tenure.interactions.models import CallListEntry

    lists = call_lists_for(user).values("pk")
    try:
        return (
            CallListEntry.objects.filter(visible_customers_q(user), call_list__in=lists)
            .select_related("customer", "call_list")
            .get(pk=pk)
        )
    except (CallListEntry.DoesNotExist, ValueError, TypeError):
        raise Http404("No such call list entry") from None
