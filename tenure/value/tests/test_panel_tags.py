"""The value panels of the customer page rendered in Python ({% customer_tier_card %},
{% recommendations_card %}) must be exactly what the templates they replace rendered, in every state
of the panels and in both languages."""

import re
from datetime import UTC, datetime

import pytest
from django.middleware.csrf import get_token
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from tenure.factories import OrderFactory, OrderLineFactory, ProductFactory
from tenure.value import services
from tenure.value.models import AssociationRule, CustomerMetrics, TierDefinition, TierOverride
from tenure.value.selectors import recommendations_for
from tenure.value.tiers import customer_tier_panel

# value/_customer_tier.html and value/_recommendations.html before the tags, kept as the reference.
OLD_TIER = engines["django"].from_string(
    """{% load i18n %}<section class="card" id="customer-tier">
  <h2>{% translate "Tier" %}</h2>
  {% with p=tier_panel %}
  {% if not p.tiers %}<p class="muted">{% translate "No tiers are defined." %}</p>{% else %}
  <dl class="kv">
    <dt>{% translate "Current tier" %}</dt><dd><b>{{ p.label }}</b>{% if p.override %} <span class="badge badge-warn">{% translate "override" %}</span>{% endif %}</dd>
    <dt>{% translate "By the rules" %}</dt><dd>{{ p.computed_label }}</dd>
    {% if p.current and p.current.description %}<dt>{% translate "Criteria" %}</dt><dd>{{ p.current.description }}</dd>{% endif %}
    {% if p.override %}
    <dt>{% translate "Override reason" %}</dt><dd>{{ p.override.reason }}</dd>
    <dt>{% translate "Set by" %}</dt><dd>{{ p.override.created_by|default:"—" }} · {{ p.override.created_at|date:"Y-m-d" }}</dd>
    <dt>{% translate "Until" %}</dt><dd>{% if p.override.expires_at %}{{ p.override.expires_at|date:"Y-m-d H:i" }}{% else %}{% translate "no expiry" %}{% endif %}</dd>
    {% endif %}
  </dl>
  {% if p.can_override %}
  {% if p.override %}<form method="post" action="{% url 'value:tier_override_end' customer.pk %}" class="inline">{% csrf_token %}<button type="submit" class="small secondary">{% translate "End override" %}</button></form>{% endif %}
  <details><summary>{% translate "Override the tier" %}</summary>
    <form method="post" action="{% url 'value:tier_override' customer.pk %}" class="stack">{% csrf_token %}
      <div class="field"><label for="tier-override-tier">{% translate "Tier" %}</label>
        <select name="tier" id="tier-override-tier">{% for t in p.tiers %}<option value="{{ t.code }}"{% if t.code == p.code %} selected{% endif %}>{{ t.name }}</option>{% endfor %}</select></div>
      <div class="field"><label for="tier-override-reason">{% translate "Reason" %} <span class="req">*</span></label><input type="text" name="reason" id="tier-override-reason" maxlength="500" required></div>
      <div class="field"><label for="tier-override-until">{% translate "Until (optional)" %}</label><input type="date" name="expires_on" id="tier-override-until"></div>
      <button type="submit" class="small">{% translate "Save override" %}</button>
    </form>
  </details>
  {% endif %}
  <details hx-get="{% url 'value:customer_tier_history' customer.pk %}" hx-trigger="toggle once" hx-target="find .tier-history"><summary>{% translate "Tier history" %}</summary><div class="tier-history"><span class="muted small">…</span></div></details>
  {% endif %}
  {% endwith %}
</section>
"""  # noqa: E501
)
OLD_RECOMMENDATIONS = engines["django"].from_string(
    """{% load i18n %}<section class="card" id="recommendations">
  <h2>{% translate "Likely to want next" %}</h2>
  {% if recommendations %}
  <ol class="plain">{% for rec in recommendations %}
    <li><strong>{{ rec.product.name }}</strong> <span class="muted">{{ rec.product.sku }}</span><br>
      <span class="muted small">{% if rec.because|length > 1 %}{% blocktranslate with x=rec.because.0.name y=rec.because.1.name z=rec.product.name %}bought {{ x }} and {{ y }} → {{ z }}{% endblocktranslate %}{% else %}{% blocktranslate with x=rec.because.0.name z=rec.product.name %}bought {{ x }} → {{ z }}{% endblocktranslate %}{% endif %}
      · {% widthratio rec.confidence 1 100 as c %}{% blocktranslate %}confidence {{ c }}%{% endblocktranslate %}
      · {% blocktranslate with l=rec.lift|floatformat:2 %}lift {{ l }}{% endblocktranslate %}</span></li>
  {% endfor %}</ol>
  {% else %}<p class="muted">{% translate "No suggestions: no stored “bought together” rule applies to this customer's purchases." %}</p>{% endif %}
</section>
"""  # noqa: E501
)


def _blank_csrf(html: str) -> str:
    """CSRF tokens are masked afresh on every read of the token: compare the markup around them."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    get_token(request)
    return request


def _same_tier_card(customer, user) -> str:
    customer.refresh_from_db()
    request = _request(user)
    for language in ("zh-hans", "en"):  # English last: returned
        with translation.override(language):
            context = {"customer": customer, "tier_panel": customer_tier_panel(customer, user)}
            new = render_to_string("value/_customer_tier.html", context, request=request)
            assert _blank_csrf(new) == _blank_csrf(OLD_TIER.render(context, request)), language
    return new


def _same_recommendations(customer) -> str:
    request = _request(None)
    for language in ("zh-hans", "en"):  # English last: returned
        with translation.override(language):
            context = {"customer": customer, "recommendations": recommendations_for(customer)}
            new = render_to_string("value/_recommendations.html", context, request=request)
            assert new == OLD_RECOMMENDATIONS.render(context, request), language
    return new


@pytest.fixture
def tiered(customer, agent):
    CustomerMetrics.objects.create(customer=customer, margin=500, order_count=3)
    services.tiers_recompute()
    customer.refresh_from_db()
    return customer


def test_tier_card_without_tiers(customer, agent, manager):
    TierDefinition.objects.all().delete()
    html = _same_tier_card(customer, manager)
    assert "No tiers are defined." in html


def test_tier_card_for_an_agent_and_a_manager(tiered, agent, manager):
    TierDefinition.objects.filter(code="platinum").update(
        description_en="Top <5%> & more", description_zh="前 5% 的客户", name_en='Plat "inum"'
    )
    html = _same_tier_card(tiered, agent)
    assert "Top &lt;5%&gt; &amp; more" in html and "tier_override" not in html
    html = _same_tier_card(tiered, manager)
    assert 'name="csrfmiddlewaretoken"' in html and "Plat &quot;inum&quot;" in html
    TierDefinition.objects.update(description_en="", description_zh="")
    _same_tier_card(tiered, manager)


def test_tier_card_with_overrides(tiered, agent, manager, teammate):
    services.tier_override_set(
        customer=tiered,
        tier="iron",
        reason='Dispute <b>open</b> & "pending"',
        expires_at=datetime(2099, 1, 31, 20, 5, tzinfo=UTC),  # the next day in Asia/Shanghai
        actor=manager,
    )
    for user in (agent, manager):
        html = _same_tier_card(tiered, user)
        assert "Dispute &lt;b&gt;open&lt;/b&gt;" in html and "2099-02-01 04:05" in html
    services.tier_override_set(customer=tiered, tier="gold", reason="Key account", actor=manager)
    html = _same_tier_card(tiered, manager)
    assert "no expiry" in html
    TierOverride.objects.update(created_by=None)  # the manager's account was removed
    assert "<dd>— · " in _same_tier_card(tiered, agent)


def test_tier_card_with_an_undefined_or_inactive_tier(tiered, manager):
    TierDefinition.objects.filter(code="platinum").update(is_active=False)
    _same_tier_card(tiered, manager)
    type(tiered).objects.filter(pk=tiered.pk).update(tier="retired<x>")
    CustomerMetrics.objects.filter(customer=tiered).update(computed_tier="")
    html = _same_tier_card(tiered, manager)
    assert "retired&lt;x&gt;" in html


def test_recommendations_card(customer):
    assert "No suggestions" in _same_recommendations(customer)
    tea, cups, pot, kettle, tray = (
        ProductFactory(sku=s, name=n)
        for s, n in (
            ("TEA", "Longjing <tea>"),
            ("CUP", "Tea cups & saucers"),
            ("POT", "Teapot"),
            ("KET", 'Kettle "XL"'),
            ("TRAY", "托盘"),
        )
    )
    order = OrderFactory(customer=customer)
    OrderLineFactory(order=order, product=tea)
    OrderLineFactory(order=order, product=cups)
    rule = dict(orders=10, support=0.1)
    AssociationRule.objects.create(antecedent=tea, consequent=pot, confidence=0.625, lift=2.5, **rule)
    AssociationRule.objects.create(
        antecedent=tea, antecedent_2=cups, consequent=kettle, confidence=0.125, lift=3.14159, **rule
    )
    AssociationRule.objects.create(antecedent=cups, consequent=tray, confidence=0.999, lift=12345.678, **rule)
    AssociationRule.objects.create(antecedent=tea, consequent=tray, confidence=0.5, lift=1.0, **rule)
    html = _same_recommendations(customer)
    assert "bought Longjing &lt;tea&gt; and Tea cups &amp; saucers → Kettle &quot;XL&quot;" in html
    assert html.count("<li>") == 3
