from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from tenure.service.models import Priority, WorkCalendar
from tenure.service.services import calendar_save, sla_policy_save

SH = ZoneInfo("Asia/Shanghai")
# Monday 23 November 2026, 09:00 in Shanghai: working hours 09:00–12:00 and 13:30–18:00, Mon–Fri.
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=SH)


@pytest.fixture
def calendar(admin_user) -> WorkCalendar:
    return calendar_save(actor=admin_user, name="Shanghai office", timezone="Asia/Shanghai")


@pytest.fixture
def policy(calendar, admin_user):
    """Any ticket: first response within 2 business hours, resolution within 2 business days."""
    return sla_policy_save(
        actor=admin_user,
        name="Standard",
        first_response_minutes=120,
        resolution_minutes=2 * 450,
        calendar=calendar,
    )


@pytest.fixture
def urgent_policy(calendar, admin_user):
    return sla_policy_save(
        actor=admin_user,
        name="Urgent complaints",
        category="product",
        priority=Priority.URGENT,
        first_response_minutes=30,
        resolution_minutes=240,
        calendar=calendar,
    )


@pytest.fixture
def ticket(customer, agent, policy):
    from tenure.service.services import ticket_create

    return ticket_create(
        customer=customer,
        actor=agent,
        subject="屏幕有划痕 Scratched screen",
        description="The phone arrived with a scratch.",
        kind="complaint",
        now=MONDAY_9,
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The personas get passwords; hashing them properly costs ~0.2 s a test on a shared machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api():
    def _make(user):
        c = APIClient()
        c.force_authenticate(user)
        return c

    return _make
