"""The elder's monthly service statement PDF: delivered visits only, price, subsidy part (once a day
per kind, verified visits of a service with a programme, as the billing run charges), household
part; totals hand-computed and read back with pdftotext."""
from datetime import date

import pytest

from tests.eldercare.conftest import PIN
from tests.statements.conftest import pdf_tools  # noqa: F401  (fixture)
from tests.web import logged_in


@pytest.fixture
def elder(app, api, world):
    from pms.core.db import get_session
    from pms.subsidies.services import create_program

    with app.app_context():
        session = get_session()
        create_program(session, "YL-2026", "居家养老服务补贴", district_code="110112", kind="eldercare")
        session.commit()
    # Cleaning at ¥33.33 (charged once a visit, as the billing run does), without a programme.
    api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=3333)
    api.service("MEAL", kind="meal", name="助餐", unit="meal", price_fen=1500, program="YL-2026")
    # Born 1940-05-10: 85 in March 2026, in the 80–89 allowance tier → eligible for the meal subsidy
    # of ¥5.00 a day (data/allowances.json).
    return api.register()


def _deliver(api, clock, visit, code, *, hours_in, minutes_stay, confirm=False):
    clock.set_today(date(2026, 3, 2), 9)
    clock.advance(hours=hours_in)
    assert api.post("carer", f"/api/v1/visits/{visit}/check-in", {"home_code": code}).status_code == 200
    clock.advance(minutes=minutes_stay)
    assert api.post("carer", f"/api/v1/visits/{visit}/check-out", {"outcome": "completed"}).status_code == 200
    if confirm:
        assert api.post("carer", f"/api/v1/visits/{visit}/confirmation", {"pin": PIN}).status_code == 200


@pytest.fixture
def month(api, elder, clock, world):
    lunch = api.book(elder["id"], service="MEAL", start="11:00", end="12:00")["id"]
    clean = api.book(elder["id"], service="CLEAN", start="14:00", end="14:30")["id"]
    supper = api.book(elder["id"], service="MEAL", start="17:00", end="18:00")["id"]
    planned = api.book(elder["id"], service="MEAL", date="2026-03-03")["id"]
    _deliver(api, clock, lunch, elder["home_code"], hours_in=2, minutes_stay=40, confirm=True)   # 11:00–11:40
    _deliver(api, clock, clean, None, hours_in=5, minutes_stay=35)                               # 14:00–14:35
    _deliver(api, clock, supper, elder["home_code"], hours_in=8, minutes_stay=20)               # 17:00–17:20
    return {"lunch": lunch, "clean": clean, "supper": supper, "planned": planned}


def test_statement_rows_and_totals(app, api, elder, month, clock, db):
    from pms.eldercare.models import Elder
    from pms.eldercare.services import statements
    from tests.home.fixtures import principal

    data = statements.statement(db, principal(db, "resident"), db.get(Elder, elder["id"]), "2026-03")
    rows = [(line.visit, line.price_fen, line.subsidy_fen, line.resident_fen, line.verified, line.confirmed)
            for line in data["lines"]]
    assert rows == [(month["lunch"], 1500, 500, 1000, True, True),      # the day's first meal takes the subsidy
                    (month["clean"], 3333, 0, 3333, False, False),      # no subsidy for cleaning, unverified
                    (month["supper"], 1500, 0, 1500, True, False)]      # the day's meal subsidy is used
    assert (data["total_price_fen"], data["total_subsidy_fen"], data["total_resident_fen"]) == (6333, 500, 5833)
    assert not any(line.billed for line in data["lines"])
    assert statements.statement(db, principal(db, "resident"), db.get(Elder, elder["id"]), "2026-02")["lines"] == []


def test_statement_pdf_reads_back_with_the_totals(app, api, elder, month, pdf_tools, world):
    resident = logged_in(app.test_client(), "resident")
    r = resident.get(f"/eldercare/elders/{elder['id']}/statement.pdf?month=2026-03")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    body = pdf_tools.text(r.data)
    for fragment in ("张三", "YJL-3-2-501", "2026-03", "2026-03-02", "助餐", "助洁", "carer",
                     "11:00", "11:40", "14:00", "14:35", "17:00", "17:20",
                     "¥15.00", "¥33.33", "¥10.00", "¥63.33", "¥5.00", "¥58.33"):
        assert fragment in body, (fragment, body)
    # Each row in order: lunch ¥15.00 − ¥5.00 = ¥10.00, cleaning ¥33.33 with no subsidy, supper ¥15.00 in full.
    assert body.index("¥10.00") < body.index("¥33.33") < body.index("17:20")
    assert "¥15.00 ¥5.00 ¥10.00" in body and "¥33.33 — ¥33.33" in body and "¥15.00 — ¥15.00" in body
    assert "¥63.33 ¥5.00 ¥58.33" in body
    # The default month is this one; another month has no visits.
    assert pdf_tools.text(resident.get(f"/eldercare/elders/{elder['id']}/statement.pdf").data).count("¥63.33") >= 1
    assert "¥63.33" not in pdf_tools.text(resident.get(f"/eldercare/elders/{elder['id']}/statement.pdf?month=2026-02").data)


def test_a_billed_visit_shows_what_its_bill_line_charged(app, api, elder, month, db):
    """After the billing run (which writes visit.price_fen/subsidy_fen, tests/eldercare/test_billing.py)
    the statement shows the billed figures, not a new computation."""
    from pms.eldercare.models import Elder, Visit
    from pms.eldercare.services import statements
    from tests.home.fixtures import principal

    lunch = db.get(Visit, month["lunch"])
    lunch.status, lunch.price_fen, lunch.subsidy_fen = "confirmed", 1400, 400  # as billed at an older price
    db.commit()
    data = statements.statement(db, principal(db, "resident"), db.get(Elder, elder["id"]), "2026-03")
    first = data["lines"][0]
    assert (first.visit, first.price_fen, first.subsidy_fen, first.resident_fen, first.billed) == (
        month["lunch"], 1400, 400, 1000, True)
    # The day's ¥5.00 meal subsidy: ¥4.00 went on the billed lunch, ¥1.00 is left for the supper.
    assert [(line.price_fen, line.subsidy_fen) for line in data["lines"][1:]] == [(3333, 0), (1500, 100)]


@pytest.mark.parametrize("user,status", [("manager", 200), ("finance", 200), ("auditor", 200), ("carer", 200),
                                         ("tech", 403), ("other_resident", 404), ("other_manager", 404),
                                         ("other_auditor", 404), ("officer", 200),
                                         ("other_officer", 404)])
def test_who_reads_the_statement(app, api, elder, user, status, pdf_tools):
    client = logged_in(app.test_client(), user)
    assert client.get(f"/eldercare/elders/{elder['id']}/statement.pdf?month=2026-03").status_code == status


def test_a_wrong_month_is_refused_and_the_pages_link_the_statement(app, api, elder):
    resident = logged_in(app.test_client(), "resident")
    assert resident.get(f"/eldercare/elders/{elder['id']}/statement.pdf?month=2026-13").status_code == 422
    link = f'href="/eldercare/elders/{elder["id"]}/statement.pdf"'
    assert link in resident.get("/eldercare/my").get_data(as_text=True)
    assert link in resident.get(f"/eldercare/elders/{elder['id']}").get_data(as_text=True)
    manager = logged_in(app.test_client(), "manager")
    assert link in manager.get(f"/eldercare/elders/{elder['id']}").get_data(as_text=True)
