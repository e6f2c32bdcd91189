"""Navigation entries by role, so every domain's pages appear in the top bar of base.html."""

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, who sees it: "all" | "writers" | "admin")
NAV = [
    ("value:dashboard", _("Customer value"), "all"),
    ("value:tiers", _("Tiers"), "all"),
    ("segments:list", _("Segments"), "all"),
    ("interactions:call_lists", _("Call lists"), "all"),
    ("service:queue", _("Tickets"), "all"),
    ("service:kb", _("Answers"), "all"),
    ("service:promises", _("Promises"), "all"),
    ("service:sla_report", _("Service levels"), "all"),
    ("service:settings", _("Service settings"), "admin"),
    ("imports:upload", _("Import"), "writers"),
    ("accounts:tokens", _("API"), "all"),
    ("accounts:staff", _("Staff"), "admin"),
]


# (script prefix, urlconf) -> [(url, label, who)]: the URLs are the same on every request, so they
# are reversed once per process (12 `reverse` calls on every page otherwise). Labels stay lazy.
_RESOLVED: dict[tuple, list[tuple]] = {}


def _resolved() -> list[tuple]:
    key = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    entries = _RESOLVED.get(key)
    if entries is None:
        entries = []
        for name, label, who in NAV:
            try:
                entries.append((reverse(name), label, who))
            except NoReverseMatch:
                continue
        _RESOLVED[key] = entries
    return entries


def nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for url, label, who in _resolved():
        if who == "admin" and not user.is_admin:
            continue
        if who == "writers" and not user.can_write:
            continue
        items.append({"url": url, "label": label})
    return {"nav_items": items}
