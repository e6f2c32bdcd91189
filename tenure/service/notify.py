"""Emails: to customers on ticket changes (their language, their channel preferences) and to staff
when the SLA scan warns or escalates. Everything goes through Django's email backend."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

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


def send_staff(batches: list[tuple], template: str) -> int:
    """batches: (user-like dict with email and language, context). One connection for all."""
    messages = []
    for person, context in batches:
        if not person.get("email"):
            continue
        with translation.override(person.get("language") or settings.LANGUAGE_CODE):
            subject = render_to_string(f"service/email/{template}_subject.txt", context).strip()
            body = render_to_string(f"service/email/{template}_body.txt", context)
        messages.append(EmailMessage(subject=" ".join(subject.split()), body=body, to=[person["email"]]))
    if not messages:
        return 0
    with get_connection(fail_silently=True) as connection:
        return connection.send_messages(messages) or 0
