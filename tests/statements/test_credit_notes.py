"""A credit note's PDF: its number, the bill, the credit per line as the ledger booked it, the
reason; who may download it.

Hand-computed numbers: the bill of tests/statements/test_statement.py (YJL-3-2-501, January 2026)
asks 5193 (property, after the subsidy), 18000 (elevator) and 15000 (parking) = 38193 fen. A
credit of 10000 shares 10000 × 5193 / 38193 = 1359.67, × 18000 / 38193 = 4712.90 and
× 15000 / 38193 = 3927.42: 1359 + 4712 + 3927 = 9998, the two fen left go to the largest
remainders (.90, .67) → 1360, 4713, 3927 (¥13.60, ¥47.13, ¥39.27)."""
from __future__ import annotations

import pytest

from pms.billing.services.credit_notes import issue_credit_note
from pms.core.auth import system_principal
from pms.statements import credit_notes
from tests.factories import bearer
from tests.statements.conftest import pdf_tools  # noqa: F401  (fixture)
from tests.statements.test_statement import bill  # noqa: F401  (fixture)


def test_the_credit_per_line_is_the_ledger_s(app, db, bill, pdf_tools):  # noqa: F811
    with app.test_request_context():
        view = issue_credit_note(db, system_principal(), bill.number, amount_fen=10000, reason="电梯停运期间减免")
        db.commit()
        note = credit_notes.get_credit_note(db, system_principal(), view.number)
        data = credit_notes.credit_note_data(db, note)
        pdf = credit_notes.credit_note_pdf(db, note)
    assert [(line["owed_fen"], line["credit_fen"]) for line in data["lines"]] == [
        (5193, 1360), (18000, 4713), (15000, 3927)]
    text = pdf_tools.text(pdf).replace(" ", "")
    for expected in (view.number, bill.number, "云景里", "YJL-3-2-501", "电梯停运期间减免", "¥13.60", "¥47.13",
                     "¥39.27", "¥100.00", "¥381.93"):
        assert expected in text, (expected, text[:300])
    assert all(font["embedded"] for font in pdf_tools.fonts(pdf))


@pytest.fixture
def credited(client, world, db):
    from tests.billing.helpers_payments import issue_bill, make_plan

    plan = make_plan(db, world.yjl)
    jan = issue_bill(db, world.r501, "2026-01", 10000, plan=plan)
    db.commit()
    reply = client.post(f"/api/v1/bills/{jan.number}/credit-notes", headers=bearer(client, "finance"),
                        json={"amount_fen": 2500, "reason": "维修期间减免"})
    assert reply.status_code == 201, reply.get_json()
    return reply.get_json()["number"]


@pytest.mark.parametrize("user, status", [
    ("finance", 200), ("manager", 200), ("resident", 200), ("auditor", 200), ("admin", 200),
    ("other_resident", 404), ("other_manager", 404), ("other_auditor", 404)])
def test_who_downloads_a_credit_note(client, credited, user, status):
    reply = client.get(f"/api/v1/credit-notes/{credited}.pdf", headers=bearer(client, user))
    assert reply.status_code == status, user
    if status == 200:
        assert reply.headers["Content-Type"] == "application/pdf"


def test_the_room_account_page_links_to_it(client, credited):
    from tests.web import logged_in

    finance = logged_in(client.application.test_client(), "finance")
    link = f"/credit-notes/{credited}.pdf"
    assert link in finance.get("/rooms/YJL-3-2-501/account").text
    reply = finance.get(link)
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/pdf"
