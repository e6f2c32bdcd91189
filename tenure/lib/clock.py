"""A business-hours clock, free of Django.

A `WorkingCalendar` says when people work: weekly hours per weekday (several intervals a day, e.g.
09:00–12:00 and 13:30–18:00), holidays, and make-up working days (mainland China moves weekends: a
Sunday may be a working day), all in wall-clock time of one IANA time zone.

`add_business_time(start, duration, cal)` is the instant at which `duration` of working time has
elapsed after `start`; `business_time_between(a, b, cal)` is the working time between two instants.
Both subtract paused intervals (e.g. while a ticket waits on the customer).

Working time is *elapsed* time: an interval's wall-clock bounds are resolved to instants in the zone
(so a working interval that spans a DST change lasts 1 h more or less), and all arithmetic happens in
UTC. Days are walked one at a time (each a few comparisons), and whole plain weeks — no holiday,
make-up day, pause or UTC-offset change inside — are skipped with one subtraction, so a year of
working time costs about 52 steps, never a loop over minutes.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_MINUTES = 24 * 60
ZERO = timedelta(0)
WEEK = timedelta(days=7)

Span = tuple[int, int]  # minutes from local midnight, start < end <= 1440
Interval = tuple[datetime, datetime]  # aware UTC instants, start < end


def parse_hours(spec: str | Sequence) -> Span:
    """ "09:00-12:00", ("09:00", "12:00") or (time(9), time(12)) -> (540, 720). "24:00" ends a day."""
    if isinstance(spec, str):
        parts = spec.replace("–", "-").split("-")
        if len(parts) != 2:
            raise ValueError(f"Working hours must look like 09:00-12:00, not {spec!r}.")
    else:
        parts = list(spec)
        if len(parts) != 2:
            raise ValueError(f"Working hours need a start and an end, not {spec!r}.")
    start, end = (_minutes(p) for p in parts)
    if not 0 <= start < end <= DAY_MINUTES:
        raise ValueError(f"Working hours {spec!r} must start before they end, within one day.")
    return start, end


def _minutes(value) -> int:
    if isinstance(value, time):
        return value.hour * 60 + value.minute
    if isinstance(value, int):
        return value
    text = str(value).strip()
    try:
        hours, minutes = text.split(":")
        result = int(hours) * 60 + int(minutes)
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day like 09:30.") from None
    if not (0 <= int(minutes) < 60 and 0 <= result <= DAY_MINUTES):
        raise ValueError(f"{text!r} is not a time of day like 09:30.")
    return result


def _spans(specs: Iterable) -> tuple[Span, ...]:
    spans = sorted(parse_hours(s) for s in specs)
    for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
        if s2 < e1:
            raise ValueError("Working hours of one day must not overlap.")
    return tuple(spans)


@dataclass(frozen=True)
class WorkingCalendar:
    """When work happens. Build with `WorkingCalendar.build(...)`; weekday 0 is Monday."""

    tz: ZoneInfo
    weekly: tuple[tuple[Span, ...], ...]  # 7 entries, Monday first
    holidays: frozenset[date] = frozenset()
    extra_workdays: Mapping[date, tuple[Span, ...]] = field(default_factory=dict)
    _special: tuple[date, ...] = field(default=(), compare=False)

    @classmethod
    def build(
        cls,
        tz: str | ZoneInfo = "UTC",
        weekly: Mapping[int, Iterable] | None = None,
        holidays: Iterable[date] = (),
        workdays: Mapping[date, Iterable] | Iterable[date] = (),
        workday_hours: Iterable | None = None,
    ) -> WorkingCalendar:
        """`weekly` maps weekday (0=Mon) to intervals ("09:00-12:00", …); missing days are off.
        `workdays` are make-up working days: a mapping date -> intervals, or dates that then work
        `workday_hours` (default: Monday's hours). A date both a holiday and a workday is an error."""
        zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        if weekly is None:
            weekly = {d: ["09:00-18:00"] for d in range(5)}
        for day in weekly:
            if day not in range(7):
                raise ValueError(f"Weekday {day!r} must be 0 (Monday) to 6 (Sunday).")
        week = tuple(_spans(weekly.get(d, ())) for d in range(7))
        default = _spans(workday_hours) if workday_hours is not None else week[0]
        if isinstance(workdays, Mapping):
            extra = {d: _spans(h) for d, h in workdays.items()}
        else:
            extra = {d: default for d in workdays}
        hols = frozenset(holidays)
        clash = hols & set(extra)
        if clash:
            raise ValueError(f"{min(clash)} cannot be both a holiday and a working day.")
        if not any(week) and not extra:
            raise ValueError("A calendar needs some working hours.")
        return cls(zone, week, hols, extra, tuple(sorted(hols | set(extra))))

    @classmethod
    def always(cls, tz: str | ZoneInfo = "UTC") -> WorkingCalendar:
        """Round the clock, every day (24/7 support)."""
        return cls.build(tz, {d: ["00:00-24:00"] for d in range(7)})

    def spans_on(self, day: date) -> tuple[Span, ...]:
        if day in self.extra_workdays:
            return self.extra_workdays[day]
        if day in self.holidays:
            return ()
        return self.weekly[day.weekday()]

    def instant(self, day: date, minute: int) -> datetime:
        """The UTC instant of wall-clock `minute` on local `day` (gaps resolve with fold=0)."""
        local = datetime.combine(day, time(0)) + timedelta(minutes=minute)
        return local.replace(tzinfo=self.tz).astimezone(UTC)

    def intervals_on(self, day: date) -> list[Interval]:
        out = []
        for start, end in self.spans_on(day):
            a, b = self.instant(day, start), self.instant(day, end)
            if a < b:
                out.append((a, b))
        return out

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def _week_total(self) -> timedelta:
        return timedelta(minutes=sum(e - s for spans in self.weekly for s, e in spans))

    def _plain_week(self, day: date, pauses: _Pauses) -> bool:
        """True when the 7 days from `day` work exactly their nominal weekly hours."""
        end = day + WEEK
        i = bisect.bisect_left(self._special, day)
        if i < len(self._special) and self._special[i] < end:
            return False
        a, b = self.instant(day, 0), self.instant(end, 0)
        if a.astimezone(self.tz).utcoffset() != b.astimezone(self.tz).utcoffset():
            return False
        if b - a != WEEK:
            return False
        return not pauses.overlaps(a, b)


class _Pauses:
    """Merged, sorted paused intervals with an overlap test and subtraction."""

    def __init__(self, pauses: Iterable[tuple[datetime, datetime | None]] | None, horizon: datetime):
        items = []
        for start, end in pauses or ():
            _aware(start)
            end = horizon if end is None else _aware(end)
            if end > start:
                items.append((start.astimezone(UTC), end.astimezone(UTC)))
        items.sort()
        merged: list[list[datetime]] = []
        for start, end in items:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [m[0] for m in merged]
        self.items = [(m[0], m[1]) for m in merged]

    def overlaps(self, a: datetime, b: datetime) -> bool:
        # Merged intervals are disjoint and sorted, so their ends are sorted too: only the last one
        # starting before b can reach past a.
        i = bisect.bisect_left(self.starts, b)
        return i > 0 and self.items[i - 1][1] > a

    def subtract(self, a: datetime, b: datetime) -> list[Interval]:
        if not self.items:
            return [(a, b)]
        out = []
        cursor = a
        i = max(bisect.bisect_right(self.starts, a) - 1, 0)
        for start, end in self.items[i:]:
            if start >= b:
                break
            if end <= cursor:
                continue
            if start > cursor:
                out.append((cursor, min(start, b)))
            cursor = max(cursor, end)
            if cursor >= b:
                break
        if cursor < b:
            out.append((cursor, b))
        return out


def _aware(value: datetime) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("The business clock needs aware datetimes (with a time zone).")
    return value


def _working(cal: WorkingCalendar, day: date, pauses: _Pauses, after: datetime, before: datetime | None):
    """Working intervals of local `day`, clipped to [after, before] and minus pauses."""
    for start, end in cal.intervals_on(day):
        start = max(start, after)
        if before is not None:
            end = min(end, before)
        if start < end:
            yield from pauses.subtract(start, end)


def add_business_time(
    start: datetime,
    duration: timedelta,
    cal: WorkingCalendar,
    pauses: Iterable[tuple[datetime, datetime | None]] | None = None,
) -> datetime:
    """The instant when `duration` of working time has passed after `start` (returned in UTC).

    A zero duration returns `start`. A paused interval with an open end (None) pauses for ever.
    The result lands inside working time or at the end of a working interval, never later."""
    start = _aware(start).astimezone(UTC)
    if duration < ZERO:
        raise ValueError("A business duration cannot be negative.")
    if duration == ZERO:
        return start
    forever = datetime.max.replace(tzinfo=UTC)
    paused = _Pauses(pauses, horizon=forever)
    if paused.items and paused.items[-1][1] == forever:
        open_from = paused.items[-1][0]
    else:
        open_from = None
    remaining = duration
    day = cal.local_date(start)
    week_total = cal._week_total()
    # The first day may be partial: walk it, then walk day by day, skipping plain weeks whole.
    first = True
    for _ in range(400_000):  # ~1,000 years of days: a calendar with no hours would never end
        if open_from is not None and cal.instant(day, 0) >= open_from:
            raise ValueError("The clock is paused for ever: no due time.")
        if not first and week_total and remaining > week_total and cal._plain_week(day, paused):
            remaining -= week_total
            day += WEEK
            continue
        first = False
        for a, b in _working(cal, day, paused, start, None):
            length = b - a
            if remaining <= length:
                return a + remaining
            remaining -= length
        day += timedelta(days=1)
    raise ValueError("The calendar has no working time in reach.")


def business_time_between(
    a: datetime,
    b: datetime,
    cal: WorkingCalendar,
    pauses: Iterable[tuple[datetime, datetime | None]] | None = None,
) -> timedelta:
    """Working time from `a` to `b` minus pauses; negative when `b` is before `a`."""
    a, b = _aware(a).astimezone(UTC), _aware(b).astimezone(UTC)
    if b < a:
        return -business_time_between(b, a, cal, pauses)
    paused = _Pauses(pauses, horizon=b)
    total = ZERO
    day = cal.local_date(a)
    last = cal.local_date(b)
    week_total = cal._week_total()
    first = True
    while day <= last:
        if not first and day + WEEK <= last and cal._plain_week(day, paused):
            total += week_total
            day += WEEK
            continue
        first = False
        for x, y in _working(cal, day, paused, a, b):
            total += y - x
        day += timedelta(days=1)
    return total
