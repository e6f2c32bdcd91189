"""Writes for service configuration: work calendars, holidays, SLA policies, routing rules.
Administrators and managers only."""

from django.core.exceptions import PermissionDenied, ValidationError
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


def _delete_audited(actor, instance) -> None:
    audit.record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        instance=instance,
        changes=audit.snapshot(instance),
        summary=str(instance)[:200],
    )
    instance.delete()


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


WEEKDAY_KEYS = [str(d) for d in range(7)]
DAY_KIND_WORDS = {
    "holiday": CalendarDay.Kind.HOLIDAY,
    "假": CalendarDay.Kind.HOLIDAY,
    "休": CalendarDay.Kind.HOLIDAY,
    "节假日": CalendarDay.Kind.HOLIDAY,
    "workday": CalendarDay.Kind.WORKDAY,
    "班": CalendarDay.Kind.WORKDAY,
    "补班": CalendarDay.Kind.WORKDAY,
    "调休上班": CalendarDay.Kind.WORKDAY,
}


def parse_intervals(text: str) -> list[str]:
    """ "09:00-12:00, 13:30-18:00" (commas, spaces, semicolons or Chinese commas) -> a list."""
    text = str(text or "").replace("，", ",").replace(";", ",").replace("；", ",")
    return [p.replace("–", "-").replace(" ", "") for p in text.split(",") if p.strip()]


@transaction.atomic
def calendar_day_remove(*, actor: User | None, day: CalendarDay) -> None:
    _require_manager(actor)
    calendar_id = day.calendar_id
    _delete_audited(actor, day)
    WorkCalendar.objects.filter(pk=calendar_id).update(updated_at=timezone.now())


@transaction.atomic
def calendar_days_import(*, actor: User | None, calendar: WorkCalendar, text: str) -> int:
    """Declare many days at once from lines ``date,kind,name[,hours]`` (e.g. a year of public
    holidays and make-up working days pasted from the official notice). All or nothing: any bad
    line raises a ValidationError naming every bad line, and nothing is written."""
    import csv
    import datetime as dt
    import io

    _require_manager(actor)
    errors: list[str] = []
    rows: dict = {}
    for number, row in enumerate(csv.reader(io.StringIO(text or "")), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() in ("date", "日期"):
            continue
        try:
            date = dt.date.fromisoformat(cells[0])
        except ValueError:
            errors.append(_("line %(n)s: “%(v)s” is not a date (YYYY-MM-DD).") % {"n": number, "v": cells[0]})
            continue
        word = (cells[1] if len(cells) > 1 else "").lower()
        kind = DAY_KIND_WORDS.get(word)
        if kind is None:
            errors.append(
                _("line %(n)s: kind “%(v)s” is neither holiday (假) nor workday (班).")
                % {"n": number, "v": word}
            )
            continue
        if date in rows:
            errors.append(_("line %(n)s: %(date)s appears twice.") % {"n": number, "date": date})
            continue
        hours = parse_intervals(cells[3]) if len(cells) > 3 else []
        rows[date] = (kind, (cells[2] if len(cells) > 2 else "")[:100], hours)
    if not rows and not errors:
        errors.append(_("No days found: write one day per line as date,kind,name."))
    if errors:
        raise ValidationError({"days": errors})
    existing = {d.date: d for d in calendar.days.all()}
    days = []
    for date, (kind, name, hours) in rows.items():
        day = existing.get(date) or CalendarDay(calendar=calendar, date=date)
        day.kind, day.name, day.hours = kind, name, hours
        days.append(day)
    merged = {**existing, **{d.date: d for d in days}}
    sla.build_clock(calendar, list(merged.values()))
    for day in days:
        created = day.pk is None
        _save_audited(actor, day, created)
    WorkCalendar.objects.filter(pk=calendar.pk).update(updated_at=timezone.now())
    return len(days)


@transaction.atomic
def routing_rule_delete(*, actor: User | None, rule: RoutingRule) -> None:
    _require_manager(actor)
    _delete_audited(actor, rule)
