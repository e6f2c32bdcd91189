import pytest
from django.urls import reverse

from tenure.accounts.models import ApiToken, AuditEntry, OrgSettings, User

ADMIN_PAGES = [
    "accounts:staff",
    "accounts:staff_new",
    "accounts:teams",
    "accounts:settings",
    "accounts:audit",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_render_for_admin_and_are_forbidden_to_others(
    name, admin_user, agent, manager, client_for
):
    assert client_for(admin_user).get(reverse(name)).status_code == 200
    assert client_for(agent).get(reverse(name)).status_code == 403
    assert client_for(manager).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", ADMIN_PAGES + ["accounts:tokens", "core:home"])
def test_pages_need_sign_in(name, client, db):
    response = client.get(reverse(name))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_admin_adds_staff_member_with_team_and_it_is_audited(admin_user, client_for):
    c = client_for(admin_user)
    response = c.post(
        reverse("accounts:staff_new"),
        {
            "username": "li.na",
            "role": "agent",
            "language": "zh-hans",
            "is_active": "on",
            "password": "Long-enough-pw-1",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="li.na")
    assert user.role == "agent" and user.check_password("Long-enough-pw-1")
    assert AuditEntry.objects.filter(model="accounts.user", object_id=str(user.pk), actor=admin_user).exists()


def test_staff_form_reports_duplicate_username_and_weak_password(admin_user, agent, client_for):
    c = client_for(admin_user)
    r = c.post(reverse("accounts:staff_new"), {"username": "agent", "role": "agent", "language": "en"})
    assert r.status_code == 200 and "already exists" in r.content.decode()
    r = c.post(
        reverse("accounts:staff_new"),
        {"username": "x1", "role": "agent", "language": "en", "password": "123"},
    )
    assert r.status_code == 200 and not User.objects.filter(username="x1").exists()


def test_admin_cannot_deactivate_self(admin_user, client_for):
    c = client_for(admin_user)
    r = c.post(
        reverse("accounts:staff_edit", args=[admin_user.pk]),
        {"username": admin_user.username, "role": "admin", "language": "en"},
    )
    assert r.status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_org_settings_open_visibility(admin_user, client_for):
    r = client_for(admin_user).post(
        reverse("accounts:settings"), {"open_visibility": "on", "company_name": "ACME"}
    )
    assert r.status_code == 302
    assert OrgSettings.current().open_visibility is True


def test_token_page_shows_key_once_and_stores_only_its_hash(agent, client_for):
    c = client_for(agent)
    r = c.post(reverse("accounts:tokens"), {"name": "crm-sync", "days": 30})
    body = r.content.decode()
    token = ApiToken.objects.get(user=agent)
    key = body.split('id="new-token">')[1].split("<")[0]
    assert key.startswith("tnr_") and token.digest != key and key not in token.digest
    assert key not in c.get(reverse("accounts:tokens")).content.decode()
    r = c.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked


def test_cannot_revoke_someone_elses_token(agent, teammate, client_for):
    from tenure.accounts.services import token_create

    token, _key = token_create(user=teammate)
    assert client_for(agent).post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    assert client_for(agent).get(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405


def test_language_choice_is_remembered_and_used(agent, client_for):
    c = client_for(agent)
    c.post(reverse("accounts:language"), {"language": "zh-hans", "next": "/"})
    agent.refresh_from_db()
    assert agent.language == "zh-hans"
    assert 'lang="zh-hans"' in c.get(reverse("core:home")).content.decode()


def test_language_redirect_refuses_other_hosts(agent, client_for):
    r = client_for(agent).post(
        reverse("accounts:language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert r["Location"] == "/"


def test_nav_shows_staff_link_only_to_admins(agent, admin_user, client_for):
    assert reverse("accounts:staff") in client_for(admin_user).get(reverse("core:home")).content.decode()
    assert reverse("accounts:staff") not in client_for(agent).get(reverse("core:home")).content.decode()
