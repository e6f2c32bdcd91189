"""Tier pages: the tiers and their criteria with a distribution chart, editing (admins), the tier
migration between two dates, and the customer's tier override (managers). Thin: the work is in
tiers.py (reads, through Customer.objects.visible_to) and services.py (writes)."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenure.customers.selectors import get_customer_for_user
from tenure.value import services
from tenure.value.models import TierDefinition
from tenure.value.tier_forms import MigrationForm, TierDefinitionForm, TierOverrideForm
from tenure.value.tiers import (
    active_tiers,
    customer_tier_panel,
    format_conditions,
    parse_conditions,
    tier_label,
    tier_movers,
    tier_rows,
)
from tenure.value.tiers import (
    tier_migration as migration_matrix,
)


def _manager(user) -> None:
    if not (user.is_manager and user.can_write):
        raise PermissionDenied


def _admin(user) -> None:
    if not user.is_admin:
        raise PermissionDenied


@login_required
@require_GET
def tiers(request):
    rows, others, total = tier_rows(request.user)
    other_rows = [{"label": tier_label(code, {}), "count": n} for code, n in sorted(others.items()) if n]
    chart = {
        "labels": [r["tier"].name for r in rows if r["tier"].is_active] + [o["label"] for o in other_rows],
        "counts": [r["count"] for r in rows if r["tier"].is_active] + [o["count"] for o in other_rows],
        "title": _("Customers per tier"),
    }
    return render(
        request,
        "value/tiers.html",
        {
            "rows": rows,
            "others": other_rows,
            "total": total,
            "chart": chart,
            "can_recompute": request.user.is_manager and request.user.can_write,
            "can_edit": request.user.is_admin,
        },
    )


@login_required
@require_POST
def tiers_recompute(request):
    _manager(request.user)
    result = services.tiers_recompute(actor=request.user)
    messages.success(
        request,
        _("Tiers recomputed: %(changes)s customers changed tier, %(ended)s overrides expired.")
        % {"changes": result["changes"], "ended": result["overrides_ended"]},
    )
    return redirect("value:tiers")


@login_required
@require_http_methods(["GET", "POST"])
def tier_edit(request, pk: int | None = None):
    _admin(request.user)
    definition = get_object_or_404(TierDefinition, pk=pk) if pk else None
    if request.method == "POST":
        form = TierDefinitionForm(request.POST, initial={"code": definition.code} if definition else None)
        if definition is not None:
            form.fields["code"].disabled = True  # history, overrides and SLA policies refer to it
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                data["conditions"] = parse_conditions(data["conditions"], validate=False)
                if data["rule"] != TierDefinition.Rule.TOP_PERCENT and data["percent"] is None:
                    data["percent"] = None
                definition = services.tier_definition_save(actor=request.user, definition=definition, **data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Tier saved. Recompute the tiers to apply it."))
                return redirect("value:tiers")
    elif definition is not None:
        form = TierDefinitionForm(
            initial={
                "code": definition.code,
                "name_en": definition.name_en,
                "name_zh": definition.name_zh,
                "position": definition.position,
                "rule": definition.rule,
                "percent": definition.percent,
                "percent_metric": definition.percent_metric,
                "conditions": format_conditions(definition.conditions),
                "description_en": definition.description_en,
                "description_zh": definition.description_zh,
                "is_active": definition.is_active,
            }
        )
        form.fields["code"].disabled = True
    else:
        last = TierDefinition.objects.order_by("-position").values_list("position", flat=True).first()
        form = TierDefinitionForm(initial={"position": (last or 0) + 1, "is_active": True})
    return render(request, "value/tier_edit.html", {"form": form, "definition": definition})


@login_required
@require_GET
def tier_customers(request, code: str):
    """The visible customers of one tier (R2.3: "search the customers of any tier at will")."""
    from tenure.customers.models import Customer

    definition = get_object_or_404(TierDefinition, code=code)
    qs = (
        Customer.objects.visible_to(request.user)
        .filter(tier=code)
        .select_related("owner", "metrics")
        .order_by("name", "id")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "value/tier_customers.html", {"definition": definition, "page": page})


@login_required
@require_GET
def tier_migration(request):
    today = timezone.localdate()
    data = request.GET if "since" in request.GET or "until" in request.GET else None
    form = MigrationForm(data, initial={"since": today - timedelta(days=30), "until": today})
    if data is None:
        since, until = today - timedelta(days=30), today
    elif form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    else:
        return render(request, "value/tier_migration.html", {"form": form}, status=400)
    direction = "down" if request.GET.get("direction") == "down" else "up"
    tiers = list(TierDefinition.objects.order_by("position", "id"))
    positions = {t.code: i for i, t in enumerate(tiers, start=1)}
    result = migration_matrix(request.user, since=since, until=until, positions=positions)
    names = {t.code: t.name for t in tiers}
    codes = [t.code for t in tiers]
    seen = {c["from"] for c in result["cells"]} | {c["to"] for c in result["cells"]}
    codes += sorted(seen - set(codes) - {""})
    cells = {(c["from"], c["to"]): c["count"] for c in result["cells"]}
    from_codes = ["", *codes]
    matrix = [
        {
            "label": tier_label(f, names) if f else _("(no tier)"),
            "cells": [cells.get((f, t), 0) for t in codes],
            "total": sum(cells.get((f, t), 0) for t in codes),
        }
        for f in from_codes
    ]
    movers = tier_movers(request.user, since=since, until=until, direction=direction, positions=positions)
    page = Paginator(movers, 50).get_page(request.GET.get("page"))
    for c in page.object_list:
        c.from_label = tier_label(c.t_from, names)
        c.to_label = tier_label(c.t_to, names)
    return render(
        request,
        "value/tier_migration.html",
        {
            "form": form,
            "since": since,
            "until": until,
            "columns": [tier_label(c, names) for c in codes],
            "matrix": matrix,
            "result": result,
            "direction": direction,
            "page": page,
        },
    )


def _expiry(day):
    """An override "until" a day lasts to the end of that day (server time zone)."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@login_required
@require_POST
def tier_override(request, pk: int):
    customer = get_customer_for_user(request.user, pk)
    _manager(request.user)
    form = TierOverrideForm(request.POST, tiers=active_tiers())
    if form.is_valid():
        try:
            services.tier_override_set(
                customer=customer,
                tier=form.cleaned_data["tier"],
                reason=form.cleaned_data["reason"],
                expires_at=_expiry(form.cleaned_data["expires_on"]),
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Tier override saved."))
    else:
        messages.error(
            request,
            " ".join(
                f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items() if f in form.fields
            ),
        )
    return redirect(customer.get_absolute_url())


@login_required
@require_POST
def tier_override_end(request, pk: int):
    customer = get_customer_for_user(request.user, pk)
    _manager(request.user)
    if services.tier_override_end(customer=customer, actor=request.user):
        messages.success(request, _("Tier override ended; the computed tier applies again."))
    return redirect(customer.get_absolute_url())


@login_required
@require_GET
def customer_tier_history(request, pk: int):
    """The customer's latest tier changes (HTMX fragment of the customer page's tier panel)."""
    customer = get_customer_for_user(request.user, pk)
    panel = customer_tier_panel(customer, request.user, history=20)
    return render(request, "value/_customer_tier_history.html", {"customer": customer, "tier_panel": panel})
