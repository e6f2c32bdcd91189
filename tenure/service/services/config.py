"""Writes for service configuration: work calendars, holidays, SLA policies, routing rules.
Administrators and managers only."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.accounts import audit
from tenure.accounts.models import AuditEntry, User
from tenure.service import sla
from tenure.service.models import CalendarDay, RoutingRule, SlaPolicy, WorkCalendar


def _require_manager(actor: User | None) -> None:
    if actor is not None and not actor.is_manager:
        raise PermissionDenied(_("Only managers and administrators can change service settings."))


def _save_audited(actor, instance, created: bool) -> None:
    instance.full_clean()
    instance.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        instance=instance,
        changes=audit.snapshot(instance),
        summary=str(instance)[:200],
    )


@transaction.atomic
def calendar_save(*, actor: User | None, calendar: WorkCalendar | None = None, **fields) -> WorkCalendar:
    """Create or change a calendar; its hours and zone must build a valid business clock."""
    _require_manager(actor)
    created = calendar is None
    calendar = calendar or WorkCalendar()
    for name, value in fields.items():
        setattr(calendar, name, value)
    sla.build_clock(calendar, list(calendar.days.all()) if calendar.pk else [])
    _save_audited(actor, calendar, created)
    return calendar


@transaction.atomic
def calendar_day_set(
    *, actor: User | None, calendar: WorkCalendar, date, kind: str, name: str = "", hours=None
) -> CalendarDay:
    """Declare a holiday or a make-up working day (replacing what that date was)."""
    _require_manager(actor)
    day = CalendarDay.objects.filter(calendar=calendar, date=date).first()
    created = day is None
    day = day or CalendarDay(calendar=calendar, date=date)
    day.kind, day.name, day.hours = kind, name, list(hours or [])
    others = [d for d in calendar.days.all() if d.date != date]
    sla.build_clock(calendar, [*others, day])
    _save_audited(actor, day, created)
    # Touch the calendar so cached business clocks rebuild.
    WorkCalendar.objects.filter(pk=calendar.pk).update(updated_at=timezone.now())
    calendar.refresh_from_db(fields=["updated_at"])
    return day


@transaction.atomic
def sla_policy_save(*, actor: User | None, policy: SlaPolicy | None = None, **fields) -> SlaPolicy:
    _require_manager(actor)
    created = policy is None
    policy = policy or SlaPolicy()
    for name, value in fields.items():
        setattr(policy, name, value)
    _save_audited(actor, policy, created)
    return policy


@transaction.atomic
def routing_rule_save(*, actor: User | None, rule: RoutingRule | None = None, **fields) -> RoutingRule:
    _require_manager(actor)
    created = rule is None
    rule = rule or RoutingRule()
    for name, value in fields.items():
        setattr(rule, name, value)
    _save_audited(actor, rule, created)
    return rule
