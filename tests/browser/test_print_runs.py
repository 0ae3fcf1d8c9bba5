"""A print run in a real browser (CSRF on), on a phone (375 px) and a desktop (1366 px): the
billing page's button → the form → the confirmation → the run's page, whose progress bar follows
the run (polled every 2 s) and which then lists the files."""
from __future__ import annotations

import pytest

from tests.billing.helpers_payments import issue_bill, make_plan
from tests.browser_support import PHONE
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_button_confirmation_progress(app, browser, live_server, db, world, size):
    from jobs.print_runs import work_print_runs

    plan = make_plan(db, world.yjl)
    for room in (world.r501, world.r502):
        issue_bill(db, room, "2026-01", 10000, plan=plan)
    db.commit()
    context = browser.new_context(base_url=live_server, **(PHONE if size == "phone" else DESKTOP))
    context.set_default_timeout(8000)
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_label("用户名").fill("finance")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.goto("/billing/runs")
        page.locator("#print-run-button").click()
        page.locator("#print_run-kind").select_option("statements")
        page.locator("#print_run-estate").select_option("YJL")
        page.locator("#print_run-period").fill("2026-01")
        page.locator("#print-run-form button[type=submit]").click()
        assert page.locator("#preview-documents").inner_text() == "2"
        assert page.locator("#preview-total").inner_text() == "¥200.00"
        page.screenshot(path=f"/tmp/pms-print-run-confirm-{size}.png", full_page=True)
        page.locator("#confirm-print-run").click()
        page.wait_for_url("**/statements/print-runs/1")
        assert page.locator("#print-run-progress").get_attribute("value") == "0"
        page.screenshot(path=f"/tmp/pms-print-run-queued-{size}.png", full_page=True)
        assert page.viewport_size["width"] >= page.evaluate("document.documentElement.scrollWidth")
        assert work_print_runs(app, workers=1) == [1]
        # The page polls, sees the run done and reloads with the files.
        page.locator("#print-run-files a").first.wait_for()
        assert page.locator("#print-run-files a").all_inner_texts() == ["YJL-2026-01-3.pdf"]
        assert page.locator("#print-run-progress").get_attribute("value") == "1"
        page.screenshot(path=f"/tmp/pms-print-run-done-{size}.png", full_page=True)
        assert page.viewport_size["width"] >= page.evaluate("document.documentElement.scrollWidth")
    finally:
        context.close()
