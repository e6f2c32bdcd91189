"""Shared fixtures: the personas every page and endpoint is tested with.

- agent: in team A, owns `customer`
- teammate: also in team A (sees team A's customers)
- outsider: in team B (must get a 404 for team A's customers everywhere)
- manager: manages team A; admin: sees everything; analyst: reads team A, writes nothing
"""

import pytest

from tenure.accounts.models import Role
from tenure.accounts.services import staff_create


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Personas get passwords; the production hasher's 1M PBKDF2 rounds would cost ~0.4 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _staff(username, role, team):
    user = staff_create(
        username=username, role=role, teams=[team] if team else [], password="Secret-pass-123"
    )
    user.language = "en"
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def agent(db):
    return _staff("agent", Role.AGENT, "Team A")


@pytest.fixture
def teammate(db):
    return _staff("teammate", Role.AGENT, "Team A")


@pytest.fixture
def outsider(db):
    return _staff("outsider", Role.AGENT, "Team B")


@pytest.fixture
def manager(db):
    return _staff("manager", Role.MANAGER, "Team A")


@pytest.fixture
def analyst(db):
    return _staff("analyst", Role.ANALYST, "Team A")


@pytest.fixture
def admin_user(db):
    return _staff("boss", Role.ADMIN, None)


@pytest.fixture
def customer(agent):
    from tenure.customers.services import customer_create

    return customer_create(actor=agent, name="张伟", mobile="138 1234 5678", email="zhang.wei@example.com")


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client signed in as user."""

    def _make(user):
        from django.test import Client

        c = Client()
        c.force_login(user)
        return c

    return _make
