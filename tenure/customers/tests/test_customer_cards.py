"""The customer page's fixed cards rendered in Python ({% customer_stats_card %},
{% customer_facts_card %}, {% customer_preferences_card %}) must be exactly what the markup of
customers/detail.html rendered, for customers with and without every optional field, in both
languages."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import engines
from django.utils import translation

from tenure import factories
from tenure.customers.models import Customer, Tag
from tenure.customers.selectors import get_customer_for_user, referrals_count, tags_of, value_summary
from tenure.customers.services import customer_create

# The three cards of customers/detail.html before the tags, kept as the reference.
OLD = {
    name: engines["django"].from_string("{% load i18n tenure_ui %}" + markup)
    for name, markup in (
        (
            "stats",
            """<section class="card stats-card" aria-label="{% translate 'Value summary' %}">
      <div class="stats">
        <div class="stat"><small>{% translate "Lifetime revenue" %}</small><b>{{ summary.revenue|floatformat:"2g" }}</b></div>
        <div class="stat"><small>{% translate "Lifetime margin" %}</small><b>{{ summary.margin|floatformat:"2g" }}</b></div>
        <div class="stat"><small>{% translate "Orders" %}</small><b>{{ summary.orders }}</b>{% if summary.returns %}<small class="muted">{% blocktranslate count n=summary.returns %}{{ n }} return{% plural %}{{ n }} returns{% endblocktranslate %}</small>{% endif %}</div>
        <div class="stat"><small>{% translate "Average order" %}</small><b>{% if summary.average_order is not None %}{{ summary.average_order|floatformat:"2g" }}{% else %}—{% endif %}</b></div>
        <div class="stat"><small>{% translate "Buyer" %}</small><b>{% if summary.buyer_type == "repeat" %}<span class="badge badge-good">{% translate "Repeat buyer" %}</span>{% elif summary.buyer_type == "first_time" %}<span class="badge badge-warn">{% translate "First-time buyer" %}</span>{% else %}<span class="badge">{% translate "No purchase yet" %}</span>{% endif %}</b></div>
        <div class="stat"><small>{% translate "First / last purchase" %}</small><b class="small">{% if summary.first %}{{ summary.first|date:"Y-m-d" }} → {{ summary.last|date:"Y-m-d" }}{% else %}—{% endif %}</b></div>
        <div class="stat"><small>{% translate "Tenure" %}</small><b>{% if summary.tenure_days is not None %}{% blocktranslate count n=summary.tenure_days %}{{ n }} day{% plural %}{{ n }} days{% endblocktranslate %}{% else %}—{% endif %}</b></div>
      </div>
    </section>""",
        ),  # noqa: E501
        (
            "facts",
            """<section class="card">
      <h2>{% translate "Who they are" %}</h2>
      <dl class="kv">
        <dt>{% translate "Kind" %}</dt><dd>{{ customer.get_kind_display }}</dd>
        {% if customer.alt_name %}<dt>{% translate "Other name" %}</dt><dd>{{ customer.alt_name }}</dd>{% endif %}
        <dt>{% translate "Mobile" %}</dt><dd>{% if customer.mobile %}<a href="tel:{{ customer.mobile }}">{{ customer.mobile|phone }}</a>{% else %}—{% endif %}</dd>
        {% if customer.phone %}<dt>{% translate "Phone" %}</dt><dd><a href="tel:{{ customer.phone }}">{{ customer.phone|phone }}</a></dd>{% endif %}
        <dt>{% translate "Email" %}</dt><dd>{% if customer.email %}<a href="mailto:{{ customer.email }}">{{ customer.email }}</a>{% else %}—{% endif %}</dd>
        {% if customer.gender %}<dt>{% translate "Gender" %}</dt><dd>{{ customer.get_gender_display }}</dd>{% endif %}
        {% if customer.birthday %}<dt>{% translate "Birthday" %}</dt><dd>{{ customer.birthday|date:"Y-m-d" }}</dd>{% endif %}
        {% if customer.language %}<dt>{% translate "Language" %}</dt><dd>{{ customer.get_language_display }}</dd>{% endif %}
        {% if customer.industry %}<dt>{% translate "Industry" %}</dt><dd>{{ customer.industry }}</dd>{% endif %}
        <dt>{% translate "Source" %}</dt><dd>{{ customer.source|default:"—" }}</dd>
        <dt>{% translate "Stage" %}</dt><dd>{{ customer.get_lifecycle_stage_display }}</dd>
        <dt>{% translate "Owner" %}</dt><dd>{{ customer.owner|default:"—" }}</dd>
        <dt>{% translate "Team" %}</dt><dd>{{ customer.team|default:"—" }}</dd>
        <dt>{% translate "Representative" %}</dt><dd><b>{{ customer.representative|default:"—" }}</b></dd>
        <dt>{% translate "Referred by" %}</dt><dd>{% if customer.referred_by %}<a href="{{ customer.referred_by.get_absolute_url }}">{{ customer.referred_by.name }}</a>{% else %}—{% endif %}</dd>
        <dt>{% translate "Referrals" %}</dt><dd>{{ referrals_count }}</dd>
        <dt>{% translate "Wants a manager" %}</dt><dd>{% if customer.wants_manager %}<b>{% translate "Yes" %}</b>{% else %}{% translate "No" %}{% endif %}</dd>
        <dt>{% translate "Tags" %}</dt><dd>{% for t in tags %}<a class="badge" href="{% url 'customers:list' %}?tag={{ t.name|urlencode }}">{{ t.name }}</a> {% empty %}—{% endfor %}</dd>
        {% for key, value in customer.attributes.items %}<dt>{{ key }}</dt><dd>{{ value }}</dd>{% endfor %}
        <dt>{% translate "Customer since" %}</dt><dd>{{ customer.created_at|date:"Y-m-d" }}</dd>
      </dl>
      {% if customer.notes %}<p class="notes">{{ customer.notes|linebreaksbr }}</p>{% endif %}
    </section>""",
        ),  # noqa: E501
        (
            "preferences",
            """<section class="card" id="preferences">
      <h2>{% translate "Preferences & consent" %}{% if can_write %} <a class="small" href="{% url 'customers:preferences' customer.pk %}">{% translate "edit" %}</a>{% endif %}</h2>
      <dl class="kv">
        <dt>{% translate "Do not contact" %}</dt><dd>{% if customer.do_not_contact %}<span class="badge badge-bad">{% translate "DO NOT CONTACT" %}</span>{% else %}{% translate "No" %}{% endif %}</dd>
        <dt>{% translate "Channels allowed" %}</dt><dd>{{ channel_labels|join:", "|default:"—" }}</dd>
        <dt>{% translate "Preferred channel" %}</dt><dd>{{ customer.get_preferred_channel_display|default:"—" }}</dd>
        <dt>{% translate "At most" %}</dt><dd>{% if customer.max_contacts_per_month is not None %}{% blocktranslate count n=customer.max_contacts_per_month %}{{ n }} contact a month{% plural %}{{ n }} contacts a month{% endblocktranslate %}{% else %}—{% endif %}</dd>
        <dt>{% translate "Service style" %}</dt><dd>{{ customer.get_service_style_display }}</dd>
        <dt>{% translate "Consent" %}</dt><dd>{% if customer.consent_given_at %}{{ customer.consent_given_at|date:"Y-m-d H:i" }}{% if customer.consent_method %} · {{ customer.consent_method }}{% endif %}{% else %}{% translate "not recorded" %}{% endif %}</dd>
      </dl>
    </section>""",
        ),  # noqa: E501
    )
}
NEW = {
    name: engines["django"].from_string("{% load customer_cards %}{% " + tag + " %}")
    for name, tag in (
        ("stats", "customer_stats_card"),
        ("facts", "customer_facts_card"),
        ("preferences", "customer_preferences_card"),
    )
}


def _context(user, customer, can_write=True) -> dict:
    customer = get_customer_for_user(user, customer.pk)
    return {
        "customer": customer,
        "summary": value_summary(customer),
        "tags": tags_of(customer),
        "referrals_count": referrals_count(customer),
        "can_write": can_write,
        "channel_labels": [
            label for value, label in Customer.Channel.choices if value in (customer.allowed_channels or [])
        ],
    }


def _same(user, customer, can_write=True) -> dict:
    out = {}
    for language in ("zh-hans", "en"):  # English last: returned
        with translation.override(language):
            context = _context(user, customer, can_write)
            for name in OLD:
                new = NEW[name].render(context)
                assert new == OLD[name].render(context), (name, language)
                out[name] = new
    return out


def test_a_customer_with_nothing_but_a_name(agent):
    bare = customer_create(actor=agent, name="Bare")
    html = _same(agent, bare)
    assert "No purchase yet" in html["stats"] and "not recorded" in html["preferences"]
    _same(agent, bare, can_write=False)


def test_a_customer_with_every_field(agent, teammate, customer):
    friend = customer_create(actor=agent, name="Friend <&>")
    Customer.objects.filter(pk=customer.pk).update(
        alt_name="Zhang <Wei>",
        phone="+861062345678",
        gender="m",
        birthday=date(1980, 2, 29),
        language="en",
        industry='Tea & "coffee"',
        source="web <form>",
        representative=teammate,
        referred_by=friend,
        wants_manager=True,
        attributes={"vip": True, "score": 1234.5, "level": 3, "note": "<b>x</b>", "list": [1, "a"]},
        notes="line one\nline <two> & three",
        allowed_channels=["sms", "wechat", "bogus"],
        preferred_channel="wechat",
        max_contacts_per_month=1,
        do_not_contact=True,
        service_style="personal",
        consent_given_at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC),  # the next day in Asia/Shanghai
        consent_method="paper <form>",
    )
    customer.tags.set([Tag.objects.create(name="a&b/c d"), Tag.objects.create(name="批发")])
    customer_create(actor=agent, name="Referred", referred_by=customer)
    factories.OrderFactory(
        customer=customer,
        total=Decimal("12345.5"),
        total_cost=Decimal("99.99"),
        ordered_at=datetime(2024, 1, 1, 20, tzinfo=UTC),
    )
    factories.OrderFactory(customer=customer, total=Decimal("-20"), total_cost=Decimal("-10"), is_return=True)
    html = _same(agent, customer)
    assert "Zhang &lt;Wei&gt;" in html["facts"] and "?tag=a%26b/c%20d" in html["facts"]
    assert "2026-01-01 07:30 · paper &lt;form&gt;" in html["preferences"]
    assert "1 return" in html["stats"] and "First-time buyer" in html["stats"]
    _same(agent, customer, can_write=False)
    factories.OrderFactory(customer=customer, total=Decimal("0.5"), total_cost=Decimal("1"))
    Customer.objects.filter(pk=customer.pk).update(max_contacts_per_month=0, referred_by=None, attributes={})
    assert "Repeat buyer" in _same(agent, customer)["stats"]


@pytest.mark.parametrize("count", [2, 5])
def test_plural_counts(agent, customer, count):
    Customer.objects.filter(pk=customer.pk).update(max_contacts_per_month=count)
    for _ in range(count):
        factories.OrderFactory(
            customer=customer, total=Decimal("-1"), total_cost=Decimal("0"), is_return=True
        )
    assert f"{count} returns" in _same(agent, customer)["stats"]


def test_the_customer_page_uses_the_cards(client_for, agent, customer):
    body = client_for(agent).get(customer.get_absolute_url()).content.decode()
    with translation.override("en"):  # the agent's language
        context = _context(agent, customer)
        for name in OLD:
            assert NEW[name].render(context) in body, name


def test_every_label_of_the_tags_is_translated():
    """makemessages does not read gettext calls inside f-strings: each tag module lists its labels in
    `_CATALOGUE`, and each must have a Chinese translation (the cards' labels in the catalogues)."""
    from tenure.customers.templatetags import customer_cards, customer_timeline, tenure_ui
    from tenure.value.templatetags import value_panels

    for module in (customer_cards, customer_timeline, tenure_ui, value_panels):
        for label in module._CATALOGUE:
            if not isinstance(label, str):  # a plural: checked by the counts below
                continue
            with translation.override("zh-hans"):
                assert translation.gettext(label) != label, (module.__name__, label)
    with translation.override("zh-hans"):
        html = customer_cards.stats_card(
            {"revenue": 0, "margin": 0, "orders": 0, "returns": 0, "average_order": None}
            | {"buyer_type": "none", "first": None, "last": None, "tenure_days": None}
        )
    assert "价值概要" in html and "累计收入" in html
    with translation.override("zh-hans"):
        assert (
            customer_cards.stats_card(
                {"revenue": 0, "margin": 0, "orders": 2, "returns": 2, "average_order": None}
                | {"buyer_type": "repeat", "first": None, "last": None, "tenure_days": 3}
            ).count("次退货")
            + customer_timeline.ngettext("%(n)s line", "%(n)s lines", 2).count("行")
            == 2
        )
