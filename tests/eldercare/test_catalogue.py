"""The company's catalogue: PUT creates (201) or updates (200), per company; who may keep it;
the meal subsidy from the shipped data; the company's settings."""
import pytest
from sqlalchemy import select

from pms.eldercare.models import CareService


def test_put_creates_then_updates_per_company(api, db):
    created = api.service("MEAL")
    assert created == {"code": "MEAL", "kind": "meal", "name": "助餐", "price_fen": 1500, "unit": "meal",
                       "min_minutes": 0, "subsidy_fen_per_day": 500, "program": None}
    updated = api.service("MEAL", expect=200, price_fen=1600, name="助餐（午）")
    assert updated["price_fen"] == 1600 and updated["name"] == "助餐（午）"
    api.service("MEAL", user="other_manager", price_fen=1200)  # the other company's own MEAL: new
    rows = db.execute(select(CareService.company_id, CareService.price_fen).order_by(CareService.id)).all()
    assert [price for _c, price in rows] == [1600, 1200] and rows[0][0] != rows[1][0]
    listed = api.get("resident", "/api/v1/care-services").get_json()["items"]
    assert [(s["code"], s["price_fen"]) for s in listed] == [("MEAL", 1600)]
    cleaning = api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=4000, min_minutes=60)
    assert cleaning["subsidy_fen_per_day"] == 0


@pytest.mark.parametrize("user, status", [
    ("admin", 422), ("manager", 201), ("finance", 403), ("tech", 403), ("carer", 403), ("resident", 403),
    ("auditor", 403), ("other_manager", 201), ("other_resident", 403), ("other_auditor", 403),
    ("officer", 403), ("other_officer", 403),
])
def test_who_may_keep_the_catalogue(api, user, status):
    # The platform admin names the company (422 without it); everyone else acts for their own.
    api.service("VISIT", user=user, expect=status, kind="visit", name="探访", unit="visit", price_fen=0)


def test_admin_names_the_company(api):
    api.service("VISIT", user="admin", kind="visit", name="探访", unit="visit", price_fen=0, company="OTHER")
    assert api.service("VISIT", user="manager", expect=422, kind="visit", name="探访", unit="visit",
                       price_fen=0, company="OTHER")["error"]["fields"].keys() == {"company"}


def test_bad_catalogue_input(api):
    assert "kind" in api.service(expect=422, kind="massage")["error"]["fields"]
    assert "unit" in api.service(expect=422, unit="day")["error"]["fields"]
    assert "price_fen" in api.service(expect=422, price_fen=-1)["error"]["fields"]
    assert "code" in api.service("bad code!", expect=422)["error"]["fields"]


def test_settings_per_company(api):
    r = api.put("manager", "/api/v1/eldercare/settings",
                {"grace_minutes": 45, "check_in_start": "08:00", "check_in_end": "10:00"})
    assert r.status_code == 200 and r.get_json() == {"grace_minutes": 45, "check_in_start": "08:00",
                                                     "check_in_end": "10:00", "escalate_minutes": 30}
    bad = api.put("manager", "/api/v1/eldercare/settings",
                  {"grace_minutes": 45, "check_in_start": "10:00", "check_in_end": "09:00"})
    assert bad.status_code == 422 and "check_in_end" in bad.get_json()["error"]["fields"]
    assert api.put("carer", "/api/v1/eldercare/settings",
                   {"grace_minutes": 5, "check_in_start": "08:00", "check_in_end": "10:00"}).status_code == 403
