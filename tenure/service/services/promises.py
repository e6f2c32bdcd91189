"""Writes for promises made to customers (R4.3): limits per role, manager approval, settlement."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.accounts import audit
from tenure.accounts.models import AuditEntry, User
from tenure.customers.models import Customer
from tenure.service.models import Promise, PromiseLimit, Ticket, ValueKind
from tenure.service.services.tickets import require_writer

P = Promise.Status


def limit_for(user: User, value_kind: str) -> Decimal | None:
    """The most `user` may promise alone: None = no limit (managers and admins); other roles are
    bound by their PromiseLimit row, and a role without one needs approval for any value."""
    if value_kind == ValueKind.NONE or user.is_manager:
        return None
    row = PromiseLimit.objects.filter(role=user.role, value_kind=value_kind).first()
    return row.max_value if row else Decimal("0")


def _decimal(value) -> Decimal:
    try:
        result = Decimal(str(value if value not in (None, "") else "0"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": _("Enter a number.")}) from None
    if not result.is_finite():
        raise ValidationError({"value": _("Enter a number.")})
    return result


@transaction.atomic
def promise_make(
    *,
    customer: Customer,
    actor: User,
    what: str,
    due_date: date,
    value_kind: str = ValueKind.NONE,
    value=0,
    ticket: Ticket | None = None,
    note: str = "",
    now=None,
) -> Promise:
    """Record a promise. Beyond the maker's limit it waits for a manager's approval (status
    "awaiting approval") and does not count until approved."""
    require_writer(actor)
    now = now or timezone.now()
    value = _decimal(value)
    errors = {}
    if not (what or "").strip():
        errors["what"] = _("Say what was promised.")
    if value < 0:
        errors["value"] = _("A value cannot be negative.")
    if value_kind == ValueKind.DISCOUNT and value > 100:
        errors["value"] = _("A discount is at most 100%.")
    if value_kind == ValueKind.NONE and value:
        errors["value"] = _("Choose what kind of value this is.")
    if due_date is None:
        errors["due_date"] = _("When is it due?")
    elif due_date < timezone.localdate(now):
        errors["due_date"] = _("A promise cannot be due in the past.")
    if ticket is not None and ticket.customer_id != customer.pk:
        errors["ticket"] = _("The ticket belongs to another customer.")
    if errors:
        raise ValidationError(errors)
    limit = limit_for(actor, value_kind)
    needs = limit is not None and value > limit
    promise = Promise(
        customer=customer,
        ticket=ticket,
        what=what.strip(),
        made_by=actor,
        due_date=due_date,
        value_kind=value_kind,
        value=value,
        note=(note or "").strip(),
        needs_approval=needs,
        status=P.PENDING if needs else P.OPEN,
    )
    promise.full_clean()
    promise.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=promise,
        customer=customer,
        changes={k: [None, v] for k, v in audit.snapshot(promise).items() if v not in (None, "", False)},
        summary=f"promise: {promise.what}"[:255],
    )
    return promise


@transaction.atomic
def promise_decide(*, promise: Promise, actor: User, approve: bool, note: str = "", now=None) -> Promise:
    """A manager approves (the promise counts, status open) or rejects a promise beyond the limit."""
    if not actor.is_manager:
        raise PermissionDenied(_("Only a manager can approve promises beyond the limit."))
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.status != P.PENDING:
        raise ValidationError({"status": _("This promise is not waiting for approval.")})
    promise.status = P.OPEN if approve else P.REJECTED
    promise.approved_by = actor
    promise.approved_at = now or timezone.now()
    if note.strip():
        promise.note = f"{promise.note}\n{note.strip()}".strip()
    promise.save(update_fields=["status", "approved_by", "approved_at", "note", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=promise,
        customer=promise.customer,
        changes={"status": [P.PENDING, promise.status]},
    )
    return promise


SETTLE_FROM = {P.KEPT: {P.OPEN}, P.BROKEN: {P.OPEN}, P.CANCELLED: {P.OPEN, P.PENDING}}


@transaction.atomic
def promise_settle(*, promise: Promise, actor: User, status: str, note: str = "", now=None) -> Promise:
    """Mark an open promise kept or broken, or cancel it."""
    require_writer(actor)
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if status not in SETTLE_FROM:
        raise ValidationError({"status": _("Choose kept, broken or cancelled.")})
    if promise.status not in SETTLE_FROM[status]:
        raise ValidationError(
            {
                "status": _("A promise that is “%(status)s” cannot change now.")
                % {"status": promise.get_status_display()}
            }
        )
    old = promise.status
    promise.status = status
    promise.settled_at = now or timezone.now()
    if note.strip():
        promise.note = f"{promise.note}\n{note.strip()}".strip()
    promise.save(update_fields=["status", "settled_at", "note", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=promise,
        customer=promise.customer,
        changes={"status": [old, status]},
    )
    return promise


@transaction.atomic
def promise_limit_set(*, actor: User, role: str, value_kind: str, max_value) -> PromiseLimit:
    if not actor.is_admin:
        raise PermissionDenied(_("Only an administrator can set promise limits."))
    row, _created = PromiseLimit.objects.update_or_create(
        role=role, value_kind=value_kind, defaults={"max_value": _decimal(max_value)}
    )
    row.full_clean()
    audit.record(actor=actor, action=AuditEntry.Action.UPDATE, instance=row, summary=str(row))
    return row
