"""StaffBackend reads the org visibility setting and the team ids with the user, in one statement, on
every request: a change made anywhere (another worker, another machine) is seen by the next request."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenure.accounts.backends import StaffBackend
from tenure.accounts.models import OrgSettings, Team
from tenure.accounts.services import staff_update


def _other_process_sets_open_visibility(value: bool) -> None:
    """A write as another gunicorn worker would make it: nothing shared with this process but the
    database (an UPDATE, no model instance of the signed-in user, no save signal here)."""
    OrgSettings.current()
    OrgSettings.objects.filter(pk=1).update(open_visibility=value)


def test_get_user_reads_visibility_in_the_same_statement(agent):
    team = agent.teams.get()
    with CaptureQueriesContext(connection) as queries:
        user = StaffBackend().get_user(agent.pk)
        assert user == agent
        assert user.team_ids() == [team.pk]
        assert user._open_visibility is False
    assert len(queries) == 1
    # Converted as a queryset converts (SQLite stores booleans as 0/1 and datetimes as text).
    fresh = type(agent).objects.get(pk=agent.pk)
    for field in type(agent)._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(fresh, field.attname), field.name
        assert type(getattr(user, field.attname)) is type(getattr(fresh, field.attname)), field.name
    assert user.is_active is True and user._state.db == "default" and not user._state.adding


def test_get_user_from_several_threads(transactional_db, agent):
    """The compiled statement holds a connection: each thread compiles and uses its own."""
    import threading

    from django.db import connections

    found = []

    def run():
        try:
            found.append(StaffBackend().get_user(agent.pk))
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert found == [agent] and StaffBackend().get_user(agent.pk) == agent


def test_get_user_several_teams_none_and_inactive(agent, outsider):
    team_b = Team.objects.get(name="Team B")
    staff_update(user=agent, actor=None, teams=[*agent.teams.all(), team_b])
    assert StaffBackend().get_user(agent.pk).team_ids() == sorted(agent.teams.values_list("id", flat=True))
    staff_update(user=agent, actor=None, teams=[])
    assert StaffBackend().get_user(agent.pk).team_ids() == []
    staff_update(user=agent, actor=None, is_active=False)
    assert StaffBackend().get_user(agent.pk) is None
    assert StaffBackend().get_user(10**9) is None
    assert StaffBackend().get_user("not a number") is None


def test_missing_settings_row_means_closed(agent):
    OrgSettings.objects.all().delete()
    user = StaffBackend().get_user(agent.pk)
    assert user._open_visibility is False and OrgSettings.current().open_visibility is False


def test_page_follows_team_membership_from_one_request_to_the_next(client_for, agent, outsider, customer):
    """The outsider's browser stays signed in (same client, same session) while an admin elsewhere
    moves them into and out of the customer's team: each next request answers accordingly."""
    url = customer.get_absolute_url()
    browser = client_for(outsider)
    assert browser.get(url).status_code == 404
    team_a, team_b = Team.objects.get(name="Team A"), Team.objects.get(name="Team B")

    search = "/customers/?q=" + customer.name
    assert f'href="{url}"' not in browser.get(search).content.decode()

    staff_update(user=type(outsider).objects.get(pk=outsider.pk), actor=None, teams=[team_b, team_a])
    assert browser.get(url).status_code == 200
    assert f'href="{url}"' in browser.get(search).content.decode()

    staff_update(user=type(outsider).objects.get(pk=outsider.pk), actor=None, teams=[team_b])
    assert browser.get(url).status_code == 404
    assert f'href="{url}"' not in browser.get(search).content.decode()


def test_page_follows_the_org_setting_from_one_request_to_the_next(client_for, outsider, customer):
    url = customer.get_absolute_url()
    browser = client_for(outsider)
    assert browser.get(url).status_code == 404
    _other_process_sets_open_visibility(True)
    assert browser.get(url).status_code == 200
    _other_process_sets_open_visibility(False)
    assert browser.get(url).status_code == 404


def test_org_settings_page_change_is_seen_by_the_next_request(client_for, admin_user, outsider, customer):
    """Through the real settings form (the admin's own session), then the outsider's next request."""
    from django.urls import reverse

    url = customer.get_absolute_url()
    browser = client_for(outsider)
    assert browser.get(url).status_code == 404
    admin = client_for(admin_user)
    response = admin.post(reverse("accounts:settings"), {"company_name": "ACME", "open_visibility": "on"})
    assert response.status_code in (200, 302)
    assert OrgSettings.current().open_visibility is True
    assert browser.get(url).status_code == 200
    admin.post(reverse("accounts:settings"), {"company_name": "ACME"})
    assert OrgSettings.current().open_visibility is False
    assert browser.get(url).status_code == 404
