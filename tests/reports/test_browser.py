"""An auditor opens the portal and its charts in a real browser: on a 375 px phone (labelled cards,
no sideways scrolling, charts drawn as SVG with their text) and on a 1366 px desktop; from a chart
to the rows behind it. Figures of tests/reports/conftest.py. Screenshots go to
test-artifacts/tables/."""
from __future__ import annotations

import pytest

from tests.browser.test_tables import ARTIFACTS, DESKTOP, PHONE, assert_labelled_cards, open_as

pytestmark = pytest.mark.browser


def test_an_auditor_opens_the_portal_and_a_chart_on_a_phone(browser, live_server, paid_claim):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page = open_as(browser, live_server, PHONE, "auditor")
    try:
        page.goto("/")
        page.locator("nav.mainnav a[href='/reports']").click()
        page.wait_for_url("**/reports")
        page.locator("#period").fill("2026-03")
        page.locator("form:has(#period) button[type=submit]").click()
        page.wait_for_url("**/reports?period=2026-03")
        assert page.locator("h1").inner_text() == "审计门户：通州区，2026-03"
        assert_labelled_cards(page, "#programs", ["申报金额", "已核准"])
        assert "¥103.86" in page.locator("#money-TBB-2026").inner_text()
        chart = page.locator("#chart-collection svg[role=img]")
        assert chart.is_visible() and chart.bounding_box()["width"] <= 375
        assert "2026-03: 61.2" in page.locator("#chart-collection svg desc").text_content()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=str(ARTIFACTS / "auditor-portal-375.png"), full_page=True)

        page.locator("#money-TBB-2026 th a").click()
        page.wait_for_url("**/reports/programs/TBB-2026?period=2026-03")
        bars = page.locator("#chart-months svg[role=img]")
        assert bars.is_visible() and "03: 78.9" in bars.locator("desc").text_content()  # 8193 / 10386
        page.locator("#chart-months figcaption a").click()
        page.wait_for_url("**/reports/rows/claims?**")
        assert_labelled_cards(page, "#rows", ["申报金额", "已拨付"])
        assert "部分核准" in page.locator("#rows tbody tr").first.inner_text()
        page.screenshot(path=str(ARTIFACTS / "auditor-claims-rows-375.png"), full_page=True)
    finally:
        context.close()


def test_the_portal_uses_the_width_on_a_desktop(browser, live_server, paid_claim):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page = open_as(browser, live_server, DESKTOP, "auditor")
    try:
        page.goto("/reports?period=2026-03")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        head = page.locator("#estate-figures thead th")
        assert head.count() == 12
        cell = page.locator("#estate-figures tbody tr").nth(1).locator("th").bounding_box()
        assert cell["height"] < 80, cell  # the estate's name on one or two lines, not a column of letters
        page.screenshot(path=str(ARTIFACTS / "auditor-portal-1366.png"), full_page=True)
        page.locator("#estate-figures tbody tr").nth(1).locator("td").nth(1).locator("a").click()
        page.wait_for_url("**/reports/rows/bills?**")
        assert page.locator("#rows tbody tr").count() == 2
    finally:
        context.close()
