"""The rows of the customer list (search results) and its staff pickers, rendered in Python.

The list shows up to 50 customers on every search; through the template language each row cost
~40 variable look-ups, three `{% translate %}`s, two `get_FOO_display`s, a filter and a `reverse`
(~0.25 ms a row, well over half of the search page's CPU). Built here with `format_html`, with the
labels, the URL prefix and the staff names looked up once per response, a row costs a fraction of
that. The markup is exactly what `customers/list.html` rendered before (a test compares both).

Values are escaped as the template engine escapes them: every value passes through `format_html`.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from tenure.customers.models import Customer
from tenure.customers.templatetags.tenure_ui import phone

register = template.Library()

ROW = (
    '\n    <tr>\n      <td><a href="{}"><b>{}</b></a>{}{}{}</td>\n      <td>{}</td>\n'
    '      <td class="nowrap">{}</td>\n      <td>{}</td>\n'
    '      <td><span class="stage stage-{}">{}</span></td>\n      <td>{}</td>\n'
    "      <td>{}</td>\n      <td>{}</td>\n    </tr>\n  "
)


def _detail_url_prefix() -> str:
    """The customer URL without its id: `reverse` once per response, then only the id changes."""
    sample = reverse("customers:detail", args=[0])
    return sample[:-2] if sample.endswith("/0/") else ""


@register.simple_tag
def customer_rows(customers) -> str:
    """One `<tr>` per customer (tags prefetched, owner and representative selected with them)."""
    kinds = {value: str(label) for value, label in Customer.Kind.choices}
    stages = {value: str(label) for value, label in Customer.Stage.choices}
    dnc = format_html(
        ' <span class="badge badge-bad" title="{}">{}</span>', gettext("Do not contact"), gettext("DNC")
    )
    manager = format_html(' <span class="badge badge-warn">{}</span>', gettext("Manager"))
    prefix = _detail_url_prefix()
    names: dict[int, str] = {}  # staff id -> str(user): the same few names on every row

    def staff(user_id, related) -> str:
        if user_id is None:
            return ""
        if user_id not in names:
            names[user_id] = str(related())
        return names[user_id]

    rows = []
    for c in customers:
        rows.append(
            format_html(
                ROW,
                f"{prefix}{c.pk}/" if prefix else c.get_absolute_url(),
                c.name,
                format_html(' <span class="muted">{}</span>', c.alt_name) if c.alt_name else "",
                dnc if c.do_not_contact else "",
                manager if c.wants_manager else "",
                kinds.get(c.kind, c.kind),
                phone(c.primary_phone),
                c.email,
                c.lifecycle_stage,
                stages.get(c.lifecycle_stage, c.lifecycle_stage),
                format_html_join("", '<span class="badge">{}</span> ', ((t.name,) for t in c.tags.all())),
                staff(c.owner_id, lambda c=c: c.owner),
                staff(c.representative_id, lambda c=c: c.representative),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every part built by format_html


@register.simple_tag
def staff_options(staff, selected) -> str:
    """`<option>`s of the staff pickers (the owner and representative filters), `selected` marked."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((s.pk, mark_safe(" selected") if selected == str(s.pk) else "", str(s)) for s in staff),
    )
