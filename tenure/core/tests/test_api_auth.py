"""Every /api/v1/ endpoint: 401 without, or with an expired or revoked, token; OPTIONS and HEAD work."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tenure.accounts.services import token_create, token_revoke

ENDPOINTS = [
    "/api/v1/",
    "/api/v1/customers/",
    "/api/v1/customers/lookup/?phone=13812345678",
    "/api/v1/contacts/",
    "/api/v1/addresses/",
    "/api/v1/products/",
    "/api/v1/orders/",
    "/api/v1/interactions/",
    "/api/v1/staff/",
    "/api/v1/teams/",
    "/api/v1/tokens/",
]
DETAIL_ENDPOINTS = ["", "timeline/", "history/", "duplicates/", "summary/"]


def _bearer(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def expired_client(admin_user):
    token, key = token_create(user=admin_user, days=1)
    token.expires_at = timezone.now() - timedelta(minutes=1)
    token.save()
    return _bearer(key)


@pytest.fixture
def revoked_client(admin_user):
    token, key = token_create(user=admin_user)
    token_revoke(token=token, actor=admin_user)
    return _bearer(key)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_endpoint_needs_a_valid_token(url, customer, expired_client, revoked_client):
    for client in (APIClient(), expired_client, revoked_client, _bearer("tnr_" + "x" * 43), _bearer("")):
        response = client.get(url)
        assert response.status_code == 401, (url, response.content)
        assert response.json()["detail"]
        assert client.post(url, {}, format="json").status_code in (401, 405)


@pytest.mark.parametrize("suffix", DETAIL_ENDPOINTS)
def test_customer_sub_resources_need_a_valid_token(suffix, customer, expired_client, revoked_client):
    for client in (APIClient(), expired_client, revoked_client):
        assert client.get(f"/api/v1/customers/{customer.pk}/{suffix}").status_code == 401


@pytest.mark.parametrize("url", ENDPOINTS)
def test_options_and_head_answer(url, admin_user, customer):
    client = APIClient()
    client.force_authenticate(admin_user)
    assert client.options(url).status_code == 200
    assert client.head(url).status_code == 200
