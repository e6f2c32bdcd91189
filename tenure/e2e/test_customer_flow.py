"""The call-centre flow in a real browser: sign in, find 张伟 by pinyin, open, log a call, and see it
at the top of the timeline without a page reload."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tenure.commerce.services import LineInput, order_create
from tenure.customers.services import address_add, customer_create
from tenure.interactions.models import Interaction
from tenure.interactions.services import interaction_log

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOT = "/tmp/tenure-customer.png"


@pytest.fixture
def zhang(agent, teammate):
    customer = customer_create(
        actor=agent,
        name="张伟",
        alt_name="David Zhang",
        mobile="138 1234 5678",
        email="zhang.wei@example.com",
        representative=teammate,
        lifecycle_stage="active",
        source="Referral",
        tags=["VIP", "tea"],
        attributes={"membership": "gold"},
    )
    customer_create(actor=agent, name="李伟", mobile="139 0000 0000")  # a near miss for the search
    address_add(customer=customer, actor=agent, city="上海", line="南京东路 100 号")
    now = timezone.now()
    for i, amount in enumerate(("880.00", "120.00", "45.50")):
        order_create(
            customer=customer,
            number=f"SO-{100 + i}",
            ordered_at=now - timedelta(days=40 * (i + 1)),
            lines=[
                LineInput(
                    sku=f"TEA-{i}", quantity=Decimal("1"), unit_price=Decimal(amount), unit_cost=Decimal("20")
                )
            ],
            actor=agent,
        )
    interaction_log(
        customer=customer,
        actor=teammate,
        kind="email",
        direction="out",
        purpose="Spring catalogue",
        occurred_at=now - timedelta(days=3),
    )
    return customer


def test_sign_in_search_by_pinyin_open_and_log_a_call(live_server, browser_page, agent, zhang):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "agent")
    page.fill("#id_password", "Secret-pass-123")
    page.click("button[type=submit]")
    page.wait_for_selector("#quicksearch")
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.htmx") == "object", f"htmx did not load: {page.failed_requests}"

    # "/" focuses the search box from anywhere; typing pinyin suggests 张伟 as you type.
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "quicksearch"
    page.keyboard.type("zhangwei")
    suggestion = page.locator("#suggest a.suggest-item", has_text="张伟")
    suggestion.wait_for()
    assert page.locator("#suggest").inner_text().count("李伟") == 0
    suggestion.click()
    page.wait_for_url(f"**/customers/{zhang.pk}/")
    assert page.locator("h1").inner_text().startswith("张伟")

    # Mark this page: a reload would wipe the marker.
    page.evaluate("window.__tenureMarker = 'no reload'")

    # An empty memo is refused in place.
    page.click("#log-form button[type=submit]")
    page.locator("#log-form .errorlist").wait_for()
    assert Interaction.objects.filter(customer=zhang, handled_by=agent).count() == 0

    page.select_option("#log-form select[name=kind]", "call")
    page.select_option("#log-form select[name=direction]", "in")
    page.fill("#log-form input[name=purpose]", "Delivery question")
    page.fill(
        "#log-form textarea[name=memo]", "Asked when the tea order arrives; promised a call back today."
    )
    page.click("#log-form button[type=submit]")

    first = page.locator("#timeline-list > li").first
    first.filter(has_text="Delivery question").wait_for()
    assert "promised a call back today" in first.inner_text()
    assert page.evaluate("window.__tenureMarker") == "no reload"
    assert page.locator("#log-form input[name=purpose]").input_value() == ""  # a fresh form
    assert Interaction.objects.filter(customer=zhang, handled_by=agent, kind="call").count() == 1
    assert page.js_errors == []

    page.screenshot(path=SCREENSHOT, full_page=True)
