"""The customer timeline's entries (interactions and orders), rendered in Python.

The timeline is the hottest loop of the customer page: 25 entries on every view. Rendered through
per-entry `{% include %}`s it cost ~5 ms of server CPU per page (≈220 µs an entry: includes, ~15
variable look-ups, two `date` and two `floatformat` filters, a `blocktranslate`, a `{% url %}`);
built here with `format_html` it costs a fifth of that. This module is the one place that markup
lives: the page (`customers/_timeline_items.html`), the "older entries" fragment and the HTMX
answer to logging an interaction (`interactions/_logged.html`) all render entries through
`{% timeline_entries %}` / `{% timeline_entry %}`.

Values are escaped exactly as the template engine would: labels and user text by `format_html`,
dates in the current time zone like the `date` filter, money through the `floatformat` filter.
"""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone
from django.utils.translation import gettext, ngettext

from tenure.commerce.models import Order
from tenure.interactions.models import Interaction

register = template.Library()

ICONS = {"call": "☎", "visit": "⌂", "email": "✉", "chat": "✆", "complaint": "⚠", "survey": "☑"}
DEFAULT_ICON = "✎"
CENT = Decimal("0.01")


class _Renderer:
    """Everything that is the same for every entry of one response (labels in the active language,
    the time zone, the number format) is looked up once here, not once per entry."""

    def __init__(self):
        self.tz = get_current_timezone()
        self.kinds = {value: str(label) for value, label in Interaction.Kind.choices}
        self.directions = {value: str(label) for value, label in Interaction.Direction.choices}
        self.channels = {value: str(label) for value, label in Order.Channel.choices}
        self.order_label, self.return_label = gettext("Order"), gettext("Return")
        self.margin_label = gettext("margin")
        self.decimal_sep = get_format("DECIMAL_SEPARATOR")
        self.thousand_sep = get_format("THOUSAND_SEPARATOR")
        self.grouping = get_format("NUMBER_GROUPING")
        self.order_urls: dict[int, str] = {}

    def money(self, value) -> str:
        """What `{{ value|floatformat:"2g" }}` shows for a Decimal (amounts are stored to the cent)."""
        if value is None:
            return ""
        d = Decimal(value).quantize(CENT, ROUND_HALF_UP)
        if not d:
            d = abs(d)  # floatformat shows no sign on zero
        return numberformat.format(
            f"{d:f}", self.decimal_sep, 2, self.grouping, self.thousand_sep, force_grouping=True
        )

    def when(self, value) -> SafeString:
        """`<time>` as the `date` filter shows it: ISO 8601 and "Y-m-d H:i" in the current time zone."""
        value = value.astimezone(self.tz)
        return format_html(
            '<time class="when" datetime="{}">{}</time>',
            value.isoformat(),
            f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}",
        )

    def order_url(self, order) -> str:
        """The order's page; `reverse` once per customer (".../0/"), then only the order id changes."""
        prefix = self.order_urls.get(order.customer_id)
        if prefix is None:
            sample = reverse("customers:order", args=[order.customer_id, 0])
            prefix = sample[:-2] if sample.endswith("/0/") else ""
            self.order_urls[order.customer_id] = prefix
        if not prefix:  # a URL pattern of another shape: no shortcut
            return reverse("customers:order", args=[order.customer_id, order.pk])
        return f"{prefix}{order.pk}/"

    def interaction(self, interaction) -> SafeString:
        purpose = (
            format_html('<span class="purpose">{}</span>', interaction.purpose) if interaction.purpose else ""
        )
        handled_by = format_html("· {}", interaction.handled_by) if interaction.handled_by_id else ""
        memo = (
            format_html('<div class="memo">{}</div>', linebreaksbr(interaction.memo, autoescape=True))
            if interaction.memo
            else ""
        )
        return format_html(
            '<li class="entry entry-interaction kind-{kind}" id="interaction-{pk}">\n'
            '  <span class="icon" aria-hidden="true">{icon}</span>\n'
            '  <div class="body">\n'
            '    <div class="line1"><b>{kind_label}</b> <span class="badge">{direction}</span>\n'
            "      {purpose}\n"
            '      <span class="muted">{handled_by}</span></div>\n'
            "    {memo}\n"
            "  </div>\n"
            "  {when}\n"
            "</li>\n",
            kind=interaction.kind,
            pk=interaction.pk,
            icon=ICONS.get(interaction.kind, DEFAULT_ICON),
            kind_label=self.kinds.get(interaction.kind, interaction.kind),
            direction=self.directions.get(interaction.direction, interaction.direction),
            purpose=purpose,
            handled_by=handled_by,
            memo=memo,
            when=self.when(interaction.occurred_at),
        )

    def order(self, order) -> SafeString:
        n = order.line_count
        return format_html(
            '<li class="entry entry-order{return_class}">\n'
            '  <span class="icon" aria-hidden="true">{icon}</span>\n'
            '  <div class="body">\n'
            '    <div class="line1"><a href="{url}"><b>{label} {number}</b></a>\n'
            '      <span class="num">{total} {currency}</span>\n'
            '      <span class="muted">{lines} · {margin_label} {margin} · {channel}</span></div>\n'
            "  </div>\n"
            "  {when}\n"
            "</li>\n",
            return_class=" entry-return" if order.is_return else "",
            icon="↩" if order.is_return else "▦",
            url=self.order_url(order),
            label=self.return_label if order.is_return else self.order_label,
            number=order.number,
            total=self.money(order.total),
            currency=order.currency,
            lines=ngettext("%(n)s line", "%(n)s lines", n) % {"n": n},
            margin_label=self.margin_label,
            margin=self.money(order.margin),
            channel=self.channels.get(order.channel, order.channel),
            when=self.when(order.ordered_at),
        )

    def entry(self, entry) -> SafeString:
        return self.order(entry.obj) if entry.kind == "order" else self.interaction(entry.obj)


@register.simple_tag
def timeline_entry(entry) -> SafeString:
    """One timeline `Entry` (tenure.interactions.selectors) as its `<li>`."""
    return _Renderer().entry(entry)


@register.simple_tag
def timeline_entries(entries) -> SafeString:
    """Timeline entries as their `<li>`s, newest first as given, each followed by a newline."""
    renderer = _Renderer()
    return mark_safe("".join(f"{renderer.entry(entry)}\n" for entry in entries))  # noqa: S308 - escaped parts
