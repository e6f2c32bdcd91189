"""Logging an interaction from the customer page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tenure.accounts.models import AuditEntry
from tenure.customers.services import customer_create
from tenure.interactions.models import Interaction

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def url(customer):
    return reverse("interactions:log", args=[customer.pk])


def test_htmx_log_returns_fresh_form_and_timeline_entry(client_for, agent, customer, url):
    response = client_for(agent).post(
        url, {"kind": "call", "direction": "in", "purpose": "Delivery", "memo": "Parcel late"}, **HX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'hx-swap-oob="afterbegin:#timeline-list"' in body and "Parcel late" in body
    assert 'id="log-form"' in body and 'value="Delivery"' not in body  # a fresh, empty form
    interaction = Interaction.objects.get(customer=customer)
    assert interaction.handled_by == agent and interaction.purpose == "Delivery"
    assert abs(interaction.occurred_at - timezone.now()) < timedelta(minutes=1)
    assert AuditEntry.objects.filter(model="interactions.interaction", actor=agent).exists()


def test_htmx_log_errors_shown_in_place(client_for, agent, customer, url):
    response = client_for(agent).post(
        url, {"kind": "call", "direction": "in", "purpose": "", "memo": ""}, **HX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Write what the interaction was about" in body and "hx-swap-oob" not in body
    assert not Interaction.objects.exists()


def test_bad_kind_and_future_time_are_rejected(client_for, agent, customer, url):
    c = client_for(agent)
    bad = c.post(url, {"kind": "telepathy", "direction": "in", "memo": "x"}, **HX).content.decode()
    assert "Select a valid choice" in bad
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    later = c.post(url, {"kind": "call", "direction": "in", "memo": "x", "occurred_at": future}, **HX)
    assert "cannot be logged in the future" in later.content.decode()
    assert not Interaction.objects.exists()


def test_plain_post_redirects_to_customer(client_for, agent, customer, url):
    response = client_for(agent).post(url, {"kind": "visit", "direction": "out", "memo": "Visited shop"})
    assert response.status_code == 302 and response.url.startswith(customer.get_absolute_url())
    assert Interaction.objects.filter(kind="visit").exists()


def test_outsider_404_analyst_403_wrong_method_405(client_for, outsider, analyst, agent, customer, url):
    data = {"kind": "call", "direction": "in", "memo": "x"}
    assert client_for(outsider).post(url, data).status_code == 404
    assert client_for(analyst).post(url, data).status_code == 403
    assert client_for(agent).get(url).status_code == 405
    assert not Interaction.objects.exists()


def test_new_entry_is_on_top_of_the_timeline(client_for, agent, customer, url):
    c = client_for(agent)
    c.post(url, {"kind": "call", "direction": "in", "memo": "first"}, **HX)
    c.post(url, {"kind": "email", "direction": "out", "memo": "second"}, **HX)
    entries = c.get(customer.get_absolute_url()).context["entries"]
    assert [e.obj.memo for e in entries] == ["second", "first"]


def test_interaction_of_other_team_not_shown(client_for, agent, outsider, customer):
    theirs = customer_create(actor=outsider, name="Theirs")
    client_for(outsider).post(
        reverse("interactions:log", args=[theirs.pk]), {"kind": "call", "direction": "in", "memo": "secret"}
    )
    body = client_for(agent).get(customer.get_absolute_url()).content.decode()
    assert "secret" not in body
