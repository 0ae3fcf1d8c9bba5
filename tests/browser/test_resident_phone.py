"""A resident on a phone: log in with the real form, see the own home, nothing else, switch
language, log out."""
from __future__ import annotations

import os

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = "/tmp"


def assert_fits_the_phone(page):
    """No horizontal scrolling, and every control is a comfortable touch target."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px screen"
    small = page.evaluate("""() => [...document.querySelectorAll(
            'button, input, .mainnav a, a.lang, a.item, a.tile, a.button')]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert small == [], f"touch targets under 44px: {small}"


def test_resident_on_a_phone(phone, world):
    page = phone
    page.goto("/")
    assert page.url.endswith("/login?next=/?")
    assert page.locator("h1").inner_text() == "登录"
    assert_fits_the_phone(page)

    page.get_by_label("用户名").fill("resident")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").tap()
    page.wait_for_url(lambda url: url.endswith("/"))  # the resident's home, then their rooms
    page.locator(".mainnav").get_by_role("link", name="我的家").tap()
    page.wait_for_url("**/my/rooms")

    assert page.locator("h1").inner_text() == "我的家"
    card = page.locator("section.room")
    assert card.count() == 1
    card_text = card.inner_text()
    for expected in ["云景里 3号楼2单元501室", "YJL-3-2-501", "建筑面积", "86.55 平方米", "住宅",
                     "张三", "13912345678"]:
        assert expected in card_text, expected
    assert "李四" not in page.content() and "YJL-3-2-502" not in page.content()
    assert_fits_the_phone(page)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    page.screenshot(path=f"{SCREENSHOT_DIR}/pms-resident-phone-{worker}.png", full_page=True)

    # Another room of the same entrance: the 404 page, in the site's layout.
    response = page.goto("/rooms/YJL-3-2-502")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "找不到页面"
    assert "李四" not in page.content()
    assert_fits_the_phone(page)

    # Back home through the menu, then switch to English.
    page.get_by_role("link", name="我的家").tap()
    page.wait_for_url("**/my/rooms")
    page.get_by_role("link", name="English").tap()
    page.wait_for_url("**/my/rooms?lang=en")
    assert page.locator("h1").inner_text() == "My home"
    card_text = page.locator("section.room").inner_text()
    for expected in ["Building 3, entrance 2, room 501", "Floor area", "86.55 m²", "Residential",
                     "Owners", "张三"]:
        assert expected in card_text, expected
    assert_fits_the_phone(page)
    page.screenshot(path=f"{SCREENSHOT_DIR}/pms-resident-phone-en-{worker}.png", full_page=True)

    # Log out (a POST with the page's CSRF token); the language choice stays.
    page.get_by_role("button", name="Log out").tap()
    page.wait_for_url("**/login")
    assert "You have logged out." in page.locator(".flash").inner_text()
    page.goto("/my/rooms")
    assert "/login?next=" in page.url
