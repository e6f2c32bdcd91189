"""The customer page's fixed cards (value summary, "who they are", preferences), rendered in Python.

These three cards cost ~45 `{% translate %}` tags, ~60 variable look-ups and a dozen filters on
every customer page (≈5,000 Python calls); here the labels are looked up once per card (as
`{% translate %}` shows them: not escaped) and values are escaped with `html.escape` (what
`django.utils.html.escape` does, without its lazy-string wrapper) after the same localisation the
template engine applies (`localize`, the current time zone for datetimes). The markup is exactly
what `customers/detail.html` rendered before (a test renders the old markup and these tags for
customers with and without every optional field, in both languages).
"""

from datetime import datetime
from html import escape
from urllib.parse import quote

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat, linebreaksbr
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.hashable import make_hashable
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_noop, ngettext, ngettext_lazy

from tenure.customers.templatetags.tenure_ui import cached_url, csrf_input, phone

register = template.Library()


# makemessages (xgettext) does not read calls inside f-strings: every label used below, for the
# catalogues (the calls below look them up in the active language).
_CATALOGUE = (
    gettext_noop("Repeat buyer"),
    gettext_noop("First-time buyer"),
    gettext_noop("No purchase yet"),
    gettext_noop("Value summary"),
    gettext_noop("Lifetime revenue"),
    gettext_noop("Lifetime margin"),
    gettext_noop("Orders"),
    gettext_noop("Average order"),
    gettext_noop("Buyer"),
    gettext_noop("First / last purchase"),
    gettext_noop("Tenure"),
    gettext_noop("Who they are"),
    gettext_noop("Kind"),
    gettext_noop("Other name"),
    gettext_noop("Mobile"),
    gettext_noop("Phone"),
    gettext_noop("Email"),
    gettext_noop("Gender"),
    gettext_noop("Birthday"),
    gettext_noop("Language"),
    gettext_noop("Industry"),
    gettext_noop("Source"),
    gettext_noop("Stage"),
    gettext_noop("Owner"),
    gettext_noop("Team"),
    gettext_noop("Representative"),
    gettext_noop("Referred by"),
    gettext_noop("Referrals"),
    gettext_noop("Wants a manager"),
    gettext_noop("Yes"),
    gettext_noop("No"),
    gettext_noop("Tags"),
    gettext_noop("Customer since"),
    gettext_noop("edit"),
    gettext_noop("not recorded"),
    gettext_noop("Preferences & consent"),
    gettext_noop("Do not contact"),
    gettext_noop("DO NOT CONTACT"),
    gettext_noop("Channels allowed"),
    gettext_noop("Preferred channel"),
    gettext_noop("At most"),
    gettext_noop("Service style"),
    gettext_noop("Consent"),
    gettext_noop("primary"),
    gettext_noop("remove"),
    gettext_noop("Remove this contact?"),
    gettext_noop("No contact persons yet."),
    gettext_noop("Remove this address?"),
    gettext_noop("No address yet."),
    gettext_noop("Merge…"),
    gettext_noop("Wants to deal with a manager"),
    gettext_noop("Dedicated representative"),
    gettext_noop("none yet"),
    gettext_noop("DO NOT CONTACT — this customer asked not to be contacted. Answer inbound requests only."),
    gettext_noop("Overview"),
    gettext_noop("Audit history"),
    gettext_noop("Tickets"),
    gettext_noop("Edit"),
    gettext_noop("New ticket"),
    ngettext_lazy("%(n)s return", "%(n)s returns"),
    ngettext_lazy("%(n)s day", "%(n)s days"),
    ngettext_lazy("%(n)s contact a month", "%(n)s contacts a month"),
)


def _text(value) -> str:
    """`{{ value }}`: localised (numbers, dates) and escaped."""
    kind = type(value)
    if kind is str:  # what localize returns unchanged
        return escape(value)
    if kind is int and not settings.USE_THOUSAND_SEPARATOR:  # localize: the digits, ungrouped
        return str(value)
    return escape(str(localize(value)))


_CHOICES: dict[tuple, dict] = {}


def _display(obj, name: str) -> str:
    """`obj.get_<name>_display()` (Model._get_FIELD_display), the field's choices made into a dict
    once per field instead of on every call (labels stay lazy: shown in the active language)."""
    key = (type(obj), name)
    choices = _CHOICES.get(key)
    if choices is None:
        choices = _CHOICES[key] = dict(make_hashable(obj._meta.get_field(name).flatchoices))
    value = getattr(obj, obj._meta.get_field(name).attname)
    try:
        label = choices.get(value, value)
    except TypeError:  # an unhashable value
        label = choices.get(make_hashable(value), value)
    return force_str(label, strings_only=True)


def _or_dash(value) -> str:
    """`{{ value|default:"—" }}`."""
    return _text(value) if value else "—"


def _day(value) -> str:
    """`{{ value|date:"Y-m-d" }}` (a datetime in the current time zone)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _minute(value) -> str:
    """`{{ value|date:"Y-m-d H:i" }}`."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"


def stats_card(summary: dict) -> str:
    returns = summary["returns"]
    returns_html = (
        f'<small class="muted">{ngettext("%(n)s return", "%(n)s returns", returns) % {"n": _text(returns)}}'
        "</small>"
        if returns
        else ""
    )
    buyer = summary["buyer_type"]
    if buyer == "repeat":
        buyer_html = f'<span class="badge badge-good">{gettext("Repeat buyer")}</span>'
    elif buyer == "first_time":
        buyer_html = f'<span class="badge badge-warn">{gettext("First-time buyer")}</span>'
    else:
        buyer_html = f'<span class="badge">{gettext("No purchase yet")}</span>'
    average = summary["average_order"]
    first = summary["first"]
    days = summary["tenure_days"]
    row = '        <div class="stat"><small>'
    return "".join(
        [
            f'<section class="card stats-card" aria-label="{gettext("Value summary")}">\n',
            '      <div class="stats">\n',
            f"{row}{gettext('Lifetime revenue')}</small><b>{floatformat(summary['revenue'], '2g')}</b></div>\n",
            f"{row}{gettext('Lifetime margin')}</small><b>{floatformat(summary['margin'], '2g')}</b></div>\n",
            f"{row}{gettext('Orders')}</small><b>{_text(summary['orders'])}</b>{returns_html}</div>\n",
            f"{row}{gettext('Average order')}</small><b>",
            floatformat(average, "2g") if average is not None else "—",
            "</b></div>\n",
            f"{row}{gettext('Buyer')}</small><b>{buyer_html}</b></div>\n",
            f'{row}{gettext("First / last purchase")}</small><b class="small">',
            f"{_day(first)} → {_day(summary['last'])}" if first else "—",
            "</b></div>\n",
            f"{row}{gettext('Tenure')}</small><b>",
            ngettext("%(n)s day", "%(n)s days", days) % {"n": _text(days)} if days is not None else "—",
            "</b></div>\n",
            "      </div>\n",
            "    </section>",
        ]
    )


def facts_card(customer, tags, referrals_count) -> str:
    c = customer
    pad = "        "
    lines = [
        '<section class="card">',
        f"      <h2>{gettext('Who they are')}</h2>",
        '      <dl class="kv">',
        f"{pad}<dt>{gettext('Kind')}</dt><dd>{_text(_display(c, 'kind'))}</dd>",
        pad + (f"<dt>{gettext('Other name')}</dt><dd>{_text(c.alt_name)}</dd>" if c.alt_name else ""),
        f"{pad}<dt>{gettext('Mobile')}</dt><dd>"
        + (f'<a href="tel:{_text(c.mobile)}">{_text(phone(c.mobile))}</a>' if c.mobile else "—")
        + "</dd>",
        pad
        + (
            f'<dt>{gettext("Phone")}</dt><dd><a href="tel:{_text(c.phone)}">{_text(phone(c.phone))}</a></dd>'
            if c.phone
            else ""
        ),
        f"{pad}<dt>{gettext('Email')}</dt><dd>"
        + (f'<a href="mailto:{_text(c.email)}">{_text(c.email)}</a>' if c.email else "—")
        + "</dd>",
        pad + (f"<dt>{gettext('Gender')}</dt><dd>{_text(_display(c, 'gender'))}</dd>" if c.gender else ""),
        pad + (f"<dt>{gettext('Birthday')}</dt><dd>{_day(c.birthday)}</dd>" if c.birthday else ""),
        pad
        + (f"<dt>{gettext('Language')}</dt><dd>{_text(_display(c, 'language'))}</dd>" if c.language else ""),
        pad + (f"<dt>{gettext('Industry')}</dt><dd>{_text(c.industry)}</dd>" if c.industry else ""),
        f"{pad}<dt>{gettext('Source')}</dt><dd>{_or_dash(c.source)}</dd>",
        f"{pad}<dt>{gettext('Stage')}</dt><dd>{_text(_display(c, 'lifecycle_stage'))}</dd>",
        f"{pad}<dt>{gettext('Owner')}</dt><dd>{_or_dash(c.owner)}</dd>",
        f"{pad}<dt>{gettext('Team')}</dt><dd>{_or_dash(c.team)}</dd>",
        f"{pad}<dt>{gettext('Representative')}</dt><dd><b>{_or_dash(c.representative)}</b></dd>",
    ]
    referred_by = c.referred_by
    lines.append(
        f"{pad}<dt>{gettext('Referred by')}</dt><dd>"
        + (
            f'<a href="{_text(referred_by.get_absolute_url())}">{_text(referred_by.name)}</a>'
            if referred_by
            else "—"
        )
        + "</dd>"
    )
    lines.append(f"{pad}<dt>{gettext('Referrals')}</dt><dd>{_text(referrals_count)}</dd>")
    lines.append(
        f"{pad}<dt>{gettext('Wants a manager')}</dt><dd>"
        + (f"<b>{gettext('Yes')}</b>" if c.wants_manager else gettext("No"))
        + "</dd>"
    )
    if tags:
        list_url = escape(cached_url("customers:list"))
        tag_html = "".join(
            f'<a class="badge" href="{list_url}?tag={escape(quote(str(t.name), safe="/"))}">{_text(t.name)}</a> '
            for t in tags
        )
    else:
        tag_html = "—"
    lines.append(f"{pad}<dt>{gettext('Tags')}</dt><dd>{tag_html}</dd>")
    attributes = c.attributes.items() if c.attributes else ()
    lines.append(pad + "".join(f"<dt>{_text(k)}</dt><dd>{_text(v)}</dd>" for k, v in attributes))
    lines += [
        f"{pad}<dt>{gettext('Customer since')}</dt><dd>{_day(c.created_at)}</dd>",
        "      </dl>",
        "      " + (f'<p class="notes">{linebreaksbr(c.notes, autoescape=True)}</p>' if c.notes else ""),
        "    </section>",
    ]
    return "\n".join(lines)


def preferences_card(customer, channel_labels, can_write: bool) -> str:
    c = customer
    pad = "        "
    edit = (
        f' <a class="small" href="{escape(cached_url("customers:preferences", c.pk))}">{gettext("edit")}</a>'
        if can_write
        else ""
    )
    n = c.max_contacts_per_month
    if c.consent_given_at:
        consent = _minute(c.consent_given_at) + (f" · {_text(c.consent_method)}" if c.consent_method else "")
    else:
        consent = gettext("not recorded")
    return "\n".join(
        [
            '<section class="card" id="preferences">',
            f"      <h2>{gettext('Preferences & consent')}{edit}</h2>",
            '      <dl class="kv">',
            f"{pad}<dt>{gettext('Do not contact')}</dt><dd>"
            + (
                f'<span class="badge badge-bad">{gettext("DO NOT CONTACT")}</span>'
                if c.do_not_contact
                else gettext("No")
            )
            + "</dd>",
            f"{pad}<dt>{gettext('Channels allowed')}</dt><dd>"
            + (", ".join(escape(str(label)) for label in channel_labels) or "—")
            + "</dd>",
            f"{pad}<dt>{gettext('Preferred channel')}</dt><dd>{_or_dash(_display(c, 'preferred_channel'))}</dd>",
            f"{pad}<dt>{gettext('At most')}</dt><dd>"
            + (
                ngettext("%(n)s contact a month", "%(n)s contacts a month", n) % {"n": _text(n)}
                if n is not None
                else "—"
            )
            + "</dd>",
            f"{pad}<dt>{gettext('Service style')}</dt><dd>{_text(_display(c, 'service_style'))}</dd>",
            f"{pad}<dt>{gettext('Consent')}</dt><dd>{consent}</dd>",
            "      </dl>",
            "    </section>",
        ]
    )


@register.simple_tag(takes_context=True)
def customer_stats_card(context) -> str:
    return mark_safe(stats_card(context["summary"]))  # noqa: S308 - every value escaped


@register.simple_tag(takes_context=True)
def customer_facts_card(context) -> str:
    return mark_safe(  # noqa: S308 - every value escaped
        facts_card(context["customer"], context["tags"], context["referrals_count"])
    )


@register.simple_tag(takes_context=True)
def customer_preferences_card(context) -> str:
    return mark_safe(  # noqa: S308 - every value escaped
        preferences_card(context["customer"], context["channel_labels"], context["can_write"])
    )


def _row_actions(kind: str, customer_pk: int, pk: int, target: str, confirm: str, csrf: str) -> str:
    """The edit link and remove form of one contact or address row."""
    edit = escape(cached_url(f"customers:{kind}_edit", customer_pk, pk))
    remove = escape(cached_url(f"customers:{kind}_remove", customer_pk, pk))
    return (
        '<div class="rowactions">\n'
        f'        <a href="{edit}" hx-get="{edit}" hx-target="#{kind}-{_text(pk)}" hx-swap="outerHTML">'
        f"{gettext('edit')}</a>\n"
        f'        <form method="post" action="{remove}" class="inline" hx-post="{remove}" hx-target="#{target}" '
        f'hx-swap="outerHTML" hx-confirm="{confirm}">{csrf}'
        f'<button class="linkish danger-text">{gettext("remove")}</button></form>\n'
        "      </div>"
    )


def contact_rows(contacts, customer_pk: int, can_write: bool, csrf: str) -> str:
    """The `<li>` rows of customers/_contacts.html (what its `{% for c in contacts %}` rendered)."""
    if not contacts:
        return f'<li class="muted">{gettext("No contact persons yet.")}</li>'
    primary = f' <span class="badge badge-good">{gettext("primary")}</span>'
    confirm = gettext("Remove this contact?")
    out = []
    for c in contacts:
        mobile = f'<a href="tel:{_text(c.mobile)}">{_text(phone(c.mobile))}</a>' if c.mobile else ""
        email = f' · <a href="mailto:{_text(c.email)}">{_text(c.email)}</a>' if c.email else ""
        actions = _row_actions("contact", customer_pk, c.pk, "contacts", confirm, csrf) if can_write else ""
        out.append(
            f'\n    <li id="contact-{_text(c.pk)}">\n'
            f"      <b>{_text(c.name)}</b>{primary if c.is_primary else ''}"
            + (f' <span class="muted">{_text(c.title)}</span>' if c.title else "")
            + f'\n      <div class="muted">{mobile}{email}</div>\n'
            f"      {actions}\n"
            "    </li>\n  "
        )
    return "".join(out)


def address_rows(addresses, customer_pk: int, can_write: bool, csrf: str) -> str:
    """The `<li>` rows of customers/_addresses.html (what its `{% for a in addresses %}` rendered)."""
    if not addresses:
        return f'<li class="muted">{gettext("No address yet.")}</li>'
    confirm = gettext("Remove this address?")
    out = []
    for a in addresses:
        postcode = f' <span class="muted">{_text(a.postcode)}</span>' if a.postcode else ""
        actions = _row_actions("address", customer_pk, a.pk, "addresses", confirm, csrf) if can_write else ""
        out.append(
            f'\n    <li id="address-{_text(a.pk)}">\n'
            f'      <span class="badge">{_text(_display(a, "kind"))}</span> {_text(a)}{postcode}\n'
            f"      {actions}\n"
            "    </li>\n  "
        )
    return "".join(out)


def duplicate_rows(duplicates, customer_pk: int, can_write: bool) -> str:
    """The `<li>` rows of the page's "Possible duplicates" card."""
    if can_write:
        merge_url = escape(cached_url("customers:merge"))
        merge = gettext("Merge…")
    out = []
    for d in duplicates:
        link = (
            f'<a class="button small secondary" href="{merge_url}?keep={_text(customer_pk)}&amp;drop={_text(d.pk)}">'
            f"{merge}</a>"
            if can_write
            else ""
        )
        out.append(
            f'\n        <li><a href="{escape(cached_url("customers:detail", d.pk))}">{_text(d.name)}</a> '
            f'<span class="muted">{_text(phone(d.primary_phone))} {_text(d.email)}</span>\n'
            f"          {link}</li>\n      "
        )
    return "".join(out)


def header(customer, user, tab) -> str:
    """customers/_header.html: name, chips, representative, the do-not-contact banner and the tabs."""
    c = customer
    pk = c.pk
    representative = c.representative
    primary_phone = c.primary_phone
    writer = bool(user is not None and getattr(user, "can_write", False))
    overview = ' class="active"' if tab == "overview" else ""
    history = ' class="active"' if tab == "history" else ""
    return "".join(
        [
            '<div class="custhead">\n  <div>\n    <h1>',
            _text(c.name),
            f' <span class="muted alt">{_text(c.alt_name)}</span>' if c.alt_name else "",
            "</h1>\n",
            '    <div class="chips">\n',
            f'      <span class="badge">{_text(_display(c, "kind"))}</span>\n',
            f'      <span class="stage stage-{_text(c.lifecycle_stage)}">{_text(_display(c, "lifecycle_stage"))}'
            "</span>\n",
            "      ",
            f'<span class="muted">#{_text(c.external_id)}</span>' if c.external_id else "",
            "\n      ",
            f'<span class="badge badge-warn">{gettext("Wants to deal with a manager")}</span>'
            if c.wants_manager
            else "",
            "\n      ",
            f'<span class="nowrap">☎ {_text(phone(primary_phone))}</span>' if primary_phone else "",
            "\n    </div>\n  </div>\n",
            '  <div class="rep-box">\n',
            f"    <small>{gettext('Dedicated representative')}</small>\n",
            "    <b>",
            _text(representative) if representative else f'<span class="muted">{gettext("none yet")}</span>',
            "</b>\n  </div>\n</div>\n",
            (
                '<div class="dnc-banner" role="alert">⚠ '
                + gettext(
                    "DO NOT CONTACT — this customer asked not to be contacted. Answer inbound requests only."
                )
                + "</div>"
            )
            if c.do_not_contact
            else "",
            '\n<nav class="tabs">\n',
            f'  <a href="{escape(cached_url("customers:detail", pk))}"{overview}>{gettext("Overview")}</a>\n',
            f'  <a href="{escape(cached_url("customers:history", pk))}"{history}>{gettext("Audit history")}</a>\n',
            f'  <a href="{escape(cached_url("service:queue"))}?customer={_text(pk)}">{gettext("Tickets")}</a>\n',
            "  ",
            (
                f'<a href="{escape(cached_url("customers:edit", pk))}">{gettext("Edit")}</a>\n'
                f'  <a href="{escape(cached_url("customers:preferences", pk))}">{gettext("Preferences & consent")}</a>\n'
                f'  <a href="{escape(cached_url("service:ticket_new"))}?customer={_text(pk)}">{gettext("New ticket")}</a>'
            )
            if writer
            else "",
            "\n</nav>",
        ]
    )


@register.simple_tag(takes_context=True)
def customer_contact_rows(context) -> str:
    return mark_safe(  # noqa: S308 - every value escaped
        contact_rows(
            context["contacts"], context["customer"].pk, context.get("can_write"), csrf_input(context)
        )
    )


@register.simple_tag(takes_context=True)
def customer_address_rows(context) -> str:
    return mark_safe(  # noqa: S308 - every value escaped
        address_rows(
            context["addresses"], context["customer"].pk, context.get("can_write"), csrf_input(context)
        )
    )


@register.simple_tag(takes_context=True)
def customer_duplicate_rows(context) -> str:
    return mark_safe(  # noqa: S308 - every value escaped
        duplicate_rows(context["duplicates"], context["customer"].pk, context.get("can_write"))
    )


@register.simple_tag(takes_context=True)
def customer_header(context) -> str:
    return mark_safe(  # noqa: S308 - every value escaped
        header(context["customer"], context.get("user"), context.get("tab"))
    )
