"""The demo comes with a living value dashboard: metrics, RFM, ABC and "bought together" rules."""

from datetime import date

from django.core.management import call_command
from django.db.models import F, Sum

from tenure.commerce.models import Order
from tenure.core import demo
from tenure.customers.models import Customer
from tenure.value.models import AssociationRule, CustomerMetrics


def test_demo_command_computes_value_and_companions_make_rules(db, capsys):
    call_command("demo", customers=300, seed=5)
    assert "Customer value computed" in capsys.readouterr().out
    assert CustomerMetrics.objects.count() == Customer.objects.count() == 300
    assert CustomerMetrics.objects.exclude(abc_class="").exclude(rfm_r=None).exists()
    pairs = {
        (r.antecedent.sku, r.consequent.sku)
        for r in AssociationRule.objects.filter(antecedent_2=None).select_related("antecedent", "consequent")
    }
    found = [pair for pair in demo.COMPANIONS if pair in pairs or pair[::-1] in pairs]
    assert len(found) >= 5, found
    # Companion lines are real lines: every order's total is still the sum of its lines.
    assert not Order.objects.annotate(s=Sum("lines__amount")).exclude(s=F("total")).exists()


def test_demo_without_value(db):
    demo.load(50, seed=3, anchor=date(2026, 6, 30))
    assert not CustomerMetrics.objects.exists()
    call_command("demo", customers=10, force=True, no_value=True)
    assert not CustomerMetrics.objects.exists()
