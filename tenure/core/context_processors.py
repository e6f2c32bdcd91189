"""Navigation entries by role, so every domain's pages appear in the top bar of base.html."""

from django.urls import NoReverseMatch, reverse
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


def nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for name, label, who in NAV:
        if who == "admin" and not user.is_admin:
            continue
        if who == "writers" and not user.can_write:
            continue
        try:
            items.append({"url": reverse(name), "label": label})
        except NoReverseMatch:
            continue
    return {"nav_items": items}
