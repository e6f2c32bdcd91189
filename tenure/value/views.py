"""Value pages: the dashboard (Pareto, ABC, RFM heat map, lifecycle, cohorts, lifetime value) and the
customers of one RFM cell. Every number is over the customers the user may see (dashboard.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tenure.value import dashboard
from tenure.value.clv import InsufficientHistory
from tenure.value.conf import value_settings

TIER_MIGRATION_DAYS = 30


def _tier_context(user) -> dict:
    """Tier distribution and the last 30 days' tier migration, over the user's visible customers."""
    from datetime import timedelta

    from django.utils import timezone

    from tenure.value.models import TierDefinition
    from tenure.value.tiers import tier_label, tier_migration, tier_rows

    rows, others, total = tier_rows(user)
    names = {r["tier"].code: r["tier"].name for r in rows}
    shown = [r for r in rows if r["tier"].is_active or r["count"]]
    extra = [
        (tier_label(code, names) if code else _("(no tier)"), n) for code, n in sorted(others.items()) if n
    ]
    until = timezone.localdate()
    since = until - timedelta(days=TIER_MIGRATION_DAYS)
    codes = [r["tier"].code for r in rows]
    migration = tier_migration(
        user, since=since, until=until, positions={c: i for i, c in enumerate(codes, start=1)}
    )
    seen = {c["from"] for c in migration["cells"]} | {c["to"] for c in migration["cells"]}
    codes += sorted(seen - set(codes) - {""})
    from_codes = ["", *codes]
    index_to = {c: i for i, c in enumerate(codes)}
    index_from = {c: i for i, c in enumerate(from_codes)}
    return {
        "tier_defined": TierDefinition.objects.exists(),
        "tier_total": total,
        "tier_top": shown[0] if shown else None,
        "tier_chart": {
            "kind": "stages",
            "customers_name": _("Customers"),
            "categories": [r["tier"].name for r in shown] + [label for label, _n in extra],
            "values": [r["count"] for r in shown] + [n for _label, n in extra],
        },
        "tier_migration": {**migration, "since": since, "until": until, "days": TIER_MIGRATION_DAYS},
        "tier_migration_chart": {
            "kind": "migration",
            "x_name": _("Tier at the end"),
            "y_name": _("Tier at the start"),
            "customers_name": _("Customers"),
            "to": [tier_label(c, names) for c in codes],
            "from": [tier_label(c, names) if c else _("(no tier)") for c in from_codes],
            # [to index, from index, customers]
            "cells": [
                [index_to[c["to"]], index_from[c["from"]], c["count"]]
                for c in migration["cells"]
                if c["to"] in index_to and c["from"] in index_from
            ],
            "max": max((c["count"] for c in migration["cells"]), default=0),
        },
    }


def _pct(share: float) -> float:
    return round(100.0 * share, 1)


def _pareto_context(request) -> dict:
    error = None
    try:
        period = dashboard.parse_period(request.GET)
    except ValidationError as exc:
        error = " ".join(m for msgs in exc.message_dict.values() for m in msgs)
        period = dashboard.Period("all")
    data = dashboard.pareto_for(request.user, period)
    chart = {
        "kind": "pareto",
        "x_name": _("Share of customers (best first)"),
        "y_name": _("Share of value"),
        "revenue_name": _("Revenue"),
        "margin_name": _("Margin"),
        "equality_name": _("Equal shares"),
        "mark_name": _("Top 20%"),
        "revenue": data["revenue"]["points"],
        "margin": data["margin"]["points"],
        "top20_revenue": data["revenue"]["top20_share"],
        "top20_margin": data["margin"]["top20_share"],
    }
    return {
        "pareto": data,
        "pareto_chart": chart,
        "period": period,
        "period_error": error,
        "period_raw": {k: request.GET.get(k, "") for k in ("since", "until")},
        "top20_revenue_pct": _pct(data["revenue"]["top20_share"]),
        "top20_margin_pct": _pct(data["margin"]["top20_share"]),
        "for80_pct": _pct(data["revenue"]["customers_for_80"]),
    }


def _holdout_chart(run) -> dict | None:
    if run is None or not run.detail.get("by_calibration_repeats"):
        return None
    groups = run.detail["by_calibration_repeats"]
    return {
        "kind": "holdout",
        "x_name": _("Repeat purchases in the calibration period"),
        "y_name": _("Mean repeat purchases in the hold-out"),
        "actual_name": _("Actual"),
        "predicted_name": _("Predicted"),
        "categories": [g["calibration_repeats"] for g in groups],
        "actual": [g["actual"] for g in groups],
        "predicted": [g["predicted"] for g in groups],
    }


@login_required
@require_GET
def value_dashboard(request):
    user = request.user
    size = dashboard.rfm_size()
    abc = dashboard.abc_for(user)
    rfm = dashboard.rfm_for(user)
    stages = dashboard.stages_for(user)
    cohorts = dashboard.cohorts_for(user)
    clv = dashboard.clv_for(user)
    holdout = dashboard.latest_holdout() if user.is_admin else None
    thresholds = abc["thresholds"]
    a_share = abc["classes"]["A"]["value_share"]
    best_cell = None
    for r in range(size):
        for f in range(size):
            n = rfm["counts"][r][f]
            if n and (best_cell is None or n > best_cell["customers"]):
                best_cell = {"r": r + 1, "f": f + 1, "customers": n}
    scores = [str(i) for i in range(1, size + 1)]
    context = {
        **_pareto_context(request),
        "abc": abc,
        "abc_rows": [
            {
                "cls": cls,
                "customers": abc["classes"][cls]["customers"],
                "value": abc["classes"][cls]["value"],
                "share_pct": _pct(abc["classes"][cls]["value_share"]),
            }
            for cls in ("A", "B", "C")
        ],
        "abc_a_pct": _pct(a_share),
        "abc_a_customers_pct": _pct(abc["classes"]["A"]["customers"] / abc["customers"])
        if abc["customers"]
        else 0,
        "abc_chart": {
            "kind": "abc",
            "categories": ["A", "B", "C"],
            "customers_name": _("Customers"),
            "share_name": _("Share of value (%)"),
            "customers": [abc["classes"][c]["customers"] for c in "ABC"],
            "shares": [_pct(abc["classes"][c]["value_share"]) for c in "ABC"],
        },
        "abc_thresholds": thresholds,
        "abc_basis_label": _("revenue") if abc["basis"] == "revenue" else _("margin"),
        "rfm": rfm,
        "rfm_best_cell": best_cell,
        "rfm_chart": {
            "kind": "rfm",
            "x_name": _("Frequency score (F)"),
            "y_name": _("Recency score (R)"),
            "customers_name": _("Customers"),
            "mean_name": _("Mean revenue"),
            "scores": scores,
            # [F index, R index, customers, mean revenue]
            "cells": [
                [f, r, rfm["counts"][r][f], rfm["mean_revenue"][r][f]]
                for r in range(size)
                for f in range(size)
            ],
            "max": max((max(row) for row in rfm["counts"]), default=0),
            "cell_url": reverse("value:rfm_cell", args=[9, 8]).replace("/9/8/", "/{r}/{f}/"),
        },
        "stages": stages,
        "stage_total": sum(s["customers"] for s in stages),
        "stage_chart": {
            "kind": "stages",
            "customers_name": _("Customers"),
            "categories": [s["label"] for s in stages],
            "values": [s["customers"] for s in stages],
        },
        "stage_changes": _stage_changes(user, {s["stage"]: s["label"] for s in stages}),
        "cohorts": cohorts,
        "cohort_chart": {
            "kind": "cohorts",
            "x_name": _("Months after the first purchase"),
            "y_name": _("Cohort (month of first purchase)"),
            "pct_name": _("Still buying (%)"),
            "customers_name": _("Customers"),
            "cohorts": [c["cohort"] for c in cohorts["cohorts"]],
            "offsets": [str(i) for i in range(1, cohorts["max_offset"] + 1)],
            "cells": [
                [m - 1, i, cell["pct"], cell["customers"]]
                for i, c in enumerate(cohorts["cohorts"])
                for m, cell in enumerate(c["months"])
                if m > 0
            ],
            "max": _colour_top([cell["pct"] for c in cohorts["cohorts"] for cell in c["months"][1:]]),
        },
        "month1_pct": _month1(cohorts),
        "clv": clv,
        "clv_conf": value_settings()["clv"],
        "holdout": holdout,
        "holdout_chart": _holdout_chart(holdout),
        **_tier_context(user),
        "can_validate": user.is_admin,
    }
    return render(request, "value/dashboard.html", context)


def _stage_changes(user, labels: dict) -> list[dict]:
    return [
        {
            "customer": ch.customer,
            "from": labels.get(ch.from_stage, ch.from_stage) or "—",
            "to": labels.get(ch.to_stage, ch.to_stage),
            "at": ch.changed_at,
        }
        for ch in dashboard.recent_stage_changes(user)
    ]


def _colour_top(values: list[float]) -> float:
    """Top of the colour scale: the 95th percentile, so one tiny cohort at 100% does not wash out the rest."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


def _month1(cohorts: dict) -> float | None:
    """Mean share of a cohort buying again in its second month (over cohorts old enough)."""
    shares = [c["months"][1]["pct"] for c in cohorts["cohorts"] if len(c["months"]) > 1]
    return round(sum(shares) / len(shares), 1) if shares else None


@login_required
@require_GET
def pareto_card(request):
    """The Pareto card alone, for the period selector (HTMX swaps it in place)."""
    return render(request, "value/_dashboard_pareto.html", _pareto_context(request))


@login_required
@require_GET
def rfm_cell(request, r: int, f: int):
    size = dashboard.rfm_size()
    if not (1 <= r <= size and 1 <= f <= size):
        raise Http404("No such RFM cell")
    qs = dashboard.rfm_cell_customers(request.user, r, f)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "value/dashboard_rfm_cell.html", {"page": page, "r": r, "f": f})


@login_required
@require_POST
def holdout_run(request):
    """Admins: fit the lifetime-value model on a calibration period and compare with the hold-out."""
    if not request.user.is_admin:
        raise PermissionDenied
    fit = dashboard.clv_for(request.user)["fit"]
    calibration_end, holdout_end = dashboard.holdout_split(fit)
    try:
        dashboard.holdout_job(
            calibration_end=calibration_end.isoformat(),
            holdout_end=holdout_end.isoformat(),
            time_unit=fit.time_unit if fit else value_settings()["clv"]["time_unit"],
        )
    except InsufficientHistory as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, _("Hold-out validation finished."))
    return redirect(reverse("value:dashboard") + "#clv")
