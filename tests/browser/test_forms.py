"""Forms in a real phone browser (375 px, CSRF on): a refused form keeps the input and shows the
message right beside the field it belongs to, with a summary at the top."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.billing.test_api_runs import planned  # noqa: F401  (fixture)
from tests.factories import PASSWORD
from tests.maintenance.conftest import Api
from tests.maintenance.test_tickets import _bring_to

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def log_in(page, username):
    page.goto("/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def assert_beside(page, field: str):
    """The message is visible, directly under its field (nothing in between), inside the screen."""
    box = page.locator(f"#{field}").bounding_box()
    error = page.locator(f"#{field}-error")
    assert error.is_visible()
    message = error.bounding_box()
    assert 0 <= message["y"] - (box["y"] + box["height"]) < 40, (box, message)
    assert message["x"] >= 0 and message["x"] + message["width"] <= 375
    assert page.locator(f"#{field}").get_attribute("aria-invalid") == "true"


def test_technician_on_a_phone_enters_a_cost_line_too_large(phone, client, world, clock):
    tid = _bring_to(Api(client), "in_progress")
    page = phone
    log_in(page, "tech")
    page.goto(f"/maintenance/tickets/{tid}")
    page.locator("#cost-description").fill("PPR 管材")
    page.locator("#cost-quantity").fill("100000")
    page.locator("#cost-unit_price").fill("10.01")
    page.locator("#cost-description").press("Enter")
    page.wait_for_selector("#cost-quantity-error")
    assert_beside(page, "cost-quantity")
    assert "¥1,001,000.00" in page.locator("#cost-quantity-error").inner_text()
    # The input is kept as typed.
    assert page.locator("#cost-description").input_value() == "PPR 管材"
    assert page.locator("#cost-quantity").input_value() == "100000"
    assert page.locator("#cost-unit_price").input_value() == "10.01"
    # The summary at the top links to the field, by its label.
    link = page.locator(".form-summary a[href='#cost-quantity']")
    assert link.is_visible() and link.inner_text().startswith("数量")
    page.screenshot(path=str(ARTIFACTS / "forms-cost-error-375.png"), full_page=True)
    # Corrected, it is saved and the page says so in green.
    page.locator("#cost-quantity").fill("10")
    page.locator("#cost-description").press("Enter")
    page.wait_for_selector(".flash.success")
    assert "¥100.10" in page.locator(".flash.success").inner_text()
    page.screenshot(path=str(ARTIFACTS / "forms-cost-saved-375.png"), full_page=True)


def test_resident_files_with_a_broken_photo(phone, world, clock, tmp_path):
    broken = tmp_path / "leak.jpg"
    broken.write_bytes(b"%PDF-1.4 not an image")
    page = phone
    log_in(page, "resident")
    page.goto("/maintenance/new")
    page.locator("input[name=category][value=plumbing]").check()
    page.locator("#ticket-description").fill("厨房水管漏水，地面有积水")
    page.locator("#ticket-photos").set_input_files(str(broken))
    page.locator("#new-ticket button[type=submit]").click()
    page.wait_for_selector("#ticket-photos-error")
    assert page.locator("#ticket-photos-again").is_visible()
    assert page.locator("#ticket-photos-error").is_visible()
    assert page.locator("#ticket-description").input_value() == "厨房水管漏水，地面有积水"
    assert page.locator("input[name=category][value=plumbing]").is_checked()
    page.screenshot(path=str(ARTIFACTS / "forms-photo-error-375.png"), full_page=True)


def test_billing_run_asks_before_issuing(browser, live_server, planned, clock):
    """Finance on a desktop: the preview says how many bills and the total; only confirming issues."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 900},
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    try:
        log_in(page, "finance")
        page.goto("/billing/runs")
        page.locator("#billing-run-estate").select_option("YJL")
        page.locator("#billing-run-period").fill(clock.period())
        page.locator("#billing-run-period").press("Enter")
        page.wait_for_selector("#run-preview")
        assert page.locator("#preview-bills").inner_text() == "2"
        assert page.locator("#preview-total").inner_text() == "¥2,157.72"
        assert page.locator(".flash").count() == 0  # nothing issued yet
        page.screenshot(path=str(ARTIFACTS / "forms-run-preview-1366.png"), full_page=True)
        page.set_viewport_size({"width": 375, "height": 740})
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=str(ARTIFACTS / "forms-run-preview-375.png"), full_page=True)
        page.locator("#run-preview button[type=submit]").click()
        page.wait_for_selector(".flash.success")
        assert "¥2,157.72" in page.locator(".flash.success").inner_text()
    finally:
        context.close()
