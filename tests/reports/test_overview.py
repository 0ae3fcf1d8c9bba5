"""The district's figures (pms.reports.services.overview), every number computed by hand in
tests/reports/conftest.py or below."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pms.billing.models import Bill
from pms.core.errors import Invalid
from pms.estates.models import Estate, Room
from pms.reports.services import overview as ov
from tests.maintenance.test_kpis import _yjl, at, march  # noqa: F401  (fixture)


def _overview(api, user="auditor", period="2026-03", **query):
    reply = api.get(user, "/api/v1/reports/overview", query_string={"period": period, **query})
    assert reply.status_code == 200, reply.get_json()
    return reply.get_json()


def _program(body, code):
    (found,) = [p for p in body["programs"] if p["program"] == code]
    return found


def test_money_per_programme_and_estate(api, paid_claim):
    tbb = _program(_overview(api), "TBB-2026")
    assert {k: tbb[k] for k in ("budget_fen", "allocated_fen", "claims", "claimed_fen", "approved_fen",
                                "disbursed_fen", "clawed_back_fen", "paid_to_date_fen", "remaining_fen",
                                "idle_fen")} == {
        "budget_fen": 100000, "allocated_fen": 20000, "claims": 1, "claimed_fen": 10386, "approved_fen": 8193,
        "disbursed_fen": 5000, "clawed_back_fen": 1000,
        "paid_to_date_fen": 4000,       # 5000 paid − 1000 recovered
        "remaining_fen": 96000,         # 100000 − 4000
        "idle_fen": 3193}               # 8193 approved − 5000 paid
    (yjl,) = tbb["estates"]
    assert (yjl["estate"], yjl["allocated_fen"], yjl["remaining_fen"]) == ("YJL", 20000, 16000)  # 20000 − 4000
    assert _program(_overview(api), "YL-2026")["claimed_fen"] == 0


def test_the_span_selects_claims_but_remaining_counts_every_period(api, paid_claim):
    april = _program(_overview(api, period="2026-04"), "TBB-2026")
    assert (april["claimed_fen"], april["approved_fen"], april["disbursed_fen"]) == (0, 0, 0)
    assert (april["paid_to_date_fen"], april["remaining_fen"]) == (4000, 96000)
    year = _program(_overview(api, period="2026"), "TBB-2026")
    assert (year["claimed_fen"], year["disbursed_fen"]) == (10386, 5000)


def test_a_draft_is_not_claimed_yet(api, billed):  # noqa: F811
    from tests.subsidies.test_claims import build

    assert build(api).status_code == 201
    assert _program(_overview(api), "TBB-2026")["claimed_fen"] == 0


def test_collection_and_elder_care_per_estate(api, paid_claim):
    body = _overview(api)
    (yjl,) = body["estates"]
    assert (yjl["bills"], yjl["bills_paid"], yjl["receivable_fen"], yjl["received_fen"]) == (2, 1, 13386, 8193)
    assert yjl["collection_by_amount"] == "61.2"       # 8193 / 13386 = 61.205 %
    assert yjl["collection_by_household"] == "50.0"    # 1 of 2 bills paid in full
    # three meals delivered, checked in with the home code, no missed check-in
    assert (yjl["visits_planned"], yjl["visits_delivered"], yjl["visits_verified"], yjl["missed_check_ins"]) == \
        (3, 3, 3, 0)
    assert (yjl["delivery_percent"], yjl["verified_percent"]) == ("100.0", "100.0")
    assert body["total"]["receivable_fen"] == 13386 and body["total"]["name"] == "通州区"
    assert _overview(api, period="2026-02")["estates"][0]["collection_by_amount"] is None  # nothing billed


def test_repairs_figures_are_the_kpi_page_s(app, db, march):  # noqa: F811
    """Same tickets as tests/maintenance/test_kpis.py: 5 requests of March among 8 households."""
    from pms.maintenance.services import kpis

    with app.test_request_context():
        yjl = _yjl(db)
        found = db.get(ov.District, yjl.district_id)
        (row,) = ov.estate_figures(db, found, ov.parse_span("2026-03"), estate_code="YJL", now=at(6, 0))
        page = kpis.estate_kpis(db, yjl, "2026-03", now=at(6, 0))
    assert (row.households, row.requests, row.sla_met, row.sla_breached) == (8, 5, 1, 2)
    assert (page.sla_met, page.sla_breached) == (row.sla_met, row.sla_breached)
    assert row.sla_percent == "33.3"                      # 1 of 3 known outcomes
    assert (row.ratings, row.average_rating) == (3, "4.00")  # (5 + 3 + 4) / 3
    assert (row.complaints, row.complaints_per_100) == (1, "12.5")  # 1 × 100 / 8
    with app.test_request_context():
        (later,) = ov.estate_figures(db, found, ov.parse_span("2026-03"), estate_code="YJL", now=at(8, 0))
    assert (later.sla_met, later.sla_breached, later.sla_percent) == (1, 3, "25.0")  # T6 is late by then


def test_ratings_average_rounds_half_up_in_integers():
    row = ov.EstateFigures("X", "x", ratings=3, rating_sum=13)
    assert row.average_rating == "4.33"                    # 4.333…
    assert ov.EstateFigures("X", "x", ratings=8, rating_sum=35).average_rating == "4.38"  # 4.375 → up
    assert ov.EstateFigures("X", "x").average_rating is None


@pytest.mark.parametrize("text, first, last", [("2026-03", "2026-03", "2026-03"), ("2026", "2026-01", "2026-12"),
                                               (" 2025 ", "2025-01", "2025-12")])
def test_a_span_is_a_month_or_a_year(text, first, last):
    span = ov.parse_span(text)
    assert (span.first, span.last) == (first, last)


def test_no_span_is_last_month_of_the_business_clock(clock):
    clock.set_today(date(2027, 1, 3))
    assert ov.parse_span(None).text == "2026-12"
    assert ov.parse_span("").text == "2026-12"


@pytest.mark.parametrize("text", ["2026-13", "26", "2026-3", "２０２６", "abcd", "2026-03-01"])
def test_a_bad_span_names_the_period(app, text):
    with app.test_request_context(), pytest.raises(Invalid) as refused:
        ov.parse_span(text)
    assert "period" in refused.value.fields


def test_a_bad_period_is_a_422_on_the_page_and_the_api(api, client, world):
    reply = api.get("auditor", "/api/v1/reports/overview", query_string={"period": "2026-13"})
    assert reply.status_code == 422 and "period" in reply.get_json()["error"]["fields"]


def _bill_of(db, room: str, period: str = "2026-03") -> Bill:
    db.expire_all()
    return db.scalars(select(Bill).join(Room, Room.id == Bill.room_id)
                      .where(Room.code == room, Bill.period == period)).one()


def _read_bill_by_bill(db, period: str = "2026-03") -> tuple[int, int, int, int]:
    """The definition, bill by bill: (bills, paid in full, receivable, received) of YJL's bills not void."""
    bills = db.scalars(select(Bill).join(Estate, Estate.id == Bill.estate_id)
                       .where(Estate.code == "YJL", Bill.period == period, Bill.status != "void")).all()
    return (len(bills), sum(b.paid_fen >= b.payable_fen - b.waived_fen for b in bills),
            sum(b.payable_fen - b.waived_fen for b in bills), sum(b.paid_fen for b in bills))


def test_collection_counts_credit_notes_part_payments_and_void_bills(api, paid_claim, db):
    """502's bill (payable 5193): 193 credited, then 2000 paid; then that payment reversed and the
    remaining 5000 credited, so the bill is void and leaves the figures. 501 stays paid (8193)."""
    number = _bill_of(db, "YJL-3-2-502").number
    assert api.post("finance", f"/api/v1/bills/{number}/credit-notes",
                    {"amount_fen": 193, "reason": "电梯停运三天"}).status_code == 201
    paid = api.post("finance", "/api/v1/payments", {"room": "YJL-3-2-502", "amount_fen": 2000, "channel": "cash",
                                                   "reference": "R2", "idempotency_key": "reports-502"})
    assert paid.status_code == 201, paid.get_json()
    (yjl,) = _overview(api)["estates"]
    # receivable 8193 + (5193 − 193) = 13193; received 8193 + 2000 = 10193; 502 still owes 3000
    assert (yjl["bills"], yjl["bills_paid"], yjl["receivable_fen"], yjl["received_fen"]) == (2, 1, 13193, 10193)
    assert (yjl["collection_by_amount"], yjl["collection_by_household"]) == ("77.3", "50.0")  # 77.26 %
    assert _read_bill_by_bill(db) == (2, 1, 13193, 10193)

    assert api.post("finance", f"/api/v1/payments/{paid.get_json()['id']}/reversal",
                    {"reason": "收错了房间"}).status_code == 201
    assert api.post("finance", f"/api/v1/bills/{number}/credit-notes",
                    {"amount_fen": 5000, "reason": "房屋空置减免"}).status_code == 201
    assert _bill_of(db, "YJL-3-2-502").status == "void"
    body = _overview(api)
    (yjl,) = body["estates"]
    assert (yjl["bills"], yjl["bills_paid"], yjl["receivable_fen"], yjl["received_fen"]) == (1, 1, 8193, 8193)
    assert yjl["collection_by_amount"] == "100.0" and body["total"]["receivable_fen"] == 8193
    assert _read_bill_by_bill(db) == (1, 1, 8193, 8193)


def test_the_page_shows_the_district_total_then_a_page_of_estates(client, world, db, clock, monkeypatch):
    """A city district has thousands of estates: the page shows its total on every page and the
    estates a page at a time (1 here instead of 50), in code order; the API keeps them all."""
    from pms.estates.models import Company, District
    from pms.reports import views
    from tests import factories as f
    from tests.subsidies.helpers import Api
    from tests.web import logged_in, text

    yjl = db.scalars(select(Estate).where(Estate.code == "YJL")).one()
    f.make_estate(db, "AAY", "安澜苑", db.get(Company, yjl.company_id), db.get(District, yjl.district_id))
    db.commit()
    monkeypatch.setattr(views, "PER_PAGE", 1)
    logged_in(client, "auditor")
    first, second = text(client.get("/reports")), text(client.get("/reports?page=2"))
    assert "全区合计" in first and "全区合计" in second
    assert "(AAY)" in first and "(YJL)" not in first and "第 1–1 个小区，共 2 个" in first
    assert "(YJL)" in second and "(AAY)" not in second and 'rel="prev"' in second
    assert "(YJL)" in text(client.get("/reports?page=9"))  # past the end: the last page
    assert client.get("/reports?page=0").status_code == 422
    assert [e["estate"] for e in Api(client).get("auditor", "/api/v1/reports/overview").get_json()["estates"]] == \
        ["AAY", "YJL"]


def test_the_page_lists_programmes_and_each_programme_page_its_estates(client, paid_claim):
    """The overview's money table has a row per programme; the programme's page has its estates."""
    from tests.web import logged_in, text

    logged_in(client, "auditor")
    page = text(client.get("/reports?period=2026-03"))
    assert 'id="money-TBB-2026"' in page and 'id="money-YL-2026"' in page
    assert 'id="money-TBB-2026-YJL"' not in page and "各小区的补贴资金见各项目页面。" in page
    program = text(client.get("/reports/programs/TBB-2026?period=2026-03"))
    assert "云景里 (YJL)" in program and "¥200.00" in program  # YJL's allocation of 20000 fen
