from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from tenure.accounts.models import AuditEntry
from tenure.customers.services import customer_update
from tenure.interactions.models import Interaction
from tenure.service.models import RecoveryTask, Ticket, TicketEvent, TicketMessage
from tenure.service.services import (
    ticket_create,
    ticket_customer_message,
    ticket_reopen,
    ticket_reply,
    ticket_set_status,
)
from tenure.service.tests.conftest import MONDAY_9, SH


def test_new_ticket_gets_sla_due_times_in_business_hours(ticket):
    assert ticket.status == Ticket.Status.NEW
    assert ticket.first_response_due == datetime(2026, 11, 23, 11, 0, tzinfo=SH)
    # 15 business hours: Monday 7.5 h, Tuesday 7.5 h -> Tuesday 18:00.
    assert ticket.resolution_due == datetime(2026, 11, 24, 18, 0, tzinfo=SH)
    # Warning at 80 %: 96 minutes after 09:00.
    assert ticket.first_response_warn_at == datetime(2026, 11, 23, 10, 36, tzinfo=SH)
    assert len(ticket.tracking_code) >= 20


def test_most_specific_policy_wins(customer, agent, policy, urgent_policy):
    t = ticket_create(
        customer=customer, actor=agent, subject="Broken", category="product", priority="urgent", now=MONDAY_9
    )
    assert t.sla_policy == urgent_policy
    assert t.first_response_due == datetime(2026, 11, 23, 9, 30, tzinfo=SH)
    other = ticket_create(customer=customer, actor=agent, subject="Question", now=MONDAY_9)
    assert other.sla_policy == policy


def test_creating_logs_the_customer_contact_on_the_timeline_and_audits(ticket, customer):
    interaction = Interaction.objects.get(customer=customer)
    assert interaction.kind == Interaction.Kind.COMPLAINT
    assert interaction.direction == Interaction.Direction.INBOUND
    assert AuditEntry.objects.filter(
        model="service.ticket", object_id=str(ticket.pk), action="create"
    ).exists()
    assert ticket.events.filter(kind=TicketEvent.Kind.CREATED, public=True).count() == 1


def test_public_reply_is_an_interaction_note_is_not(ticket, agent):
    ticket_reply(ticket=ticket, actor=agent, body="Internal: check stock", public=False, now=MONDAY_9)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert Interaction.objects.filter(direction="out").count() == 0
    ticket_reply(
        ticket=ticket, actor=agent, body="We will replace it.", public=True, now=MONDAY_9 + timedelta(hours=1)
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at == MONDAY_9 + timedelta(hours=1)
    assert ticket.status == Ticket.Status.ACKNOWLEDGED
    assert not ticket.first_response_breached
    out = Interaction.objects.get(direction="out")
    assert out.memo == "We will replace it."
    assert TicketMessage.objects.filter(ticket=ticket, kind="note").count() == 1


def test_late_first_reply_is_a_breach(ticket, agent):
    ticket_reply(
        ticket=ticket, actor=agent, body="Sorry for the wait", public=True, now=MONDAY_9 + timedelta(hours=3)
    )
    ticket.refresh_from_db()
    assert ticket.first_response_breached


def test_waiting_on_customer_pauses_the_resolution_clock(ticket, agent):
    ticket_set_status(ticket=ticket, actor=agent, status="in_progress", now=MONDAY_9)
    ticket_set_status(ticket=ticket, actor=agent, status="waiting", now=MONDAY_9 + timedelta(hours=1))
    # The customer answers on Wednesday at 09:00: Monday 10:00 → Wednesday 09:00 did not count.
    wednesday = datetime(2026, 11, 25, 9, 0, tzinfo=SH)
    ticket_customer_message(ticket=ticket, actor=agent, body="Here is the photo", now=wednesday)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS
    assert ticket.paused_since is None
    assert len(ticket.paused_intervals) == 1
    # 1 h used before the pause, 14 h left from Wednesday 09:00 -> Thursday 17:00.
    assert ticket.resolution_due == datetime(2026, 11, 26, 17, 0, tzinfo=SH)


def test_status_flow_refuses_a_wrong_transition_and_changes_nothing(ticket, agent):
    ticket_set_status(ticket=ticket, actor=agent, status="closed", now=MONDAY_9)
    with pytest.raises(ValidationError):
        ticket_set_status(ticket=ticket, actor=agent, status="in_progress", now=MONDAY_9)
    with pytest.raises(ValidationError):
        ticket_set_status(ticket=ticket, actor=agent, status="nonsense", now=MONDAY_9)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED


def test_reopen_restarts_the_clock_and_creates_a_recovery_task(ticket, agent, customer):
    customer_update(customer=customer, actor=agent, representative=agent)
    ticket_set_status(ticket=ticket, actor=agent, status="resolved", now=MONDAY_9 + timedelta(hours=2))
    later = datetime(2026, 11, 30, 9, 0, tzinfo=SH)
    ticket_reopen(ticket=ticket, actor=agent, reason="Still scratched", now=later)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS
    assert ticket.reopen_count == 1
    assert ticket.resolution_due == datetime(2026, 12, 1, 18, 0, tzinfo=SH)
    task = RecoveryTask.objects.get(reason="reopened")
    assert task.assignee == agent
    with pytest.raises(ValidationError):
        ticket_reopen(ticket=ticket, actor=agent, now=later)


def test_repeat_complaints_are_flagged(customer, agent, policy):
    first = ticket_create(customer=customer, actor=agent, subject="Late", kind="complaint", now=MONDAY_9)
    inquiry = ticket_create(customer=customer, actor=agent, subject="Hours?", kind="inquiry", now=MONDAY_9)
    second = ticket_create(
        customer=customer, actor=agent, subject="Late again", kind="complaint", now=MONDAY_9
    )
    assert not first.is_repeat_complaint and not inquiry.is_repeat_complaint
    assert second.is_repeat_complaint
    assert RecoveryTask.objects.filter(ticket=second, reason="repeat").exists()


def test_analyst_cannot_write(customer, analyst, policy):
    with pytest.raises(PermissionDenied):
        ticket_create(customer=customer, actor=analyst, subject="x", now=MONDAY_9)


def test_empty_subject_is_refused(customer, agent):
    with pytest.raises(ValidationError):
        ticket_create(customer=customer, actor=agent, subject="  ", now=MONDAY_9)
    assert not Ticket.objects.exists()


def test_customer_is_emailed_in_their_language(customer, agent, policy, django_capture_on_commit_callbacks):
    customer_update(customer=customer, actor=agent, language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        t = ticket_create(customer=customer, actor=agent, subject="Broken", now=MONDAY_9)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["zhang.wei@example.com"]
    assert t.tracking_code in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(ticket=t, actor=agent, status="in_progress", now=MONDAY_9)
    assert len(mail.outbox) == 2


def test_do_not_contact_and_channel_preferences_are_respected(
    customer, agent, policy, django_capture_on_commit_callbacks
):
    customer_update(customer=customer, actor=agent, allowed_channels=["phone"])
    with django_capture_on_commit_callbacks(execute=True):
        t = ticket_create(customer=customer, actor=agent, subject="Broken", now=MONDAY_9)
    customer_update(customer=customer, actor=agent, allowed_channels=["email"], do_not_contact=True)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(ticket=t, actor=agent, status="in_progress", now=MONDAY_9)
    assert mail.outbox == []


def test_attachment_type_and_size_limits(ticket, agent):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError):
        ticket_reply(
            ticket=ticket, actor=agent, body="see file", public=False, attachments=[bad], now=MONDAY_9
        )
    assert not TicketMessage.objects.filter(kind="note").exists()


def _xlsx_bytes() -> bytes:
    import io

    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "name, content, ok",
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, True),
        ("photo.png", b"MZ\x90\x00 renamed program", False),
        ("scan.pdf", b"%PDF-1.7\n...", True),
        ("scan.pdf", b"<html>phish</html>", False),
        ("pic.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 ", True),
        ("notes.txt", "客户说屏幕有划痕".encode("gb18030"), True),
        ("notes.txt", b"Customer said: scratched", True),
        ("notes.csv", b"a,b\n\x00\x01\x02", False),
        ("sheet.xlsx", _xlsx_bytes(), True),
        ("sheet.docx", _xlsx_bytes(), False),  # a spreadsheet renamed to a document
        ("sheet.xlsx", b"PK\x03\x04 not really a zip", False),
    ],
)
def test_attachment_content_must_match_its_name(ticket, agent, name, content, ok):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, content)
    if ok:
        message = ticket_reply(
            ticket=ticket, actor=agent, body="file", public=False, attachments=[upload], now=MONDAY_9
        )
        stored = message.attachments.get()
        assert stored.file.read() == content  # nothing lost by the sniffing
    else:
        with pytest.raises(ValidationError, match="content does not match"):
            ticket_reply(
                ticket=ticket, actor=agent, body="file", public=False, attachments=[upload], now=MONDAY_9
            )
        assert not TicketMessage.objects.filter(body="file").exists()


def test_customer_merge_moves_tickets_and_promises(ticket, customer, agent):
    from datetime import date

    from tenure.customers.services import customer_create, customer_merge
    from tenure.service.models import Promise
    from tenure.service.services import promise_make

    keep = customer_create(actor=agent, name="张伟 (new)")
    promise_make(customer=customer, actor=agent, what="call back", due_date=date(2099, 1, 1))
    customer_merge(keep=keep, drop=customer, actor=agent)
    ticket.refresh_from_db()
    assert ticket.customer == keep
    assert Promise.objects.get().customer == keep


def test_a_new_holiday_moves_due_times_of_new_tickets(customer, agent, calendar, policy, admin_user):
    from tenure.service.services import calendar_day_set

    before = ticket_create(customer=customer, actor=agent, subject="A", now=MONDAY_9)
    calendar_day_set(actor=admin_user, calendar=calendar, date=MONDAY_9.date(), kind="holiday", name="Closed")
    after = ticket_create(customer=customer, actor=agent, subject="B", now=MONDAY_9)
    assert before.first_response_due == datetime(2026, 11, 23, 11, 0, tzinfo=SH)
    assert after.first_response_due == datetime(2026, 11, 24, 11, 0, tzinfo=SH)


def test_make_up_sunday_counts_as_a_working_day(customer, agent, calendar, policy, admin_user):
    from tenure.service.services import calendar_day_set

    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=SH)
    calendar_day_set(actor=admin_user, calendar=calendar, date=saturday.date(), kind="workday", name="调休")
    t = ticket_create(customer=customer, actor=agent, subject="Weekend", now=saturday)
    assert t.first_response_due == datetime(2026, 11, 28, 11, 0, tzinfo=SH)


def test_bad_calendar_is_refused(admin_user, calendar):
    from tenure.service.services import calendar_day_set, calendar_save

    with pytest.raises(ValidationError):
        calendar_save(actor=admin_user, name="Bad", timezone="Not/AZone")
    with pytest.raises(ValidationError):
        calendar_save(actor=admin_user, calendar=calendar, weekly_hours={"0": ["18:00-09:00"]})
    with pytest.raises(ValidationError):
        calendar_day_set(
            actor=admin_user, calendar=calendar, date=MONDAY_9.date(), kind="workday", hours=["25:00-26:00"]
        )


def test_tracking_link_in_email_uses_site_url(
    customer, agent, policy, settings, django_capture_on_commit_callbacks
):
    settings.TENURE_SITE_URL = "https://crm.example.com/"
    with django_capture_on_commit_callbacks(execute=True):
        t = ticket_create(customer=customer, actor=agent, subject="Broken", now=MONDAY_9)
    assert f"https://crm.example.com/track/{t.tracking_code}/" in mail.outbox[0].body


def test_customer_email_holds_no_internal_text(ticket, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, actor=agent, body="SECRET NOTE", public=False, now=MONDAY_9)
        ticket_reply(ticket=ticket, actor=agent, body="Replacement on its way", public=True, now=MONDAY_9)
    [email] = mail.outbox
    assert "Replacement on its way" in email.body
    assert "SECRET NOTE" not in email.body and ticket.subject not in email.subject
    assert f"#{ticket.pk}" in email.subject
