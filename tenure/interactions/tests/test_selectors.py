"""The merged timeline: keyset pages over interactions and orders, newest first, ties included."""

from datetime import timedelta

from django.utils import timezone

from tenure import factories
from tenure.interactions.selectors import Cursor, timeline


def _walk(customer, limit):
    seen, cursor, pages = [], None, 0
    while True:
        entries, cursor = timeline(customer, before=cursor, limit=limit)
        seen += [(e.kind, e.obj.pk, e.at) for e in entries]
        pages += 1
        if cursor is None:
            return seen, pages


def test_every_entry_once_in_order_even_with_identical_timestamps(customer):
    same = timezone.now().replace(microsecond=0)
    for _ in range(4):
        factories.InteractionFactory(customer=customer, occurred_at=same)
        factories.OrderFactory(customer=customer, ordered_at=same)
    factories.InteractionFactory(customer=customer, occurred_at=same - timedelta(days=1))
    factories.OrderFactory(customer=customer, ordered_at=same + timedelta(days=1))
    seen, pages = _walk(customer, limit=3)
    assert len(seen) == 10 and len(set(seen)) == 10 and pages == 4
    assert [at for _, _, at in seen] == sorted((at for _, _, at in seen), reverse=True)
    assert seen[0][0] == "order" and seen[-1][0] == "interaction"


def test_other_customers_entries_never_appear(customer, agent):
    from tenure.customers.services import customer_create

    other = customer_create(actor=agent, name="Other")
    factories.InteractionFactory(customer=other)
    factories.OrderFactory(customer=other)
    assert timeline(customer) == ([], None)


def test_cursor_round_trip_and_garbage():
    cursor = Cursor(timezone.now(), 1, 42)
    assert Cursor.decode(cursor.encode()) == cursor
    for bad in ("", None, "x", "2026-01-01T00:00:00~1~x", "2026-01-01T00:00:00~1~2"):  # naive time too
        assert Cursor.decode(bad) is None
