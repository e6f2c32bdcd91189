"""The rows of the customer list (search results) and its staff pickers, rendered in Python.

The list shows up to 50 customers on every search; through the template language each row cost
~40 variable look-ups, three `{% translate %}`s, two `get_FOO_display`s, a filter and a `reverse`
(~0.25 ms a row, well over half of the search page's CPU). Built here with `format_html`, with the
labels, the URL prefix and the staff names looked up once per response, a row costs a fraction of
that. The markup is exactly what `customers/list.html` rendered before (a test compares both).

Values are escaped as the template engine escapes them (`django.utils.html.escape` is
`html.escape(str(value))`; it is called here directly, without the lazy-string wrapper around it, on
values that are plain strings from the database).
"""

from html import escape

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from tenure.customers.models import Customer
from tenure.customers.templatetags.tenure_ui import phone

register = template.Library()

ROW = (
    '\n    <tr>\n      <td><a href="{url}"><b>{name}</b></a>{alt}{dnc}{manager}</td>\n      <td>{kind}</td>\n'
    '      <td class="nowrap">{phone}</td>\n      <td>{email}</td>\n'
    '      <td><span class="stage stage-{stage}">{stage_label}</span></td>\n      <td>{tags}</td>\n'
    "      <td>{owner}</td>\n      <td>{representative}</td>\n    </tr>\n  "
)


def _detail_url_prefix() -> str:
    """The customer URL without its id: `reverse` once per response, then only the id changes."""
    sample = reverse("customers:detail", args=[0])
    return sample[:-2] if sample.endswith("/0/") else ""


def _tags(customer):
    """The customer's tags: `listed_tags` when the view fetched them for the whole page (the list
    does, with `selectors.tags_by_customer`), else the prefetched or the related ones."""
    listed = getattr(customer, "listed_tags", None)
    if listed is not None:
        return listed
    prefetched = getattr(customer, "_prefetched_objects_cache", {}).get("tags")
    return customer.tags.all() if prefetched is None else prefetched


@register.simple_tag
def customer_rows(customers) -> str:
    """One `<tr>` per customer (owner and representative selected with them, tags fetched for the
    page: see `_tags`)."""
    kinds = {value: escape(str(label)) for value, label in Customer.Kind.choices}
    stages = {value: escape(str(label)) for value, label in Customer.Stage.choices}
    dnc = format_html(
        ' <span class="badge badge-bad" title="{}">{}</span>', gettext("Do not contact"), gettext("DNC")
    )
    manager = format_html(' <span class="badge badge-warn">{}</span>', gettext("Manager"))
    prefix = _detail_url_prefix()
    names: dict[int, str] = {}  # staff id -> escaped str(user): the same few names on every row

    def staff(user_id, related) -> str:
        if user_id is None:
            return ""
        if user_id not in names:
            names[user_id] = escape(str(related()))
        return names[user_id]

    rows = []
    for c in customers:
        rows.append(
            ROW.format(
                url=escape(f"{prefix}{c.pk}/" if prefix else c.get_absolute_url()),
                name=escape(c.name),
                alt=f' <span class="muted">{escape(c.alt_name)}</span>' if c.alt_name else "",
                dnc=dnc if c.do_not_contact else "",
                manager=manager if c.wants_manager else "",
                kind=kinds[c.kind] if c.kind in kinds else escape(c.kind),
                phone=escape(phone(c.primary_phone)),
                email=escape(c.email),
                stage=escape(c.lifecycle_stage),
                stage_label=stages[c.lifecycle_stage]
                if c.lifecycle_stage in stages
                else escape(c.lifecycle_stage),
                tags="".join(f'<span class="badge">{escape(t.name)}</span> ' for t in _tags(c)),
                owner=staff(c.owner_id, lambda c=c: c.owner),
                representative=staff(c.representative_id, lambda c=c: c.representative),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above


@register.simple_tag
def staff_options(staff, selected) -> str:
    """`<option>`s of the staff pickers (the owner and representative filters), `selected` marked."""
    return mark_safe(  # noqa: S308 - every value escaped
        "".join(
            f'<option value="{s.pk}"{" selected" if selected == str(s.pk) else ""}>{escape(str(s))}</option>'
            for s in staff
        )
    )
