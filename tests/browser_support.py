"""Browser test fixtures (imported by tests/conftest.py): the app served on a real socket, driven by Debian's chromium via Playwright.

Never downloads a browser: without /usr/bin/chromium the tests are skipped, or fail under CI=true.
"""
from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(scope="session")
def browser():
    """One headless chromium per test process (per xdist worker)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (browsers are never downloaded)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def serving(app, name: str = "live-server"):
    """`app` on 127.0.0.1 and a free port, one thread per request; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def live_server(csrf_app):
    """The app (test database, CSRF on as in production) on 127.0.0.1 and a free port."""
    with serving(csrf_app) as url:
        yield url


@pytest.fixture
def phone(browser, live_server):
    """A page in a phone-sized, touch, Chinese-language browser context (375×740)."""
    context = browser.new_context(base_url=live_server, **PHONE)
    context.set_default_timeout(5000)

    # Only the live server may be reached: a page that pulls anything from elsewhere fails.
    def only_local(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
