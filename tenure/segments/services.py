"""Writes of segments: validated, atomic and audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tenure.accounts import audit
from tenure.accounts.models import AuditEntry, User
from tenure.segments.models import Segment
from tenure.segments.rules import RuleError, validate_rules

FIELDS = ["name", "description", "rules", "shared"]


def _clean(segment: Segment, *, rules) -> None:
    errors = {}
    try:
        segment.rules = validate_rules(rules)
    except RuleError as exc:
        errors["rules"] = exc.messages
    segment.name = (segment.name or "").strip()
    try:
        segment.full_clean(exclude=["rules"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def segment_create(
    *, actor: User, name: str, rules: dict | None = None, description: str = "", shared: bool = True
) -> Segment:
    if not actor.can_write:
        raise PermissionDenied(_("Your role may not change segments."))
    segment = Segment(name=name, description=(description or "").strip(), owner=actor, shared=shared)
    _clean(segment, rules=rules)
    segment.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=segment,
        changes=audit.snapshot(segment, FIELDS),
        summary=f"segment: {segment.name}",
    )
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, actor: User, **changes) -> Segment:
    if not segment.can_edit(actor):
        raise PermissionDenied(_("Only the segment's owner or an admin may change it."))
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown segment fields: {sorted(unknown)}")
    before = audit.snapshot(segment, FIELDS)
    for key in ("name", "description", "shared"):
        if key in changes:
            setattr(segment, key, changes[key])
    _clean(segment, rules=changes.get("rules", segment.rules))
    segment.save()
    diff = audit.diff(before, audit.snapshot(segment, FIELDS))
    if diff:
        audit.record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=segment,
            changes=diff,
            summary=f"segment: {segment.name}",
        )
    return segment


@transaction.atomic
def segment_delete(*, segment: Segment, actor: User) -> None:
    if not segment.can_edit(actor):
        raise PermissionDenied(_("Only the segment's owner or an admin may change it."))
    audit.record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        instance=segment,
        changes=audit.snapshot(segment, FIELDS),
        summary=f"segment: {segment.name}",
    )
    segment.delete()
