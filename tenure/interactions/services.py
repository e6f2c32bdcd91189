"""Writes for the interaction log."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenure.accounts import audit
from tenure.accounts.models import AuditEntry, User
from tenure.customers.models import Customer
from tenure.interactions.models import CallList, CallListEntry, Interaction


@transaction.atomic
def interaction_log(
    *,
    customer: Customer,
    actor: User | None,
    kind: str = Interaction.Kind.CALL,
    direction: str = Interaction.Direction.INBOUND,
    purpose: str = "",
    memo: str = "",
    occurred_at=None,
    duration_seconds: int | None = None,
    handled_by: User | None = None,
    external_id: str | None = None,
) -> Interaction:
    if not (purpose or "").strip() and not (memo or "").strip():
        raise ValidationError({"memo": _("Write what the interaction was about (a purpose or a memo).")})
    if occurred_at is not None and occurred_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("An interaction cannot be logged in the future.")})
    interaction = Interaction(
        customer=customer,
        kind=kind,
        direction=direction,
        purpose=(purpose or "").strip(),
        memo=(memo or "").strip(),
        occurred_at=occurred_at or timezone.now(),
        duration_seconds=duration_seconds,
        handled_by=handled_by or actor,
        external_id=external_id or None,
    )
    interaction.full_clean()
    interaction.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=interaction,
        customer=customer,
        summary=f"{interaction.kind}: {interaction.purpose or interaction.memo}"[:255],
    )
    return interaction


# --- call lists ---------------------------------------------------------------------------------

CALL_LIST_MAX = 2000
SKIP_REASONS = {
    "do_not_contact": gettext_lazy("do not contact"),
    "no_phone_channel": gettext_lazy("phone is not among the channels they allow"),
    "no_phone": gettext_lazy("no phone number on file"),
    "not_visible_to_assignee": gettext_lazy("the assignee may not see them"),
    "over_limit": gettext_lazy("beyond the limit of a call list"),
}


def phone_skip_reason(*, do_not_contact: bool, allowed_channels, mobile: str, phone: str) -> str | None:
    """Why a customer may not be called, or None. An empty channel list means no restriction."""
    if do_not_contact:
        return "do_not_contact"
    if allowed_channels and Customer.Channel.PHONE not in allowed_channels:
        return "no_phone_channel"
    if not (mobile or phone):
        return "no_phone"
    return None


@transaction.atomic
def call_list_create(
    *,
    actor: User,
    assignee: User,
    name: str,
    customers,
    segment=None,
    source: str = "",
    due_date=None,
) -> CallList:
    """Snapshot `customers` (a queryset the caller already restricted to what `actor` may see) into
    a call list for `assignee`, in the queryset's order, leaving out whoever may not be called by
    phone or whom the assignee may not see; `call_list.skipped` says how many were left out and why."""
    if not actor.can_write:
        raise PermissionDenied(_("Your role may not make call lists."))
    if not (assignee.is_active and assignee.can_write):
        raise ValidationError({"assignee": _("Call lists go to active staff who may log calls.")})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the call list a name.")})
    visible_to_assignee = set(
        Customer.objects.visible_to(assignee)
        .filter(pk__in=customers.values("pk"))
        .values_list("pk", flat=True)
    )
    skipped: dict[str, int] = {}
    keep: list[int] = []
    rows = customers.values_list("pk", "do_not_contact", "allowed_channels", "mobile", "phone")
    for pk, dnc, channels, mobile, phone in rows.iterator(chunk_size=2000):
        reason = phone_skip_reason(do_not_contact=dnc, allowed_channels=channels, mobile=mobile, phone=phone)
        if reason is None and pk not in visible_to_assignee:
            reason = "not_visible_to_assignee"
        if reason is None and len(keep) >= CALL_LIST_MAX:
            reason = "over_limit"
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
        else:
            keep.append(pk)
    call_list = CallList(
        name=name[:200],
        created_by=actor,
        assignee=assignee,
        segment=segment,
        source=(source or (segment.name if segment else ""))[:200],
        due_date=due_date,
        skipped=skipped,
    )
    call_list.full_clean()
    call_list.save()
    CallListEntry.objects.bulk_create(
        [CallListEntry(call_list=call_list, customer_id=pk, position=i) for i, pk in enumerate(keep, start=1)]
    )
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=call_list,
        changes={
            "assignee": assignee.pk,
            "entries": len(keep),
            "skipped": skipped,
            "source": call_list.source,
        },
        summary=f"call list: {call_list.name}",
    )
    return call_list


def skipped_summary(skipped: dict) -> list[str]:
    """Human lines: "3: do not contact"."""
    return [f"{n}: {SKIP_REASONS.get(reason, reason)}" for reason, n in sorted(skipped.items()) if n]


@transaction.atomic
def call_list_entry_record(
    *, entry: CallListEntry, actor: User, status: str, outcome: str = "", occurred_at=None
) -> CallListEntry:
    """The call's outcome: "done" logs an outbound call on the customer's timeline (through
    interaction_log) and links it; "skipped" only notes why. "pending" reopens the entry."""
    if not actor.can_write:
        raise PermissionDenied(_("Your role may not log calls."))
    if status not in CallListEntry.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    outcome = (outcome or "").strip()
    if status == CallListEntry.Status.DONE:
        entry.interaction = interaction_log(
            customer=entry.customer,
            actor=actor,
            kind=Interaction.Kind.CALL,
            direction=Interaction.Direction.OUTBOUND,
            purpose=(_("Call list: %(name)s") % {"name": entry.call_list.name})[:200],
            memo=outcome,
            occurred_at=occurred_at,
        )
        entry.called_at = entry.interaction.occurred_at
    elif status == CallListEntry.Status.PENDING:
        entry.called_at = None
    entry.status = status
    entry.outcome = outcome
    entry.full_clean()
    entry.save(update_fields=["status", "outcome", "called_at", "interaction", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=entry,
        customer=entry.customer,
        changes={"status": status, "outcome": outcome},
        summary=f"call list {entry.call_list.name}: {status}",
    )
    return entry
