"""Template tags of the customer page: the timeline entries rendered in Python must be exactly what
the per-entry templates rendered, and blank forms are rendered once per language."""

from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from tenure import factories
from tenure.commerce.models import Order
from tenure.customers.forms import AddressForm, ContactForm
from tenure.customers.templatetags import tenure_ui
from tenure.customers.templatetags.customer_timeline import timeline_entries, timeline_entry
from tenure.interactions.forms import InteractionForm
from tenure.interactions.models import Interaction
from tenure.interactions.selectors import Entry

# The markup of the two per-entry templates the tag replaces (customers/_order_entry.html and
# interactions/_entry.html before this change), kept here as the reference the tag must match.
OLD_ORDER = Template(
    """{% load i18n %}<li class="entry entry-order{% if order.is_return %} entry-return{% endif %}">
  <span class="icon" aria-hidden="true">{% if order.is_return %}↩{% else %}▦{% endif %}</span>
  <div class="body">
    <div class="line1"><a href="{% url 'customers:order' order.customer_id order.pk %}"><b>{% if order.is_return %}{% translate "Return" %}{% else %}{% translate "Order" %}{% endif %} {{ order.number }}</b></a>
      <span class="num">{{ order.total|floatformat:"2g" }} {{ order.currency }}</span>
      <span class="muted">{% blocktranslate count n=order.line_count %}{{ n }} line{% plural %}{{ n }} lines{% endblocktranslate %} · {% translate "margin" %} {{ order.margin|floatformat:"2g" }} · {{ order.get_channel_display }}</span></div>
  </div>
  <time class="when" datetime="{{ order.ordered_at|date:'c' }}">{{ order.ordered_at|date:"Y-m-d H:i" }}</time>
</li>
"""  # noqa: E501
)
OLD_INTERACTION = Template(
    """{% load i18n %}<li class="entry entry-interaction kind-{{ interaction.kind }}" id="interaction-{{ interaction.pk }}">
  <span class="icon" aria-hidden="true">{% if interaction.kind == "call" %}☎{% elif interaction.kind == "visit" %}⌂{% elif interaction.kind == "email" %}✉{% elif interaction.kind == "chat" %}✆{% elif interaction.kind == "complaint" %}⚠{% elif interaction.kind == "survey" %}☑{% else %}✎{% endif %}</span>
  <div class="body">
    <div class="line1"><b>{{ interaction.get_kind_display }}</b> <span class="badge">{{ interaction.get_direction_display }}</span>
      {% if interaction.purpose %}<span class="purpose">{{ interaction.purpose }}</span>{% endif %}
      <span class="muted">{% if interaction.handled_by %}· {{ interaction.handled_by }}{% endif %}</span></div>
    {% if interaction.memo %}<div class="memo">{{ interaction.memo|linebreaksbr }}</div>{% endif %}
  </div>
  <time class="when" datetime="{{ interaction.occurred_at|date:'c' }}">{{ interaction.occurred_at|date:"Y-m-d H:i" }}</time>
</li>
"""  # noqa: E501
)


def _old(entry) -> str:
    if entry.kind == "order":
        return OLD_ORDER.render(Context({"order": entry.obj}))
    return OLD_INTERACTION.render(Context({"interaction": entry.obj}))


@pytest.fixture
def entries(agent, customer):
    at = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # the next day in Asia/Shanghai
    orders = [
        factories.OrderFactory(
            customer=customer,
            number="SO-<1>",
            total=Decimal("12345.5"),
            total_cost=Decimal("99.99"),
            line_count=1,
        ),
        factories.OrderFactory(
            customer=customer,
            number="RT-2",
            is_return=True,
            total=Decimal("-20.00"),
            total_cost=Decimal("-20.00"),
            line_count=3,
            channel="online",
        ),
        factories.OrderFactory(
            customer=customer,
            number="SO-3",
            total=Decimal("0"),
            total_cost=Decimal("1234567.89"),
            line_count=0,
        ),
    ]
    interactions = [
        factories.InteractionFactory(
            customer=customer,
            kind=kind,
            direction=direction,
            purpose=purpose,
            memo=memo,
            handled_by=handled_by,
            occurred_at=at,
        )
        for kind, direction, purpose, memo, handled_by in [
            ("call", "in", "Refund <b>now</b>", 'line one\nline <two> & "three"', agent),
            ("visit", "out", "", "", None),
            ("email", "internal", "x", "", agent),
            ("chat", "in", "", "a\r\nb", None),
            ("complaint", "in", "", "", None),
            ("survey", "out", "", "", None),
            ("note", "internal", "", "", None),
        ]
    ]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(ordered_at=at)
    # Reload so that values come back from the database exactly as the page gets them.
    orders = list(Order.objects.filter(pk__in=[o.pk for o in orders]).order_by("id"))
    ids = [i.pk for i in interactions]
    interactions = list(Interaction.objects.filter(pk__in=ids).select_related("handled_by").order_by("id"))
    return [Entry("order", o.ordered_at, o) for o in orders] + [
        Entry("interaction", i.occurred_at, i) for i in interactions
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_timeline_entries_render_exactly_what_the_entry_templates_rendered(entries, language):
    with translation.override(language):
        expected = "".join(_old(e) + "\n" for e in entries)
        assert timeline_entries(entries) == expected
        for entry in entries:
            assert timeline_entry(entry) == _old(entry)


def test_timeline_entry_escapes_user_text_and_keeps_line_breaks(entries):
    html = timeline_entry(entries[3])  # the call with HTML in purpose and memo
    assert "Refund &lt;b&gt;now&lt;/b&gt;" in html
    assert "line one<br>line &lt;two&gt; &amp; &quot;three&quot;" in html
    assert "<b>now</b>" not in html


def test_timeline_entry_order_in_the_users_language_and_time_zone(entries):
    with translation.override("en"):
        html = timeline_entry(entries[0])
        assert "<b>Order SO-&lt;1&gt;</b>" in html
        assert "12,345.50 CNY" in html and "1 line · margin 12,245.51" in html
        assert '<time class="when" datetime="2026-03-02T07:30:00+08:00">2026-03-02 07:30</time>' in html
        returned = timeline_entry(entries[1])
        assert "entry-return" in returned and "<b>Return RT-2</b>" in returned and "3 lines" in returned
    with translation.override("zh-hans"):
        html = timeline_entry(entries[0])
        assert "12345.50 CNY" in html and "订单" in html


def test_blank_form_is_rendered_once_per_language():
    tenure_ui._BLANK_FORMS.clear()
    with mock.patch.object(tenure_ui, "render_to_string", wraps=tenure_ui.render_to_string) as render:
        with translation.override("en"):
            first = tenure_ui.form_fields(InteractionForm(), "interactions/_log_form_fields.html")
            again = tenure_ui.form_fields(InteractionForm(), "interactions/_log_form_fields.html")
        with translation.override("zh-hans"):
            chinese = tenure_ui.form_fields(InteractionForm(), "interactions/_log_form_fields.html")
        assert render.call_count == 2
    assert first == again and 'value="call" selected' in first and ">Kind</label>" in first
    assert chinese != first and "类型" in chinese


def test_blank_forms_of_different_classes_are_cached_apart():
    tenure_ui._BLANK_FORMS.clear()
    with translation.override("en"):
        contact = tenure_ui.form_fields(ContactForm(), "customers/_form_fields.html")
        address = tenure_ui.form_fields(AddressForm(), "customers/_form_fields.html")
    assert 'name="is_primary"' in contact and 'name="postcode"' not in contact
    assert 'name="postcode"' in address and 'name="is_primary"' not in address


def test_bound_or_prefilled_forms_are_rendered_every_time():
    tenure_ui._BLANK_FORMS.clear()
    with translation.override("en"):
        bound = InteractionForm({"kind": "bogus", "direction": "in"})
        assert not bound.is_valid()
        html = tenure_ui.form_fields(bound, "interactions/_log_form_fields.html")
        assert "has-error" in html and "bogus is not one of the available choices" in html
        prefilled = tenure_ui.form_fields(
            ContactForm(initial={"name": "李娜"}), "customers/_form_fields.html"
        )
        assert 'value="李娜"' in prefilled
        blank = tenure_ui.form_fields(ContactForm(), "customers/_form_fields.html")
        assert 'value="李娜"' not in blank and "has-error" not in blank
    assert len(tenure_ui._BLANK_FORMS) == 1


def test_blank_forms_are_not_cached_in_debug():
    tenure_ui._BLANK_FORMS.clear()
    with override_settings(DEBUG=True), translation.override("en"):
        tenure_ui.form_fields(InteractionForm(), "interactions/_log_form_fields.html")
    assert tenure_ui._BLANK_FORMS == {}


def test_phone_filter_formats_and_tolerates_empty_values():
    assert tenure_ui.phone("+8613812345678") == "+86 138 1234 5678"
    assert tenure_ui.phone("+8613812345678") == "+86 138 1234 5678"  # second time from the cache
    assert tenure_ui.phone("") == "" and tenure_ui.phone(None) == ""
    assert tenure_ui.phone("not a number") == "not a number"


def test_forms_with_a_callable_initial_are_not_cached():
    from django import forms

    class StampForm(forms.Form):
        at = forms.CharField(initial=lambda: "fresh")

    tenure_ui._BLANK_FORMS.clear()
    with translation.override("en"):
        assert 'value="fresh"' in tenure_ui.form_fields(StampForm(), "customers/_form_fields.html")
    assert tenure_ui._BLANK_FORMS == {}


URLS = [
    ("core:home", ()),
    ("customers:list", ()),
    ("accounts:logout", ()),
    ("customers:history", (1,)),
    ("customers:preferences", (12345678901,)),
    ("interactions:log", (7,)),
    ("customers:contact_edit", (3, 40)),
    ("customers:address_remove", (999, 1)),
    ("customers:order", (5, 0)),
]


@pytest.mark.parametrize("name, args", URLS)
def test_cached_url_is_what_the_url_tag_gives(name, args):
    from django.urls import set_script_prefix

    placeholders = " ".join(f"a{i}" for i in range(len(args)))
    old = Template(f"{{% url '{name}' {placeholders} %}}")
    new = Template(f"{{% load tenure_ui %}}{{% cached_url '{name}' {placeholders} %}}")
    context = {f"a{i}": a for i, a in enumerate(args)}
    try:
        for prefix in ("/", "/crm/"):  # a deployment under a sub-path
            set_script_prefix(prefix)
            for _ in range(2):  # the first call reverses, the second formats
                assert new.render(Context(context)) == old.render(Context(context))
                assert new.render(Context(context)).startswith(prefix)
    finally:
        set_script_prefix("/")


def test_cached_url_reverses_what_it_cannot_format():
    from django.urls import NoReverseMatch

    old = Template("{% url 'customers:history' pk %}")
    new = Template("{% load tenure_ui %}{% cached_url 'customers:history' pk %}")
    assert new.render(Context({"pk": "12"})) == old.render(Context({"pk": "12"}))  # a string id
    for bad in (-1, "x"):
        with pytest.raises(NoReverseMatch):
            new.render(Context({"pk": bad}))
    with pytest.raises(NoReverseMatch):
        Template("{% load tenure_ui %}{% cached_url 'no:such' 1 %}").render(Context({}))
