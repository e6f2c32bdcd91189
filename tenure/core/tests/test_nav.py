"""The top bar's entries: by role, with URLs reversed once per script prefix (not per request)."""

from django.test import RequestFactory
from django.urls import clear_script_prefix, set_script_prefix

from tenure.core.context_processors import nav


def _labels_and_urls(user):
    request = RequestFactory().get("/")
    request.user = user
    return {str(item["label"]): item["url"] for item in nav(request)["nav_items"]}


def test_entries_by_role(admin_user, agent, analyst):
    admin, writer, reader = _labels_and_urls(admin_user), _labels_and_urls(agent), _labels_and_urls(analyst)
    assert admin["Staff"] == "/accounts/staff/" and "Service settings" in admin
    assert "Staff" not in writer and writer["Tickets"] == "/service/"
    assert "Staff" not in reader and reader["Segments"] == "/segments/"


def test_urls_follow_the_script_prefix(agent):
    try:
        set_script_prefix("/crm/")
        assert _labels_and_urls(agent)["Tickets"] == "/crm/service/"
    finally:
        clear_script_prefix()
    assert _labels_and_urls(agent)["Tickets"] == "/service/"
