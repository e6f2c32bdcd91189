from datetime import datetime, timedelta

from django.core import mail

from tenure.accounts.services import staff_create
from tenure.customers.services import customer_update
from tenure.service.models import RecoveryTask, Ticket, TicketEvent
from tenure.service.services import sla_policy_save, sla_scan, ticket_reply, ticket_set_status
from tenure.service.tests.conftest import MONDAY_9, SH


def test_warning_then_breach_then_nothing_on_a_second_run(ticket, agent, manager, customer):
    manager.email = "manager@example.com"
    manager.save(update_fields=["email"])
    agent.email = "agent@example.com"
    agent.save(update_fields=["email"])
    customer_update(customer=customer, actor=agent, representative=agent)
    ticket.assignee = agent
    ticket.save(update_fields=["assignee"])

    assert sla_scan(now=MONDAY_9 + timedelta(minutes=90))["first_response_warning"] == 0
    counts = sla_scan(now=MONDAY_9 + timedelta(minutes=100))
    assert counts["first_response_warning"] == 1
    assert counts["first_response_breach"] == 0
    assert [m.to for m in mail.outbox] == [["agent@example.com"]]
    assert f"/service/tickets/{ticket.pk}/" in mail.outbox[0].body
    assert "close to its service level" in mail.outbox[0].subject

    at_due = datetime(2026, 11, 23, 11, 0, tzinfo=SH)
    counts = sla_scan(now=at_due)
    assert counts["first_response_breach"] == 1
    ticket.refresh_from_db()
    assert ticket.first_response_breached and not ticket.resolution_breached
    recipients = sorted(m.to[0] for m in mail.outbox[1:])
    assert recipients == ["agent@example.com", "manager@example.com"]
    assert RecoveryTask.objects.filter(ticket=ticket, reason="breach", assignee=agent).count() == 1

    again = sla_scan(now=at_due)
    assert again["first_response_breach"] == 0 and again["emails"] == 0
    assert TicketEvent.objects.filter(ticket=ticket, kind="breach").count() == 1


def test_resolution_breach_escalates_by_the_policy_rule(ticket, policy, admin_user, agent):
    senior = staff_create(username="senior", teams=["Escalations"])
    sla_policy_save(
        actor=admin_user, policy=policy, escalate_to_user=senior, escalate_to_team=senior.teams.get()
    )
    ticket_reply(ticket=ticket, actor=agent, body="On it", public=True, now=MONDAY_9)
    counts = sla_scan(now=datetime(2026, 11, 24, 18, 0, tzinfo=SH))
    assert counts["resolution_breach"] == 1
    assert counts["resolution_breach_escalated"] == 1
    ticket.refresh_from_db()
    assert ticket.assignee == senior
    assert ticket.team.name == "Escalations"
    assert ticket.escalated_at is not None
    assert TicketEvent.objects.filter(ticket=ticket, kind="escalated").count() == 1


def test_paused_and_resolved_tickets_do_not_breach(ticket, agent):
    ticket_reply(ticket=ticket, actor=agent, body="Please send a photo", public=True, now=MONDAY_9)
    ticket_set_status(ticket=ticket, actor=agent, status="waiting", now=MONDAY_9)
    far = MONDAY_9 + timedelta(days=30)
    assert sla_scan(now=far)["resolution_breach"] == 0
    ticket_set_status(ticket=ticket, actor=agent, status="resolved", now=MONDAY_9 + timedelta(hours=1))
    assert sla_scan(now=far)["resolution_breach"] == 0
    assert not Ticket.objects.filter(resolution_breached=True).exists()


def test_scan_runs_as_a_recorded_job(db):
    from tenure.core.models import JobRun
    from tenure.service.tasks import sla_scan as job

    result = job()
    assert result["resolution_breach"] == 0
    assert JobRun.objects.get(name="service.sla_scan").status == "ok"


def test_scan_is_in_the_beat_schedule(settings):
    assert settings.CELERY_BEAT_SCHEDULE["service.sla_scan"]["task"] == "service.sla_scan"
