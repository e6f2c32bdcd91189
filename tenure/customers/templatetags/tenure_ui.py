"""Small display filters and tags for the staff pages."""

import functools

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from tenure.lib.phone import format_phone

register = template.Library()


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
