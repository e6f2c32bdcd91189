"""The customer timeline's entries (interactions and orders), rendered in Python.

The timeline is the hottest loop of the customer page: 25 entries on every view. Rendered through
per-entry `{% include %}`s it cost ~5 ms of server CPU per page (≈220 µs an entry: includes, ~15
variable look-ups, two `date` and two `floatformat` filters, a `blocktranslate`, a `{% url %}`);
built here with `format_html` it costs a fifth of that. This module is the one place that markup
lives: the page (`customers/_timeline_items.html`), the "older entries" fragment and the HTMX
answer to logging an interaction (`interactions/_logged.html`) all render entries through
`{% timeline_entries %}` / `{% timeline_entry %}`.

Values are escaped exactly as the template engine would: labels and user text with `html.escape`
(what `django.utils.html.escape` does, without its lazy-string wrapper: `format_html` cost ~60% of
the tag's calls), dates in the current time zone like the `date` filter, money like the
`floatformat` filter.
"""

import functools
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone
from django.utils.translation import get_language, gettext, ngettext, ngettext_lazy

from tenure.commerce.models import Order
from tenure.interactions.models import Interaction

register = template.Library()

# makemessages (xgettext) does not read calls inside f-strings: the plural used in one, for the catalogues.
_CATALOGUE = (ngettext_lazy("%(n)s line", "%(n)s lines"),)

ICONS = {"call": "☎", "visit": "⌂", "email": "✉", "chat": "✆", "complaint": "⚠", "survey": "☑"}
DEFAULT_ICON = "✎"
CENT = Decimal("0.01")


@functools.lru_cache(maxsize=16)
def _labels(language: str | None) -> tuple:
    """The entries' labels in `language` (the active one), escaped: looked up once per language
    and process (the catalogues do not change while a process runs)."""
    return (
        {value: escape(str(label)) for value, label in Interaction.Kind.choices},
        {value: escape(str(label)) for value, label in Interaction.Direction.choices},
        {value: escape(str(label)) for value, label in Order.Channel.choices},
        escape(gettext("Order")),
        escape(gettext("Return")),
        escape(gettext("margin")),
    )


class _Renderer:
    """Everything that is the same for every entry of one response (labels in the active language,
    the time zone, the number format) is looked up once here, not once per entry."""

    def __init__(self):
        self.tz = get_current_timezone()
        (
            self.kinds,
            self.directions,
            self.channels,
            self.order_label,
            self.return_label,
            self.margin_label,
        ) = _labels(get_language())
        self.decimal_sep = get_format("DECIMAL_SEPARATOR")
        self.thousand_sep = get_format("THOUSAND_SEPARATOR")
        self.grouping = get_format("NUMBER_GROUPING")
        self.order_urls: dict[int, str] = {}
        self.line_counts: dict[int, str] = {}

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

    def when(self, value) -> str:
        """`<time>` as the `date` filter shows it: ISO 8601 and "Y-m-d H:i" in the current time zone."""
        value = value.astimezone(self.tz)
        return (
            f'<time class="when" datetime="{escape(value.isoformat())}">'
            f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}</time>"
        )

    def lines(self, n) -> str:
        """ "3 lines" in the active language, escaped; looked up once per count and response."""
        text = self.line_counts.get(n)
        if text is None:
            text = self.line_counts[n] = escape(ngettext("%(n)s line", "%(n)s lines", n) % {"n": n})
        return text

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

    def interaction(self, interaction) -> str:
        kind = interaction.kind
        purpose = f'<span class="purpose">{escape(interaction.purpose)}</span>' if interaction.purpose else ""
        handled_by = f"· {escape(str(interaction.handled_by))}" if interaction.handled_by_id else ""
        memo = (
            f'<div class="memo">{linebreaksbr(interaction.memo, autoescape=True)}</div>'
            if interaction.memo
            else ""
        )
        return (
            f'<li class="entry entry-interaction kind-{escape(kind)}" id="interaction-{interaction.pk}">\n'
            f'  <span class="icon" aria-hidden="true">{ICONS.get(kind, DEFAULT_ICON)}</span>\n'
            '  <div class="body">\n'
            f'    <div class="line1"><b>{self.kinds.get(kind) or escape(kind)}</b> '
            f'<span class="badge">{self.directions.get(interaction.direction) or escape(interaction.direction)}'
            "</span>\n"
            f"      {purpose}\n"
            f'      <span class="muted">{handled_by}</span></div>\n'
            f"    {memo}\n"
            "  </div>\n"
            f"  {self.when(interaction.occurred_at)}\n"
            "</li>\n"
        )

    def order(self, order) -> str:
        n = order.line_count
        returned = order.is_return
        return (
            f'<li class="entry entry-order{" entry-return" if returned else ""}">\n'
            f'  <span class="icon" aria-hidden="true">{"↩" if returned else "▦"}</span>\n'
            '  <div class="body">\n'
            f'    <div class="line1"><a href="{escape(self.order_url(order))}"><b>'
            f"{self.return_label if returned else self.order_label} {escape(order.number)}</b></a>\n"
            f'      <span class="num">{escape(self.money(order.total))} {escape(order.currency)}</span>\n'
            f'      <span class="muted">{self.lines(n)} · '
            f"{self.margin_label} {escape(self.money(order.margin))} · "
            f"{self.channels.get(order.channel) or escape(order.channel)}</span></div>\n"
            "  </div>\n"
            f"  {self.when(order.ordered_at)}\n"
            "</li>\n"
        )

    def entry(self, entry) -> str:
        return self.order(entry.obj) if entry.kind == "order" else self.interaction(entry.obj)


@register.simple_tag
def timeline_entry(entry) -> SafeString:
    """One timeline `Entry` (tenure.interactions.selectors) as its `<li>`."""
    return mark_safe(_Renderer().entry(entry))  # noqa: S308 - every value escaped


@register.simple_tag
def timeline_entries(entries) -> SafeString:
    """Timeline entries as their `<li>`s, newest first as given, each followed by a newline."""
    renderer = _Renderer()
    return mark_safe("".join(f"{renderer.entry(entry)}\n" for entry in entries))  # noqa: S308 - escaped parts
