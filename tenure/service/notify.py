"""Emails: to customers on ticket changes (their language, their channel preferences) and to staff
when the SLA scan warns or escalates. Everything goes through Django's email backend."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from tenure.customers.models import Customer


def customer_may_get_email(customer: Customer) -> bool:
    """Email when the customer has an address, is not do-not-contact, and either allows email or has
    recorded no channel preference at all (a service message about their own request)."""
    if not customer.email or customer.do_not_contact:
        return False
    allowed = customer.allowed_channels or []
    return not allowed or Customer.Channel.EMAIL in allowed


def tracking_url(ticket) -> str:
    return getattr(settings, "TENURE_SITE_URL", "").rstrip("/") + ticket.get_tracking_url()


def customer_message(ticket, what: str, message=None) -> EmailMessage | None:
    customer = ticket.customer
    if not customer_may_get_email(customer):
        return None
    language = customer.language or ticket.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"ticket": ticket, "what": what, "message": message, "tracking_url": tracking_url(ticket)}
        subject = render_to_string("service/email/customer_subject.txt", context).strip()
        body = render_to_string("service/email/customer_body.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[customer.email])


def customer_on_commit(ticket, what: str, message=None) -> None:
    """Send after the transaction commits, so a rolled-back change never reaches the customer."""
    email = customer_message(ticket, what, message)
    if email is not None:
        transaction.on_commit(lambda: email.send(fail_silently=True))


def staff_alert(person: dict, kind: str, tickets: list[dict], site: str) -> EmailMessage | None:
    """One email listing tickets near or past their service level. Plain string building rather
    than a template: the scan may send hundreds of these in one run."""
    if not person.get("email"):
        return None
    with translation.override(person.get("language") or settings.LANGUAGE_CODE):
        n = len(tickets)
        if kind == "breach":
            subject = ngettext(
                "%(n)s ticket has missed its service level",
                "%(n)s tickets have missed their service level",
                n,
            ) % {"n": n}
        else:
            subject = ngettext(
                "%(n)s ticket is close to its service level",
                "%(n)s tickets are close to their service level",
                n,
            ) % {"n": n}
        labels = {"first_response": gettext("first response due"), "resolution": gettext("resolution due")}
        lines = []
        for t in tickets:
            due = timezone.localtime(t["due"]).strftime("%Y-%m-%d %H:%M") if t["due"] else ""
            lines.append(f"#{t['id']} {t['subject']} — {labels[t['what']]} {due}\n{site}{t['url']}")
    return EmailMessage(subject=subject, body="\n\n".join(lines) + "\n", to=[person["email"]])


def send_staff(messages: list[EmailMessage]) -> int:
    """Send over one connection."""
    messages = [m for m in messages if m is not None]
    if not messages:
        return 0
    with get_connection(fail_silently=True) as connection:
        return connection.send_messages(messages) or 0
