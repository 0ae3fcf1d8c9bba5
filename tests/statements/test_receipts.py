"""Receipts as documents: the PDF read back (pdftotext and pypdf), a void receipt and its reversal
note, GET /api/v1/receipts/{number}.pdf and /api/v1/rooms/{room}/receipts by role × resource, the
account pages' lists and the desk's print link."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from pms.billing.models import Payment, Receipt
from pms.billing.services.late_fee_settlements import reverse_settlement, settle_late_fees
from pms.billing.services.payments import record_payment, reverse_payment
from pms.core.db import get_session
from tests.billing.helpers_payments import finance, issue_bill, make_plan
from tests.factories import PASSWORD, bearer

ROOM = "YJL-3-2-501"


def both_texts(pdf_tools, pdf: bytes) -> list[str]:
    """The PDF's text by poppler and by pypdf (two independent readers), whitespace collapsed."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    pypdf = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    return [pdf_tools.text(pdf), pypdf]


@pytest.fixture
def paid(app, world, clock):
    """YJL-3-2-501: bills of ¥123.45 (Jan) and ¥100.00 (Feb); ¥300.50 paid by WeChat → both bills
    paid and ¥77.05 kept as prepayment. Receipt ACME-R2026-000001."""
    with app.app_context():
        s = get_session()
        plan = make_plan(s, world.yjl, effective_from="2026-01")
        bills = [issue_bill(s, world.r501, "2026-01", 12345, plan=plan).number,
                 issue_bill(s, world.r501, "2026-02", 10000, plan=plan).number]
        result = record_payment(s, finance(), room_code=ROOM, amount_fen=30050, channel="wechat",
                                reference="WX-4200001")
        s.commit()
        return {"bills": bills, "payment": result.id, "receipt": result.receipt}


def test_receipt_pdf_reads_back(client, paid, pdf_tools):
    assert paid["receipt"] == "ACME-R2026-000001"
    reply = client.get(f"/api/v1/receipts/{paid['receipt']}.pdf", headers=bearer(client, "finance"))
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    assert reply.headers["Content-Disposition"] == 'inline; filename="ACME-R2026-000001.pdf"'
    for text in both_texts(pdf_tools, reply.data):
        for expected in ("收据", "安居物业", "云景里", ROOM, "张三", "ACME-R2026-000001", *paid["bills"],
                         "2026-01", "2026-02", "¥123.45", "¥100.00", "¥77.05", "¥300.50", "叁佰元伍角",
                         "微信", "WX-4200001", "2026-03-02"):
            assert expected in text, (expected, text)
        assert "作废" not in text
    fonts = pdf_tools.fonts(reply.data)
    assert fonts and all(font["embedded"] for font in fonts)
    assert [font["name"].split("+")[-1] for font in fonts] == ["WenQuanYi-Micro-Hei"]  # one small face


def test_a_reversed_payment_s_receipt_is_void_and_the_note_says_why(app, client, paid, pdf_tools):
    with app.app_context():
        s = get_session()
        note = reverse_payment(s, finance("manager"), paid["payment"], reason="记错房间").reversal_note
        s.commit()
    assert note == "ACME-R2026-000002"
    headers = bearer(client, "finance")
    again = client.get(f"/api/v1/receipts/{paid['receipt']}.pdf", headers=headers)
    for text in both_texts(pdf_tools, again.data):
        assert "作废" in text and note in text and "¥300.50" in text and "叁佰元伍角" in text
    reply = client.get(f"/api/v1/receipts/{note}.pdf", headers=headers)
    assert reply.status_code == 200
    for text in both_texts(pdf_tools, reply.data):
        for expected in ("红字收据", note, paid["receipt"], "记错房间", "¥300.50", "叁佰元伍角", "云景里", ROOM):
            assert expected in text, (expected, text)
        assert "作废" not in text  # the note itself is valid


def test_late_charges_receipt_and_its_reversal(app, client, world, clock, pdf_tools):
    with app.app_context():
        s = get_session()
        plan = make_plan(s, world.yjl, late_fee=(5, 30, 30), effective_from="2023-01")
        issue_bill(s, world.r501, "2023-01", 10000, plan=plan)
        paid = settle_late_fees(s, finance(), ROOM, kind="paid", amount_fen=1005, channel="cash", reference="")
        back = reverse_settlement(s, finance(), paid.id, reason="金额有误")
        s.commit()
    headers = bearer(client, "manager")
    for text in both_texts(pdf_tools, client.get(f"/api/v1/receipts/{paid.receipt}.pdf", headers=headers).data):
        assert "违约金" in text and "¥10.05" in text and "壹拾元零伍分" in text and "作废" in text
        assert back.receipt in text
    for text in both_texts(pdf_tools, client.get(f"/api/v1/receipts/{back.receipt}.pdf", headers=headers).data):
        assert paid.receipt in text and "金额有误" in text and "¥10.05" in text


@pytest.fixture
def receipts(app, world, clock):
    """A receipt on each world room: YJL 501 and 502 (ACME, Tongzhou), HXY 101 (OTHER, Chaoyang)."""
    with app.app_context():
        s = get_session()
        numbers = {room.code: record_payment(s, finance(), room_code=room.code, amount_fen=5000,
                                             channel="cash").receipt
                   for room in (world.r501, world.r502, world.r101)}
        s.commit()
    return numbers


# Who asks for which room's receipts → status. Another company's, district's or resident's room →
# 404; roles without billing (technicians, care workers) → 403 on their own company's rooms.
MATRIX = [
    ("admin", "HXY-1-1-101", 200),
    ("manager", "YJL-3-2-501", 200),
    ("manager", "HXY-1-1-101", 404),
    ("finance", "YJL-3-2-502", 200),
    ("finance", "HXY-1-1-101", 404),
    ("tech", "YJL-3-2-501", 403),
    ("carer", "YJL-3-2-502", 403),
    ("resident", "YJL-3-2-501", 200),
    ("resident", "YJL-3-2-502", 404),
    ("resident", "HXY-1-1-101", 404),
    ("auditor", "YJL-3-2-502", 200),
    ("auditor", "HXY-1-1-101", 404),
    ("officer", "YJL-3-2-501", 200),
    ("other_officer", "YJL-3-2-501", 404),
    ("other_auditor", "HXY-1-1-101", 200),
    ("other_manager", "HXY-1-1-101", 200),
    ("other_manager", "YJL-3-2-501", 404),
    ("other_resident", "YJL-3-2-501", 404),
    ("other_resident", "HXY-1-1-101", 200),
]


@pytest.mark.parametrize(("user", "room", "status"), MATRIX)
def test_role_by_resource(client, receipts, pdf_tools, user, room, status):
    headers = bearer(client, user)
    pdf = client.get(f"/api/v1/receipts/{receipts[room]}.pdf", headers=headers)
    listed = client.get(f"/api/v1/rooms/{room}/receipts", headers=headers)
    assert (pdf.status_code, listed.status_code) == (status, status)
    if status == 200:
        assert receipts[room] in pdf_tools.text(pdf.data)
        assert listed.get_json() == {"room": room, "items": [
            {"number": receipts[room], "kind": "payment", "amount_fen": 5000, "void": False, "void_at": None,
             "reverses": None, "issued_at": listed.get_json()["items"][0]["issued_at"]}]}
        assert listed.get_json()["items"][0]["issued_at"].startswith("2026-03-02T01:00:00")
    else:
        for reply in (pdf, listed):
            assert reply.get_json()["error"]["code"] == {403: "forbidden", 404: "not_found"}[status]


def test_unknown_and_anonymous(client, receipts):
    assert client.get("/api/v1/receipts/ACME-R2026-999999.pdf",
                      headers=bearer(client, "manager")).status_code == 404
    assert client.get(f"/api/v1/receipts/{receipts[ROOM]}.pdf").status_code == 401
    assert client.get(f"/api/v1/rooms/{ROOM}/receipts").status_code == 401


def test_documented_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "application/pdf" in paths["/api/v1/receipts/{number}.pdf"]["get"]["responses"]["200"]["content"]
    assert "/api/v1/rooms/{room}/receipts" in paths
    payment = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert any("receipt" in schema.get("properties", {}) for name, schema in payment.items() if "Payment" in name)


def test_api_payment_answers_its_receipt(client, world, clock):
    headers = bearer(client, "finance")
    body = {"room": ROOM, "amount_fen": 1000, "channel": "cash", "idempotency_key": "api-1"}
    first = client.post("/api/v1/payments", json=body, headers=headers)
    again = client.post("/api/v1/payments", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["receipt"] == again.get_json()["receipt"] == "ACME-R2026-000001"
    reversal = client.post(f"/api/v1/payments/{first.get_json()['id']}/reversal", json={"reason": "重复"},
                           headers=headers)
    assert reversal.get_json()["reversal_note"] == "ACME-R2026-000002"
    listed = client.get(f"/api/v1/rooms/{ROOM}/receipts", headers=headers).get_json()["items"]
    assert [(r["number"], r["kind"], r["void"], r["reverses"]) for r in listed] == [
        ("ACME-R2026-000002", "reversal_note", False, "ACME-R2026-000001"),
        ("ACME-R2026-000001", "payment", True, None)]


def login(client, username):
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302


def test_the_desk_prints_the_receipt_right_after_the_payment(app, client, world, clock, pdf_tools):
    login(client, "finance")
    form = {"amount": "88.80", "channel": "cash", "reference": "", "idempotency_key": "form-1"}
    response = client.post(f"/rooms/{ROOM}/payments", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/rooms/{ROOM}/account?receipt=ACME-R2026-000001#print-receipt")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="print-receipt"' in page and 'href="/receipts/ACME-R2026-000001.pdf"' in page
    assert "打印收据 ACME-R2026-000001" in page
    # The receipts section lists it; another room's number in the address offers nothing to print.
    assert 'id="receipts"' in page
    assert 'id="print-receipt"' not in client.get(f"/rooms/YJL-3-2-502/account?receipt=ACME-R2026-000001") \
        .get_data(as_text=True)
    pdf = client.get("/receipts/ACME-R2026-000001.pdf")
    assert pdf.status_code == 200 and "捌拾捌元捌角" in pdf_tools.text(pdf.data)


def test_the_resident_downloads_own_receipts_only(app, client, receipts, pdf_tools):
    login(client, "resident")
    page = client.get("/my/account").get_data(as_text=True)
    assert f'href="/receipts/{receipts[ROOM]}.pdf"' in page and receipts["YJL-3-2-502"] not in page
    own = client.get(f"/receipts/{receipts[ROOM]}.pdf")
    assert own.status_code == 200 and "张*" in pdf_tools.text(own.data)  # masked: anyone but staff
    assert client.get(f"/receipts/{receipts['YJL-3-2-502']}.pdf").status_code == 404


def test_the_account_page_lists_void_receipts(app, client, paid):
    with app.app_context():
        s = get_session()
        reverse_payment(s, finance(), paid["payment"], reason="记错房间")
        s.commit()
    login(client, "manager")
    page = client.get(f"/rooms/{ROOM}/account?lang=en").get_data(as_text=True)
    section = page[page.index('id="receipts"'):]
    assert re.search(r"ACME-R2026-000001</a>.*?Void", section, re.S)
    assert "reverses ACME-R2026-000001" in section


def test_a_bulk_payment_s_receipt_reads_back(app, client, world, clock, pdf_tools):
    """A payment written by `record_settlements` (an import) prints like a desk receipt, dated the
    day the money came in."""
    from datetime import date

    from pms.billing.services.bulk_payments import Settlement, record_settlements
    from tests.billing.helpers_payments import at

    with app.app_context():
        s = get_session()
        plan = make_plan(s, world.yjl, effective_from="2026-01")
        bill = issue_bill(s, world.r501, "2026-01", 12345, plan=plan)
        record_settlements(s, [Settlement(bill_id=bill.id, room_id=world.r501.id, room_code=ROOM,
                                          estate_id=world.yjl.id, amount_fen=12345,
                                          received_at=at(date(2026, 1, 20), 15), business_date=date(2026, 1, 20),
                                          channel="bank", reference="BANK-77")], recorded_by="finance")
        number = s.scalar(select(Receipt.number).where(Receipt.kind == "payment"))
        s.commit()
    assert number == "ACME-R2026-000001"
    reply = client.get(f"/api/v1/receipts/{number}.pdf", headers=bearer(client, "finance"))
    assert reply.status_code == 200
    for text in both_texts(pdf_tools, reply.data):
        for expected in ("收据", ROOM, "张三", number, bill.number, "¥123.45", "壹佰贰拾叁元肆角伍分",
                         "BANK-77", "2026-01-20"):
            assert expected in text, (expected, text)
        assert "2026-03-02" not in text and "作废" not in text
