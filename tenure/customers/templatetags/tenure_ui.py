"""Small display filters for the staff pages."""

from django import template

from tenure.lib.phone import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """E.164 as a readable international number: +86 138 1234 5678."""
    return format_phone(value or "")


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
