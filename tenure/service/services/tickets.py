"""Writes for tickets: create (with routing and SLA), reply or note, status changes, reopen, assign."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.accounts import audit
from tenure.accounts.models import AuditEntry, Team, User
from tenure.customers.models import Customer
from tenure.interactions.models import Interaction
from tenure.interactions.services import interaction_log
from tenure.service import notify, sla
from tenure.service.models import (
    Article,
    RecoveryTask,
    RoutingRule,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
)

S = Ticket.Status
TRANSITIONS: dict[str, set[str]] = {
    S.NEW: {S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED},
    S.ACKNOWLEDGED: {S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED},
    S.IN_PROGRESS: {S.WAITING, S.RESOLVED, S.CLOSED},
    S.WAITING: {S.IN_PROGRESS, S.RESOLVED, S.CLOSED},
    S.RESOLVED: {S.CLOSED},
    S.CLOSED: set(),
}
REOPENABLE = {S.RESOLVED, S.CLOSED}

ATTACHMENT_MAX_BYTES = getattr(settings, "TENURE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
REPEAT_COMPLAINT_DAYS = getattr(settings, "TENURE_REPEAT_COMPLAINT_DAYS", 90)
REPEAT_COMPLAINT_COUNT = 2

INTERACTION_KIND = {
    Ticket.Channel.PHONE: Interaction.Kind.CALL,
    Ticket.Channel.EMAIL: Interaction.Kind.EMAIL,
    Ticket.Channel.CHAT: Interaction.Kind.CHAT,
    Ticket.Channel.WECHAT: Interaction.Kind.CHAT,
    Ticket.Channel.VISIT: Interaction.Kind.VISIT,
}


def require_writer(actor: User | None) -> None:
    if actor is not None and not actor.can_write:
        raise PermissionDenied(_("Your role may read but not change service data."))


def _now(now):
    return now or timezone.now()


def _record(actor, ticket: Ticket, action=AuditEntry.Action.UPDATE, changes=None, summary="") -> None:
    audit.record(
        actor=actor,
        action=action,
        instance=ticket,
        customer=ticket.customer,
        changes=changes,
        summary=summary,
    )


def _event(ticket, kind, at, actor=None, public=False, from_status="", to_status="", **detail) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        at=at,
        actor=actor if actor is not None and actor.pk else None,
        public=public,
        from_status=from_status,
        to_status=to_status,
        detail=detail,
    )


def _log_interaction(ticket: Ticket, actor, direction: str, memo: str, at) -> Interaction:
    kind = INTERACTION_KIND.get(ticket.channel, Interaction.Kind.NOTE)
    if ticket.kind == Ticket.Kind.COMPLAINT and direction == Interaction.Direction.INBOUND:
        kind = Interaction.Kind.COMPLAINT
    return interaction_log(
        customer=ticket.customer,
        actor=actor,
        kind=kind,
        direction=direction,
        purpose=(_("Ticket #%(id)s: %(subject)s") % {"id": ticket.pk, "subject": ticket.subject})[:200],
        memo=memo,
        occurred_at=min(at, timezone.now()),
    )


def check_attachment(upload) -> None:
    import os

    ext = os.path.splitext(upload.name or "")[1].lower()
    if ext not in ATTACHMENT_TYPES:
        raise ValidationError(
            {"attachments": _("Files of type “%(ext)s” cannot be attached.") % {"ext": ext or "?"}}
        )
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "attachments": _("“%(name)s” is larger than %(mb)s MB.")
                % {"name": upload.name, "mb": ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            }
        )
    if not content_matches(ext, upload):
        raise ValidationError(
            {
                "attachments": _(
                    "“%(name)s” is not really a %(ext)s file: its content does not match its name."
                )
                % {"name": upload.name, "ext": ext}
            }
        )


# File signatures of the allowed types. Written here rather than taken from a library (filetype,
# python-magic) because the allow-list is ten types, two of them plain text (which signature
# libraries do not judge) and two ZIP-based Office formats that need a look inside the archive.
SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
}
OFFICE_PARTS = {".docx": "word/", ".xlsx": "xl/"}


def content_matches(ext: str, upload) -> bool:
    """Whether the file's bytes are what its extension says (so a renamed executable is refused)."""
    import zipfile

    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if ext in SIGNATURES:
        return head.startswith(SIGNATURES[ext])
    if ext == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext in OFFICE_PARTS:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(upload) as archive:
                ok = any(name.startswith(OFFICE_PARTS[ext]) for name in archive.namelist())
        except zipfile.BadZipFile:
            ok = False
        upload.seek(0)
        return ok
    if ext in (".txt", ".csv"):
        sample = upload.read(64 * 1024)
        upload.seek(0)
        if b"\x00" in sample:
            return False
        for encoding in ("utf-8", "gb18030"):
            try:
                sample.decode(encoding)
                return True
            except UnicodeDecodeError as exc:
                if exc.start >= len(sample) - 4:  # a character cut at the sample's end
                    return True
        return False
    return False


def _attach(ticket, message, uploads, actor) -> None:
    for upload in uploads:
        check_attachment(upload)
    for upload in uploads:
        import os

        ext = os.path.splitext(upload.name)[1].lower()
        TicketAttachment.objects.create(
            ticket=ticket,
            message=message,
            file=upload,
            name=os.path.basename(upload.name)[:200],
            size=upload.size,
            content_type=ATTACHMENT_TYPES[ext],
            uploaded_by=actor if actor is not None and actor.pk else None,
        )


def route(*, customer: Customer, category: str, language: str, text: str):
    """(team, assignee, rule) from the first matching routing rule; else the customer's own team and
    dedicated representative."""
    tier = sla.customer_tier(customer)
    haystack = (text or "").lower()
    rep = customer.representative if customer.representative_id else None
    for rule in RoutingRule.objects.filter(is_active=True).select_related("team", "assignee"):
        if rule.category and rule.category != category:
            continue
        if rule.tier and rule.tier != tier:
            continue
        if rule.language and rule.language != language:
            continue
        words = rule.keyword_list()
        if words and not any(w in haystack for w in words):
            continue
        if rule.prefer_representative and rep and rep.is_active and rule.team_id in rep.team_ids():
            return rule.team, rep, rule
        return rule.team, rule.assignee, rule
    return customer.team, rep if rep and rep.is_active else None, None


def _recovery(ticket: Ticket, reason: str) -> RecoveryTask | None:
    customer = ticket.customer
    assignee_id = customer.representative_id or customer.owner_id
    if RecoveryTask.objects.filter(ticket=ticket, reason=reason, status=RecoveryTask.Status.OPEN).exists():
        return None
    return RecoveryTask.objects.create(
        customer=customer, ticket=ticket, assignee_id=assignee_id, reason=reason
    )


@transaction.atomic
def ticket_create(
    *,
    customer: Customer,
    actor: User | None,
    subject: str,
    description: str = "",
    kind: str = Ticket.Kind.INQUIRY,
    channel: str = Ticket.Channel.PHONE,
    category: str = "general",
    priority: str = "normal",
    language: str = "",
    team: Team | None = None,
    assignee: User | None = None,
    attachments=(),
    now=None,
) -> Ticket:
    """Open a ticket: route it, start its SLA clocks, log the customer's contact on the timeline,
    flag a repeat complaint, and tell the customer their tracking code."""
    require_writer(actor)
    now = _now(now)
    subject = (subject or "").strip()
    if not subject:
        raise ValidationError({"subject": _("A ticket needs a subject.")})
    language = language or customer.language or settings.LANGUAGE_CODE
    ticket = Ticket(
        customer=customer,
        kind=kind,
        channel=channel,
        category=category,
        priority=priority,
        language=language,
        subject=subject[:200],
        description=(description or "").strip(),
        opened_at=now,
        created_by=actor if actor is not None and actor.pk else None,
    )
    rule = None
    if team is None and assignee is None:
        team, assignee, rule = route(
            customer=customer, category=category, language=language, text=f"{subject}\n{description}"
        )
    elif team is None and assignee is not None:
        ids = assignee.team_ids()
        team = Team.objects.filter(pk=ids[0]).first() if ids else customer.team
    ticket.team, ticket.assignee = team, assignee
    ticket.full_clean(exclude=["tracking_code"])
    policy = sla.policy_for(category=category, priority=priority, tier=sla.customer_tier(customer))
    ticket.sla_policy = policy
    ticket.resolution_clock_from = now
    sla.set_first_response_due(ticket, policy)
    sla.set_resolution_due(ticket, policy)
    if kind == Ticket.Kind.COMPLAINT:
        earlier = Ticket.objects.filter(
            customer=customer,
            kind=Ticket.Kind.COMPLAINT,
            opened_at__gte=now - timedelta(days=REPEAT_COMPLAINT_DAYS),
        ).count()
        ticket.is_repeat_complaint = earlier + 1 >= REPEAT_COMPLAINT_COUNT
    ticket.save()
    _event(ticket, TicketEvent.Kind.CREATED, now, actor, public=True, to_status=ticket.status)
    if ticket.assignee_id or ticket.team_id:
        _event(
            ticket,
            TicketEvent.Kind.ASSIGNED,
            now,
            actor,
            team=ticket.team_id,
            assignee=ticket.assignee_id,
            rule=rule.pk if rule else None,
        )
    memo = ticket.description or ticket.subject
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=TicketMessage.Kind.CUSTOMER,
        author=None,
        body=memo,
        at=now,
        interaction=_log_interaction(ticket, actor, Interaction.Direction.INBOUND, memo, now),
    )
    _attach(ticket, message, list(attachments), actor)
    if ticket.is_repeat_complaint:
        _recovery(ticket, RecoveryTask.Reason.REPEAT)
    _record(
        actor,
        ticket,
        AuditEntry.Action.CREATE,
        changes={
            k: [None, v] for k, v in audit.snapshot(ticket).items() if v not in (None, "", [], {}, False)
        },
        summary=f"ticket: {ticket.subject}",
    )
    notify.customer_on_commit(ticket, "created")
    return ticket


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    actor: User | None,
    body: str,
    public: bool,
    article: Article | None = None,
    attachments=(),
    now=None,
) -> TicketMessage:
    """A public reply (to the customer; also an interaction; the first one stops the first-response
    clock and acknowledges a new ticket) or an internal note (staff only)."""
    require_writer(actor)
    now = _now(now)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message.")})
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("customer").get(pk=ticket.pk)
    kind = TicketMessage.Kind.REPLY if public else TicketMessage.Kind.NOTE
    message = TicketMessage(ticket=ticket, kind=kind, author=actor, body=body, at=now, article=article)
    if public:
        message.interaction = _log_interaction(ticket, actor, Interaction.Direction.OUTBOUND, body, now)
    message.full_clean(exclude=["ticket", "author", "article", "interaction"])
    message.save()
    _attach(ticket, message, list(attachments), actor)
    if article is not None:
        Article.objects.filter(pk=article.pk).update(usage_count=F("usage_count") + 1)
    changes = {}
    if public and ticket.first_response_at is None:
        ticket.first_response_at = now
        breached = ticket.first_response_due is not None and now > ticket.first_response_due
        ticket.first_response_breached = ticket.first_response_breached or breached
        ticket.save(update_fields=["first_response_at", "first_response_breached", "updated_at"])
        changes["first_response_at"] = [None, now.isoformat()]
    _record(actor, ticket, changes=changes, summary=f"{kind} on ticket #{ticket.pk}")
    if public:
        notify.customer_on_commit(ticket, "reply", message=message)
        if ticket.status == S.NEW:
            ticket_set_status(
                ticket=ticket, actor=actor, status=S.ACKNOWLEDGED, now=now, notify_customer=False
            )
    return message


@transaction.atomic
def ticket_customer_message(*, ticket: Ticket, actor: User | None, body: str, now=None) -> TicketMessage:
    """What the customer said (by phone, email, chat…), logged by staff or a connected system.
    A ticket waiting on the customer goes back to in progress: its clock runs again."""
    require_writer(actor)
    now = _now(now)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message.")})
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("customer").get(pk=ticket.pk)
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=TicketMessage.Kind.CUSTOMER,
        author=None,
        body=body,
        at=now,
        interaction=_log_interaction(ticket, actor, Interaction.Direction.INBOUND, body, now),
    )
    _record(actor, ticket, summary=f"customer message on ticket #{ticket.pk}")
    if ticket.status == S.WAITING:
        ticket_set_status(ticket=ticket, actor=actor, status=S.IN_PROGRESS, now=now)
    return message


def _pause(ticket: Ticket, now) -> None:
    ticket.paused_since = now


def _resume(ticket: Ticket, now) -> None:
    if ticket.paused_since:
        ticket.paused_intervals = [
            *ticket.paused_intervals,
            [ticket.paused_since.isoformat(), now.isoformat()],
        ]
        ticket.paused_since = None
        sla.set_resolution_due(ticket, ticket.sla_policy)


@transaction.atomic
def ticket_set_status(
    *, ticket: Ticket, actor: User | None, status: str, now=None, notify_customer: bool = True
) -> Ticket:
    """Move along new → acknowledged → in progress ⇄ waiting on customer → resolved → closed.
    Waiting on the customer pauses the resolution clock; leaving it recomputes the due time."""
    require_writer(actor)
    now = _now(now)
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "sla_policy__calendar")
        .get(pk=ticket.pk)
    )
    old = ticket.status
    if status not in S.values:
        raise ValidationError({"status": _("Unknown status “%(value)s”.") % {"value": status}})
    if status == old:
        return ticket
    if status not in TRANSITIONS[old]:
        raise ValidationError(
            {
                "status": _("A ticket cannot go from “%(old)s” to “%(new)s”.")
                % {"old": S(old).label, "new": S(status).label}
            }
        )
    fields = {
        "status",
        "updated_at",
        "paused_since",
        "paused_intervals",
        "resolution_due",
        "resolution_warn_at",
    }
    if status == S.WAITING:
        _pause(ticket, now)
    elif old == S.WAITING:
        _resume(ticket, now)
    if status == S.RESOLVED:
        ticket.resolved_at = now
        if ticket.resolution_due and now > ticket.resolution_due:
            ticket.resolution_breached = True
        fields |= {"resolved_at", "resolution_breached"}
    if status == S.CLOSED:
        ticket.closed_at = now
        if ticket.resolved_at is None:
            ticket.resolved_at = now
            if ticket.resolution_due and now > ticket.resolution_due:
                ticket.resolution_breached = True
        fields |= {"closed_at", "resolved_at", "resolution_breached"}
    ticket.status = status
    ticket.save(update_fields=sorted(fields))
    _event(ticket, TicketEvent.Kind.STATUS, now, actor, public=True, from_status=old, to_status=status)
    _record(
        actor, ticket, changes={"status": [old, status]}, summary=f"ticket #{ticket.pk}: {old} → {status}"
    )
    if notify_customer:
        notify.customer_on_commit(ticket, "status")
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, actor: User | None, reason: str = "", now=None) -> Ticket:
    """Reopen a resolved or closed ticket: back in progress, the resolution clock starts afresh,
    and the customer's dedicated representative gets a recovery task."""
    require_writer(actor)
    now = _now(now)
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "sla_policy__calendar")
        .get(pk=ticket.pk)
    )
    if ticket.status not in REOPENABLE:
        raise ValidationError({"status": _("Only a resolved or closed ticket can be reopened.")})
    old = ticket.status
    ticket.status = S.IN_PROGRESS
    ticket.reopen_count += 1
    ticket.resolved_at = ticket.closed_at = None
    ticket.resolution_clock_from = now
    ticket.paused_intervals = []
    ticket.paused_since = None
    ticket.resolution_warned = ticket.resolution_breached = False
    sla.set_resolution_due(ticket, ticket.sla_policy)
    ticket.save()
    _event(
        ticket, TicketEvent.Kind.REOPENED, now, actor, public=True, from_status=old, to_status=S.IN_PROGRESS
    )
    if reason.strip():
        TicketMessage.objects.create(
            ticket=ticket, kind=TicketMessage.Kind.NOTE, author=actor, body=reason, at=now
        )
    _recovery(ticket, RecoveryTask.Reason.REOPENED)
    _record(actor, ticket, changes={"status": [old, S.IN_PROGRESS], "reopened": ticket.reopen_count})
    notify.customer_on_commit(ticket, "status")
    return ticket


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, actor: User | None, assignee: User | None, team: Team | None = None, now=None
) -> Ticket:
    require_writer(actor)
    now = _now(now)
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("customer").get(pk=ticket.pk)
    before = {"assignee": ticket.assignee_id, "team": ticket.team_id}
    if team is not None:
        ticket.team = team
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee", "team", "updated_at"])
    after = {"assignee": ticket.assignee_id, "team": ticket.team_id}
    if after != before:
        _event(ticket, TicketEvent.Kind.ASSIGNED, now, actor, **after)
        _record(actor, ticket, changes=audit.diff(before, after))
    return ticket


@transaction.atomic
def recovery_task_done(*, task: RecoveryTask, actor: User | None, note: str = "", now=None) -> RecoveryTask:
    require_writer(actor)
    if task.status == RecoveryTask.Status.DONE:
        return task
    task.status = RecoveryTask.Status.DONE
    task.done_at = _now(now)
    task.note = (note or "").strip()
    task.save(update_fields=["status", "done_at", "note", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=task,
        customer=task.customer,
        changes={"status": ["open", "done"]},
    )
    return task
