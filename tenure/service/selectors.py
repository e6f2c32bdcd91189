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


# --- SLA compliance report ------------------------------------------------------------------------
REPORT_DIMENSIONS = {
    "team": ("team__name", "team_id"),
    "assignee": ("assignee__username", "assignee_id"),
    "category": ("category", "category"),
    "priority": ("priority", "priority"),
}


def _compliance_counts():
    decided_fr = Q(first_response_at__isnull=False) | Q(first_response_breached=True)
    decided_res = Q(resolved_at__isnull=False) | Q(resolution_breached=True)
    return {
        "tickets": Count("id"),
        "fr_decided": Count("id", filter=decided_fr),
        "fr_met": Count("id", filter=Q(first_response_at__isnull=False, first_response_breached=False)),
        "res_decided": Count("id", filter=decided_res),
        "res_met": Count("id", filter=Q(resolved_at__isnull=False, resolution_breached=False)),
        "breached": Count("id", filter=Q(first_response_breached=True) | Q(resolution_breached=True)),
    }


def _rates(row: dict) -> dict:
    row["fr_rate"] = round(100 * row["fr_met"] / row["fr_decided"], 1) if row["fr_decided"] else None
    row["res_rate"] = round(100 * row["res_met"] / row["res_decided"], 1) if row["res_decided"] else None
    return row


def sla_compliance(user, *, since, until, by: str = "team") -> list[dict]:
    """Tickets opened in [since, until) that `user` sees, grouped by team, assignee, category or
    priority: how many met their first-response and resolution targets (of those decided: answered
    or resolved, or already breached). One GROUP BY."""
    label, key = REPORT_DIMENSIONS[by]
    qs = tickets_for(user).filter(opened_at__gte=since, opened_at__lt=until, sla_policy__isnull=False)
    rows = qs.values(label).annotate(**_compliance_counts()).order_by(label)
    return [_rates({**r, "label": r[label]}) for r in rows]


def sla_compliance_by_week(user, *, since, until) -> list[dict]:
    from django.db.models.functions import TruncWeek

    qs = tickets_for(user).filter(opened_at__gte=since, opened_at__lt=until, sla_policy__isnull=False)
    rows = (
        qs.annotate(week=TruncWeek("opened_at"))
        .values("week")
        .annotate(**_compliance_counts())
        .order_by("week")
    )
    return [_rates(dict(r)) for r in rows]
