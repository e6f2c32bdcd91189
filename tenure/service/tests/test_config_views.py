"""Managers edit work calendars (weekly hours, holidays, make-up days in bulk), policies and rules."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tenure.accounts.models import AuditEntry
from tenure.lib.clock import add_business_time
from tenure.service import sla
from tenure.service.models import CalendarDay, RoutingRule, SlaPolicy
from tenure.service.services import calendar_days_import, routing_rule_save

SH = ZoneInfo("Asia/Shanghai")


def week_post(**days):
    data = {"what": "calendar", "name": "Shanghai office", "timezone": "Asia/Shanghai"}
    for d in range(7):
        data[f"day_{d}"] = days.get(f"day_{d}", "")
    return data


def test_agents_cannot_open_or_change_a_calendar(client_for, agent, calendar):
    url = reverse("service:calendar", args=[calendar.pk])
    assert client_for(agent).get(url).status_code == 403
    assert client_for(agent).post(url, week_post(day_0="08:00-20:00")).status_code == 403
    calendar.refresh_from_db()
    assert calendar.weekly_hours["0"] == ["09:00-12:00", "13:30-18:00"]


def test_manager_sets_weekly_hours_and_the_clock_follows(client_for, manager, calendar):
    url = reverse("service:calendar", args=[calendar.pk])
    c = client_for(manager)
    page = c.get(url).content.decode()
    assert "09:00-12:00, 13:30-18:00" in page  # Monday's hours prefilled
    r = c.post(url, week_post(day_0="08:00-12:00，13:00-17:00", day_5="10:00-14:00"))
    assert r.status_code == 302
    calendar.refresh_from_db()
    assert calendar.weekly_hours == {"0": ["08:00-12:00", "13:00-17:00"], "5": ["10:00-14:00"]}
    clock = sla.build_clock(calendar, [])
    saturday_10 = datetime(2026, 12, 5, 10, 0, tzinfo=SH)
    assert add_business_time(saturday_10, timedelta(minutes=60), clock) == datetime(
        2026, 12, 5, 11, 0, tzinfo=SH
    )
    assert AuditEntry.objects.filter(object_id=str(calendar.pk), action="update").exists()


def test_bad_weekly_hours_are_an_error_and_change_nothing(client_for, manager, calendar):
    url = reverse("service:calendar", args=[calendar.pk])
    r = client_for(manager).post(url, week_post(day_0="18:00-09:00"))
    assert r.status_code == 200
    calendar.refresh_from_db()
    assert calendar.weekly_hours["0"] == ["09:00-12:00", "13:30-18:00"]
    r = client_for(manager).post(url, {**week_post(day_0="09:00-17:00"), "timezone": "Mars/Olympus"})
    assert r.status_code == 200
    assert "Mars/Olympus" in r.content.decode()
    calendar.refresh_from_db()
    assert calendar.timezone == "Asia/Shanghai"


def test_pasting_a_year_of_holidays_and_make_up_days(client_for, manager, calendar):
    url = reverse("service:calendar", args=[calendar.pk])
    text = "date,kind,name\n2026-10-01,假,国庆节\n2026-10-02,holiday,国庆节\n2026-10-10,班,国庆调休,09:00-17:00\n"
    r = client_for(manager).post(url, {"what": "import", "days": text})
    assert r.status_code == 302
    days = {d.date: d for d in calendar.days.all()}
    assert days[date(2026, 10, 1)].kind == CalendarDay.Kind.HOLIDAY
    assert days[date(2026, 10, 10)].kind == CalendarDay.Kind.WORKDAY
    assert days[date(2026, 10, 10)].hours == ["09:00-17:00"]
    clock = sla.build_clock(calendar, list(calendar.days.all()))
    saturday_9 = datetime(2026, 10, 10, 9, 0, tzinfo=SH)
    assert add_business_time(saturday_9, timedelta(minutes=60), clock) == datetime(
        2026, 10, 10, 10, 0, tzinfo=SH
    )


def test_a_bad_line_names_every_problem_and_saves_nothing(client_for, manager, calendar):
    url = reverse("service:calendar", args=[calendar.pk])
    text = "2026-10-01,假,国庆节\n2026-13-01,假,?\n2026-10-03,maybe,?\n2026-10-01,假,again\n"
    r = client_for(manager).post(url, {"what": "import", "days": text})
    html = r.content.decode()
    assert r.status_code == 200
    assert "line 2" in html and "line 3" in html and "line 4" in html
    assert not calendar.days.exists()


def test_removing_a_day(client_for, manager, calendar):
    calendar_days_import(actor=manager, calendar=calendar, text="2026-10-01,holiday,National Day")
    day = calendar.days.get()
    r = client_for(manager).post(
        reverse("service:calendar", args=[calendar.pk]), {"what": "remove", "day": day.pk}
    )
    assert r.status_code == 302
    assert not calendar.days.exists()
    assert AuditEntry.objects.filter(action="delete", object_id=str(day.pk)).exists()


def test_editing_and_deactivating_a_policy(client_for, manager, agent, policy, calendar):
    url = reverse("service:policy", args=[policy.pk])
    assert client_for(agent).get(url).status_code == 403
    c = client_for(manager)
    assert "Standard" in c.get(url).content.decode()
    data = {
        "name": "Standard",
        "category": "",
        "priority": "",
        "tier": "",
        "first_response_minutes": 60,
        "resolution_minutes": 900,
        "warn_percent": 75,
        "calendar": calendar.pk,
    }  # is_active unchecked: deactivated
    assert c.post(url, data).status_code == 302
    policy.refresh_from_db()
    assert (policy.first_response_minutes, policy.is_active) == (60, False)
    assert c.post(url, {**data, "first_response_minutes": "-5"}).status_code == 200
    policy.refresh_from_db()
    assert policy.first_response_minutes == 60


def test_two_active_policies_for_the_same_case_are_refused(client_for, manager, policy, calendar):
    other = SlaPolicy.objects.create(
        name="Other", first_response_minutes=10, resolution_minutes=20, calendar=calendar, is_active=False
    )
    data = {
        "name": "Other",
        "first_response_minutes": 10,
        "resolution_minutes": 20,
        "warn_percent": 80,
        "calendar": calendar.pk,
        "is_active": "on",
    }
    r = client_for(manager).post(reverse("service:policy", args=[other.pk]), data)
    assert r.status_code == 200
    other.refresh_from_db()
    assert other.is_active is False


def test_editing_and_deleting_a_routing_rule(client_for, manager, agent, admin_user):
    from tenure.accounts.models import Team

    team = Team.objects.get(name="Team A")
    rule = routing_rule_save(actor=admin_user, name="Billing", category="billing", team=team)
    url = reverse("service:rule", args=[rule.pk])
    c = client_for(manager)
    r = c.post(
        url,
        {"name": "Billing desk", "position": 5, "category": "billing", "team": team.pk, "is_active": "on"},
    )
    assert r.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.position) == ("Billing desk", 5)
    assert client_for(agent).post(reverse("service:rule_delete", args=[rule.pk])).status_code == 403
    assert c.get(reverse("service:rule_delete", args=[rule.pk])).status_code == 405
    assert c.post(reverse("service:rule_delete", args=[rule.pk])).status_code == 302
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()


@pytest.mark.parametrize("name", ["calendar", "policy", "rule"])
def test_unknown_objects_are_404(client_for, manager, name):
    assert client_for(manager).get(reverse(f"service:{name}", args=[999999])).status_code == 404
