"""A building's statements from the web: the preview (how many, what they add up to), then one PDF."""
from __future__ import annotations

import pytest

from pms.core.db import get_session
from tests.billing.test_views_accounts import login
from tests.forms_html import assert_field_error
from tests.statements import helpers as h

PREVIEW = "/statements/print?lang=en&estate=YJL&period=2026-01&building=3"
CONFIRM = {"estate": "YJL", "period": "2026-01", "building": "3"}


@pytest.fixture
def bills(app, world):
    """YJL 3-2-501 and 3-2-502 billed for January (86.55 m² × ¥1.20 = ¥103.86 each); HXY 1-1-101 too."""
    with app.app_context():
        s = get_session()
        numbers = {room.code: h.make_bill(s, room, "2026-01").number
                   for room in (world.r501, world.r502, world.r101)}
        s.commit()
    return numbers


def test_preview_counts_and_sums_then_the_pdf_holds_them(client, bills, pdf_tools):
    login(client, "finance")
    html = client.get(PREVIEW).get_data(as_text=True)
    assert '<dd id="preview-statements">2</dd>' in html and '<dd id="preview-total">¥207.72</dd>' in html
    assert "YJL-3-2-501 – YJL-3-2-502" in html and "Print 2 statements (PDF)" in html
    response = client.post("/statements/print?lang=en", data=CONFIRM)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="YJL-2026-01-3.pdf"'
    text = pdf_tools.text(response.data)
    assert bills["YJL-3-2-501"] in text and bills["YJL-3-2-502"] in text
    assert bills["HXY-1-1-101"] not in text


def test_a_building_without_bills_is_said_beside_the_building(client, bills):
    login(client, "manager")
    response = client.get("/statements/print?lang=en&estate=YJL&period=2026-01&building=9")
    assert response.status_code == 422
    assert_field_error(response.get_data(as_text=True), "print-building", value="9",
                       message="Building 9 has no bills in 2026-01.", label="Building")
    refused = client.post("/statements/print?lang=en", data={**CONFIRM, "period": "2026-1"})
    assert refused.status_code == 422 and refused.mimetype == "text/html"
    assert_field_error(refused.get_data(as_text=True), "print-period", value="2026-1", label="Period")


# Who may print which estate's building: foreign estates 404, roles without the button 403.
MATRIX = [("admin", "HXY", 200), ("manager", "YJL", 200), ("finance", "YJL", 200), ("manager", "HXY", 404),
          ("auditor", "YJL", 403), ("tech", "YJL", 403), ("resident", "YJL", 403), ("other_manager", "HXY", 200),
          ("other_manager", "YJL", 404)]


@pytest.mark.parametrize(("user", "estate", "status"), MATRIX)
def test_print_by_role(client, bills, user, estate, status):
    login(client, user)
    building = "1" if estate == "HXY" else "3"
    response = client.post("/statements/print", data={**CONFIRM, "estate": estate, "building": building})
    assert response.status_code == status
    preview = client.get(f"/statements/print?estate={estate}&period=2026-01&building={building}")
    assert preview.status_code == status
