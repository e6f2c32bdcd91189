"""The customer page's header, contact / address rows and duplicate suggestions rendered in Python
({% customer_header %}, {% customer_contact_rows %}, {% customer_address_rows %},
{% customer_duplicate_rows %}) must be exactly what the old markup rendered: with and without
every optional field, HTML in every user text, writers and readers, with and without a CSRF token,
in both languages."""

import re

import pytest
from django.middleware.csrf import get_token
from django.template import engines
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils import translation

from tenure.customers.forms import AddressForm, ContactForm
from tenure.customers.models import Customer
from tenure.customers.selectors import addresses_of, contacts_of, duplicate_rows, get_customer_for_user
from tenure.customers.services import address_add, contact_add, customer_create

# The markup before the tags, kept as the reference (customers/_header.html, _contacts.html,
# _addresses.html, and the duplicates list of customers/detail.html).
OLD_HEADER = """{% load i18n tenure_ui %}<div class="custhead">
  <div>
    <h1>{{ customer.name }}{% if customer.alt_name %} <span class="muted alt">{{ customer.alt_name }}</span>{% endif %}</h1>
    <div class="chips">
      <span class="badge">{{ customer.get_kind_display }}</span>
      <span class="stage stage-{{ customer.lifecycle_stage }}">{{ customer.get_lifecycle_stage_display }}</span>
      {% if customer.external_id %}<span class="muted">#{{ customer.external_id }}</span>{% endif %}
      {% if customer.wants_manager %}<span class="badge badge-warn">{% translate "Wants to deal with a manager" %}</span>{% endif %}
      {% if customer.primary_phone %}<span class="nowrap">☎ {{ customer.primary_phone|phone }}</span>{% endif %}
    </div>
  </div>
  <div class="rep-box">
    <small>{% translate "Dedicated representative" %}</small>
    <b>{% if customer.representative %}{{ customer.representative }}{% else %}<span class="muted">{% translate "none yet" %}</span>{% endif %}</b>
  </div>
</div>
{% if customer.do_not_contact %}<div class="dnc-banner" role="alert">⚠ {% translate "DO NOT CONTACT — this customer asked not to be contacted. Answer inbound requests only." %}</div>{% endif %}
<nav class="tabs">
  <a href="{{ customer.get_absolute_url }}"{% if tab == "overview" %} class="active"{% endif %}>{% translate "Overview" %}</a>
  <a href="{% cached_url 'customers:history' customer.pk %}"{% if tab == "history" %} class="active"{% endif %}>{% translate "Audit history" %}</a>
  <a href="{% cached_url 'service:queue' %}?customer={{ customer.pk }}">{% translate "Tickets" %}</a>
  {% if user.can_write %}<a href="{% cached_url 'customers:edit' customer.pk %}">{% translate "Edit" %}</a>
  <a href="{% cached_url 'customers:preferences' customer.pk %}">{% translate "Preferences & consent" %}</a>
  <a href="{% cached_url 'service:ticket_new' %}?customer={{ customer.pk }}">{% translate "New ticket" %}</a>{% endif %}
</nav>
"""  # noqa: E501
OLD_CONTACTS = """{% load i18n tenure_ui %}<section class="card" id="contacts">
  <h2>{% translate "Contacts" %}</h2>
  <ul class="plain rows">{% for c in contacts %}
    <li id="contact-{{ c.pk }}">
      <b>{{ c.name }}</b>{% if c.is_primary %} <span class="badge badge-good">{% translate "primary" %}</span>{% endif %}{% if c.title %} <span class="muted">{{ c.title }}</span>{% endif %}
      <div class="muted">{% if c.mobile %}<a href="tel:{{ c.mobile }}">{{ c.mobile|phone }}</a>{% endif %}{% if c.email %} · <a href="mailto:{{ c.email }}">{{ c.email }}</a>{% endif %}</div>
      {% if can_write %}<div class="rowactions">
        <a href="{% cached_url 'customers:contact_edit' customer.pk c.pk %}" hx-get="{% cached_url 'customers:contact_edit' customer.pk c.pk %}" hx-target="#contact-{{ c.pk }}" hx-swap="outerHTML">{% translate "edit" %}</a>
        <form method="post" action="{% cached_url 'customers:contact_remove' customer.pk c.pk %}" class="inline" hx-post="{% cached_url 'customers:contact_remove' customer.pk c.pk %}" hx-target="#contacts" hx-swap="outerHTML" hx-confirm="{% translate 'Remove this contact?' %}">{% csrf_token %}<button class="linkish danger-text">{% translate "remove" %}</button></form>
      </div>{% endif %}
    </li>
  {% empty %}<li class="muted">{% translate "No contact persons yet." %}</li>{% endfor %}</ul>
  {% if can_write %}
  <details{% if contact_form.errors %} open{% endif %}><summary>+ {% translate "Add a contact" %}</summary>
    <form method="post" action="{% cached_url 'customers:contact_add' customer.pk %}" class="compact" hx-post="{% cached_url 'customers:contact_add' customer.pk %}" hx-target="#contacts" hx-swap="outerHTML" novalidate>{% csrf_token %}
      {{ contact_form.non_field_errors }}
      {% form_fields contact_form "customers/_form_fields.html" %}
      <button type="submit">{% translate "Add contact" %}</button>
    </form>
  </details>
  {% endif %}
</section>
"""  # noqa: E501
OLD_ADDRESSES = """{% load i18n tenure_ui %}<section class="card" id="addresses">
  <h2>{% translate "Addresses" %}</h2>
  <ul class="plain rows">{% for a in addresses %}
    <li id="address-{{ a.pk }}">
      <span class="badge">{{ a.get_kind_display }}</span> {{ a }}{% if a.postcode %} <span class="muted">{{ a.postcode }}</span>{% endif %}
      {% if can_write %}<div class="rowactions">
        <a href="{% cached_url 'customers:address_edit' customer.pk a.pk %}" hx-get="{% cached_url 'customers:address_edit' customer.pk a.pk %}" hx-target="#address-{{ a.pk }}" hx-swap="outerHTML">{% translate "edit" %}</a>
        <form method="post" action="{% cached_url 'customers:address_remove' customer.pk a.pk %}" class="inline" hx-post="{% cached_url 'customers:address_remove' customer.pk a.pk %}" hx-target="#addresses" hx-swap="outerHTML" hx-confirm="{% translate 'Remove this address?' %}">{% csrf_token %}<button class="linkish danger-text">{% translate "remove" %}</button></form>
      </div>{% endif %}
    </li>
  {% empty %}<li class="muted">{% translate "No address yet." %}</li>{% endfor %}</ul>
  {% if can_write %}
  <details{% if address_form.errors %} open{% endif %}><summary>+ {% translate "Add an address" %}</summary>
    <form method="post" action="{% cached_url 'customers:address_add' customer.pk %}" class="compact" hx-post="{% cached_url 'customers:address_add' customer.pk %}" hx-target="#addresses" hx-swap="outerHTML" novalidate>{% csrf_token %}
      {{ address_form.non_field_errors }}
      {% form_fields address_form "customers/_form_fields.html" %}
      <button type="submit">{% translate "Add address" %}</button>
    </form>
  </details>
  {% endif %}
</section>
"""  # noqa: E501
OLD_DUPLICATES = """{% load i18n tenure_ui %}<ul class="plain">{% for d in duplicates %}
        <li><a href="{{ d.get_absolute_url }}">{{ d.name }}</a> <span class="muted">{{ d.primary_phone|phone }} {{ d.email }}</span>
          {% if can_write %}<a class="button small secondary" href="{% cached_url 'customers:merge' %}?keep={{ customer.pk }}&amp;drop={{ d.pk }}">{% translate "Merge…" %}</a>{% endif %}</li>
      {% endfor %}</ul>"""  # noqa: E501
NEW_DUPLICATES = """{% load customer_cards %}<ul class="plain">{% customer_duplicate_rows %}</ul>"""

CSRF = re.compile(r'(csrfmiddlewaretoken" value=")[^"]+')


def _old(markup):
    return engines["django"].from_string(markup)


def _render(template, context, request):
    html = template.render(context, request)
    return CSRF.sub(r"\1", html), html.count("csrfmiddlewaretoken")


def _same(user, customer, **extra) -> dict:
    """Each part rendered old and new, in both languages, for a writer and a reader, with a request
    (a CSRF token) and without; returns the English writer's parts with a request."""
    factory = RequestFactory()
    out = {}
    pairs = {
        "header": (_old(OLD_HEADER), get_template("customers/_header.html")),
        "contacts": (_old(OLD_CONTACTS), get_template("customers/_contacts.html")),
        "addresses": (_old(OLD_ADDRESSES), get_template("customers/_addresses.html")),
        "duplicates": (_old(OLD_DUPLICATES), _old(NEW_DUPLICATES)),
    }
    for language in ("zh-hans", "en"):  # English last: returned
        with translation.override(language):
            for can_write in (False, True):
                for with_request in (False, True):
                    request = factory.get(customer.get_absolute_url()) if with_request else None
                    if request is not None:
                        request.user = user
                        get_token(request)
                    row = get_customer_for_user(user, customer.pk)
                    context = {
                        "customer": row,
                        "user": user if can_write else None,
                        "can_write": can_write,
                        "contacts": contacts_of(row),
                        "addresses": addresses_of(row),
                        "duplicates": duplicate_rows(user, row, limit=5),
                        "contact_form": ContactForm(),
                        "address_form": AddressForm(),
                        **extra,
                    }
                    for name, (old, new) in pairs.items():
                        expected = _render(old, context, request)
                        assert _render(new, context, request) == expected, (name, language, can_write)
                        out[name] = expected[0]
    return out


def test_a_bare_customer(agent):
    bare = customer_create(actor=agent, name="Bare")
    html = _same(agent, bare, tab="overview")
    assert "No contact persons yet." in html["contacts"] and "No address yet." in html["addresses"]
    assert 'class="active">Overview' in html["header"]
    _same(agent, bare, tab="history")
    _same(agent, bare)


def test_every_field_with_html_in_user_text(agent, teammate, customer):
    Customer.objects.filter(pk=customer.pk).update(
        alt_name="Zhang <Wei> & co",
        external_id='X-1 "<b>"',
        wants_manager=True,
        do_not_contact=True,
        representative=teammate,
        kind="company",
        phone="+861062345678",
    )
    contact_add(
        customer=customer,
        actor=agent,
        name="Li <script>alert(1)</script>",
        title='Buyer & "boss"',
        mobile="139 0000 2222",
        email="li@example.com",
        is_primary=True,
    )
    contact_add(customer=customer, actor=agent, name="Plain")
    address_add(customer=customer, actor=agent, city="北京<", line='长安街 "1" & <2>', postcode="<100000>")
    address_add(customer=customer, actor=agent, line="Only a line", kind="work")
    twin = customer_create(actor=agent, name="Twin <i>&", email="twin@example.com", mobile=customer.mobile)
    customer_create(actor=agent, name="Other <b>", email=customer.email)
    html = _same(agent, customer, tab="history")
    assert (
        "Li &lt;script&gt;" in html["contacts"]
        and "长安街 &quot;1&quot; &amp; &lt;2&gt;" in html["addresses"]
    )
    assert "Zhang &lt;Wei&gt; &amp; co" in html["header"] and "Twin &lt;i&gt;&amp;" in html["duplicates"]
    assert f"drop={twin.pk}" in html["duplicates"] and 'class="active">Audit history' in html["header"]
    assert html["contacts"].count('name="csrfmiddlewaretoken"') == 3  # two rows and the add form
    Customer.objects.filter(pk=customer.pk).update(
        alt_name="", external_id="", wants_manager=False, do_not_contact=False, mobile="", phone=""
    )
    _same(agent, customer, tab="overview")


def test_the_customer_page_uses_the_rows(client_for, agent, customer):
    contact_add(customer=customer, actor=agent, name="Contact <1>", mobile="13900002222")
    address_add(customer=customer, actor=agent, line="Line <1>")
    customer_create(actor=agent, name=customer.name)
    body = client_for(agent).get(customer.get_absolute_url()).content.decode()
    assert body.count('name="csrfmiddlewaretoken"') == 7  # header forms 2, log 1, contact 1+1, address 1+1
    assert "Contact &lt;1&gt;" in body and "Line &lt;1&gt;" in body and "Merge…" in body
    assert body.count('<div class="custhead">') == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_labels_are_translated(agent, customer, language):
    contact_add(customer=customer, actor=agent, name="C")
    with translation.override(language):
        html = get_template("customers/_contacts.html").render(
            {
                "customer": customer,
                "contacts": contacts_of(customer),
                "can_write": True,
                "contact_form": ContactForm(),
            }
        )
    assert ("删除" in html) == (language == "zh-hans")


def test_a_bound_form_with_errors_shows_them_as_before(agent, customer):
    from tenure.customers.forms import blank_form

    form = ContactForm(data={"name": ""})
    form.add_error(None, "Not <this> & that")
    context = {
        "customer": customer,
        "contacts": contacts_of(customer),
        "can_write": True,
        "contact_form": form,
    }
    for language in ("zh-hans", "en"):
        with translation.override(language):
            html = get_template("customers/_contacts.html").render(context)
            assert html == _old(OLD_CONTACTS).render(context)
    assert "Not &lt;this&gt; &amp; that" in html and "open" in html
    blank = blank_form(ContactForm)
    assert blank is blank_form(ContactForm) and not blank.is_bound and not blank.errors


def test_nav_links_are_the_old_loop(rf, agent, admin_user):
    from tenure.core.context_processors import nav

    old = _old('{% for item in nav_items %}<a href="{{ item.url }}">{{ item.label }}</a>{% endfor %}')
    new = _old("{% load tenure_ui %}{% nav_links %}")
    for user in (agent, admin_user):
        request = rf.get("/")
        request.user = user
        for language in ("zh-hans", "en"):
            with translation.override(language):
                context = nav(request)
                context["nav_items"].append({"url": "/x?a=1&b=<2>", "label": "<Label> & co"})
                html = new.render(context)
                assert html == old.render(context) and "&lt;Label&gt; &amp; co" in html
    assert new.render({}) == old.render({}) == ""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_display_and_text_are_what_the_model_and_localize_give(customer, language, settings):
    from django.utils.formats import localize

    from tenure.customers.models import Address
    from tenure.customers.templatetags.customer_cards import _display, _text

    fields = [f for f in Customer._meta.concrete_fields if f.choices]
    address = Address(customer=customer, kind="work", line="x")
    with translation.override(language):
        for field in fields:
            for value in [v for v, _label in field.flatchoices] + ["", "bogus <x>"]:
                setattr(customer, field.attname, value)
                expected = getattr(customer, f"get_{field.name}_display")()
                assert _display(customer, field.name) == expected, (field.name, value)
        for kind in ("work", "home", "other", "nope"):
            address.kind = kind
            assert _display(address, "kind") == address.get_kind_display()
        for grouping in (False, True):
            settings.USE_THOUSAND_SEPARATOR = grouping
            for value in (0, -12, 1234567, True, 1.5, "a<b"):
                assert _text(value) == str(localize(value)).replace("<", "&lt;"), (value, grouping)
