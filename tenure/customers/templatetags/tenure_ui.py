"""Small display filters and tags for the staff pages."""

import functools
from html import escape

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language, gettext, gettext_noop

from tenure.lib.phone import format_phone

register = template.Library()

# makemessages (xgettext) does not read calls inside f-strings: the top bar's labels, for the catalogues.
_CATALOGUE = (
    gettext_noop("Main"),
    gettext_noop("Customers"),
    gettext_noop("Duplicates"),
    gettext_noop("Caller look-up"),
    gettext_noop("Search: name, pinyin, phone, email, id…  ( / )"),
    gettext_noop("Search customers"),
    gettext_noop("Suggestions"),
    gettext_noop("New customer"),
    gettext_noop("Sign out"),
)


@register.filter
def phone(value: str) -> str:
    """E.164 as a readable international number: +86 138 1234 5678."""
    return _formatted_phone(value or "")


@functools.lru_cache(maxsize=4096)
def _formatted_phone(value: str) -> str:
    # Parsing with phonenumbers costs ~20 µs and a customer page shows the same numbers several times.
    return format_phone(value)


@register.filter
def pair(value):
    """[before, after] audit values -> (before, after); anything else -> (None, value)."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None, value


@register.filter
def shown(value) -> str:
    """An audit value as short text (empty values as an em dash)."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


_BLANK_FORMS: dict[tuple, str] = {}


@register.simple_tag
def form_fields(form, template_name: str) -> str:
    """`template_name` rendered with `form` (and nothing else) in its context.

    Django renders widgets through templates, one per `<option>`: a blank form costs ~1 ms of CPU
    on every page that shows it, for the same HTML each time. An unbound form with no initial data
    of its own renders the same for every request in one language and time zone, so that HTML is
    rendered once per process and reused. Use it only for forms whose blank rendering depends on
    nothing but their class (no per-user choices or initial values set in `__init__`). A bound form
    (errors, values typed in), one given `initial`/`prefix` or with a callable field initial is
    rendered every time.
    """
    if (
        form.is_bound
        or form.initial
        or form.prefix
        or settings.DEBUG
        or any(callable(field.initial) for field in form.fields.values())  # e.g. initial=now
    ):
        return render_to_string(template_name, {"form": form})
    key = (template_name, type(form), get_language(), get_current_timezone_name())
    html = _BLANK_FORMS.get(key)
    if html is None:
        html = _BLANK_FORMS[key] = render_to_string(template_name, {"form": form})
    return html


# Stand-ins for integer URL arguments while a URL is reversed once: never ids of real rows.
_URL_MARKS = (7_318_264_451, 7_318_264_452, 7_318_264_453, 7_318_264_454)
_URL_SHAPES: dict[tuple, str | None] = {}


def _url_shape(name: str, n: int) -> str | None:
    """`reverse(name)` with `n` integer arguments as a format string ("/customers/{0}/contacts/{1}/"),
    or None when the URL does not take integers verbatim (then every call reverses)."""
    marks = _URL_MARKS[:n]
    try:
        sample = reverse(name, args=marks)
    except Exception:  # noqa: BLE001 - the plain `reverse` below raises the real error
        return None
    shape = sample.replace("{", "{{").replace("}", "}}")
    for i, mark in enumerate(marks):
        if shape.count(str(mark)) != 1:
            return None
        shape = shape.replace(str(mark), f"{{{i}}}")
    check = tuple(range(1, n + 1))
    return shape if shape.format(*check) == reverse(name, args=check) else None


@register.simple_tag
def cached_url(name: str, *args) -> str:
    """`{% url name arg… %}` for integer arguments (ids), reversed once per URL name, script prefix
    and URLconf, then only formatted: `{% url %}` resolves the pattern on every use (~150 Python
    calls; a customer page had ~35 of them). Anything but integers is reversed as usual."""
    if len(args) > len(_URL_MARKS) or not all(type(a) is int and a >= 0 for a in args):
        return reverse(name, args=args)
    key = (name, len(args), get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    try:
        shape = _URL_SHAPES[key]
    except KeyError:
        shape = _URL_SHAPES[key] = _url_shape(name, len(args))
    if shape is None:
        return reverse(name, args=args)
    return shape.format(*args)


def _escaped(value) -> str:
    """`{{ value }}` for text: escaped unless already safe."""
    return str(value) if hasattr(value, "__html__") else escape(str(value))


@register.simple_tag(takes_context=True)
def nav_links(context) -> str:
    """`{% for item in nav_items %}<a href="{{ item.url }}">{{ item.label }}</a>{% endfor %}` (the top
    bar's entries, tenure.core.context_processors.nav) without two variable look-ups an entry."""
    return mark_safe(  # noqa: S308 - every value escaped
        "".join(
            f'<a href="{_escaped(item["url"])}">{_escaped(item["label"])}</a>'
            for item in context.get("nav_items") or ()
        )
    )


def csrf_input(context) -> str:
    """`{% csrf_token %}`: the hidden input, or nothing without a token (as CsrfTokenNode renders)."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'


@register.simple_tag
def topbar_nav() -> str:
    """The top bar's opening `<nav>` and its three customer links (base.html, signed-in users):
    labels looked up once, as `{% translate %}` shows them."""
    return mark_safe(  # noqa: S308 - URLs escaped, labels as {% translate %} renders them
        f'<nav class="mainnav" aria-label="{gettext("Main")}">\n'
        f'      <a href="{escape(cached_url("customers:list"))}">{gettext("Customers")}</a>\n'
        f'      <a href="{escape(cached_url("customers:duplicates"))}">{gettext("Duplicates")}</a>\n'
        f'      <a href="{escape(cached_url("customers:lookup"))}">{gettext("Caller look-up")}</a>'
    )


@register.simple_tag(takes_context=True)
def topbar_tools(context) -> str:
    """The top bar's search box and user menu (base.html, signed-in users): the search typed so far,
    "new customer" for writers, the user's name, the language switch and sign-out forms."""
    request = context.get("request")
    user = context.get("user")
    query = request.GET.get("q") if request is not None else None
    full_path = escape(request.get_full_path()) if request is not None else ""
    csrf = csrf_input(context)
    new_customer = (
        f'<a class="button small" href="{escape(cached_url("customers:create"))}">+ {gettext("New customer")}</a>'
        if getattr(user, "can_write", False)
        else ""
    )
    language = (
        '<button name="language" value="zh-hans" class="linkish">中文</button>'
        if context.get("LANG") == "en"
        else '<button name="language" value="en" class="linkish">English</button>'
    )
    return mark_safe(  # noqa: S308 - every value escaped, labels as {% translate %} renders them
        f'<form class="quicksearch" action="{escape(cached_url("customers:list"))}" method="get" role="search">\n'
        f'      <input type="search" name="q" id="quicksearch" value="{_escaped(query) if query else ""}" '
        'autocomplete="off"\n'
        f'             placeholder="{gettext("Search: name, pinyin, phone, email, id…  ( / )")}" '
        f'aria-label="{gettext("Search customers")}"\n'
        f'             hx-get="{escape(cached_url("customers:autocomplete"))}" hx-trigger="input changed delay:250ms, '
        'search" hx-target="#suggest" hx-sync="this:replace">\n'
        f'      <div id="suggest" class="suggest" role="listbox" aria-label="{gettext("Suggestions")}"></div>\n'
        "    </form>\n"
        '    <div class="usermenu">\n'
        f"      {new_customer}\n"
        f'      <span class="who">{_escaped(user) if user is not None else ""}</span>\n'
        f'      <form method="post" action="{escape(cached_url("accounts:language"))}" class="inline">{csrf}\n'
        f'        <input type="hidden" name="next" value="{full_path}">\n'
        f"        {language}\n"
        "      </form>\n"
        f'      <form method="post" action="{escape(cached_url("accounts:logout"))}" class="inline">{csrf}'
        f'<button class="linkish">{gettext("Sign out")}</button></form>\n'
        "    </div>"
    )
