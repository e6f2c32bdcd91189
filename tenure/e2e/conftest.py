"""End-to-end fixtures: Debian's Chromium driven by Playwright's Python API against live_server.

Never `playwright install`: we use the system browser through `executable_path`. Where Chromium is
missing the tests skip with a clear message, unless TENURE_REQUIRE_E2E=1 (CI), where they fail.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; Django's live_server and ORM calls made
# from the test body are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

MISSING = "Chromium not installed (apt-get install chromium); end-to-end test skipped"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def e2e_settings(settings):
    """Static files in the live server: plain storage (no manifest) and served from the app
    directories by the live server's static handler, so htmx and our CSS/JS load without collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    static_dir = settings.BASE_DIR / "static"
    if str(static_dir) not in {str(d) for d in settings.STATICFILES_DIRS}:
        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, static_dir]
    settings.AXES_ENABLED = False
    return settings


@pytest.fixture
def browser_page(e2e_settings):
    path = chromium_path()
    if not path:
        if os.environ.get("TENURE_REQUIRE_E2E") == "1":
            pytest.fail(MISSING.replace("skipped", "required (TENURE_REQUIRE_E2E=1)"))
        pytest.skip(MISSING)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        if os.environ.get("TENURE_REQUIRE_E2E") == "1":
            pytest.fail("playwright is not installed (pip install -e '.[dev]')")
        pytest.skip("playwright is not installed (pip install -e '.[dev]'); end-to-end test skipped")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        failed: list[str] = []
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.failed_requests = failed
        try:
            yield page
        finally:
            context.close()
            browser.close()
