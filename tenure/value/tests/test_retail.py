"""Opt-in: the value engine on the whole real Online Retail file (set TENURE_RETAIL_DATA=1).

Read in place from ../shared/data/online-retail, never copied. About a minute: the import of
541,909 lines, then the recompute (metrics, RFM, ABC, tiers), Pareto, lifetime value and basket
rules, checked against the numbers recorded in docs/benchmarks.md ("Real data: Online Retail").
"""

import io
import json
import os

import pytest
from django.core.management import call_command
from django.db.models import Count

from tenure.customers.models import Customer
from tenure.imports.tests.test_retail import DATA, MAP
from tenure.value.models import CustomerMetrics

pytestmark = [
    pytest.mark.retail,
    pytest.mark.django_db,
    pytest.mark.skipif(os.environ.get("TENURE_RETAIL_DATA") != "1", reason="set TENURE_RETAIL_DATA=1"),
]


def value(*args) -> dict:
    out = io.StringIO()
    call_command("value", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_value_engine_on_the_whole_retail_file(agent):
    args = [a for m in MAP for a in ("--map", m)]
    out = io.StringIO()
    call_command("import", "orders", str(DATA), *args, "--map", "Country=-", "--create-customers", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["rows"] == 541_909 and summary["rejected"] == 135_080
    assert Customer.objects.count() == 4_372

    value("recompute", "--as-of", "2011-12-10")
    assert CustomerMetrics.objects.count() == 4_372
    # Every customer has exactly one tier, and the pyramid narrows towards the top.
    tiers = dict(Customer.objects.order_by().values("tier").annotate(n=Count("id")).values_list("tier", "n"))
    assert sum(tiers.values()) == 4_372 and "" not in tiers
    assert tiers["platinum"] < tiers["gold"] < tiers["iron"]

    pareto = value("pareto")
    assert pareto["top20_share"] == pytest.approx(0.737, abs=0.005)
    abc = value("abc")
    assert abc["counts"] == {"A": 1_178, "B": 1_456, "C": 1_738}

    fit = value("clv-fit", "--until", "2011-12-09", "--time-unit", "week")
    assert fit["converged"] and fit["customers"] == 4_338 and fit["repeat_customers"] == 2_788

    basket = value("basket", "--min-support", "0.02")
    teacups = [
        r
        for r in basket["rules"]
        if sorted(r["antecedents"]) == ["22697", "22699"] and r["consequents"] == ["22698"]
    ]
    assert teacups and teacups[0]["lift"] == pytest.approx(24.0, abs=0.5)
