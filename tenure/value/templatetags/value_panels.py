"""The customer page's two value panels (tier, "likely to want next"), rendered in Python.

Both panels sit on every customer page. Through the template engine they cost ~2,400 Python calls
a page (≈25 `{% translate %}`s, `{% with %}`/`{% if %}` nodes, three `{% url %}`s, variable look-ups,
`date`/`floatformat`/`widthratio` filters and tags, one `blocktranslate` per line); here the labels
are looked up once per render (as `{% translate %}` shows them: not escaped) and the values escaped
with `html.escape` (what `django.utils.html.escape` does, without its lazy-string wrapper). The markup is exactly what
`value/_customer_tier.html` and `value/_recommendations.html` rendered before (a test renders the
old templates and these tags for every state of the panels, in both languages).
"""

from html import escape

from django import template
from django.template.defaultfilters import floatformat
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_noop

register = template.Library()


# makemessages (xgettext) does not read calls inside f-strings: every label used below, for the
# catalogues (the calls below look them up in the active language).
_CATALOGUE = (
    gettext_noop("Tier"),
    gettext_noop("No tiers are defined."),
    gettext_noop("Current tier"),
    gettext_noop("override"),
    gettext_noop("By the rules"),
    gettext_noop("Criteria"),
    gettext_noop("Override reason"),
    gettext_noop("Set by"),
    gettext_noop("Until"),
    gettext_noop("no expiry"),
    gettext_noop("End override"),
    gettext_noop("Override the tier"),
    gettext_noop("Reason"),
    gettext_noop("Until (optional)"),
    gettext_noop("Save override"),
    gettext_noop("Tier history"),
    gettext_noop("Likely to want next"),
    gettext_noop("bought %(x)s → %(z)s"),
    gettext_noop("bought %(x)s and %(y)s → %(z)s"),
    gettext_noop("confidence %(c)s%%"),
    gettext_noop("lift %(l)s"),
)

_CSRF = CsrfTokenNode()


def _local(value, fmt: str) -> str:
    """What the `date` filter shows for a datetime with "Y-m-d" / "Y-m-d H:i": the current time zone."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    text = f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    return f"{text} {value.hour:02d}:{value.minute:02d}" if fmt == "Y-m-d H:i" else text


def tier_panel_html(p: dict, customer, csrf: str) -> str:
    """The tier card: `p` is `customer_tier_panel(...)`, `csrf` the `{% csrf_token %}` input."""
    head = f'<section class="card" id="customer-tier">\n  <h2>{gettext("Tier")}</h2>\n  \n  '
    if not p["tiers"]:
        return f'{head}<p class="muted">{gettext("No tiers are defined.")}</p>\n  \n</section>\n'
    override = p["override"]
    current = p["current"]
    out = [
        head,
        '\n  <dl class="kv">\n',
        f"    <dt>{gettext('Current tier')}</dt><dd><b>{escape(str(p['label']))}</b>",
        f' <span class="badge badge-warn">{gettext("override")}</span>' if override else "",
        "</dd>\n",
        f"    <dt>{gettext('By the rules')}</dt><dd>{escape(str(p['computed_label']))}</dd>\n    ",
    ]
    description = current.description if current else ""
    if description:
        out.append(f"<dt>{gettext('Criteria')}</dt><dd>{escape(description)}</dd>")
    out.append("\n    ")
    if override:
        by = override["created_by"]
        expires = override["expires_at"]
        out += [
            f"\n    <dt>{gettext('Override reason')}</dt><dd>{escape(str(override['reason']))}</dd>\n",
            f"    <dt>{gettext('Set by')}</dt><dd>{escape(str(by)) if by else '—'} · ",
            f"{_local(override['created_at'], 'Y-m-d')}</dd>\n",
            f"    <dt>{gettext('Until')}</dt><dd>",
            _local(expires, "Y-m-d H:i") if expires else gettext("no expiry"),
            "</dd>\n    ",
        ]
    out.append("\n  </dl>\n  ")
    if p["can_override"]:
        out.append("\n  ")
        if override:
            url = escape(reverse("value:tier_override_end", args=[customer.pk]))
            out.append(
                f'<form method="post" action="{url}" class="inline">{csrf}<button type="submit" '
                f'class="small secondary">{gettext("End override")}</button></form>'
            )
        code = p["code"]
        options = "".join(
            f'<option value="{escape(t.code)}"{" selected" if t.code == code else ""}>{escape(t.name)}</option>'
            for t in p["tiers"]
        )
        url = escape(reverse("value:tier_override", args=[customer.pk]))
        out += [
            f"\n  <details><summary>{gettext('Override the tier')}</summary>\n",
            f'    <form method="post" action="{url}" class="stack">{csrf}\n',
            f'      <div class="field"><label for="tier-override-tier">{gettext("Tier")}</label>\n',
            f'        <select name="tier" id="tier-override-tier">{options}</select></div>\n',
            f'      <div class="field"><label for="tier-override-reason">{gettext("Reason")} '
            '<span class="req">*</span></label><input type="text" name="reason" id="tier-override-reason" '
            'maxlength="500" required></div>\n',
            f'      <div class="field"><label for="tier-override-until">{gettext("Until (optional)")}'
            '</label><input type="date" name="expires_on" id="tier-override-until"></div>\n',
            f'      <button type="submit" class="small">{gettext("Save override")}</button>\n',
            "    </form>\n  </details>\n  ",
        ]
    url = escape(reverse("value:customer_tier_history", args=[customer.pk]))
    out += [
        f'\n  <details hx-get="{url}" hx-trigger="toggle once" hx-target="find .tier-history"><summary>',
        f'{gettext("Tier history")}</summary><div class="tier-history"><span class="muted small">…'
        "</span></div></details>\n  \n  \n</section>\n",
    ]
    return "".join(out)


def recommendations_html(recommendations) -> str:
    """The "likely to want next" card: each product with the rule that suggests it."""
    head = f'<section class="card" id="recommendations">\n  <h2>{gettext("Likely to want next")}</h2>\n  '
    if not recommendations:
        text = gettext(
            "No suggestions: no stored “bought together” rule applies to this customer's purchases."
        )
        return f'{head}<p class="muted">{text}</p>\n</section>\n'
    one = gettext("bought %(x)s → %(z)s")
    two = gettext("bought %(x)s and %(y)s → %(z)s")
    confidence = gettext("confidence %(c)s%%")
    lift = gettext("lift %(l)s")
    items = []
    for rec in recommendations:
        product, because = rec.product, rec.because
        names = {"x": escape(str(because[0].name)), "z": escape(str(product.name))}
        if len(because) > 1:
            names["y"] = escape(str(because[1].name))
            bought = two % names
        else:
            bought = one % names
        try:
            percent = str(round((float(rec.confidence) / 1.0) * 100))  # {% widthratio c 1 100 %}
        except (ValueError, TypeError, OverflowError):
            percent = ""
        items.append(
            f"\n    <li><strong>{escape(str(product.name))}</strong> "
            f'<span class="muted">{escape(str(product.sku))}</span><br>\n'
            f'      <span class="muted small">{bought}\n'
            f"      · {confidence % {'c': percent}}\n"
            f"      · {lift % {'l': floatformat(rec.lift, 2)}}</span></li>\n  "
        )
    return f'{head}\n  <ol class="plain">{"".join(items)}</ol>\n  \n</section>\n'


@register.simple_tag(takes_context=True)
def customer_tier_card(context) -> str:
    """`{% customer_tier_card %}`: the tier card of `customer` from `tier_panel` in the context."""
    return mark_safe(  # noqa: S308 - every value escaped
        tier_panel_html(context["tier_panel"], context["customer"], _CSRF.render(context))
    )


@register.simple_tag(takes_context=True)
def recommendations_card(context) -> str:
    """`{% recommendations_card %}`: the "likely to want next" card from `recommendations`."""
    return mark_safe(recommendations_html(context["recommendations"]))  # noqa: S308 - every value escaped
