from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tenure.accounts.services import token_create


@pytest.mark.django_db
def test_login_is_throttled_after_repeated_failures(client, agent):
    url = reverse("accounts:login")
    for _ in range(5):
        client.post(url, {"username": "agent", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(url, {"username": "agent", "password": "Secret-pass-123"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_works_with_right_password(client, agent):
    response = client.post(reverse("accounts:login"), {"username": "agent", "password": "Secret-pass-123"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)


def test_login_form_requires_csrf(agent):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    response = c.post(reverse("accounts:login"), {"username": "agent", "password": "Secret-pass-123"})
    assert response.status_code == 403


def _api(client, key):
    return client.get("/api/v1/", HTTP_AUTHORIZATION=f"Token {key}")


def test_token_authenticates_and_is_stored_hashed(client, agent):
    token, key = token_create(user=agent, days=10)
    assert key not in (token.digest, token.prefix) and len(token.digest) == 64
    assert _api(client, key).status_code == 200
    assert _api(client, key + "x").status_code == 401


def test_expired_and_revoked_tokens_are_refused(client, agent):
    token, key = token_create(user=agent, days=10)
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save()
    assert _api(client, key).status_code == 401
    token2, key2 = token_create(user=agent)
    token2.revoked = True
    token2.save()
    assert _api(client, key2).status_code == 401


def test_inactive_users_token_is_refused(client, agent):
    _token, key = token_create(user=agent)
    agent.is_active = False
    agent.save()
    assert _api(client, key).status_code == 401
