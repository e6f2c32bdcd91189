"""The customer list's rows and staff pickers rendered in Python must be exactly what the template
loop rendered (customers/list.html before the `customer_list` tags)."""

import pytest
from django.template import Context, Template
from django.utils import translation

from tenure import factories
from tenure.customers.models import Customer, Tag
from tenure.customers.templatetags.customer_list import customer_rows, staff_options

# The loops of customers/list.html that the tags replace, kept as the reference they must match.
OLD_ROWS = Template(
    """{% load i18n tenure_ui %}{% for c in customers %}
    <tr>
      <td><a href="{{ c.get_absolute_url }}"><b>{{ c.name }}</b></a>{% if c.alt_name %} <span class="muted">{{ c.alt_name }}</span>{% endif %}{% if c.do_not_contact %} <span class="badge badge-bad" title="{% translate 'Do not contact' %}">{% translate "DNC" %}</span>{% endif %}{% if c.wants_manager %} <span class="badge badge-warn">{% translate "Manager" %}</span>{% endif %}</td>
      <td>{{ c.get_kind_display }}</td>
      <td class="nowrap">{{ c.primary_phone|phone }}</td>
      <td>{{ c.email }}</td>
      <td><span class="stage stage-{{ c.lifecycle_stage }}">{{ c.get_lifecycle_stage_display }}</span></td>
      <td>{% for t in c.tags.all %}<span class="badge">{{ t.name }}</span> {% endfor %}</td>
      <td>{{ c.owner|default:"" }}</td>
      <td>{{ c.representative|default:"" }}</td>
    </tr>
  {% endfor %}"""  # noqa: E501
)
OLD_STAFF = Template(
    """{% for s in staff %}<option value="{{ s.pk }}"{% if selected == s.pk|stringformat:"s" %} selected{% endif %}>{{ s }}</option>{% endfor %}"""  # noqa: E501
)


@pytest.fixture
def customers(agent, teammate, outsider):
    teammate.display_name = "Tom <b>&</b> Co"
    teammate.save()
    vip, night = Tag.objects.create(name="VIP"), Tag.objects.create(name="<night> & day")
    rows = [
        factories.CustomerFactory(name="张伟", owner=agent, representative=teammate, lifecycle_stage="active"),
        factories.CustomerFactory(
            name='ACME "Tea" <Ltd>', kind=Customer.Kind.COMPANY, alt_name="Acme & Sons", mobile="",
            phone="+861065529988", email="", do_not_contact=True, wants_manager=True, lifecycle_stage="at_risk",
        ),
        factories.CustomerFactory(name="Li Na", owner=None, representative=outsider, mobile="", phone=""),
        factories.CustomerFactory(name="王芳", owner=teammate, do_not_contact=True, lifecycle_stage="won_back"),
    ]  # fmt: skip
    rows[0].tags.set([vip, night])
    rows[3].tags.set([night])
    return list(
        Customer.objects.filter(pk__in=[c.pk for c in rows])
        .select_related("owner", "representative")
        .prefetch_related("tags")
        .order_by("-id")
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_rows_render_exactly_what_the_template_loop_rendered(customers, language):
    with translation.override(language):
        old = OLD_ROWS.render(Context({"customers": customers}))
        assert customer_rows(customers) == old
    assert "Acme &amp; Sons" in old and "&lt;night&gt; &amp; day" in old and "Tom &lt;b&gt;" in old
    assert "badge-bad" in old and "badge-warn" in old


def test_no_rows_render_nothing():
    assert customer_rows([]) == ""


@pytest.mark.parametrize("selected", ["", "none", "x"])
def test_staff_options_match_the_template_loop(agent, teammate, outsider, selected):
    teammate.display_name = "Tom <b>&</b> Co"
    teammate.save()
    staff = [agent, teammate, outsider]
    for chosen in (selected, str(teammate.pk)):
        old = OLD_STAFF.render(Context({"staff": staff, "selected": chosen}))
        assert staff_options(staff, chosen) == old
    assert staff_options(staff, str(teammate.pk)).count(" selected") == 1
