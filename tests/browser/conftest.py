"""Playwright for Python driving Debian's Chromium against pytest-django's live server.

Without /usr/bin/chromium the browser tests skip, unless REQUIRE_BROWSER=1 (as in CI),
which turns a missing browser into a failure.
"""

import os
from pathlib import Path

import pytest

from tests.browser.helpers import drag_select, phrase_box
from tests.helpers import PASSWORD

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still synchronous, so Django's async guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM} (install the Debian package 'chromium')"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            # The machine has no network beyond loopback: keep Chromium from calling home.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def expected_console_errors() -> list[str]:
    """Parts of the console errors a test provokes on purpose (a dropped connection, a
    throttled log-in): append them, and the `page` fixture lets those through."""
    return []


@pytest.fixture
def page(browser, live_server, transactional_db, expected_console_errors):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Every browser test is also a test of the Content-Security-Policy: anything the
    # pages do that the policy blocks (inline script or style, eval) fails it. And of
    # the console: an error logged there (htmx's among them) is a bug nobody would see.
    blocked: list[str] = []
    logged: list[str] = []
    page.on("console", lambda message: _watch_console(message, blocked, logged))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not blocked, f"blocked by the Content-Security-Policy: {blocked}"
    unexpected = [
        text for text in logged if not any(part in text for part in expected_console_errors)
    ]
    assert not unexpected, f"errors in the browser console: {unexpected}"


# Chromium reports every answer of 400 or more in the console. A 422 is a form sent back
# to be corrected, which htmx swaps in like a success (base.html's htmx-config): not an error.
FORM_TO_CORRECT = "the server responded with a status of 422"


def _watch_console(message, blocked: list[str], logged: list[str]) -> None:
    if "Content Security Policy" in message.text:
        blocked.append(message.text)
    elif message.type == "error" and FORM_TO_CORRECT not in message.text:
        logged.append(f"{message.text} ({message.location.get('url', '')})")


@pytest.fixture
def log_in(page):
    def log_in_as(user) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("User name").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return log_in_as


@pytest.fixture
def select_phrase(page):
    def select(paragraph: int, phrase: str, *, to_paragraph: int | None = None, to_phrase=None):
        start = phrase_box(page, paragraph, phrase)
        end = phrase_box(page, to_paragraph, to_phrase) if to_paragraph else start
        page.locator(f"#p-{paragraph}").scroll_into_view_if_needed()
        start = phrase_box(page, paragraph, phrase)
        end = phrase_box(page, to_paragraph, to_phrase) if to_paragraph else start
        drag_select(page, start, end)

    return select


@pytest.fixture
def lms(live_server, transactional_db):
    """An LMS on another port (tests/lti_platform.py), registered with Korea Reader and
    reading our keys from the live server; "localhost", as live_server is: another
    origin, the same site (plain http)."""
    from tests.lti_platform import Platform

    platform = Platform(
        host="localhost",
        launch_url=f"{live_server.url}/lti/launch/",
        login_url=f"{live_server.url}/lti/login/",
        tool_jwks=f"{live_server.url}/lti/jwks/",
    ).start()
    platform.register_with_tool()
    yield platform
    platform.stop()
