"""/api/v1/staff/, /api/v1/teams/ (administrators) and /api/v1/tokens/ (own tokens)."""

import pytest
from rest_framework.test import APIClient

from tenure.accounts.models import ApiToken, AuditEntry, Role, Team, User, hash_token
from tenure.accounts.services import staff_create, token_create
from tenure.customers.tests.test_api import token_client

STAFF = "/api/v1/staff/"
TEAMS = "/api/v1/teams/"
TOKENS = "/api/v1/tokens/"


# --- staff -----------------------------------------------------------------------------------------


def test_only_admins_manage_staff(agent, manager, analyst, admin_user):
    for user in (agent, manager, analyst):
        client = token_client(user)
        assert client.get(STAFF).status_code == 403
        assert client.post(STAFF, {"username": "x"}, format="json").status_code == 403
        assert client.get(TEAMS).status_code == 403
    assert APIClient().get(STAFF).status_code == 401
    usernames = [u["username"] for u in token_client(admin_user).get(STAFF).json()["results"]]
    assert set(usernames) == {"agent", "manager", "analyst", "boss"}


def test_admin_creates_staff_with_teams(admin_user, agent):
    team = Team.objects.get(name="Team A")
    response = token_client(admin_user).post(
        STAFF,
        {
            "username": "newbie",
            "role": "manager",
            "teams": [team.pk],
            "password": "Correct-horse-42",
            "email": "n@example.com",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"] == "manager"
    assert body["teams"] == [team.pk]
    assert "password" not in body
    user = User.objects.get(username="newbie")
    assert user.check_password("Correct-horse-42")
    assert AuditEntry.objects.filter(model="accounts.user", object_id=str(user.pk), action="create").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "username"),
        ({"username": "agent"}, "username"),
        ({"username": "has space"}, "username"),
        ({"username": "x", "role": "emperor"}, "role"),
        ({"username": "x", "teams": [999999]}, "teams"),
        ({"username": "x", "teams": "Team A"}, "teams"),
        ({"username": "x", "password": "123"}, "password"),
        ({"username": "x", "password": "x" * 129}, "password"),
        ({"username": "x", "email": "nope"}, "email"),
        ({"username": "x", "is_superuser": True}, "is_superuser"),
    ],
)
def test_staff_create_bad_input_is_400(admin_user, agent, payload, field):
    before = User.objects.count()
    response = token_client(admin_user).post(STAFF, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert User.objects.count() == before


def test_admin_changes_role_teams_and_deactivates(admin_user, agent):
    team_b = Team.objects.create(name="Team B")
    client = token_client(admin_user)
    response = client.patch(f"{STAFF}{agent.pk}/", {"role": "analyst", "teams": [team_b.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "analyst"
    assert response.json()["teams"] == [team_b.pk]
    agent_client = token_client(agent)
    assert agent_client.get("/api/v1/customers/").status_code == 200
    assert client.patch(f"{STAFF}{agent.pk}/", {"is_active": False}, format="json").status_code == 200
    assert agent_client.get("/api/v1/customers/").status_code == 401
    entry = AuditEntry.objects.filter(model="accounts.user", object_id=str(agent.pk), action="update").first()
    assert entry.changes["is_active"] == [True, False]


def test_admin_sets_a_password_checked_by_the_validators(admin_user, agent):
    client = token_client(admin_user)
    response = client.patch(f"{STAFF}{agent.pk}/", {"password": "agent"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert (
        client.patch(f"{STAFF}{agent.pk}/", {"password": "Better-pass-9876"}, format="json").status_code
        == 200
    )
    agent.refresh_from_db()
    assert agent.check_password("Better-pass-9876")


def test_admin_cannot_lock_themselves_out(admin_user):
    client = token_client(admin_user)
    assert client.patch(f"{STAFF}{admin_user.pk}/", {"is_active": False}, format="json").status_code == 400
    assert client.patch(f"{STAFF}{admin_user.pk}/", {"role": Role.AGENT}, format="json").status_code == 400
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.role == Role.ADMIN


def test_staff_wrong_method_and_unknown_id(admin_user, agent):
    client = token_client(admin_user)
    assert client.delete(f"{STAFF}{agent.pk}/").status_code == 405
    assert client.get(f"{STAFF}999999/").status_code == 404


def test_staff_list_query_count_is_constant(admin_user, django_assert_max_num_queries):
    client = token_client(admin_user)
    client.get(STAFF)
    with django_assert_max_num_queries(4) as small:
        client.get(STAFF)
    for i in range(10):
        staff_create(username=f"u{i}", teams=[f"T{i}"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(STAFF).json()["results"]) == 11


# --- teams -----------------------------------------------------------------------------------------


def test_admin_creates_and_lists_teams(admin_user, agent):
    client = token_client(admin_user)
    response = client.post(TEAMS, {"name": "Team C"}, format="json")
    assert response.status_code == 201
    assert client.post(TEAMS, {"name": "Team C"}, format="json").status_code == 400
    assert client.post(TEAMS, {"name": ""}, format="json").status_code == 400
    assert client.post(TEAMS, {"name": "x", "budget": 1}, format="json").status_code == 400
    names = [t["name"] for t in client.get(TEAMS).json()["results"]]
    assert names == ["Team A", "Team C"]
    assert client.delete(f"{TEAMS}{response.json()['id']}/").status_code == 405


# --- tokens ----------------------------------------------------------------------------------------


def test_create_token_returns_key_once_and_it_works(analyst):
    client = APIClient()
    client.force_login(analyst)
    response = client.post(TOKENS, {"name": "laptop", "days": 30}, format="json")
    assert response.status_code == 201, response.content
    key = response.json()["key"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.digest == hash_token(key)
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    listed = client.get(TOKENS).json()["results"]
    assert [t["name"] for t in listed] == ["laptop"]
    assert "key" not in listed[0]
    assert "key" not in client.get(f"{TOKENS}{token.pk}/").json()
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert bearer.get("/api/v1/customers/").status_code == 200


def test_token_with_zero_days_never_expires(agent):
    response = token_client(agent).post(TOKENS, {"days": 0}, format="json")
    assert response.json()["expires_at"] is None


@pytest.mark.parametrize(
    "payload", [{"days": -1}, {"days": 100000}, {"days": "soon"}, {"owner": 1}, {"name": "x" * 101}]
)
def test_token_bad_input_is_400(agent, payload):
    client = token_client(agent)
    before = ApiToken.objects.count()
    assert client.post(TOKENS, payload, format="json").status_code == 400
    assert ApiToken.objects.count() == before


def test_revoke_own_token_and_it_stops_working(agent):
    token, key = token_create(user=agent, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.delete(f"{TOKENS}{token.pk}/").status_code == 204
    token.refresh_from_db()
    assert token.revoked
    assert client.get("/api/v1/customers/").status_code == 401
    assert AuditEntry.objects.filter(
        model="accounts.apitoken", object_id=str(token.pk), action="update"
    ).exists()


def test_tokens_are_private_to_their_owner(agent, teammate, admin_user):
    theirs, _key = token_create(user=teammate, name="theirs")
    for user in (agent, admin_user):
        client = token_client(user)
        assert client.get(f"{TOKENS}{theirs.pk}/").status_code == 404
        assert client.delete(f"{TOKENS}{theirs.pk}/").status_code == 404
        assert "theirs" not in [t["name"] for t in client.get(TOKENS).json()["results"]]
    theirs.refresh_from_db()
    assert not theirs.revoked


def test_tokens_unauthenticated_and_wrong_method(agent):
    assert APIClient().get(TOKENS).status_code == 401
    assert APIClient().post(TOKENS, {}, format="json").status_code == 401
    token, _key = token_create(user=agent)
    assert token_client(agent).patch(f"{TOKENS}{token.pk}/", {"name": "x"}, format="json").status_code == 405


def test_tokens_list_query_count_is_constant(agent, django_assert_max_num_queries):
    client = token_client(agent)
    client.get(TOKENS)
    with django_assert_max_num_queries(3) as small:
        client.get(TOKENS)
    for _i in range(10):
        token_create(user=agent)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(TOKENS).json()["results"]) == 11
