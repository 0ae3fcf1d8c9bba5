"""What a statement says: data from the bill tables, amounts formatted at the edge, basis in words,
Chinese names with an embedded CJK font, and no ID numbers."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pms.billing.models import Bill, LateFeeAccrual
from pms.billing.services.payments import record_payment
from pms.core.auth import system_principal
from pms.core.pdf import render_pdf
from pms.estates.models import Room
from pms.statements import services
from tests import factories as f
from tests.statements import helpers as h


def pay(db, amount_fen, day):
    """A payment at the desk of YJL-3-2-501 on a Beijing business day."""
    return record_payment(db, system_principal(), room_code="YJL-3-2-501", amount_fen=amount_fen, channel="cash",
                          received_at=h.local(day, 15))


@pytest.fixture
def bill(db):
    """YJL-3-2-501 (86.55 m², floor 5) and its account, told in the order it happened:
    November 2025 (issued 1 Nov, 10386) paid in full on 20 Nov; December (issued 1 Dec, 10386), 5000
    paid on 20 Dec; 6386 paid on 20 Jan (the rest of December and 1000 in advance); January's bill
    issued on 1 Feb 01:00 with three lines, the advance applied at issue."""
    company, district = f.make_company(db), f.make_district(db)
    estate = f.make_estate(db, "YJL", "云景里", company, district)
    room = f.make_room(db, estate, "3", "2", "501",
                       owner=("张三", "13912345678", "11010519491231002X"))
    program = h.make_program(db, estate)
    h.post_bill(db, h.make_bill(db, room, "2025-11", issued_at=h.local(date(2025, 11, 1))))
    pay(db, 10386, date(2025, 11, 20))
    # December: 8655 × 120 / 100 = 10386 fen.
    h.post_bill(db, h.make_bill(db, room, "2025-12", issued_at=h.local(date(2025, 12, 1))))
    pay(db, 5000, date(2025, 12, 20))
    pay(db, 6386, date(2026, 1, 20))  # 5386 settles December, 1000 is kept in advance
    # January: property 10386, 50 % subsidised → 5193; elevator 30/100 of 60000 = 18000; parking 15000.
    january = h.post_bill(db, h.make_bill(db, room, "2026-01",
                                          [h.area_line(room, 120, 50, program),
                                           h.elevator_line(18000, 5, 30, 100, 60000), h.fixed_line(15000)]))
    db.commit()
    return january


def test_statement_data_hand_computed(db, bill):
    data = services.statement_for_bill(db, bill)
    assert (data["total_fen"], data["subsidy_fen"], data["payable_fen"]) == (43386, 5193, 38193)
    # The 1000 paid in advance was applied at issue.
    assert data["paid_fen"] == 1000 and data["outstanding_fen"] == 37193
    # Previous statement: December's, issued 1 Dec; the balance at its close: December's 10386.
    assert (data["previous_statement"], data["previous_issue_date"]) == ("ACME-2025-000002", "2025-12-01")
    assert data["previous_balance_fen"] == 10386
    assert [(p["date"], p["amount_fen"]) for p in data["payments"]] == [("2025-12-20", 5000), ("2026-01-20", 6386)]
    assert all(p["receipt"].startswith("ACME-R2025-") or p["receipt"].startswith("ACME-R2026-")
               for p in data["payments"])
    assert data["payments_fen"] == 11386 and data["credits_fen"] == 0 and data["reversals_fen"] == 0
    assert data["charges_fen"] == 38193 and [b["number"] for b in data["charged_bills"]] == [bill.number]
    # 10386 − 11386 + 38193 = 37193: what this bill still owes, December being settled.
    assert data["balance_fen"] == 37193 and data["other_fen"] == 0
    assert data["late_charges_fen"] == 0 and data["total_due_fen"] == 37193 and data["credit_fen"] == 0
    assert data["owners"] == ["张三"]
    assert data["issue_date"] == "2026-02-01"  # 2026-01-31 17:00 UTC is 1 February in Beijing
    assert data["due_date"] == date(2026, 1, 15).isoformat()
    assert [line["code"] for line in data["lines"]] == ["PROPERTY", "ELEVATOR", "PARKING"]
    assert data["lines"][0]["program"] == "老旧小区物业先尝后买补贴"
    assert data["lines"][0]["payable_fen"] == 5193
    assert "id_number" not in str(data) and "11010519491231002X" not in str(data)


def test_a_statement_is_a_snapshot_at_issue(db, bill, pdf_tools):
    before = services.statement_for_bill(db, bill)
    first_pdf = services.statement_pdf(db, bill)
    pay(db, 37193, date(2026, 2, 10))  # January paid in full after issue
    db.commit()
    db.refresh(bill)
    assert bill.status == "paid"
    # The data read again and the file downloaded again show the figures at issue.
    assert services.statement_for_bill(db, bill) == before
    again = services.statement_pdf(db, bill)
    assert again == first_pdf
    text = " ".join(pdf_tools.text(again).split())
    assert "¥371.93" in text and "¥103.86" in text and "¥113.86" in text


def test_the_next_statement_carries_the_balance_and_lists_payments_since(db, bill):
    room = db.get(Room, bill.room_id)
    pay(db, 30000, date(2026, 2, 10))
    february = h.post_bill(db, h.make_bill(db, room, "2026-02", issued_at=h.local(date(2026, 3, 1), 1)))
    db.commit()
    feb = services.statement_for_bill(db, february)
    # Opening: the balance at the close of 1 Feb (37193); 30000 paid since; February's 10386 charged.
    assert (feb["previous_statement"], feb["previous_balance_fen"]) == (bill.number, 37193)
    assert [(p["date"], p["amount_fen"]) for p in feb["payments"]] == [("2026-02-10", 30000)]
    assert feb["charges_fen"] == 10386 and feb["balance_fen"] == 37193 - 30000 + 10386
    assert feb["outstanding_fen"] == 10386  # nothing was left in advance to apply at issue


def test_an_advance_larger_than_the_bill_shows_a_credit(db):
    company, district = f.make_company(db), f.make_district(db)
    estate = f.make_estate(db, "YJL", "云景里", company, district)
    room = f.make_room(db, estate, "3", "2", "501", owner=("张三", "13912345678", None))
    pay(db, 50000, date(2026, 1, 20))
    bill = h.post_bill(db, h.make_bill(db, room, "2026-01"))  # 10386, paid from the advance at issue
    db.commit()
    data = services.statement_for_bill(db, bill)
    assert (data["previous_statement"], data["previous_balance_fen"]) == (None, 0)
    assert data["balance_fen"] == 10386 - 50000 and data["credit_fen"] == 39614
    assert data["total_due_fen"] == 0 and data["paid_fen"] == 10386 and data["outstanding_fen"] == 0


def test_pdf_text_and_embedded_cjk_font(db, bill, pdf_tools):
    pdf = services.statement_pdf(db, bill)
    text = pdf_tools.text(pdf)
    for expected in ["张三", "云景里", "安居物业", "通州区", bill.number, "2026-01", "2026-02-01",
                     "2026-01-15", "YJL-3-2-501",
                     "building 3, entrance 2, room 501",
                     "86.55 m² × ¥1.20 per m²",  # area × rate
                     "floor 5, weight 30 / entrance total weight 100 × entrance monthly cost ¥600.00",
                     "fixed amount", "物业服务费", "电梯运行费", "停车费",
                     "¥103.86", "¥51.93", "老旧小区物业先尝后买补贴", "¥180.00", "¥150.00",
                     "¥433.86", "¥381.93", "¥103.86", "¥113.86", "¥50.00", "¥63.86", "¥371.93",
                     "ACME-2025-000002", "2025-12-01", "2025-12-20", "2026-01-20",
                     "How to pay", "Figures as at the close of 2026-02-01"]:
        assert expected in text, expected
    # No ID number, no phone number: a statement may lie on a doormat.
    assert "11010519491231002X" not in text and "13912345678" not in text
    fonts = pdf_tools.fonts(pdf)
    # One small face: WenQuanYi Micro Hei has every character of this bill (pms/core/pdf.py).
    assert [(font["name"].split("+")[-1], font["embedded"]) for font in fonts] == [("WenQuanYi-Micro-Hei", True)]
    assert len(pdf_tools.pages(pdf)) == 1
    assert len(pdf) <= 40_000, len(pdf)  # ~25 KB; Noto's subset alone made it ~150 KB


def test_a_rare_character_of_a_name_falls_back_to_noto(db, pdf_tools):
    """王𬣙 and 䶮 are not in WenQuanYi (GBK): Noto Sans CJK SC draws them, and both extract as text."""
    from io import BytesIO

    from pypdf import PdfReader

    company, district = f.make_company(db), f.make_district(db)
    estate = f.make_estate(db, "YJL", "云景里", company, district)
    room = f.make_room(db, estate, "3", "2", "501", owner=("王𬣙䶮", "", None))
    pdf = services.statement_pdf(db, h.make_bill(db, room, "2026-01"))
    assert "王𬣙䶮" in pdf_tools.text(pdf)
    assert "王𬣙䶮" in "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    faces = sorted(font["name"].split("+")[-1] for font in pdf_tools.fonts(pdf))
    assert faces == ["Noto-Sans-CJK-SC", "WenQuanYi-Micro-Hei"], faces
    assert all(font["embedded"] for font in pdf_tools.fonts(pdf))


def test_money_formatted_with_thousands(db, pdf_tools):
    company, district = f.make_company(db), f.make_district(db)
    estate = f.make_estate(db, "YJL", "云景里", company, district)
    shop = f.make_room(db, estate, "1", "1", "101", area_centi_m2=123456, usage="commercial",
                       owner=("北京老字号餐饮有限公司", "", None))
    bill = h.make_bill(db, shop, "2026-01", [h.area_line(shop, 100)])  # 1234.56 m² × ¥1.00
    db.commit()
    text = pdf_tools.text(services.statement_pdf(db, bill))
    assert "¥1,234.56" in text and "1234.56 m² × ¥1.00 per m²" in text
    assert "北京老字号餐饮有限公司" in text


def test_explicit_locale_renders(app, db, bill, pdf_tools):
    data = services.statement_for_bill(db, bill)
    english = pdf_tools.text(render_pdf("statements.html", {"statements": [data], "cover": None},
                                        locale="en"))
    assert "Statement of property fees" in english and "张三" in english


def test_a_bill_voided_after_issue_gets_a_rendition_stamped_void(db, bill, pdf_tools):
    issued = services.statement_pdf(db, bill)
    assert "do not pay" not in pdf_tools.text(issued)
    bill.status = "void"
    db.flush()
    void = services.statement_pdf(db, bill)
    assert "do not pay" in pdf_tools.text(void) and "¥371.93" in pdf_tools.text(void)
    # Both renditions are kept: the one issued and the one stamped void.
    from pms.documents.services import renditions

    kept = [d.variant for d in renditions(db, "statement", bill.number)]
    assert len(kept) == 2 and kept[1] == kept[0] + "-void"


def test_late_charges_at_issue_and_not_after(db):
    """December 2025 (¥100.00, due 15 Dec) unpaid under a clause of 5 per 10,000 a day after 30 days'
    grace: charged from 15 Jan, day 31 after the due date; 15 Jan to 1 Feb (the issue day, whose close
    the statement shows) is 18 days × 5 = 90 fen. The charges of 2 to 28 Feb are not on it."""
    from pms.billing.services.late_fees import catch_up_late_fees
    from tests.billing.helpers_payments import issue_bill, make_plan

    company, district = f.make_company(db), f.make_district(db)
    estate = f.make_estate(db, "YJL", "云景里", company, district)
    room = f.make_room(db, estate, "3", "2", "501", owner=("张三", "13912345678", None))
    plan = make_plan(db, estate, late_fee=(5, 30, 30))
    issue_bill(db, room, "2025-12", 10000, plan=plan, issued_at=h.local(date(2025, 12, 1)))
    catch_up_late_fees(db, estate.id, date(2026, 1, 31))
    january = issue_bill(db, room, "2026-01", 10000, plan=plan, issued_at=h.local(date(2026, 2, 1), 1))
    catch_up_late_fees(db, estate.id, date(2026, 2, 28))
    db.commit()
    data = services.statement_for_bill(db, january)
    # The catch-up to 31 Jan accrued 17 days at once (85), the run of 1 Feb one day (5).
    accrued = db.execute(select(LateFeeAccrual.day, LateFeeAccrual.amount_fen).where(LateFeeAccrual.day <= date(2026, 2, 1))
                         .order_by(LateFeeAccrual.day)).all()
    assert [tuple(a) for a in accrued] == [(date(2026, 1, 31), 85), (date(2026, 2, 1), 5)]
    assert data["late_charges_fen"] == 90
    assert data["balance_fen"] == 20000 and data["total_due_fen"] == 20090
    assert "5 per 10,000" in data["late_charge_clause"]
