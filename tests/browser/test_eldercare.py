"""Elder care on a phone (375×740, CSRF on): a care worker checks in with the home code from the
elder's card, checks out, and the elder confirms with the PIN on the worker's phone (a wrong PIN
first: the message beside the field)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_forms import assert_beside, log_in
from tests.eldercare.conftest import PIN, Api

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "eldercare"


def assert_fits(page, name: str):
    """No horizontal scrolling; every control (a radio or checkbox: its label) at least 44 px high."""
    page.screenshot(path=str(ARTIFACTS / f"{name}-375.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{name}: page is {width}px wide on a 375px screen"
    small = page.evaluate("""() => [...document.querySelectorAll(
            'main button, main input:not([type=hidden]), main select, main textarea, main a.button, .visit-elder a')]
        .filter(e => e.offsetParent !== null)
        .map(e => ['radio', 'checkbox'].includes(e.type) ? e.closest('label') : e)
        .map(e => [e.textContent.trim() || e.name || e.id, e.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert small == [], f"{name}: touch targets under 44px: {small}"


def test_care_worker_checks_in_out_and_the_elder_confirms(phone, client, world, clock):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    api = Api(client)
    api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=4000, min_minutes=30)
    elder = api.register()
    visit = api.book(elder["id"], start="09:00", end="10:00")["id"]
    page = phone
    log_in(page, "carer")
    page.goto("/eldercare/today")
    card = page.locator(f"#visit-{visit}")
    assert "09:00–10:00" in card.inner_text() and "张三" in card.inner_text() and "待上门" in card.inner_text()
    assert_fits(page, "1-today")

    # Check in with the code typed from the card (lower case and a space: as typed on a phone).
    code = elder["home_code"]
    page.locator(f"#check-in-{visit}-home_code").fill(f"{code[:5].lower()} {code[5:]}")
    card.get_by_role("button", name="签到").tap()
    page.wait_for_selector(".flash.success")
    assert "入户码核验通过" in page.locator(".flash.success").inner_text()
    assert "入户码已核验" in card.inner_text()
    assert_fits(page, "2-checked-in")

    # Check out with the outcome and a note.
    card.get_by_label("部分完成").check()
    page.locator(f"#check-out-{visit}-note").fill("地面已清洁，窗户下次再擦")
    card.get_by_role("button", name="签退").tap()
    page.wait_for_selector(f"#confirm-visit-{visit}-pin")
    assert "部分完成" in card.inner_text() and "待老人确认" in card.inner_text()
    assert_fits(page, "3-checked-out")

    # The elder types a wrong PIN: the message is beside the field, four tries left.
    page.locator(f"#confirm-visit-{visit}-pin").fill("0000")
    card.get_by_role("button", name="确认本次服务").tap()
    page.wait_for_selector(f"#confirm-visit-{visit}-pin-error")
    assert_beside(page, f"confirm-visit-{visit}-pin")
    assert "4" in page.locator(f"#confirm-visit-{visit}-pin-error").inner_text()
    assert_fits(page, "4-wrong-pin")

    page.locator(f"#confirm-visit-{visit}-pin").fill(PIN)
    page.locator(f"#visit-{visit}").get_by_role("button", name="确认本次服务").tap()
    page.wait_for_selector(".flash.success")
    card = page.locator(f"#visit-{visit}")
    assert "已确认" in card.inner_text() and "老人已于" in card.inner_text()
    assert_fits(page, "5-confirmed")
    shown = api.get("manager", f"/api/v1/visits/{visit}").get_json()
    assert (shown["status"], shown["verified"], shown["outcome"]) == ("confirmed", True, "partly_completed")

    # The elder's page and the registration form fit the phone too.
    page.goto(f"/eldercare/elders/{elder['id']}")
    assert_fits(page, "6-elder")
    page.goto("/eldercare/elders/new")
    assert_fits(page, "7-register")


def test_manager_acknowledges_a_missed_check_in_on_a_phone(phone, browser, live_server, client, world, clock, db):
    from pms.eldercare.services import alerts

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    api = Api(client)
    api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=4000, min_minutes=30)
    elder = api.register()
    api.book(elder["id"], start="10:00", end="11:00")
    api.book(elder["id"], start="15:00", end="16:00")
    clock.advance(hours=3)  # 12:00: the first window ended an hour ago
    assert alerts.sweep_missed(db) == 1
    db.commit()
    page = phone
    log_in(page, "manager")
    page.goto("/eldercare/today")
    assert page.locator("#care-today-worker").is_visible()
    assert_fits(page, "8-manager-today")
    page.goto("/eldercare/alerts")
    assert "张三" in page.locator("article.care-alert").inner_text()
    assert_fits(page, "9-alerts")
    page.locator("article.care-alert textarea").fill("电话联系女儿：老人在女儿家，平安")
    page.get_by_role("button", name="处理预警").tap()
    page.wait_for_selector(".flash.success")
    assert page.locator("article.care-alert").count() == 0
    # The same pages on a desktop screen.
    desktop = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        wide = desktop.new_page()
        log_in(wide, "manager")
        for name, url in [("today", "/eldercare/today"), ("elders", "/eldercare/elders"),
                          ("elder", f"/eldercare/elders/{elder['id']}"), ("alerts", "/eldercare/alerts?open=false")]:
            wide.goto(url)
            assert wide.evaluate("document.documentElement.scrollWidth") <= 1366
            wide.screenshot(path=str(ARTIFACTS / f"desktop-{name}-1366.png"), full_page=True)
    finally:
        desktop.close()
