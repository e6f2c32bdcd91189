"""The public tracking page (R4.2): no sign-in; shows a ticket's kind, status, status timeline and
public replies, and nothing else — not even the subject, which staff write and may word for
colleagues. Rate-limited per client address."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tenure.service.models import Ticket, TicketEvent, TicketMessage

RATE_LIMIT = getattr(settings, "TENURE_TRACK_RATE_LIMIT", 30)  # requests per address per minute


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _limited(request) -> bool:
    """A fixed one-minute window per address in Django's cache (works with any cache backend)."""
    key = f"track-rate:{_client_ip(request)}:{int(timezone.now().timestamp() // 60)}"
    if cache.add(key, 1, timeout=70):
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=70)
        count = 1
    return count > RATE_LIMIT


def _too_many(request) -> HttpResponse:
    html = render_to_string("service/track_limited.html", request=request)
    response = HttpResponse(html, status=429)
    response["Retry-After"] = "60"
    return response


@never_cache
@require_GET
def track_form(request):
    if _limited(request):
        return _too_many(request)
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("track:ticket", code=code)
    return render(request, "service/track_form.html", {})


@never_cache
@require_GET
def track_ticket(request, code: str):
    if _limited(request):
        return _too_many(request)
    # Only what the page shows is read: no customer, no assignee, no internal notes.
    ticket = (
        Ticket.objects.filter(tracking_code=code)
        .only("id", "status", "kind", "opened_at", "resolved_at", "language", "tracking_code")
        .first()
    )
    if ticket is None:
        response = render(request, "service/track_form.html", {"not_found": True}, status=404)
        return response
    events = TicketEvent.objects.filter(ticket=ticket, public=True).only("at", "kind", "to_status")
    replies = TicketMessage.objects.filter(ticket=ticket, kind=TicketMessage.Kind.REPLY).only("at", "body")
    timeline = [{"at": e.at, "kind": "event", "label": _event_label(e)} for e in events] + [
        {"at": m.at, "kind": "reply", "body": m.body} for m in replies
    ]
    timeline.sort(key=lambda item: item["at"])
    # The page speaks the customer's language (the one their notifications use).
    with translation.override(ticket.language or settings.LANGUAGE_CODE):
        return render(request, "service/track_ticket.html", {"ticket": ticket, "timeline": timeline})


def _event_label(event: TicketEvent) -> str:
    if event.kind == TicketEvent.Kind.CREATED:
        return _("We received your request.")
    if event.kind == TicketEvent.Kind.REOPENED:
        return _("Your request was reopened.")
    if event.to_status:
        return _("Status: %(status)s") % {"status": Ticket.Status(event.to_status).label}
    return ""
