"""A resident on a phone (375 px) opens the estate's public notice from their home: it fits the
screen, reads in Chinese, shows its tables and charts; a manager's desktop (1366 px) view uses the
width. Screenshots: /tmp/pms-public-notice-<who>-<width>.png (to look at)."""
from __future__ import annotations

import pytest

from pms.core.db import get_session
from tests.browser.test_resident_phone import assert_fits_the_phone
from tests.factories import PASSWORD
from tests.statements import notice_world

pytestmark = pytest.mark.browser


@pytest.fixture
def published(app, world, clock):
    from pms.accounts.models import User
    from pms.accounts.services import build_principal
    from pms.statements import public_notice
    from sqlalchemy import select

    with app.app_context():
        s = get_session()
        notice_world.build(s, world)
        manager = build_principal(s, s.scalar(select(User).where(User.username == "manager")))
        public_notice.publish(s, manager, s.get(type(world.yjl), world.yjl.id), 2026)
        s.commit()
    return world


def _log_in(page, username):
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: url.endswith("/"))


def test_a_resident_opens_the_notice_from_home_on_a_phone(phone, published):
    page = phone
    _log_in(page, "resident")
    card = page.locator("section.home-notices")
    assert "云景里" in card.inner_text()
    card.get_by_role("link").first.tap()
    page.wait_for_url("**/estates/YJL/public-notices/2026")
    assert "云景里" in page.locator("h1").inner_text() and "2026" in page.locator("h1").inner_text()
    body = page.locator("main").inner_text()
    for expected in ("物业服务费", "¥1,415.44", "¥300.00", "上下水", "更换供水立管", "先尝后买物业服务补贴", "66.7%"):
        assert expected in body, expected
    assert page.locator("#chart-income svg").count() == 1 and page.locator("#chart-repairs svg").count() == 1
    # Readable without zooming: body text at least 16 px, and nothing wider than the phone.
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('main td')).fontSize)") >= 16
    assert_fits_the_phone(page)
    page.screenshot(path="/tmp/pms-public-notice-resident-375.png", full_page=True)
    pdf = page.request.get(page.locator("a.pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"


def test_a_manager_sees_the_tables_across_the_width(browser, live_server, published):
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    try:
        page = context.new_page()
        _log_in(page, "manager")
        page.goto("/estates/YJL")
        page.locator('main a[href="/estates/YJL/public-notices"]').click()
        page.wait_for_url("**/estates/YJL/public-notices")
        page.locator('#notice-years a[href="/estates/YJL/public-notices/2026"]').click()
        page.wait_for_url("**/estates/YJL/public-notices/2026")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        width = page.evaluate("document.querySelector('#income').getBoundingClientRect().width")
        assert width > 800, width  # the tables use the width of a desktop screen
        page.screenshot(path="/tmp/pms-public-notice-manager-1366.png", full_page=True)
    finally:
        context.close()
