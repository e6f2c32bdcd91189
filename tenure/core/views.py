from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tenure.customers.selectors import customers_for
from tenure.interactions.models import Interaction
from tenure.service.models import RecoveryTask
from tenure.service.selectors import overdue_promises, recovery_tasks_for, tickets_for


@login_required
def home(request):
    """The agent's day: what needs fixing (recovery tasks, overdue promises), their queue, their customers."""
    user = request.user
    customers = customers_for(user)
    recent = (
        Interaction.objects.filter(customer__in=customers)
        .select_related("customer", "handled_by")
        .order_by("-occurred_at", "-id")[:15]
    )
    mine = customers.filter(representative=user).order_by("name")[:15]
    tasks = (
        recovery_tasks_for(user)
        .filter(assignee=user, status=RecoveryTask.Status.OPEN)
        .select_related("customer", "ticket")[:20]
    )
    overdue = overdue_promises(user).filter(made_by=user).select_related("customer")[:20]
    open_tickets = tickets_for(user).filter(assignee=user).exclude(status__in=["resolved", "closed"]).count()
    return render(
        request,
        "core/home.html",
        {"recent": recent, "mine": mine, "tasks": tasks, "overdue": overdue, "open_tickets": open_tickets},
    )
