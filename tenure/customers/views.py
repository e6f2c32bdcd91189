from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from tenure.customers.selectors import customers_for, get_customer_for_user, value_summary


@login_required
def customer_list(request):
    qs = customers_for(request.user).select_related("owner", "representative")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.search(q)
    page = Paginator(qs.order_by("-id"), 50).get_page(request.GET.get("page"))
    return render(request, "customers/list.html", {"page": page, "q": q})


@login_required
def customer_detail(request, pk: int):
    customer = get_customer_for_user(request.user, pk)
    return render(
        request, "customers/detail.html", {"customer": customer, "summary": value_summary(customer)}
    )
