"""What a statement says: data from the bill tables, amounts formatted at the edge, basis in words,
Chinese names with an embedded CJK font, and no ID numbers."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pms.billing.models import Bill
from pms.core.pdf import render_pdf
from pms.estates.models import Room
from pms.statements import services
from tests import factories as f
from tests.statements import helpers as h


@pytest.fixture
def bill(db):
    """YJL-3-2-501 (86.55 m², floor 5): December 2025 partly paid, January 2026 with three lines."""
    company, district = f.make_company(db), f.make_district(db)
    estate = f.make_estate(db, "YJL", "云景里", company, district)
    room = f.make_room(db, estate, "3", "2", "501",
                       owner=("张三", "13912345678", "11010519491231002X"))
    program = h.make_program(db, estate)
    # December: 8655 × 120 / 100 = 10386 fen, 5000 paid → 5386 outstanding (earlier arrears).
    h.make_bill(db, room, "2025-12", paid_fen=5000)
    # A fully paid older bill owes nothing and adds nothing to the arrears.
    h.make_bill(db, room, "2025-11", paid_fen=10386)
    # January: property 10386, 50 % subsidised → 5193; elevator 30/100 of 60000 = 18000; parking 15000.
    january = h.make_bill(db, room, "2026-01",
                          [h.area_line(room, 120, 50, program),
                           h.elevator_line(18000, 5, 30, 100, 60000), h.fixed_line(15000)],
                          paid_fen=1000)
    db.commit()
    return january


def test_statement_data_hand_computed(db, bill):
    data = services.statement_for_bill(db, bill)
    assert (data["total_fen"], data["subsidy_fen"], data["payable_fen"]) == (43386, 5193, 38193)
    assert data["paid_fen"] == 1000 and data["outstanding_fen"] == 37193
    assert (data["earlier_arrears_fen"], data["earlier_open_bills"]) == (5386, 1)
    assert data["total_due_fen"] == 37193 + 5386
    assert data["owners"] == ["张三"]
    assert data["issue_date"] == "2026-02-01"  # 2026-01-31 17:00 UTC is 1 February in Beijing
    assert data["due_date"] == date(2026, 1, 15).isoformat()
    assert [line["code"] for line in data["lines"]] == ["PROPERTY", "ELEVATOR", "PARKING"]
    assert data["lines"][0]["program"] == "老旧小区物业先尝后买补贴"
    assert data["lines"][0]["payable_fen"] == 5193
    assert "id_number" not in str(data) and "11010519491231002X" not in str(data)


def test_later_bills_are_not_earlier_arrears(db, bill):
    room_bill = services.statement_for_bill(db, bill)
    room = db.get(Room, bill.room_id)
    february = h.make_bill(db, room, "2026-02")
    db.commit()
    # The January statement ignores February; February counts December and January.
    assert services.statement_for_bill(db, bill)["earlier_arrears_fen"] == room_bill["earlier_arrears_fen"]
    feb = services.statement_for_bill(db, february)
    assert (feb["earlier_arrears_fen"], feb["earlier_open_bills"]) == (5386 + 37193, 2)


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
                     "¥433.86", "¥381.93", "¥10.00", "¥371.93", "¥53.86", "¥425.79",
                     "How to pay", "open"]:
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


def test_paid_and_void_status_shown(db, bill, pdf_tools):
    paid = db.scalar(select(Bill).where(Bill.period == "2025-11"))
    assert "Status paid" in pdf_tools.text(services.statement_pdf(db, paid))
    bill.status = "void"
    db.flush()
    assert "do not pay" in pdf_tools.text(services.statement_pdf(db, bill))
