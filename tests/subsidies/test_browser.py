"""The programme pages on a 375 px phone (labelled cards, no sideways scrolling, the allocation
form usable) and on a 1366 px desktop (a table using the width). Screenshots go to
test-artifacts/tables/."""
from __future__ import annotations

from datetime import date

import pytest

from pms.core.auth import system_principal
from pms.subsidies.services import allocations, programs
from tests.browser.test_tables import ARTIFACTS, DESKTOP, LAYOUT, PHONE, assert_labelled_cards, open_as
from tests.eldercare.conftest import api  # noqa: F401  (fixture)
from tests.eldercare.test_billing import program  # noqa: F401  (fixture)
from tests.subsidies.test_claims import billed  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def programme(db, world):
    programs.create_program(db, "TZ-1", "老旧小区物业先尝后买", district_code="110112", kind="property_service",
                            budget_fen=100000, period_from=date(2026, 1, 1), period_to=date(2026, 12, 31))
    allocations.allocate(db, system_principal(), "TZ-1", "YJL", 60000)
    db.commit()


def test_programmes_on_a_phone_and_a_desktop(browser, live_server, programme):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page = open_as(browser, live_server, PHONE, "officer")
    try:
        page.goto("/programs")
        assert_labelled_cards(page, "#programmes", [])
        card = page.locator("#programmes tbody tr").first.inner_text()
        assert "¥1,000.00" in card and "¥600.00" in card and "¥400.00" in card
        page.screenshot(path=str(ARTIFACTS / "officer-programmes-375.png"), full_page=True)
        page.locator("#programmes tbody a").first.click()
        page.wait_for_url("**/programs/TZ-1")
        assert_labelled_cards(page, "#estate-YJL table", ["金额"])
        page.locator("#allocation-amount").fill("400.01")
        page.locator("#allocate button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#allocation-amount").input_value() == "400.01"
        assert page.locator("#allocation-amount-error").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=str(ARTIFACTS / "officer-programme-refused-375.png"), full_page=True)
        page.locator("#allocation-amount").fill("400")
        page.locator("#allocate button[type=submit]").click()
        page.wait_for_url("**/programs/TZ-1")
        assert page.locator("#left").inner_text() == "¥0.00"
    finally:
        context.close()
    context, page = open_as(browser, live_server, DESKTOP, "auditor")
    try:
        page.goto("/programs")
        layout = page.evaluate(LAYOUT, "#programmes")
        assert layout["table"] == "table" and layout["main"] > 1200 and layout["page"] <= 1366, layout
        page.screenshot(path=str(ARTIFACTS / "auditor-programmes-1366.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def submitted_claim(api, billed):  # noqa: F811
    claim = api.post("finance", "/api/v1/claims", {"program": "TBB-2026", "estate": "YJL", "period": "2026-03"})
    assert api.post("finance", f"/api/v1/claims/{claim.get_json()['id']}/submit").status_code == 200
    return claim.get_json()


def test_an_officer_reviews_a_claim_on_a_phone(browser, live_server, submitted_claim):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page = open_as(browser, live_server, PHONE, "officer")
    try:
        page.goto(f"/claims/{submitted_claim['id']}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        second = submitted_claim["lines"][1]["id"]
        page.locator(f"#claim-review-approved-{second}").fill("30")
        page.locator("#lines button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator(f"#claim-review-reason-{second}-error").is_visible()
        assert page.locator(f"#claim-review-approved-{second}").input_value() == "30"
        page.screenshot(path=str(ARTIFACTS / "officer-claim-refused-375.png"), full_page=True)
        page.locator(f"#claim-review-reason-{second}").fill("面积核减")
        page.locator("#lines button[type=submit]").click()
        page.wait_for_url(f"**/claims/{submitted_claim['id']}")
        assert page.locator("#approved").inner_text() == "¥81.93"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=str(ARTIFACTS / "officer-claim-reviewed-375.png"), full_page=True)
    finally:
        context.close()
    context, page = open_as(browser, live_server, DESKTOP, "auditor")
    try:
        page.goto(f"/claims/{submitted_claim['id']}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        page.screenshot(path=str(ARTIFACTS / "auditor-claim-1366.png"), full_page=True)
    finally:
        context.close()
