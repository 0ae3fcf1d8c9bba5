"""Tables on a phone and on a desktop: at 375 px each row of a resident's bills and of the front
desk's account page is a card whose values keep their labels; at 1366 px the table is a table that
uses the width. Screenshots go to test-artifacts/tables/."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.billing.helpers_payments import issue_bill, make_plan
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "tables"
PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}

# Each cell's label (its ::before) and value, where they sit, and how the table is laid out.
CELLS = """(selector) => [...document.querySelectorAll(selector + ' tbody td[data-label]')].map(td => {
    const before = getComputedStyle(td, '::before');
    const box = td.getBoundingClientRect();
    return {label: td.dataset.label, shown: before.content.replace(/^"|"$/g, ''),
            display: before.display, float: before.cssFloat, color: before.color,
            height: box.height, width: box.width, value: td.innerText.trim()};
})"""
LAYOUT = """(selector) => {
    const t = document.querySelector(selector);
    const head = t.querySelector('thead');
    return {table: getComputedStyle(t).display, row: getComputedStyle(t.querySelector('tbody tr')).display,
            head: head ? getComputedStyle(head).display : null, width: t.getBoundingClientRect().width,
            main: document.querySelector('main').getBoundingClientRect().width,
            page: document.documentElement.scrollWidth};
}"""


@pytest.fixture
def bills(db, world):
    plan = make_plan(db, world.yjl)
    for period, fen in (("2026-01", 18600), ("2026-02", 18600)):
        issue_bill(db, world.r501, period, fen, plan=plan, subsidy_fen=3000)
    db.commit()


def open_as(browser, live_server, size: dict, username: str):
    context = browser.new_context(base_url=live_server, **size)
    context.set_default_timeout(5000)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return context, page


def assert_labelled_cards(page, selector: str, labels: list[str]):
    """Rows are cards; every value has its column's name shown to its left on the same line."""
    layout = page.evaluate(LAYOUT, selector)
    assert layout["row"] == "block" and layout["head"] == "none", layout
    assert layout["page"] <= 375, f"page is {layout['page']}px wide on a 375px phone"
    cells = page.evaluate(CELLS, selector)
    assert cells, "no cells"
    for cell in cells:
        assert cell["shown"] == cell["label"] and cell["float"] == "left", cell
        assert cell["height"] < 100, cell  # label and value side by side, not a tall column
    shown = {c["shown"] for c in cells}
    for label in labels:
        assert label in shown, (label, shown)
    small = page.evaluate(f"""[...document.querySelectorAll('{selector} tbody td a')]
        .filter(a => a.offsetParent !== null && a.getBoundingClientRect().height < 44)
        .map(a => a.textContent.trim())""")
    assert small == [], f"links under 44 px: {small}"
    # The label text is visible on the screen, beside its value.
    first = page.locator(f"{selector} tbody tr").first
    assert first.is_visible()
    text = first.inner_text()
    for cell in cells[:3]:
        assert cell["value"].split()[0] in text


def test_bills_and_account_are_labelled_cards_on_a_phone(browser, live_server, bills):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page = open_as(browser, live_server, PHONE, "resident")
    try:
        page.goto("/my/bills")
        assert_labelled_cards(page, "#bills", ["账期", "金额", "补贴", "应缴金额", "尚需缴纳", "对账单"])
        card = page.locator("#bills tbody tr").first.inner_text()
        assert "¥186.00" in card and "¥30.00" in card and "¥156.00" in card
        assert page.locator("#bills tbody tr").first.get_by_role("link", name="查看 PDF").is_visible()
        page.screenshot(path=str(ARTIFACTS / "resident-bills-375.png"), full_page=True)
    finally:
        context.close()
    context, page = open_as(browser, live_server, PHONE, "finance")
    try:
        page.goto("/rooms/YJL-3-2-501/account")
        assert_labelled_cards(page, "#bills table", ["账期", "账单", "缴费截止日", "应缴金额", "已缴", "未缴金额"])
        page.screenshot(path=str(ARTIFACTS / "front-desk-account-375.png"), full_page=True)
    finally:
        context.close()


def test_tables_use_the_width_on_a_desktop(browser, live_server, bills):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for username, url, selector in (("resident", "/my/bills", "#bills"),
                                    ("finance", "/rooms/YJL-3-2-501/account", "#bills table")):
        context, page = open_as(browser, live_server, DESKTOP, username)
        try:
            page.goto(url)
            layout = page.evaluate(LAYOUT, selector)
            assert layout["table"] == "table" and layout["row"] == "table-row", layout
            assert layout["head"] == "table-header-group", layout
            assert layout["main"] > 1200, layout  # not a 960 px column on a 1366 px screen
            assert layout["page"] <= 1366, layout
            cells = page.evaluate(CELLS, selector)
            assert all(c["shown"] in ("none", "") or c["display"] == "none" or c["float"] != "left"
                       for c in cells), "labels only on the phone"
            aligned = page.evaluate(f"""[...document.querySelectorAll('{selector} td.num')]
                .map(td => getComputedStyle(td).textAlign)""")
            assert aligned and set(aligned) == {"right"}
            name = url.strip("/").replace("/", "-")
            page.screenshot(path=str(ARTIFACTS / f"{username}-{name}-1366.png"), full_page=True)
        finally:
            context.close()


from tests.maintenance.test_queue_filters import queue_world  # noqa: E402,F401  (a fixture)


def test_repair_queue_filters_and_cards(browser, live_server, queue_world):
    """The manager's queue: filters that stay chosen, cards with labels on the phone, a wide table."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page = open_as(browser, live_server, PHONE, "manager")
    try:
        page.goto("/maintenance/queue")
        page.get_by_label("紧急程度").select_option("urgent")
        page.get_by_label("维修工").select_option("none")
        page.get_by_role("button", name="查看").click()
        page.wait_for_url("**/maintenance/queue?*")
        shown = {int(t) for t in page.eval_on_selector_all("#queue tbody tr[data-ticket]",
                                                           "rows => rows.map(r => r.dataset.ticket)")}
        assert shown == {queue_world["T1"], queue_world["T5"]}
        assert page.get_by_label("紧急程度").input_value() == "urgent"
        assert_labelled_cards(page, "#queue", ["报修单", "位置", "问题", "状态", "时限", "维修工"])
        page.screenshot(path=str(ARTIFACTS / "manager-queue-375.png"), full_page=True)
    finally:
        context.close()
    context, page = open_as(browser, live_server, DESKTOP, "manager")
    try:
        page.goto("/maintenance/queue?status=all")
        layout = page.evaluate(LAYOUT, "#queue")
        assert layout["table"] == "table" and layout["main"] > 1200 and layout["page"] <= 1366, layout
        page.screenshot(path=str(ARTIFACTS / "manager-queue-1366.png"), full_page=True)
        page.goto(f"/maintenance/tickets/{queue_world['T2']}")
        assert "赵师傅" in page.locator("body").inner_text()
    finally:
        context.close()


from tests.billing.test_tables import rooms  # noqa: E402,F401  (a fixture)


def test_arrears_sorted_by_amount_on_a_phone(browser, live_server, rooms):
    """The phone hides the headers, so the sort choices sit above the cards; both orders hold."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page = open_as(browser, live_server, PHONE, "finance")
    try:
        page.goto("/estates/YJL/arrears?as_of=2026-03-16")
        cells = "#arrears tbody td[data-label='房屋'] a"
        assert page.locator(cells).all_inner_texts() == ["YJL-2-1-101", "YJL-3-2-501", "YJL-10-1-101"]
        page.locator(".sort-links").get_by_role("link", name="金额从高到低").click()
        page.wait_for_url("**sort=-outstanding*")
        assert page.locator(cells).all_inner_texts() == ["YJL-3-2-501", "YJL-2-1-101", "YJL-10-1-101"]
        assert_labelled_cards(page, "#arrears", ["房屋", "未缴金额", "逾期天数"])
        page.screenshot(path=str(ARTIFACTS / "finance-arrears-375.png"), full_page=True)
    finally:
        context.close()
    context, page = open_as(browser, live_server, DESKTOP, "finance")
    try:
        page.goto("/billing/collection?estate=YJL&period=2026-01")
        page.screenshot(path=str(ARTIFACTS / "finance-collection-1366.png"), full_page=True)
        page.goto("/estates/YJL/arrears?as_of=2026-03-16")
        page.locator("#arrears thead").get_by_role("link", name="未缴金额").click()
        page.wait_for_url("**sort=-outstanding*")
        assert page.locator("#arrears thead th[aria-sort='descending']").inner_text().startswith("未缴金额")
        page.screenshot(path=str(ARTIFACTS / "finance-arrears-1366.png"), full_page=True)
    finally:
        context.close()
