"""The builder and a call list in a real browser: add rules and a group, watch the live count change
without a reload, save, make a call list and log a call in place."""

import pytest

from tenure.accounts.models import Team
from tenure.customers.models import Customer
from tenure.e2e import conftest as e2e
from tenure.interactions.models import Interaction

# The shared browser fixtures of tenure/e2e/conftest.py, for this test outside that folder.
browser_page = e2e.browser_page
e2e_settings = e2e.e2e_settings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IDLE = "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"


def settled(page) -> None:
    """Wait until htmx has no request in flight and has finished swapping and settling."""
    page.wait_for_function(IDLE)


def test_build_a_segment_with_a_live_count_then_work_its_call_list(live_server, browser_page, agent):
    team = Team.objects.get(name="Team A")
    Customer.objects.create(name="Active one", team=team, lifecycle_stage="active", mobile="13800000001")
    Customer.objects.create(name="Active two", team=team, lifecycle_stage="active", mobile="13800000002")
    Customer.objects.create(name="Lead", team=team, lifecycle_stage="lead", mobile="13800000003")
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "agent")
    page.fill("#id_password", "Secret-pass-123")
    page.click("button[type=submit]")
    page.wait_for_selector("#quicksearch")
    page.goto(f"{live_server.url}/segments/new/")
    page.wait_for_load_state("load")
    page.evaluate("window.__marker = 'no reload'")
    count = page.locator("#builder .livecount")
    assert "3 customers match" in count.inner_text()
    page.click("#builder button[value='add:']")
    page.wait_for_selector("#f-0")
    settled(page)
    assert "1 customer matches" in count.inner_text()  # the new rule: stage is lead
    page.select_option("#v-0", "active")
    page.wait_for_function("document.querySelector('#builder .livecount').innerText.includes('2 customers')")
    settled(page)
    page.click("#builder button[value='addgroup:']")
    page.wait_for_selector("#f-1\\.0")
    settled(page)
    page.select_option("#op-top", "or")
    page.wait_for_function("document.querySelector('#builder .livecount').innerText.includes('3 customers')")
    assert page.evaluate("window.__marker") == "no reload"
    page.fill("#id_name", "Stage mix")
    page.click("#segment-form button[type=submit]:has-text('Save segment')")
    page.wait_for_url("**/segments/*/")
    assert "3 members" in page.locator("h1").inner_text()
    page.click("summary:has-text('Make a call list')")
    page.click("button:has-text('Make the call list')")
    page.wait_for_url("**/interactions/call-lists/*/")
    row = page.locator("#entries tbody tr").first
    row.locator("input[name=outcome]").fill("Fine, thanks")
    page.evaluate("window.__marker = 'no reload'")
    row.locator("button[value=done]").click()
    page.wait_for_function("document.querySelector('#entries tbody tr').innerText.includes('Fine, thanks')")
    assert page.evaluate("window.__marker") == "no reload"
    assert Interaction.objects.filter(kind="call", memo="Fine, thanks").count() == 1
    assert page.js_errors == []
