from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tenure.customers.selectors import customers_for
from tenure.interactions.models import Interaction


@login_required
def home(request):
    customers = customers_for(request.user)
    recent = (
        Interaction.objects.filter(customer__in=customers)
        .select_related("customer", "handled_by")
        .order_by("-occurred_at", "-id")[:15]
    )
    mine = customers.filter(representative=request.user).order_by("name")[:15]
    return render(request, "core/home.html", {"recent": recent, "mine": mine})
