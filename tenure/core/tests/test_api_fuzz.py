"""No input makes the API answer 500: junk bodies, junk query parameters, junk ids, on every endpoint.

TENURE_FUZZ_EXAMPLES=300 runs a longer search (2-3 minutes).
"""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tenure.customers.services import contact_add

LISTS = [
    "/api/v1/customers/",
    "/api/v1/contacts/",
    "/api/v1/addresses/",
    "/api/v1/products/",
    "/api/v1/orders/",
    "/api/v1/interactions/",
    "/api/v1/staff/",
    "/api/v1/teams/",
    "/api/v1/tokens/",
]
PARAMS = [
    "q",
    "kind",
    "lifecycle_stage",
    "owner",
    "representative",
    "team",
    "tag",
    "do_not_contact",
    "created_after",
    "created_before",
    "updated_after",
    "customer",
    "ordered_after",
    "ordered_before",
    "channel",
    "occurred_after",
    "handled_by",
    "ordering",
    "cursor",
    "page_size",
    "phone",
    "active",
    "role",
    "is_active",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["", "0", "-1", "1e999", "2024-02-30", "+86 138 0000 0000", "\x00", "🙂", "' OR 1=1 --"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
FIELDS = [
    "customer",
    "name",
    "mobile",
    "email",
    "tags",
    "attributes",
    "lines",
    "number",
    "ordered_at",
    "sku",
    "price",
    "memo",
    "kind",
    "occurred_at",
    "username",
    "teams",
    "role",
    "days",
    "drop",
    "referred_by",
    "allowed_channels",
    "line",
]
bodies = st.one_of(values, st.dictionaries(st.sampled_from(FIELDS), values, max_size=6))
FUZZ = settings(
    max_examples=int(os.environ.get("TENURE_FUZZ_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def admin_client(admin_user, agent, customer):
    contact_add(customer=customer, actor=agent, name="c")
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def _check(response):
    assert response.status_code < 500, response.content
    if response.status_code != 204:
        assert isinstance(response.json(), dict | list)


@pytest.mark.parametrize("url", [*LISTS, "/api/v1/customers/lookup/"])
@FUZZ
@given(params=st.dictionaries(st.sampled_from(PARAMS), st.text(max_size=40), max_size=4))
def test_junk_query_parameters(admin_client, url, params):
    _check(admin_client.get(url, params))


@pytest.mark.parametrize("url", [u for u in LISTS if "staff" not in u] + ["/api/v1/customers/1/merge/"])
@FUZZ
@given(body=bodies)
def test_junk_json_bodies_on_create(admin_client, url, body, customer):
    url = url.replace("/1/", f"/{customer.pk}/")
    try:
        payload = json.dumps(body)
    except ValueError:
        return
    _check(admin_client.post(url, payload, content_type="application/json"))


@FUZZ
@given(body=bodies)
def test_junk_json_bodies_on_update(admin_client, body, customer):
    payload = json.dumps(body)
    _check(admin_client.patch(f"/api/v1/customers/{customer.pk}/", payload, content_type="application/json"))


@pytest.mark.parametrize("suffix", ["", "timeline/", "history/", "duplicates/"])
@pytest.mark.parametrize("pk", ["0", "-1", "99999999999999999999999999", "1.5", "%00", "abc"])
def test_junk_ids(admin_client, suffix, pk):
    response = admin_client.get(f"/api/v1/customers/{pk}/{suffix}")
    assert response.status_code == 404
    assert response.json()["detail"]
