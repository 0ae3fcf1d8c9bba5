"""Billing-run and bill endpoints, `pms billing run`, and the role × resource matrix."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pms.billing.models import Bill, BillingRun
from pms.cli import cli
from pms.subsidies.services import create_program
from tests.billing.test_plans import CONTRACT_PLAN
from tests.factories import bearer, number, period


@pytest.fixture
def planned(app, world):
    """The CONTRACT.md example plan loaded for YJL, and a plan for HXY."""
    from pms.billing.services.plans import apply_fee_plan
    from pms.core.db import unit_of_work
    with app.test_request_context(), unit_of_work() as s:
        create_program(s, "TBB-2026", "先尝后买", district_code="110112", kind="property_service")
        from pms.estates.models import Estate
        apply_fee_plan(s, s.get(Estate, world.yjl.id), CONTRACT_PLAN)
        apply_fee_plan(s, s.get(Estate, world.hxy.id), {
            "effective_from": "2026-01", "due_day": 10,
            "items": [{"code": "PROPERTY", "name": "物业服务费", "kind": "area", "rate_fen_per_m2": 200}]})
    return world


def run(client, user="finance", estate="YJL", period="2026-11"):
    return client.post("/api/v1/billing-runs", json={"estate": estate, "period": period},
                       headers=bearer(client, user))


def test_post_billing_run_and_its_idempotent_repeat(client, planned):
    first = run(client)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    # 501: 86.55 m² × 1.20 = 103.86; elevator 180000 split 30:30 → 90000; parking 15000
    # 502: 103.86 + 900.00
    assert {k: body[k] for k in ("estate", "period", "bills_created", "total_fen", "subsidy_fen",
                                 "payable_fen")} == {
        "estate": "YJL", "period": "2026-11", "bills_created": 2, "total_fen": 115386 + 100386,
        "subsidy_fen": 0, "payable_fen": 215772}
    assert body["run_id"] > 0 and body["created"] is True
    second = run(client, "manager")
    assert second.status_code == 200
    assert second.get_json()["bills_created"] == 0 and second.get_json()["run_id"] == body["run_id"]
    assert second.get_json()["created"] is False


def test_room_bills_follow_the_contract(client, planned):
    assert run(client, period="2026-01").status_code == 201
    assert run(client, period="2026-11").status_code == 201
    response = client.get("/api/v1/rooms/YJL-3-2-501/bills", headers=bearer(client, "resident"))
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [b["period"] for b in items] == ["2026-11", "2026-01"]
    nov, jan = items
    assert {k: nov[k] for k in ("number", "period", "due_date", "status", "total_fen", "subsidy_fen",
                                "payable_fen", "paid_fen")} == {
        "number": number(3), "period": "2026-11", "due_date": "2026-11-15", "status": "open",
        "total_fen": 115386, "subsidy_fen": 0, "payable_fen": 115386, "paid_fen": 0}
    assert [{k: line[k] for k in ("code", "amount_fen", "subsidy_fen")} for line in nov["lines"]] == [
        {"code": "PROPERTY", "amount_fen": 10386, "subsidy_fen": 0},
        {"code": "ELEVATOR", "amount_fen": 90000, "subsidy_fen": 0},
        {"code": "PARKING", "amount_fen": 15000, "subsidy_fen": 0}]
    assert nov["lines"][0]["basis"] == {"area_centi_m2": 8655, "rate_fen_per_m2": 120}
    assert nov["lines"][1]["basis"] == {"entrance_cost_fen": 180000, "floor": 5, "weight": 30,
                                        "weight_total": 60}
    # January: the programme paid 100 % of the property fee
    assert (jan["number"], jan["total_fen"], jan["subsidy_fen"], jan["payable_fen"]) == \
        (number(1), 115386, 10386, 105000)
    assert jan["lines"][0]["subsidy_fen"] == 10386 and jan["lines"][0]["program"] == "TBB-2026"


def test_prepayment_is_used_by_the_new_bills(client, planned, app):
    from pms.billing.services.payments import record_payment
    from pms.core.auth import system_principal
    from pms.core.db import unit_of_work
    with app.test_request_context(), unit_of_work() as s:
        paid = record_payment(s, system_principal(), room_code="YJL-3-2-502", amount_fen=50000,
                              channel="cash", reference="advance")
        assert paid.prepaid_fen == 50000
    body = run(client).get_json()
    assert body["prepayment_applied_fen"] == 50000
    bills = client.get("/api/v1/rooms/YJL-3-2-502/bills", headers=bearer(client, "finance")).get_json()
    assert bills["items"][0]["paid_fen"] == 50000 and bills["items"][0]["status"] == "open"


def test_run_rejections(client, planned, clock):
    clock.set_today(date(2026, 11, 30))  # the last day of 2026-11: December may be billed, not January
    assert run(client, period="2027-01").status_code == 422  # beyond next month
    assert run(client, period="2026-12").status_code == 201  # next month is allowed
    missing = run(client, period="2025-12")
    assert missing.status_code == 422 and "period" in missing.get_json()["error"]["fields"]
    bad = client.post("/api/v1/billing-runs", json={"estate": "YJL", "period": "2026/11"},
                      headers=bearer(client, "finance"))
    assert bad.status_code == 422 and "period" in bad.get_json()["error"]["fields"]
    extra = client.post("/api/v1/billing-runs", json={"estate": "YJL", "period": "2026-11", "x": 1},
                        headers=bearer(client, "finance"))
    assert extra.status_code == 422
    assert run(client, estate="NOPE").status_code == 404


RUN_STATUS = {"admin": 201, "manager": 201, "finance": 201, "tech": 403, "carer": 403, "resident": 403,
              "auditor": 403, "other_manager": 404, "other_resident": 404, "other_auditor": 403,
              "officer": 403, "other_officer": 403}


@pytest.mark.parametrize("user", sorted(RUN_STATUS))
def test_who_may_run_billing(client, planned, user):
    response = run(client, user)
    assert response.status_code == RUN_STATUS[user], response.get_json()
    assert response.get_json()["error" if RUN_STATUS[user] != 201 else "estate"]


BILLS_STATUS = {"admin": 200, "manager": 200, "finance": 200, "tech": 403, "carer": 403, "resident": 200,
                "auditor": 200, "other_manager": 404, "other_resident": 404, "other_auditor": 404,
                "officer": 200, "other_officer": 404}


@pytest.mark.parametrize("user", sorted(BILLS_STATUS))
def test_who_may_read_a_rooms_bills(client, planned, user):
    assert run(client).status_code == 201
    assert run(client, "other_manager", "HXY").status_code == 201
    own = {"resident": {"YJL-3-2-501"}, "other_resident": {"HXY-1-1-101"}, "other_manager": {"HXY-1-1-101"},
           "other_auditor": {"HXY-1-1-101"}, "other_officer": {"HXY-1-1-101"}}
    headers = bearer(client, user)
    for room in ("YJL-3-2-501", "YJL-3-2-502", "HXY-1-1-101", "YJL-9-9-999"):
        response = client.get(f"/api/v1/rooms/{room}/bills", headers=headers)
        if room == "YJL-9-9-999":
            expected = 404
        elif user in own:
            expected = 200 if room in own[user] else 404
        elif room == "HXY-1-1-101":
            expected = 200 if user == "admin" else 404
        else:
            expected = BILLS_STATUS[user]
        assert response.status_code == expected, (room, response.get_json())
        if expected == 200:
            assert len(response.get_json()["items"]) == 1
            found = response.get_json()["items"][0]["number"]
            assert client.get(f"/api/v1/bills/{found}", headers=headers).status_code == 200
        elif expected == 403:
            theirs = {"YJL-3-2-501": number(1), "YJL-3-2-502": number(2)}[room]
            assert client.get(f"/api/v1/bills/{theirs}", headers=headers).status_code == 403


LIST_STATUS = {"admin": {"YJL", "HXY"}, "manager": {"YJL"}, "finance": {"YJL"}, "tech": 403, "carer": 403,
               "resident": 403, "auditor": {"YJL"}, "other_manager": {"HXY"}, "other_resident": 403,
               "other_auditor": {"HXY"}, "officer": {"YJL"}, "other_officer": {"HXY"}}


@pytest.mark.parametrize("user", sorted(LIST_STATUS))
def test_run_list_is_scoped(client, planned, user):
    assert run(client).status_code == 201
    assert run(client, "other_manager", "HXY").status_code == 201
    response = client.get("/api/v1/billing-runs", headers=bearer(client, user))
    if LIST_STATUS[user] == 403:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert {i["estate"] for i in items} == LIST_STATUS[user]
    for item in items:
        assert item["bills_created"] > 0 and item["total_fen"] > 0


def test_run_list_filters_and_foreign_estate(client, planned):
    assert run(client).status_code == 201
    headers = bearer(client, "manager")
    assert len(client.get("/api/v1/billing-runs?estate=YJL", headers=headers).get_json()["items"]) == 1
    assert client.get("/api/v1/billing-runs?estate=YJL&period=2026-10", headers=headers).get_json() == {
        "items": [], "total": 0, "limit": 500, "offset": 0}
    assert client.get("/api/v1/billing-runs?estate=HXY", headers=headers).status_code == 404


def test_billing_run_cli(runner, planned, app):
    result = runner.invoke(cli, ["billing", "run", "--period", "2026-11"])
    assert result.exit_code == 0, result.output
    # YJL: 215772 fen; HXY: 86.55 m² × 2.00 = 173.10 → ¥2,157.72 + ¥173.10
    assert "period 2026-11: 2 estates, 3 bills created, total ¥2,330.82" in result.output
    again = runner.invoke(cli, ["billing", "run", "--period", "2026-11", "--estate", "YJL"])
    assert again.exit_code == 0 and "1 estates, 0 bills created, total ¥0.00" in again.output
    assert runner.invoke(cli, ["billing", "run", "--period", "2026-11", "--estate", "NOPE"]).exit_code == 1
    assert runner.invoke(cli, ["billing", "run", "--period", "11/2026"]).exit_code == 2
    future = runner.invoke(cli, ["billing", "run", "--period", period(2), "--estate", "YJL"])
    assert future.exit_code == 1 and "period" in future.output
    from pms.core.db import unit_of_work
    with app.app_context(), unit_of_work() as s:
        assert s.scalar(select(func.count(Bill.id))) == 3


def test_openapi_documents_the_billing_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/estates/{estate}/fee-plan", "/api/v1/billing-runs", "/api/v1/rooms/{room}/bills",
                 "/api/v1/estates/{estate}/fee-plans", "/api/v1/bills/{number}"):
        assert path in paths


# ---- pages -------------------------------------------------------------------------------------

def login(client, username):
    from tests.factories import PASSWORD
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.data[:300]
    return client


def test_fee_page_shows_the_plan_in_plain_words(client, planned):
    page = login(client, "manager").get("/estates/YJL/fees?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("Fee plan from 2026-01", "物业服务费", "By floor area", "¥1.20 per m² per month",
                 "Elevator share by floor weight", "¥1,800.00 per entrance per month", "Entrances 3-2",
                 "floor 6: 40", "Fixed amount per room", "Rooms YJL-3-2-501", "先尝后买", "100% in 2026-01",
                 "50% in 2026-02", "0.05% per day", "from day 31 after the due date", "at most 30% of the bill",
                 "Applies from 2026-01 until a later plan takes over", "Load a fee plan"):
        assert text in html, text


def test_fee_page_upload_loads_a_plan_or_shows_the_errors(client, planned):
    import io
    import json
    login(client, "manager")
    document = dict(CONTRACT_PLAN, effective_from="2026-12", subsidies=[], late_fee=None)
    response = client.post("/estates/YJL/fees?lang=en", data={
        "document": (io.BytesIO(json.dumps(document).encode()), "plan.json")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    html = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "The fee plan from 2026-12 is loaded." in html and 'class="flash success"' in html
    assert 'class="flash warning"' in html and "Please note</span> In the document, items.1.floor_weights.6" in html
    assert "Applies to the periods 2026-01 to 2026-11." in html and "no late-charge clause" in html
    bad = dict(document, effective_from="2027-01", items=[{"code": "X", "name": "x", "kind": "per_ride"}])
    response = client.post("/estates/YJL/fees?lang=en", data={
        "document": (io.BytesIO(json.dumps(bad).encode()), "plan.json")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "items.0.kind" in html
    # Beside the file input, with the note that a browser cannot keep the chosen file.
    assert 'id="fee-plan-document-error"' in html and 'id="fee-plan-document-again"' in html
    assert 'href="#fee-plan-document">Fee plan document (JSON): ' in html
    junk = client.post("/estates/YJL/fees?lang=en", data={"document": (io.BytesIO(b"{"), "plan.json")},
                       content_type="multipart/form-data")
    assert junk.status_code == 422 and "Choose a fee plan file in JSON format." in junk.get_data(as_text=True)


def test_fee_upload_needs_the_csrf_token(csrf_app, planned):
    import io
    client = csrf_app.test_client()
    from tests.factories import PASSWORD
    login_page = client.get("/login").get_data(as_text=True)
    import re
    token = re.search(r'csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    assert client.post("/login", data={"username": "manager", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    response = client.post("/estates/YJL/fees", data={"document": (io.BytesIO(b"{}"), "plan.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    page = client.get("/estates/YJL/fees").get_data(as_text=True)
    token = re.search(r'csrf_token"[^>]*value="([^"]+)"', page).group(1)
    import json
    document = json.dumps(dict(CONTRACT_PLAN, effective_from="2026-12", subsidies=[])).encode()
    response = client.post("/estates/YJL/fees", data={"document": (io.BytesIO(document), "plan.json"),
                                                      "csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 303


PAGE_STATUS = {"admin": 200, "manager": 200, "finance": 200, "tech": 403, "carer": 403, "resident": 403,
               "auditor": 200, "other_manager": 404, "other_resident": 404, "other_auditor": 404,
               "officer": 200, "other_officer": 404}


@pytest.mark.parametrize("user", sorted(PAGE_STATUS))
def test_billing_pages_by_role(client, planned, user):
    assert run(client).status_code == 201
    login(client, user)
    assert client.get("/estates/YJL/fees").status_code == PAGE_STATUS[user]
    runs_page = client.get("/billing/runs?lang=en")
    expected_runs = 403 if user in ("tech", "carer", "resident", "other_resident") else 200
    assert runs_page.status_code == expected_runs
    if expected_runs == 200:
        html = runs_page.get_data(as_text=True)
        assert ("¥2,157.72" in html) == (user in ("admin", "manager", "finance", "auditor", "officer"))
        assert ("Preview the bills" in html) == (user in ("admin", "manager", "finance", "other_manager"))
    bill = client.get(f"/bills/{number(1)}?lang=en")
    expected_bill = {"tech": 403, "carer": 403, "other_manager": 404, "other_resident": 404,
                     "other_auditor": 404, "other_officer": 404}.get(user, 200)
    assert bill.status_code == expected_bill
    if expected_bill == 200:
        html = bill.get_data(as_text=True)
        assert "86.55 m² × ¥1.20 per m²" in html
        assert "Floor 5: weight 30 of 60 × entrance cost ¥1,800.00" in html
        assert "¥1,153.86" in html
    mine = client.get("/my/bills?lang=en")
    assert mine.status_code == (200 if user in ("resident", "other_resident") else 403)
    if user == "resident":
        assert number(1) in mine.get_data(as_text=True)
        assert number(2) not in mine.get_data(as_text=True)


def test_run_button_previews_then_bills_a_period(client, planned, db):
    login(client, "finance")
    preview = client.post("/billing/runs?lang=en", data={"estate": "YJL", "period": "2026-11"})
    html = preview.get_data(as_text=True)
    # The preview: the run's own count and total (2 rooms: ¥1,153.86 + ¥1,003.86), nothing written.
    assert preview.status_code == 200 and "Check before issuing" in html
    assert '<dd id="preview-bills">2</dd>' in html and '<dd id="preview-total">¥2,157.72</dd>' in html
    assert 'name="confirm" value="yes"' in html and "Issue 2 bills" in html
    assert db.scalar(select(func.count()).select_from(BillingRun)) == 0
    assert db.scalar(select(func.count()).select_from(Bill)) == 0
    response = client.post("/billing/runs?lang=en", data={"estate": "YJL", "period": "2026-11", "confirm": "yes"})
    assert response.status_code == 303
    html = client.get("/billing/runs?lang=en").get_data(as_text=True)
    assert "YJL 2026-11: 2 bills issued, total ¥2,157.72." in html and 'class="flash success"' in html
    again = client.post("/billing/runs?lang=en", data={"estate": "YJL", "period": "2026-11"}).get_data(as_text=True)
    assert "was already billed; confirming issues nothing" in again
    client.post("/billing/runs", data={"estate": "YJL", "period": "2026-11", "confirm": "yes"})
    html = client.get("/billing/runs?lang=en").get_data(as_text=True)
    assert "already billed" in html and 'class="flash warning"' in html
    assert db.scalar(select(func.count()).select_from(Bill)) == 2
    # A period that cannot be billed: the form comes back with the period kept and its message.
    late = client.post("/billing/runs?lang=en", data={"estate": "YJL", "period": period(2)})
    html = late.get_data(as_text=True)
    assert late.status_code == 422 and "cannot be billed yet" in html
    assert f'id="billing-run-period" value="{period(2)}"' in html and 'aria-invalid="true"' in html
    assert 'href="#billing-run-period">Period: ' in html
    assert client.post("/billing/runs", data={"estate": "HXY", "period": "2026-11"}).status_code == 404
    login(client, "tech")
    assert client.post("/billing/runs", data={"estate": "YJL", "period": "2026-10"}).status_code == 403
    room_page = login(client, "resident").get("/rooms/YJL-3-2-501/bills?lang=en")
    assert room_page.status_code == 200 and '">2026-11</a>' in room_page.get_data(as_text=True)


def _four_runs(client):
    """YJL billed for the last three months (oldest first), HXY for last month; their periods."""
    months = [period(-3), period(-2), period(-1)]
    for month in months:
        assert run(client, period=month).status_code == 201
    assert run(client, "other_manager", "HXY", period=months[-1]).status_code == 201
    return months


def _listed(html):
    """(period, estate code) of each row of the runs table, in page order."""
    import re
    body = html[html.index('id="runs"'):]
    return re.findall(r'data-label="[^"]*">(\d{4}-\d{2})</td><td data-label="[^"]*">[^<]*<span class="muted">(\w+)</span>',
                      body)


def test_run_list_api_pages_with_a_total(client, planned):
    old, mid, new = _four_runs(client)
    headers = bearer(client, "admin")
    body = client.get("/api/v1/billing-runs?limit=2&offset=1", headers=headers).get_json()
    assert body["total"] == 4 and body["limit"] == 2 and body["offset"] == 1
    # newest period first, then by estate code: new HXY, new YJL, mid YJL, old YJL
    assert [(i["period"], i["estate"]) for i in body["items"]] == [(new, "YJL"), (mid, "YJL")]
    assert client.get("/api/v1/billing-runs?limit=0", headers=headers).status_code == 422
    assert client.get("/api/v1/billing-runs?offset=9", headers=headers).get_json()["items"] == []


def test_runs_page_pages_and_filters(client, planned, monkeypatch):
    from pms.billing.views import bills as views
    monkeypatch.setattr(views, "RUNS_PER_PAGE", 2)
    old, mid, new = _four_runs(client)
    login(client, "admin")
    first = client.get("/billing/runs").get_data(as_text=True)
    assert _listed(first) == [(new, "HXY"), (new, "YJL")]
    assert "第 1 / 2 页" in first and 'rel="next" href="/billing/runs?page=2"' in first
    second = client.get("/billing/runs?page=2").get_data(as_text=True)
    assert _listed(second) == [(mid, "YJL"), (old, "YJL")]
    assert 'rel="next"' not in second
    # past the end: an empty page that says so, not an error
    past = client.get("/billing/runs?page=3").get_data(as_text=True)
    assert _listed(past) == []
    by_estate = client.get("/billing/runs?estate=YJL&period=").get_data(as_text=True)
    assert _listed(by_estate) == [(new, "YJL"), (mid, "YJL")]
    assert 'rel="next" href="/billing/runs?estate=YJL&amp;period=&amp;page=2"' in by_estate
    by_period = client.get(f"/billing/runs?period=%20{new}%20").get_data(as_text=True)
    assert _listed(by_period) == [(new, "HXY"), (new, "YJL")] and "第 1 / 2 页" not in by_period
    nothing = client.get(f"/billing/runs?estate=HXY&period={old}").get_data(as_text=True)
    assert _listed(nothing) == [] and 'href="/billing/runs">' in nothing  # "clear filters"
    # a wrong period: the page's defaults, the message beside the field, 422
    wrong = client.get("/billing/runs?period=2026-13")
    assert wrong.status_code == 422 and 'id="billing-runs-period" value="2026-13"' in wrong.get_data(as_text=True)
    assert _listed(wrong.get_data(as_text=True)) == [(new, "HXY"), (new, "YJL")]
    assert client.get("/billing/runs?page=0").status_code == 422


def test_runs_page_answers_404_for_someone_elses_estate(client, planned):
    new = _four_runs(client)[-1]
    login(client, "manager")
    assert client.get("/billing/runs?estate=HXY").status_code == 404
    assert client.get("/billing/runs?estate=NOPE").status_code == 404
    own = client.get("/billing/runs").get_data(as_text=True)
    assert {code for _period, code in _listed(own)} == {"YJL"}
    login(client, "other_auditor")
    assert _listed(client.get(f"/billing/runs?period={new}").get_data(as_text=True)) == [(new, "HXY")]
