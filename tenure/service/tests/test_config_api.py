"""Work calendars, SLA policies and routing rules through the API: staff read, managers write."""

import pytest

from tenure.accounts.models import Team
from tenure.service.models import RoutingRule, SlaPolicy, WorkCalendar


def test_agents_read_but_cannot_write(api, agent, calendar, policy):
    assert api(agent).get(f"/api/v1/work-calendars/{calendar.pk}/").status_code == 200
    r = api(agent).post(
        "/api/v1/work-calendars/", {"name": "X", "timezone": "UTC", "weekly_hours": {}}, format="json"
    )
    assert r.status_code == 403
    r = api(agent).patch(f"/api/v1/sla-policies/{policy.pk}/", {"resolution_minutes": 1}, format="json")
    assert r.status_code == 403
    assert "Only managers and administrators" in r.json()["detail"]  # the service's own reason
    assert SlaPolicy.objects.get(pk=policy.pk).resolution_minutes == policy.resolution_minutes
    assert not WorkCalendar.objects.filter(name="X").exists()


def test_manager_creates_a_calendar_with_weekly_hours_and_days(api, manager):
    c = api(manager)
    week = {"0": ["09:00-18:00"], "5": ["10:00-12:00"]}
    r = c.post(
        "/api/v1/work-calendars/",
        {"name": "Berlin", "timezone": "Europe/Berlin", "weekly_hours": week},
        format="json",
    )
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert r.json()["weekly_hours"] == week
    r = c.post(
        f"/api/v1/work-calendars/{pk}/days/",
        {"date": "2026-12-25", "kind": "holiday", "name": "Weihnachten"},
        format="json",
    )
    assert r.status_code == 200
    assert r.json()["days"] == [{"date": "2026-12-25", "kind": "holiday", "name": "Weihnachten", "hours": []}]
    r = c.post(
        f"/api/v1/work-calendars/{pk}/days/import/",
        {"text": "2026-12-26,holiday,2. Feiertag\n2027-01-02,workday,"},
        format="json",
    )
    assert r.status_code == 200
    assert [d["date"] for d in r.json()["days"]] == ["2026-12-25", "2026-12-26", "2027-01-02"]
    assert c.delete(f"/api/v1/work-calendars/{pk}/days/2026-12-25/").status_code == 204
    assert c.delete(f"/api/v1/work-calendars/{pk}/days/2026-12-25/").status_code == 404
    assert WorkCalendar.objects.get(pk=pk).days.count() == 2


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "B", "timezone": "Mars/Olympus", "weekly_hours": {}}, "timezone"),
        ({"name": "B", "timezone": "UTC", "weekly_hours": {"7": ["09:00-10:00"]}}, "weekly_hours"),
        ({"name": "B", "timezone": "UTC", "weekly_hours": {"0": ["18:00-09:00"]}}, "weekly_hours"),
        ({"name": "B", "timezone": "UTC", "weekly_hours": {}, "colour": "red"}, "colour"),
    ],
)
def test_bad_calendars_are_clear_400s_and_nothing_is_saved(api, manager, payload, field):
    r = api(manager).post("/api/v1/work-calendars/", payload, format="json")
    assert r.status_code == 400
    assert field in r.json()["errors"]
    assert not WorkCalendar.objects.filter(name="B").exists()


def test_bad_day_import_names_the_line_and_saves_nothing(api, manager, calendar):
    r = api(manager).post(
        f"/api/v1/work-calendars/{calendar.pk}/days/import/",
        {"text": "2026-10-01,假,国庆\nnot-a-date,假,?"},
        format="json",
    )
    assert r.status_code == 400
    assert "line 2" in r.json()["errors"]["days"][0]
    assert not calendar.days.exists()


def test_manager_changes_and_switches_off_a_policy(api, manager, policy, calendar):
    c = api(manager)
    r = c.patch(f"/api/v1/sla-policies/{policy.pk}/", {"first_response_minutes": 45}, format="json")
    assert r.status_code == 200 and r.json()["first_response_minutes"] == 45
    r = c.patch(f"/api/v1/sla-policies/{policy.pk}/", {"first_response_minutes": -1}, format="json")
    assert r.status_code == 400
    r = c.post(
        "/api/v1/sla-policies/",
        {
            "name": "Duplicate",
            "first_response_minutes": 10,
            "resolution_minutes": 20,
            "calendar": calendar.pk,
        },
        format="json",
    )
    assert r.status_code == 400  # same category × priority × tier as the active "Standard"
    assert (
        c.patch(f"/api/v1/sla-policies/{policy.pk}/", {"is_active": False}, format="json").status_code == 200
    )
    r = c.post(
        "/api/v1/sla-policies/",
        {
            "name": "Replacement",
            "first_response_minutes": 10,
            "resolution_minutes": 20,
            "calendar": calendar.pk,
        },
        format="json",
    )
    assert r.status_code == 201
    assert SlaPolicy.objects.filter(is_active=True).get().name == "Replacement"


def test_routing_rules_crud(api, manager, agent):
    team = Team.objects.get(name="Team A")
    c = api(manager)
    r = c.post(
        "/api/v1/routing-rules/", {"name": "Billing", "category": "billing", "team": team.pk}, format="json"
    )
    assert r.status_code == 201
    pk = r.json()["id"]
    assert api(agent).get("/api/v1/routing-rules/").json()["results"][0]["name"] == "Billing"
    assert api(agent).delete(f"/api/v1/routing-rules/{pk}/").status_code == 403
    assert c.post("/api/v1/routing-rules/", {"name": "No team"}, format="json").status_code == 400
    assert c.delete(f"/api/v1/routing-rules/{pk}/").status_code == 204
    assert not RoutingRule.objects.exists()
