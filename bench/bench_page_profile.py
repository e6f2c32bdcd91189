#!/usr/bin/env python
"""One customer page, counted: Python function calls, queries and CPU per render, and per part.

    .venv/bin/python bench/bench_page_profile.py --db postgres://postgres@127.0.0.1:5432/tenure_h_page3

Renders `/customers/<pk>/` in this process through the whole Django stack (test client: session,
middleware, view, templates) and prints JSON:
- ``page``: function calls per render (cProfile; the machine's load does not move them), queries
  per render, CPU ms per render (median of ``--renders`` timed with ``time.process_time``);
- ``parts``: the same counts for the view's reads (the view run with ``render`` captured), the
  template rendering of the captured context, and the value panels (``customer_tier_panel`` and
  ``recommendations_for`` with their two templates).
The customer is the agent's visible customer with the most orders that has a stored "bought
together" recommendation; ``--override`` first gives it an active manual tier override (a reason
and an expiry) if it has none, so the page shows every part of the tier panel. ``--callgrind``
runs the renders with valgrind's instruction counting switched on around them only (run the
script under ``valgrind --tool=callgrind --instr-atstart=no``).
"""

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import db_label, emit, log, machine, setup_django  # noqa: E402


def pick_customer(user, want_recommendations: bool = True):
    from django.db.models import Count

    from tenure.commerce.models import Order
    from tenure.customers.models import Customer
    from tenure.value.selectors import recommendations_for

    visible = Customer.objects.visible_to(user)
    rows = (
        Order.objects.filter(customer__in=visible.values("pk"))
        .values("customer")
        .annotate(n=Count("id"))
        .order_by("-n", "customer")[:50]
    )
    fallback = None
    for row in rows:
        customer = visible.get(pk=row["customer"])
        fallback = fallback or customer
        if not want_recommendations or recommendations_for(customer):
            return customer
    return fallback


def ensure_override(customer, actor) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from tenure.value.models import TierDefinition, TierOverride
    from tenure.value.services import tier_override_set

    if TierOverride.objects.filter(customer=customer, ended_at__isnull=True).exists():
        return
    tiers = list(TierDefinition.objects.filter(is_active=True).order_by("position", "id"))
    target = next((t for t in tiers if t.code != customer.tier), tiers[0])
    tier_override_set(
        customer=customer,
        tier=target.code,
        reason="Bench: key account <under review> & more",
        expires_at=timezone.now() + timedelta(days=3650),
        actor=actor,
    )


def counted(fn, n: int) -> dict:
    """Calls and queries per run of ``fn`` (after one warm-up run)."""
    from django.db import connection

    fn()
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        fn()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        fn()
    profiler.disable()
    return {
        "calls": round(pstats.Stats(profiler).total_calls / n),
        "queries": len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--agent", default="sun.li")
    parser.add_argument("--customer", type=int, help="Customer id (default: see above).")
    parser.add_argument("--renders", type=int, default=50)
    parser.add_argument("--language", default="zh-hans")
    parser.add_argument("--override", action="store_true", help="Give the customer a tier override first.")
    parser.add_argument("--top", type=int, default=0, help="Print the N costliest functions on stderr.")
    parser.add_argument("--callgrind", action="store_true")
    args = parser.parse_args()

    os.environ["DEBUG"] = "0"
    os.environ["TENURE_MANIFEST_STATIC"] = "0"
    setup_django(args.db)
    from django.shortcuts import render as django_render
    from django.template.loader import render_to_string
    from django.test import Client, RequestFactory
    from django.utils import translation

    from tenure.accounts.models import User
    from tenure.customers import views
    from tenure.customers.models import Customer
    from tenure.value.selectors import recommendations_for
    from tenure.value.tiers import customer_tier_panel

    agent = User.objects.get(username=args.agent)
    if args.customer:
        customer = Customer.objects.visible_to(agent).get(pk=args.customer)
    else:
        customer = pick_customer(agent)
    if args.override:
        managers = User.objects.filter(role__in=["admin", "manager"]).order_by("id")
        manager = managers.filter(teams__in=agent.teams.all()).first() or managers.first() or agent
        ensure_override(customer, manager)
    path = f"/customers/{customer.pk}/"
    client = Client()
    client.force_login(agent)

    def page():
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=args.language)
        assert response.status_code == 200, response.status_code
        return response

    for _ in range(5):
        page()
    result = {
        "benchmark": "customer_page_profile",
        "database": db_label(args.db),
        "customers": Customer.objects.count(),
        "machine": machine(),
        "customer": customer.pk,
        "path": path,
        "language": args.language,
        "html_bytes": len(page().content),
    }

    if args.callgrind:
        pid = str(os.getpid())
        subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
        for _ in range(args.renders):
            page()
        subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)
        result["callgrind_renders"] = args.renders
        emit(result)
        return

    # The whole page: calls, queries, CPU.
    result["page"] = counted(page, args.renders)
    cpu = []
    for _ in range(args.renders):
        t = time.process_time()
        page()
        cpu.append((time.process_time() - t) * 1000)
    result["page"]["cpu_ms_p50"] = round(statistics.median(cpu), 2)
    result["page"]["cpu_ms_min"] = round(min(cpu), 2)

    # Parts: the view's reads (render captured), the template rendering, the value panels.
    captured = {}

    def capture(request, template_name, context):
        captured.update(request=request, template=template_name, context=context)
        from django.http import HttpResponse

        return HttpResponse("")

    request = RequestFactory().get(path, HTTP_ACCEPT_LANGUAGE=args.language)
    request.user = User.objects.get(pk=agent.pk)
    request.session = client.session
    from django.middleware.csrf import get_token

    get_token(request)
    with translation.override(args.language):
        views.render = capture
        try:
            parts = {"view_reads": counted(lambda: views.customer_detail(request, customer.pk), args.renders)}
        finally:
            views.render = django_render
        ctx = captured["context"]
        parts["template"] = counted(lambda: django_render(request, captured["template"], ctx), args.renders)
        user = request.user
        panel_ctx = {**ctx}

        def panels():
            panel_ctx["tier_panel"] = customer_tier_panel(ctx["customer"], user)
            panel_ctx["recommendations"] = recommendations_for(ctx["customer"])
            render_to_string("value/_customer_tier.html", panel_ctx, request=request)
            render_to_string("value/_recommendations.html", panel_ctx, request=request)

        def panel_reads():
            customer_tier_panel(ctx["customer"], user)
            recommendations_for(ctx["customer"])

        parts["value_panels"] = counted(panels, args.renders)
        parts["value_panels_reads"] = counted(panel_reads, args.renders)
    result["parts"] = parts
    result["recommendations"] = len(ctx["recommendations"])
    result["tier_override"] = bool(ctx["tier_panel"]["override"])

    if args.top:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.renders):
            page()
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
    result["machine_at_end"] = machine()
    log(f"{result['page']['calls']} calls, {result['page']['queries']} queries per render")
    emit(result)


if __name__ == "__main__":
    main()
