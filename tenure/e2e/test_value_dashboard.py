"""The value dashboard in a real browser, in English and in Chinese: every chart container gets an
ECharts canvas from the vendored script, the Pareto period selector redraws in place (HTMX), the
hold-out validation draws its chart, and no JavaScript error happens."""

import pytest

from tenure.core import demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOT = "/tmp/tenure-value-dashboard.png"


@pytest.fixture
def demo_value(db):
    # Live-server tests flush the database between tests, data migrations included: put back the
    # default tiers that `migrate` creates.
    import importlib

    from django.apps import apps

    importlib.import_module("tenure.value.migrations.0004_default_tiers").create(apps, None)
    demo.load(300, seed=9)  # anchored yesterday: recent cohorts and a hold-out period exist
    return demo.compute_value()


def charts_drawn(page) -> list[tuple[str, bool, bool]]:
    """(container, has a canvas or svg, marked ready by our script) for every chart on the page."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-chart]')).map(el => [
             el.getAttribute('data-chart'),
             !!el.querySelector('canvas, svg'),
             el.getAttribute('data-chart-ready') === '1'])"""
    )


def assert_all_drawn(page, expected: set[str]) -> None:
    drawn = charts_drawn(page)
    assert {name for name, _c, _r in drawn} >= expected, drawn
    assert all(canvas and ready for _n, canvas, ready in drawn), drawn


def test_dashboard_charts_draw_in_english_and_chinese(live_server, browser_page, admin_user, demo_value):
    assert demo_value["clv"] and demo_value["rules"] > 0
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "Secret-pass-123")
    page.click("button[type=submit]")
    page.wait_for_selector("#quicksearch")

    page.goto(f"{live_server.url}/value/")
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.echarts") == "object", page.failed_requests
    core = {
        "pareto-chart-data",
        "abc-chart-data",
        "rfm-chart-data",
        "stage-chart-data",
        "cohort-chart-data",
        "tier-chart-data",
        "tier-migration-chart-data",
    }
    page.wait_for_selector("[data-chart-ready]")
    assert_all_drawn(page, core)
    assert "of revenue" in page.locator("#pareto-card .keynumber").inner_text()

    # The hold-out validation (admins) adds its chart.
    page.click("#clv form button[type=submit]")
    page.wait_for_selector("[data-chart='holdout-chart-data'][data-chart-ready]")
    assert_all_drawn(page, core | {"holdout-chart-data"})

    # The period selector swaps the Pareto card in place and the chart is drawn again.
    page.evaluate("window.__marker = 'no reload'")
    page.select_option("#period", "12m")
    page.click("#pareto-card button[type=submit]")
    page.wait_for_function(
        "document.querySelector('#period').value === '12m' && "
        "document.querySelector('#pareto-card [data-chart-ready]') !== null"
    )
    assert page.evaluate("window.__marker") == "no reload"
    assert_all_drawn(page, core)

    # Chinese: the language switch in the top bar, then the same charts with Chinese labels.
    page.click("header button[name=language][value=zh-hans]")
    page.wait_for_load_state("load")
    page.wait_for_selector("[data-chart-ready]")
    assert page.locator("h1").inner_text() == "客户价值"
    assert_all_drawn(page, core | {"holdout-chart-data"})
    labels = page.evaluate(
        "JSON.parse(document.getElementById('pareto-chart-data').textContent).revenue_name"
    )
    assert labels == "收入"
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert page.js_errors == [], page.js_errors
    assert page.failed_requests == [], page.failed_requests
