"""Reads for the interaction log: the customer timeline (interactions and orders in one stream)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q

from tenure.interactions.models import Interaction

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


def timeline(customer, *, before: Cursor | None = None, limit: int = 25) -> tuple[list[Entry], Cursor | None]:
    """One page of the customer's timeline, newest first, and the cursor of the next page (or None).

    Keyset pagination over two indexed streams ((customer, occurred_at) and (customer, ordered_at)):
    two queries per page whatever the page number.
    """
    from tenure.commerce.models import Order

    interactions = Interaction.objects.filter(customer=customer).select_related("handled_by")
    orders = Order.objects.filter(customer=customer)
    if before is not None:
        interactions = interactions.filter(_older("occurred_at", _RANK["interaction"], before))
        orders = orders.filter(_older("ordered_at", _RANK["order"], before))
    entries = [
        Entry("interaction", i.occurred_at, i)
        for i in interactions.order_by("-occurred_at", "-id")[: limit + 1]
    ]
    entries += [Entry("order", o.ordered_at, o) for o in orders.order_by("-ordered_at", "-id")[: limit + 1]]
    entries.sort(key=lambda e: (e.at, _RANK[e.kind], e.obj.pk), reverse=True)
    page = entries[:limit]
    next_cursor = page[-1].cursor if len(entries) > limit else None
    return page, next_cursor
