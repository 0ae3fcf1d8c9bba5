"""The front desk in a real browser (CSRF on): record a payment in yuan, then credit a bill."""
from __future__ import annotations

import os

import pytest

from tests.billing.helpers_payments import issue_bill, make_plan
from tests.factories import PASSWORD, number

pytestmark = pytest.mark.browser

DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def desk(browser, live_server):
    """A desktop-sized, Chinese-language page on the live server."""
    context = browser.new_context(base_url=live_server, **DESK)
    context.set_default_timeout(5000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def test_front_desk_pays_and_credits(desk, db, world):
    plan = make_plan(db, world.yjl)
    jan, feb = (issue_bill(db, world.r501, p, 10000, plan=plan) for p in ("2026-01", "2026-02"))
    db.commit()
    page = desk
    page.goto("/login")
    page.get_by_label("用户名").fill("finance")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto("/rooms/YJL-3-2-501/account")

    # A payment in yuan pays January in full and part of February.
    page.get_by_label("金额（元）", exact=True).fill("123.45")
    page.get_by_role("button", name="登记缴费").click()
    assert "¥123.45" in page.locator(".flash").inner_text()

    # February still owes ¥76.55: credit ¥20.00 of it with a reason.
    row = page.locator("#bills tr", has_text=feb.number)
    row.locator("summary").click()
    row.get_by_label("冲减金额（元）").fill("20")
    row.get_by_label("原因").fill("停水期间减免")
    row.get_by_role("button", name="开具冲减单").click()
    flash = page.locator(".flash").inner_text()
    assert number(1, series="C") in flash and feb.number in flash
    credits = page.locator("#credit-notes").inner_text()
    assert "停水期间减免" in credits and "¥20.00" in credits
    feb_row = page.locator("#bills tr", has_text=feb.number).inner_text()
    assert "¥56.55" in feb_row  # 100.00 − 23.45 paid − 20.00 credited

    # More than is outstanding: the form comes back open with the error next to the amount.
    row = page.locator("#bills tr", has_text=feb.number)
    row.locator("summary").click()
    row.get_by_label("冲减金额（元）").fill("60")
    row.get_by_label("原因").fill("再减")
    row.get_by_role("button", name="开具冲减单").click()
    assert "最多可冲减未缴金额 ¥56.55" in page.locator("#bills tr", has_text=feb.number).inner_text()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    page.screenshot(path=f"/tmp/pms-front-desk-{worker}.png", full_page=True)
