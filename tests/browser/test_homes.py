"""Each role's home in a real browser at 375×740 (phone) and 1366×900 (desktop): it renders its
counts, fits the screen, its tap targets are ≥ 44 px on the phone, text contrast is ≥ 4.5:1, and
every link on it opens. Screenshots: test-artifacts/homes/<role>-<width>.png (not committed)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import PHONE
from tests.factories import PASSWORD
from tests.home.fixtures import build

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "homes"
SIZES = {375: PHONE, 1366: {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN",
                            "timezone_id": "Asia/Shanghai"}}
# What each home shows in its <h1> or counts (zh_CN, hand-computed on tests/home/fixtures.py).
ROLES = {"resident": "¥260.00", "manager": "¥100.00", "admin": "¥100.00", "finance": "¥160.00",
         "tech": "YJL-3-2-502", "carer": "今日上门服务", "auditor": "33.3"}

# Text whose contrast against its own (or nearest opaque ancestor's) background is below 4.5:1.
LOW_CONTRAST = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const bg = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
                     if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3); } return [255, 255, 255]; };
  const bad = [];
  for (const el of document.querySelectorAll('main *, header *')) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    if (el.offsetParent === null) continue;
    const a = lum(rgb(getComputedStyle(el).color).slice(0, 3)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) bad.push([el.textContent.trim().slice(0, 30), ratio.toFixed(2)]);
  }
  return bad; }"""
SMALL_TARGETS = """() => [...document.querySelectorAll('main a, main button, header a, header button')]
  .filter(e => e.offsetParent !== null && !e.closest('p, td, dd'))
  .map(e => [e.textContent.trim().slice(0, 30), Math.round(e.getBoundingClientRect().height)])
  .filter(([, h]) => h < 44)"""


@pytest.fixture
def home_world(db, world, clock):
    return build(db, world, clock)


@pytest.mark.parametrize("width", sorted(SIZES))
@pytest.mark.parametrize("user", sorted(ROLES))
def test_home_renders_fits_and_every_link_opens(browser, live_server, home_world, user, width):
    context = browser.new_context(base_url=live_server, **SIZES[width])
    context.set_default_timeout(10000)
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("用户名").fill(user)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: url.endswith("/"))
        assert ROLES[user] in page.locator("main").inner_text(), user
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{user}-{width}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{user}: the page is {scroll}px wide on a {width}px screen"
        assert page.evaluate(LOW_CONTRAST) == [], user
        if width == 375:
            assert page.evaluate(SMALL_TARGETS) == [], user
        links = sorted(set(page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")))
        assert links, user
        for href in links:
            response = page.request.get(href)
            assert response.status == 200, (user, href, response.status)
        # The header's notifications link opens too, with the unread count beside it for the manager.
        page.locator("header a.bell").click()
        page.wait_for_url("**/maintenance/notifications")
    finally:
        context.close()
