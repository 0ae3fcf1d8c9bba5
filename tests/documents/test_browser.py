"""An auditor checks a receipt file from the menu in a real browser, on a 375 px phone and a 1366 px
desktop: genuine, then an edited copy refused. Screenshots go to test-artifacts/tables/."""
from __future__ import annotations

import pytest

from tests.browser.test_tables import ARTIFACTS, DESKTOP, PHONE, open_as
from tests.documents.test_archive import edited, paid  # noqa: F401  (fixture)
from tests.factories import bearer

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport, name", [(PHONE, "375"), (DESKTOP, "1366")])
def test_an_auditor_checks_a_receipt(browser, live_server, client, paid, tmp_path, viewport, name):  # noqa: F811
    pdf = client.get(f"/api/v1/receipts/{paid['receipt']}.pdf", headers=bearer(client, "finance")).data
    genuine, altered = tmp_path / "收据.pdf", tmp_path / "edited.pdf"
    genuine.write_bytes(pdf)
    altered.write_bytes(edited(pdf))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page = open_as(browser, live_server, viewport, "auditor")
    try:
        page.goto("/")
        page.locator("nav.mainnav a[href='/documents/verify']").click()
        page.wait_for_url("**/documents/verify")
        page.locator("#file").set_input_files(str(genuine))
        page.locator("form:has(#file) button[type=submit]").click()
        result = page.locator("#result")
        result.wait_for()
        assert "真实" in result.inner_text() and paid["receipt"] in result.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["viewport"]["width"]
        page.screenshot(path=str(ARTIFACTS / f"document-check-{name}.png"), full_page=True)
        page.locator("#file").set_input_files(str(altered))
        page.locator("form:has(#file) button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#result .error").is_visible()
        assert paid["receipt"] in page.locator("#result").inner_text()
    finally:
        context.close()
