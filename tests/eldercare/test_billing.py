"""Billing of delivered, confirmed visits: lines on the room's bill through the billing run, the
subsidy part claimable from the catalogue's elder-care programme, nothing billed twice.

Hand-computed numbers: the meal service costs ¥15.00 (1500 fen) a meal; the elder is 81 in March
2026 (born 1945-01-15), so `age_80_89` applies and the meal subsidy of data/allowances.json pays
500 fen a day."""
from __future__ import annotations

import shutil
from datetime import date

import pytest
from sqlalchemy import select

from pms.billing.models import Bill, BillLine, JournalEntry, JournalLine
from pms.core import audit
from pms.eldercare import rules
from pms.eldercare.models import Visit
from pms.eldercare.services.billing import Segment, birthday_in, subsidy_segments
from pms.subsidies.services import create_program
from tests.eldercare.conftest import PIN
from tests.web import logged_in

PLAN = {"estate": "YJL", "effective_from": "2026-01", "due_day": 15,
        "items": [{"code": "PARKING", "name": "停车费", "kind": "fixed", "amount_fen": 15000,
                   "rooms": ["YJL-3-2-502"]}]}


@pytest.fixture
def program(app, world):
    from pms.core.db import get_session

    with app.app_context():
        s = get_session()
        create_program(s, "YL-2026", "居家养老服务补贴", district_code="110112", kind="eldercare")
        create_program(s, "TBB-2026", "先尝后买", district_code="110112", kind="property_service")
        s.commit()
    return "YL-2026"


@pytest.fixture
def care(api, program, clock):
    """The catalogue (a subsidised meal, cleaning without a programme), the fee plan, an 81-year-old."""
    assert api.put("manager", "/api/v1/estates/YJL/fee-plan", PLAN).status_code in (200, 201)
    api.service("MEAL", program=program)
    api.service("CLEAN", kind="cleaning", name="助洁", price_fen=4000, unit="hour")
    return api.register(birth_date="1945-01-15")


def deliver(api, clock, elder, day: date, *, service="MEAL", code=True, confirm=True, start="11:00",
            end="12:00") -> int:
    """Book, check in (with the home code or without), check out and (or not) confirm, on `day`."""
    at(api, clock, day, 9)
    visit = api.book(elder["id"], service=service, date=day.isoformat(), start=start, end=end)["id"]
    body = {"home_code": elder["home_code"]} if code else {}
    assert api.post("carer", f"/api/v1/visits/{visit}/check-in", body).status_code == 200
    assert api.post("carer", f"/api/v1/visits/{visit}/check-out",
                    {"outcome": "completed", "note": ""}).status_code == 200
    if confirm:
        confirmed(api, visit)
    return visit


def at(api, clock, day: date, hour: int) -> None:
    """Move the business clock; tokens are issued again (they expire by the business clock)."""
    clock.set_today(day, hour=hour)
    api._headers.clear()


def confirmed(api, visit: int) -> None:
    assert api.post("carer", f"/api/v1/visits/{visit}/confirmation", {"pin": PIN}).status_code == 200


def run(api, clock, period: str, today: date) -> dict:
    at(api, clock, today, 10)
    response = api.post("manager", "/api/v1/billing-runs", {"estate": "YJL", "period": period})
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def care_lines(db, period: str) -> dict:
    db.expire_all()
    rows = db.execute(select(BillLine.item_code, BillLine.item_name, BillLine.amount_fen, BillLine.subsidy_fen,
                             BillLine.program_id, BillLine.kind)
                      .join(Bill, Bill.id == BillLine.bill_id)
                      .where(Bill.period == period, BillLine.kind == "care")).all()
    return {code: (name, amount, subsidy, program) for code, name, amount, subsidy, program, _k in rows}


def program_id(db, code="YL-2026") -> int:
    from pms.subsidies.services import find_program

    return find_program(db, code).id


def assert_ledger_checks_pass(db) -> None:
    from pms.billing.services.ledger import first_unbalanced_entry

    assert first_unbalanced_entry(db) is None
    assert [(name, breach) for name, breach in audit.run_checks(db) if breach is not None] == []


def test_three_confirmed_meals_bill_4500_of_which_the_programme_pays_1500(api, care, clock, db):
    visits = [deliver(api, clock, care, date(2026, 3, d)) for d in (2, 3, 4)]
    unconfirmed = deliver(api, clock, care, date(2026, 3, 5), confirm=False)
    result = run(api, clock, "2026-03", date(2026, 4, 1))
    assert result["bills_created"] == 2  # 501 (the meals) and 502 (parking)
    # 3 × 1500 = 4500; 3 days × 500 = 1500 from the programme; the household 3000
    assert care_lines(db, "2026-03") == {"care:MEAL": ("助餐 ×3", 4500, 1500, program_id(db))}
    bill = db.scalar(select(Bill).where(Bill.period == "2026-03", Bill.room_id == care_room(db)))
    assert (bill.total_fen, bill.subsidy_fen, bill.payable_fen) == (4500, 1500, 3000)
    assert result["total_fen"] == 4500 + 15000 and result["subsidy_fen"] == 1500
    # The ledger: the programme owes 1500 for the meals, the room 3000, revenue 4500.
    # (The run's one entry for the estate; its other room's parking line is not the meals'.)
    entry = db.scalar(select(JournalEntry.id).where(JournalEntry.source_type == "billing_run",
                                                    JournalEntry.source_id == bill.billing_run_id))
    entry_lines = db.execute(select(JournalLine.account, JournalLine.amount_fen, JournalLine.program_id,
                                    JournalLine.item_code).where(
        JournalLine.entry_id == entry, (JournalLine.room_id == care_room(db)) | (JournalLine.item_code == "care:MEAL"))).all()
    assert sorted(entry_lines) == sorted([("receivable", 3000, None, None),
                                          ("subsidy_receivable", 1500, program_id(db), "care:MEAL"),
                                          ("revenue", -4500, None, "care:MEAL")])
    assert_ledger_checks_pass(db)
    # Each visit is settled on that line; the unconfirmed one is not billed.
    line_id = db.scalar(select(BillLine.id).where(BillLine.bill_id == bill.id, BillLine.item_code == "care:MEAL"))
    rows = {v.id: (v.bill_line_id, v.price_fen, v.subsidy_fen) for v in db.scalars(select(Visit))}
    assert [rows[v] for v in visits] == [(line_id, 1500, 500)] * 3
    assert rows[unconfirmed] == (None, None, None)
    # The contract's lines of the room's bills name the line; the page says it in words.
    body = api.get("resident", "/api/v1/rooms/YJL-3-2-501/bills").get_json()
    line = body["items"][0]["lines"][0]
    assert (line["code"], line["amount_fen"], line["subsidy_fen"]) == ("care:MEAL", 4500, 1500)
    page = logged_in(api.client, "manager").get(f"/bills/{bill.number}?lang=en").get_data(as_text=True)
    assert "助餐 ×3" in page and "已服务并确认 3 次 × ¥15.00 每餐" in page
    assert "YL-2026" in page


def care_room(db) -> int:
    from pms.estates.models import Room

    return db.scalar(select(Room.id).where(Room.code == "YJL-3-2-501"))


def test_a_rerun_bills_nothing_twice_and_a_late_confirmation_goes_on_the_next_bill(api, care, clock, db):
    deliver(api, clock, care, date(2026, 3, 2))
    late = deliver(api, clock, care, date(2026, 3, 30), confirm=False)
    run(api, clock, "2026-03", date(2026, 4, 1))
    again = run(api, clock, "2026-03", date(2026, 4, 1))
    assert again["bills_created"] == 0
    assert care_lines(db, "2026-03") == {"care:MEAL": ("助餐 ×1", 1500, 500, program_id(db))}
    at(api, clock, date(2026, 4, 2), 9)
    confirmed(api, late)  # confirmed after March's run: on April's bill, at the day's subsidy of 30 March
    run(api, clock, "2026-04", date(2026, 4, 2))
    assert care_lines(db, "2026-04") == {"care:MEAL": ("助餐 ×1", 1500, 500, program_id(db))}
    run(api, clock, "2026-05", date(2026, 5, 1))
    assert care_lines(db, "2026-05") == {}  # nothing left to bill, nothing billed twice
    assert sum(v.price_fen or 0 for v in db.scalars(select(Visit))) == 3000
    assert_ledger_checks_pass(db)


def test_visits_after_the_period_wait_for_their_own_run(api, care, clock, db):
    april = deliver(api, clock, care, date(2026, 4, 1))
    run(api, clock, "2026-03", date(2026, 4, 1))  # a run of March on 1 April bills March only
    assert care_lines(db, "2026-03") == {}
    assert db.get(Visit, april).price_fen is None


def test_unverified_check_in_is_billed_to_the_resident_without_subsidy(api, care, clock, db):
    deliver(api, clock, care, date(2026, 3, 2), code=False)  # checked in without the home code
    deliver(api, clock, care, date(2026, 3, 3))
    run(api, clock, "2026-03", date(2026, 4, 1))
    # 2 × 1500 = 3000; only the verified visit of 3 March gets the day's 500
    assert care_lines(db, "2026-03") == {"care:MEAL": ("助餐 ×2", 3000, 500, program_id(db))}
    assert sorted(v.subsidy_fen for v in db.scalars(select(Visit))) == [0, 500]


def test_the_days_subsidy_is_paid_once_a_day(api, care, clock, db):
    deliver(api, clock, care, date(2026, 3, 2), start="11:00", end="12:00")
    deliver(api, clock, care, date(2026, 3, 2), start="17:00", end="18:00")
    run(api, clock, "2026-03", date(2026, 4, 1))
    # two meals on one day: 3000; the meal subsidy is 500 a day, on the first meal
    assert care_lines(db, "2026-03") == {"care:MEAL": ("助餐 ×2", 3000, 500, program_id(db))}


def test_a_service_without_programme_is_paid_by_the_resident(api, care, clock, db):
    deliver(api, clock, care, date(2026, 3, 2), service="CLEAN", start="14:00", end="15:00")
    deliver(api, clock, care, date(2026, 3, 2))
    run(api, clock, "2026-03", date(2026, 4, 1))
    assert care_lines(db, "2026-03") == {"care:CLEAN": ("助洁 ×1", 4000, 0, None),
                                         "care:MEAL": ("助餐 ×1", 1500, 500, program_id(db))}
    assert_ledger_checks_pass(db)


def test_an_elder_under_80_gets_no_meal_subsidy(api, program, clock, db):
    api.put("manager", "/api/v1/estates/YJL/fee-plan", PLAN)
    api.service("MEAL", program=program)
    young = api.register(birth_date="1950-06-01")  # 75: in no allowance category
    deliver(api, clock, young, date(2026, 3, 2))
    run(api, clock, "2026-03", date(2026, 4, 1))
    assert care_lines(db, "2026-03") == {"care:MEAL": ("助餐 ×1", 1500, 0, None)}


def test_a_free_service_is_settled_without_a_line(api, care, clock, db):
    api.service("VISIT", kind="visit", name="探访", price_fen=0, unit="visit")
    free = deliver(api, clock, care, date(2026, 3, 2), service="VISIT")
    run(api, clock, "2026-03", date(2026, 4, 1))
    assert care_lines(db, "2026-03") == {}
    db.expire_all()
    visit = db.get(Visit, free)
    assert (visit.bill_line_id, visit.price_fen, visit.subsidy_fen) == (None, 0, 0)


def test_preview_stages_the_care_lines_and_writes_nothing(api, care, clock, db, app):
    from pms.billing.services.runs import preview_billing
    from pms.estates.models import Estate

    deliver(api, clock, care, date(2026, 3, 2))
    clock.set_today(date(2026, 4, 1))
    with app.test_request_context():
        preview = preview_billing(db, db.scalar(select(Estate).where(Estate.code == "YJL")), "2026-03")
    assert (preview.bills, preview.total_fen, preview.subsidy_fen) == (2, 15000 + 1500, 500)
    db.rollback()
    assert db.scalar(select(Visit.price_fen)) is None


# ---- the catalogue names the programme ------------------------------------------------------------

def test_put_service_names_the_programme(api, program, clock):
    assert api.service("MEAL", program=program)["program"] == "YL-2026"
    # left out: unchanged; null: none
    assert api.service("MEAL", expect=200, price_fen=1600)["program"] == "YL-2026"
    assert api.service("MEAL", expect=200, program=None)["program"] is None
    unknown = api.put("manager", "/api/v1/care-services/MEAL",
                      {"kind": "meal", "name": "助餐", "price_fen": 1500, "unit": "meal", "program": "NOPE"})
    assert unknown.status_code == 422 and "program" in unknown.get_json()["error"]["fields"]
    other_kind = api.put("manager", "/api/v1/care-services/MEAL",
                         {"kind": "meal", "name": "助餐", "price_fen": 1500, "unit": "meal", "program": "TBB-2026"})
    assert other_kind.status_code == 422 and "program" in other_kind.get_json()["error"]["fields"]
    listed = api.get("manager", "/api/v1/care-services").get_json()["items"]
    assert [(s["code"], s["program"]) for s in listed] == [("MEAL", None)]


# ---- the subsidy a day, from the rules (no database) ------------------------------------------------

def test_segments_cut_at_the_80th_birthday():
    allowance_rules, subsidies = rules.shipped_rules()
    # born 1946-03-15: 79 until 14 March 2026, 80 from the 15th → meal subsidy from the 15th
    got = subsidy_segments(7, date(1946, 3, 15), None, None, "meal", date(2026, 3, 1), date(2026, 3, 31),
                           allowance_rules, subsidies)
    assert got == [Segment(7, "meal", date(2026, 3, 15), date(2026, 3, 31), 500)]
    # hardship: eligible all month whatever the age
    assert subsidy_segments(7, date(1956, 3, 15), "dibao", None, "meal", date(2026, 3, 1), date(2026, 3, 31),
                            allowance_rules, subsidies) == [
        Segment(7, "meal", date(2026, 3, 1), date(2026, 3, 31), 500)]
    # no subsidy rule for cleaning
    assert subsidy_segments(7, date(1940, 1, 1), None, None, "cleaning", date(2026, 3, 1), date(2026, 3, 31),
                            allowance_rules, subsidies) == []


def test_a_rule_starting_mid_month_cuts_the_segment():
    allowance_rules, _shipped = rules.shipped_rules()
    subsidies = [rules.ServiceSubsidy("meal", 500, date(2019, 7, 1), frozenset({"age_80_89"})),
                 rules.ServiceSubsidy("meal", 800, date(2026, 3, 10), frozenset({"age_80_89"}))]
    got = subsidy_segments(1, date(1945, 1, 15), None, None, "meal", date(2026, 3, 1), date(2026, 3, 31),
                           allowance_rules, subsidies)
    assert got == [Segment(1, "meal", date(2026, 3, 1), date(2026, 3, 9), 500),
                   Segment(1, "meal", date(2026, 3, 10), date(2026, 3, 31), 800)]


def test_a_29_february_birthday_counts_from_1_march_in_common_years():
    assert birthday_in(date(1944, 2, 29), 2025) == date(2025, 3, 1)
    assert birthday_in(date(1944, 2, 29), 2024) == date(2024, 2, 29)
    allowance_rules, subsidies = rules.shipped_rules()
    got = subsidy_segments(1, date(1944, 2, 29), None, None, "meal", date(2024, 2, 1), date(2024, 3, 31),
                           allowance_rules, subsidies)
    assert got == [Segment(1, "meal", date(2024, 2, 29), date(2024, 3, 31), 500)]


def test_the_statement_lists_the_care_line_in_words(api, care, clock, db):
    from pms.core.pdf import cjk_font_available
    from tests.statements.conftest import pdf_text, require

    require(cjk_font_available() and shutil.which("pdftotext") is not None, "a CJK font and pdftotext")
    deliver(api, clock, care, date(2026, 3, 2))
    run(api, clock, "2026-03", date(2026, 4, 1))
    number = db.scalar(select(Bill.number).where(Bill.room_id == care_room(db)))
    response = api.get("manager", f"/api/v1/bills/{number}/statement.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.get_data())
    assert "助餐 ×1" in text and "已服务并确认 1 次 × ¥15.00 每餐" in text and "居家养老服务补贴" in text


def test_a_run_that_fails_half_way_marks_no_visit(api, care, clock, db, app, monkeypatch):
    from pms.billing.services import runs
    from pms.estates.models import Estate

    visit = deliver(api, clock, care, date(2026, 3, 2))
    at(api, clock, date(2026, 4, 1), 10)

    def broken(*_args, **_kwargs):
        raise RuntimeError("killed half-way")

    monkeypatch.setattr(runs, "apply_prepayments", broken)  # after the lines and the marking
    with app.test_request_context(), pytest.raises(RuntimeError):
        runs.run_billing(db, db.scalar(select(Estate).where(Estate.code == "YJL")), "2026-03")
    db.rollback()
    assert db.get(Visit, visit).price_fen is None and db.scalar(select(Bill.id)) is None
    monkeypatch.undo()
    run(api, clock, "2026-03", date(2026, 4, 1))
    assert care_lines(db, "2026-03") == {"care:MEAL": ("助餐 ×1", 1500, 500, program_id(db))}
