from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.lib.clock import WorkingCalendar, add_business_time, business_time_between

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)

SPLIT = {d: ["09:00-12:00", "13:30-18:00"] for d in range(5)}  # 7.5 h a day


def china_2026() -> WorkingCalendar:
    # National Day 2026: 1–7 October off; Sunday 27 Sep and Saturday 10 Oct are make-up working days.
    return WorkingCalendar.build(
        "Asia/Shanghai",
        SPLIT,
        holidays=[date(2026, 10, d) for d in range(1, 8)],
        workdays=[date(2026, 9, 27), date(2026, 10, 10)],
    )


def local(tz, *args):
    return datetime(*args, tzinfo=tz)


def test_adds_within_a_day_and_across_lunch():
    cal = WorkingCalendar.build("Asia/Shanghai", SPLIT)
    start = local(SH, 2026, 11, 23, 11, 0)  # Monday
    assert add_business_time(start, H, cal) == local(SH, 2026, 11, 23, 12, 0)
    assert add_business_time(start, 2 * H, cal) == local(SH, 2026, 11, 23, 14, 30)


def test_start_outside_hours_begins_at_next_opening():
    cal = WorkingCalendar.build("Asia/Shanghai", SPLIT)
    friday_evening = local(SH, 2026, 11, 27, 20, 0)
    assert add_business_time(friday_evening, 30 * M, cal) == local(SH, 2026, 11, 30, 9, 30)
    lunch = local(SH, 2026, 11, 23, 12, 30)
    assert add_business_time(lunch, 30 * M, cal) == local(SH, 2026, 11, 23, 14, 0)


def test_result_is_returned_in_utc_and_equal_to_local():
    cal = WorkingCalendar.build("Asia/Shanghai", SPLIT)
    due = add_business_time(local(SH, 2026, 11, 23, 9, 0), H, cal)
    assert due.tzinfo == UTC
    assert due == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_china_holidays_and_make_up_sunday():
    cal = china_2026()
    # Friday 25 Sep 17:00 + 2 h: Saturday off, Sunday 27 Sep is a make-up working day.
    assert add_business_time(local(SH, 2026, 9, 25, 17, 0), 2 * H, cal) == local(SH, 2026, 9, 27, 10, 0)
    # Wednesday 30 Sep 17:00 + 2 h: 1–7 Oct off (Thu 8 Oct is the next working day).
    assert add_business_time(local(SH, 2026, 9, 30, 17, 0), 2 * H, cal) == local(SH, 2026, 10, 8, 10, 0)
    # The whole holiday week counts nothing.
    assert business_time_between(local(SH, 2026, 10, 1), local(SH, 2026, 10, 8), cal) == timedelta(0)
    # Saturday 10 Oct works a full day.
    assert business_time_between(local(SH, 2026, 10, 10), local(SH, 2026, 10, 11), cal) == 7.5 * H


def test_make_up_day_with_its_own_hours():
    cal = WorkingCalendar.build("Asia/Shanghai", SPLIT, workdays={date(2026, 11, 29): ["10:00-12:00"]})
    assert business_time_between(local(SH, 2026, 11, 29), local(SH, 2026, 11, 30), cal) == 2 * H


def test_pauses_are_subtracted():
    cal = WorkingCalendar.build("Asia/Shanghai", SPLIT)
    start = local(SH, 2026, 11, 23, 9, 0)
    pause = (local(SH, 2026, 11, 23, 10, 0), local(SH, 2026, 11, 24, 10, 0))  # 1 h of Monday gone…
    # …and all of Monday after 10:00 and Tuesday until 10:00: 2 h on Monday, 1 h on Tuesday.
    assert add_business_time(start, 2 * H, cal, [pause]) == local(SH, 2026, 11, 24, 11, 0)
    assert business_time_between(start, local(SH, 2026, 11, 24, 11, 0), cal, [pause]) == 2 * H


def test_open_pause_counts_until_the_end_and_blocks_adding():
    cal = WorkingCalendar.build("Asia/Shanghai", SPLIT)
    start = local(SH, 2026, 11, 23, 9, 0)
    paused = [(local(SH, 2026, 11, 23, 10, 0), None)]
    assert business_time_between(start, local(SH, 2026, 11, 25, 18, 0), cal, paused) == H
    with pytest.raises(ValueError, match="paused"):
        add_business_time(start, 2 * H, cal, paused)


def test_overlapping_pauses_merge():
    cal = WorkingCalendar.always("UTC")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    pauses = [(t0 + H, t0 + 3 * H), (t0 + 2 * H, t0 + 4 * H), (t0 + 5 * H, t0 + 6 * H)]
    assert business_time_between(t0, t0 + 10 * H, cal, pauses) == 6 * H
    assert add_business_time(t0, 2 * H, cal, pauses) == t0 + 5 * H
    assert add_business_time(t0, 3 * H, cal, pauses) == t0 + 7 * H


def test_berlin_spring_forward_day_is_23_hours_round_the_clock():
    cal = WorkingCalendar.always("Europe/Berlin")
    day = business_time_between(local(BERLIN, 2026, 3, 29), local(BERLIN, 2026, 3, 30), cal)
    assert day == 23 * H
    autumn = business_time_between(local(BERLIN, 2026, 10, 25), local(BERLIN, 2026, 10, 26), cal)
    assert autumn == 25 * H


def test_new_york_office_hours_across_dst_weekend():
    cal = WorkingCalendar.build("America/New_York")  # Mon–Fri 09:00–18:00
    # Spring forward on Sunday 8 March 2026: Friday 17:00 + 2 h is Monday 10:00 local.
    due = add_business_time(local(NY, 2026, 3, 6, 17, 0), 2 * H, cal)
    assert due == local(NY, 2026, 3, 9, 10, 0)
    assert due.astimezone(NY).hour == 10
    # The 9 h day before and after fall back (1 Nov 2026) are both 9 elapsed hours.
    assert business_time_between(local(NY, 2026, 10, 30), local(NY, 2026, 11, 3), cal) == 18 * H


def test_new_york_night_shift_across_fall_back_counts_elapsed_time():
    cal = WorkingCalendar.build("America/New_York", {6: ["00:00-04:00"]})
    # On Sunday 1 Nov 2026 01:00–02:00 happens twice: the shift lasts 5 elapsed hours.
    assert business_time_between(local(NY, 2026, 11, 1), local(NY, 2026, 11, 2), cal) == 5 * H
    assert business_time_between(local(NY, 2026, 3, 8), local(NY, 2026, 3, 9), cal) == 3 * H


def test_shanghai_has_no_dst():
    cal = WorkingCalendar.always("Asia/Shanghai")
    for month in (3, 10, 11):
        assert business_time_between(local(SH, 2026, month, 1), local(SH, 2026, month, 2), cal) == 24 * H


def test_long_durations_skip_whole_weeks_and_agree_with_day_walk():
    cal = china_2026()
    start = local(SH, 2026, 1, 5, 9, 0)
    due = add_business_time(start, 1000 * H, cal)
    assert business_time_between(start, due, cal) == 1000 * H
    # 1000 h at 7.5 h a day is 133⅓ working days: well into the next year.
    assert due.year == 2026 and due.month >= 7


def test_between_is_negative_backwards_and_zero_for_same_instant():
    cal = WorkingCalendar.build("Asia/Shanghai", SPLIT)
    a, b = local(SH, 2026, 11, 23, 9, 0), local(SH, 2026, 11, 23, 10, 0)
    assert business_time_between(b, a, cal) == -H
    assert business_time_between(a, a, cal) == timedelta(0)
    assert add_business_time(a, timedelta(0), cal) == a


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"weekly": {0: ["12:00-09:00"]}}, "start before"),
        ({"weekly": {0: ["09:00-12:00", "11:00-13:00"]}}, "overlap"),
        ({"weekly": {7: ["09:00-12:00"]}}, "Weekday"),
        ({"weekly": {0: ["9-12"]}}, "time of day"),
        ({"weekly": {}}, "some working hours"),
        ({"holidays": [date(2026, 1, 1)], "workdays": [date(2026, 1, 1)]}, "both"),
    ],
)
def test_bad_calendars_are_refused_clearly(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WorkingCalendar.build("Asia/Shanghai", **kwargs)


def test_naive_datetimes_are_refused():
    cal = WorkingCalendar.always()
    with pytest.raises(ValueError, match="aware"):
        add_business_time(datetime(2026, 1, 1), H, cal)


# --- Properties -------------------------------------------------------------------------------
CALENDARS = {
    "shanghai": china_2026(),
    "berlin": WorkingCalendar.build("Europe/Berlin", SPLIT, holidays=[date(2026, 4, 3)]),
    "new_york_nights": WorkingCalendar.build(
        "America/New_York", {d: ["00:00-03:00", "20:00-24:00"] for d in range(7)}
    ),
}
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
durations = st.integers(min_value=0, max_value=60 * 24 * 30).map(lambda m: timedelta(minutes=m))
calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.get)
pause_lists = st.lists(
    st.tuples(instants, st.integers(1, 60 * 72).map(lambda m: timedelta(minutes=m))).map(
        lambda p: (p[0], p[0] + p[1])
    ),
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(calendars, instants, durations, pause_lists)
def test_between_start_and_added_is_the_duration(cal, start, duration, pauses):
    due = add_business_time(start, duration, cal, pauses)
    assert due >= start
    assert business_time_between(start, due, cal, pauses) == duration


@settings(max_examples=100, deadline=None)
@given(calendars, instants, durations, durations)
def test_adding_is_monotonic_and_adds_up_in_two_steps(cal, start, d1, d2):
    once = add_business_time(start, d1 + d2, cal)
    assert add_business_time(start, d1, cal) <= once
    assert add_business_time(add_business_time(start, d1, cal), d2, cal) == once


@settings(max_examples=100, deadline=None)
@given(calendars, instants, instants, instants)
def test_between_is_additive(cal, a, b, c):
    a, b, c = sorted([a, b, c])
    assert business_time_between(a, c, cal) == business_time_between(a, b, cal) + business_time_between(
        b, c, cal
    )
