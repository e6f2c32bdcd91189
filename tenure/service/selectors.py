"""Reads of the service domain. Tickets, promises and tasks are seen through their customer."""

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from tenure.customers.models import Customer
from tenure.service.models import Promise, RecoveryTask, Ticket


def tickets_for(user):
    return Ticket.objects.visible_to(user)


def get_ticket_for_user(user, pk) -> Ticket:
    try:
        return (
            Ticket.objects.visible_to(user)
            .select_related("customer", "assignee", "team", "sla_policy__calendar", "created_by")
            .get(pk=pk)
        )
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise Http404("No such ticket") from None


def promises_for(user):
    return Promise.objects.filter(customer__in=Customer.objects.visible_to(user))


def get_promise_for_user(user, pk) -> Promise:
    try:
        return promises_for(user).select_related("customer", "made_by").get(pk=pk)
    except (Promise.DoesNotExist, ValueError, TypeError):
        raise Http404("No such promise") from None


def recovery_tasks_for(user):
    return RecoveryTask.objects.filter(customer__in=Customer.objects.visible_to(user))


def overdue_promises(user, today=None):
    today = today or timezone.localdate()
    return promises_for(user).filter(status=Promise.Status.OPEN, due_date__lt=today)


def promise_kept_rate(user, since=None) -> list[dict]:
    """Per person who made promises (on customers `user` sees): kept, broken, open, rate."""
    qs = promises_for(user)
    if since:
        qs = qs.filter(due_date__gte=since)
    rows = (
        qs.values("made_by_id", "made_by__username", "made_by__display_name")
        .annotate(
            kept=Count("id", filter=Q(status=Promise.Status.KEPT)),
            broken=Count("id", filter=Q(status=Promise.Status.BROKEN)),
            open=Count("id", filter=Q(status=Promise.Status.OPEN)),
        )
        .order_by("made_by__username")
    )
    out = []
    for r in rows:
        settled = r["kept"] + r["broken"]
        r["name"] = r["made_by__display_name"] or r["made_by__username"]
        r["rate"] = round(100 * r["kept"] / settled) if settled else None
        out.append(r)
    return out
