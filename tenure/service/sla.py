"""Service levels: work calendars to business clocks, policy choice, due times, and pauses."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from tenure.lib.clock import WorkingCalendar, add_business_time
from tenure.service.models import CalendarDay, SlaPolicy, Ticket, WorkCalendar

_CLOCKS: dict[tuple, WorkingCalendar] = {}


def working_calendar(calendar: WorkCalendar) -> WorkingCalendar:
    """The business clock of a stored calendar (cached per calendar version: any change to the
    calendar or its days goes through services that touch `updated_at`)."""
    key = (calendar.pk, calendar.updated_at)
    clock = _CLOCKS.get(key)
    if clock is None:
        clock = build_clock(calendar, list(calendar.days.all()))
        if len(_CLOCKS) > 256:
            _CLOCKS.clear()
        _CLOCKS[key] = clock
    return clock


def build_clock(calendar: WorkCalendar, days: list[CalendarDay]) -> WorkingCalendar:
    try:
        ZoneInfo(str(calendar.timezone or ""))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            {
                "timezone": _("“%(zone)s” is not a known time zone (e.g. Asia/Shanghai).")
                % {"zone": calendar.timezone}
            }
        ) from None
    try:
        weekly = {int(k): v for k, v in (calendar.weekly_hours or {}).items()}
        return WorkingCalendar.build(
            calendar.timezone,
            weekly,
            holidays=[d.date for d in days if d.kind == CalendarDay.Kind.HOLIDAY],
            workdays={
                d.date: (d.hours or weekly.get(0) or ["09:00-18:00"])
                for d in days
                if d.kind == CalendarDay.Kind.WORKDAY
            },
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise ValidationError({"weekly_hours": str(exc)}) from None
    except Exception as exc:  # zoneinfo raises its own errors for unknown zones
        raise ValidationError({"timezone": str(exc)}) from None


def customer_tier(customer) -> str:
    """The customer's effective tier code (Customer.tier, written by the tier engine in tenure.value)."""
    return customer.tier or ""


def policy_for(*, category: str, priority: str, tier: str) -> SlaPolicy | None:
    """The most specific active policy: an exact category beats "any", then priority, then tier."""
    candidates = SlaPolicy.objects.filter(
        is_active=True, category__in=[category, ""], priority__in=[priority, ""], tier__in=[tier, ""]
    ).select_related("calendar")
    best = None
    for policy in candidates:
        rank = (bool(policy.category), bool(policy.priority), bool(policy.tier))
        if best is None or rank > best[0]:
            best = (rank, policy)
    return best[1] if best else None


def pauses_of(ticket: Ticket) -> list[tuple[datetime, datetime | None]]:
    out: list[tuple[datetime, datetime | None]] = []
    for start, end in ticket.paused_intervals or []:
        out.append((parse_datetime(start), parse_datetime(end)))
    if ticket.paused_since:
        out.append((ticket.paused_since, None))
    return out


def _target(minutes: int, percent: int = 100) -> timedelta:
    return timedelta(minutes=minutes) * percent / 100


def set_first_response_due(ticket: Ticket, policy: SlaPolicy | None) -> None:
    if policy is None:
        ticket.first_response_due = ticket.first_response_warn_at = None
        return
    clock = working_calendar(policy.calendar)
    ticket.first_response_due = add_business_time(
        ticket.opened_at, _target(policy.first_response_minutes), clock
    )
    ticket.first_response_warn_at = add_business_time(
        ticket.opened_at, _target(policy.first_response_minutes, policy.warn_percent), clock
    )


def set_resolution_due(ticket: Ticket, policy: SlaPolicy | None) -> None:
    """Due time of resolution from the start of the clock, skipping the paused intervals. While the
    ticket is paused the old due time stays (the scan ignores paused tickets)."""
    if policy is None:
        ticket.resolution_due = ticket.resolution_warn_at = None
        return
    if ticket.paused_since:
        return
    clock = working_calendar(policy.calendar)
    pauses = pauses_of(ticket)
    start = ticket.resolution_clock_from or ticket.opened_at
    ticket.resolution_due = add_business_time(start, _target(policy.resolution_minutes), clock, pauses)
    ticket.resolution_warn_at = add_business_time(
        start, _target(policy.resolution_minutes, policy.warn_percent), clock, pauses
    )
