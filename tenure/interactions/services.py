"""Writes for the interaction log."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.accounts import audit
from tenure.accounts.models import AuditEntry, User
from tenure.customers.models import Customer
from tenure.interactions.models import Interaction


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
