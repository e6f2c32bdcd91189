"""The SLA scan: warnings before a breach, breaches at due time, escalation. Set-based and
idempotent: each step selects the rows whose flag is still down (small partial indexes), raises the
flag in one UPDATE, and acts only on the rows it raised — a second run finds nothing to do."""

from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tenure.accounts.models import AuditEntry, Role, User
from tenure.service import notify
from tenure.service.models import RecoveryTask, SlaPolicy, Ticket, TicketEvent

STEPS = [
    # (name, flag, time field, extra filter, event kind)
    (
        "first_response_warning",
        "first_response_warned",
        "first_response_warn_at",
        "fr",
        TicketEvent.Kind.WARNING,
    ),
    ("first_response_breach", "first_response_breached", "first_response_due", "fr", TicketEvent.Kind.BREACH),
    ("resolution_warning", "resolution_warned", "resolution_warn_at", "res", TicketEvent.Kind.WARNING),
    ("resolution_breach", "resolution_breached", "resolution_due", "res", TicketEvent.Kind.BREACH),
]


def _candidates(flag: str, field: str, clock: str, now):
    # The filters mirror the partial indexes' conditions so the planner can use them.
    if clock == "fr":
        rule = Q(first_response_at__isnull=True, status__in=Ticket.OPEN)
    else:
        rule = Q(status__in=Ticket.RUNNING)
    return Ticket.objects.filter(rule, **{flag: False, f"{field}__lte": now})


def _flag(flag: str, field: str, clock: str, now) -> list[dict]:
    """Raise `flag` on due rows; return the rows raised here (their ids were locked in between)."""
    qs = _candidates(flag, field, clock, now)
    if transaction.get_connection().features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    rows = list(
        qs.values(
            "id",
            "subject",
            "customer_id",
            "team_id",
            "assignee_id",
            "sla_policy_id",
            "customer__representative_id",
            "customer__owner_id",
            field,
        )
    )
    if rows:
        Ticket.objects.filter(pk__in=[r["id"] for r in rows]).update(**{flag: True})
    for row in rows:
        row["due"] = row.pop(field)
    return rows


def sla_scan(*, now=None) -> dict:
    """Run every step once. Returns counts per step (and emails sent)."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    alerts: dict[str, list[dict]] = {"warning": [], "breach": []}
    with transaction.atomic():
        for name, flag, field, clock, kind in STEPS:
            rows = _flag(flag, field, clock, now)
            counts[name] = len(rows)
            if not rows:
                continue
            what = "first_response" if clock == "fr" else "resolution"
            TicketEvent.objects.bulk_create(
                [TicketEvent(ticket_id=r["id"], at=now, kind=kind, detail={"what": what}) for r in rows],
                batch_size=2000,
            )
            AuditEntry.objects.bulk_create(
                [
                    AuditEntry(
                        actor=None,
                        action=AuditEntry.Action.UPDATE,
                        model="service.ticket",
                        object_id=str(r["id"]),
                        customer_id=r["customer_id"],
                        changes={flag: [False, True]},
                        summary=f"SLA {name.replace('_', ' ')}",
                    )
                    for r in rows
                ],
                batch_size=2000,
            )
            for r in rows:
                r["what"] = what
            if kind == TicketEvent.Kind.BREACH:
                counts[f"{name}_escalated"] = _escalate(rows, now)
                alerts["breach"].extend(rows)
            else:
                alerts["warning"].extend(rows)
    counts["emails"] = _send_alerts(alerts)
    return counts


def _escalate(rows: list[dict], now) -> int:
    """Reassign by the policy's escalation rule and give the dedicated representative a recovery
    task (one open task per ticket and reason)."""
    by_policy: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        if r["sla_policy_id"]:
            by_policy[r["sla_policy_id"]].append(r["id"])
    moved = 0
    policies = SlaPolicy.objects.filter(pk__in=by_policy).filter(
        Q(escalate_to_team__isnull=False) | Q(escalate_to_user__isnull=False)
    )
    events = []
    for policy in policies:
        changes = {"escalated_at": now}
        if policy.escalate_to_team_id:
            changes["team_id"] = policy.escalate_to_team_id
        if policy.escalate_to_user_id:
            changes["assignee_id"] = policy.escalate_to_user_id
        ids = by_policy[policy.pk]
        moved += Ticket.objects.filter(pk__in=ids).update(**changes)
        events += [
            TicketEvent(
                ticket_id=i,
                at=now,
                kind=TicketEvent.Kind.ESCALATED,
                detail={"team": policy.escalate_to_team_id, "assignee": policy.escalate_to_user_id},
            )
            for i in ids
        ]
        for r in rows:
            if r["id"] in ids:
                r["team_id"] = changes.get("team_id", r["team_id"])
                r["assignee_id"] = changes.get("assignee_id", r["assignee_id"])
    TicketEvent.objects.bulk_create(events, batch_size=2000)
    open_tasks = set(
        RecoveryTask.objects.filter(
            ticket_id__in=[r["id"] for r in rows],
            reason=RecoveryTask.Reason.BREACH,
            status=RecoveryTask.Status.OPEN,
        ).values_list("ticket_id", flat=True)
    )
    RecoveryTask.objects.bulk_create(
        [
            RecoveryTask(
                customer_id=r["customer_id"],
                ticket_id=r["id"],
                assignee_id=r["customer__representative_id"] or r["customer__owner_id"],
                reason=RecoveryTask.Reason.BREACH,
            )
            for r in {r["id"]: r for r in rows}.values()
            if r["id"] not in open_tasks
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return moved


def _send_alerts(alerts: dict[str, list[dict]]) -> int:
    """Warnings go to the assignee; breaches to the managers of the ticket's team (and assignee).
    One email per person and kind."""
    site = getattr(settings, "TENURE_SITE_URL", "").rstrip("/")
    team_ids = {r["team_id"] for rows in alerts.values() for r in rows if r["team_id"]}
    managers: dict[int, list[int]] = defaultdict(list)
    people: dict[int, dict] = {}
    for m in User.objects.filter(role=Role.MANAGER, is_active=True, teams__in=team_ids).values(
        "id", "email", "language", "teams__id"
    ):
        managers[m["teams__id"]].append(m["id"])
        people[m["id"]] = m
    assignee_ids = {r["assignee_id"] for rows in alerts.values() for r in rows if r["assignee_id"]}
    for u in User.objects.filter(pk__in=assignee_ids - set(people), is_active=True).values(
        "id", "email", "language"
    ):
        people[u["id"]] = u
    base = reverse("service:ticket", args=[0])[: -len("0/")]
    emails = []
    for kind, rows in alerts.items():
        inbox: dict[int, list[dict]] = defaultdict(list)
        for r in rows:
            r["url"] = f"{base}{r['id']}/"
            targets = {r["assignee_id"]} if r["assignee_id"] else set()
            if kind == "breach":
                targets |= set(managers.get(r["team_id"], ()))
            for uid in targets:
                inbox[uid].append(r)
        for uid, tickets in inbox.items():
            if uid in people:
                emails.append(notify.staff_alert(people[uid], kind, tickets, site))
    return notify.send_staff(emails)
