"""Elder pages: the list with search, registration (input kept, messages beside the fields, the home
code shown once), the elder's page with allowances, and private fields only for those who may."""
import re

import pytest

from tests.eldercare.conftest import PIN
from tests.eldercare.test_views_visits import web  # noqa: F401 - the logged-in clients fixture
from tests.web import csrf_token, text

FORM = {"room": "yjl-3-2-502", "name": "李四", "birth_date": "1935-03-02", "lives_alone": "y", "daily_check_in": "",
        "disability_tier": "1", "hardship": "dibao", "contact_name_0": "李小明", "contact_phone_0": "13600001111",
        "contact_relation_0": "儿子", "contact_name_1": "", "contact_phone_1": "", "contact_relation_1": "",
        "health_notes": "糖尿病", "consent": "y", "confirmation_pin": "1357"}


def register(client, **changes):
    token = csrf_token(text(client.get("/eldercare/elders/new")))
    return client.post("/eldercare/elders", data={"csrf_token": token, **FORM, **changes})


def test_registration_shows_the_home_code_once(api, web):
    r = register(web("carer"))
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    code = re.search(r'id="home-code">([^<]+)<', text(r)).group(1)
    assert len(code) == 10
    elder = api.get("manager", "/api/v1/elders").get_json()["items"][0]
    shown = api.get("manager", f"/api/v1/elders/{elder['id']}").get_json()
    assert {k: shown[k] for k in ("room", "name", "birth_date", "lives_alone", "daily_check_in", "disability_tier",
                                  "hardship", "health_notes", "emergency_contacts")} == {
        "room": "YJL-3-2-502", "name": "李四", "birth_date": "1935-03-02", "lives_alone": True,
        "daily_check_in": True, "disability_tier": 1, "hardship": "dibao", "health_notes": "糖尿病",
        "emergency_contacts": [{"name": "李小明", "phone": "13600001111", "relation": "儿子"}]}
    assert shown["consent"]["by"] == "carer"
    page = text(web("carer").get(f"/eldercare/elders/{elder['id']}"))
    assert code not in page  # never shown again


def test_refused_registration_keeps_the_input_with_messages_beside_the_fields(api, web):
    carer = web("carer")
    r = register(carer, contact_name_1="王芳", contact_phone_1="abc", contact_relation_1="邻居")
    assert r.status_code == 422
    page = text(r)
    assert 'id="elder-contact_phone_1-error"' in page and 'id="elder-contact_phone_0-error"' not in page
    assert 'value="王芳"' in page and 'value="李四"' in page and "糖尿病</textarea>" in page
    assert 'class="form-summary"' in page
    r = register(carer, birth_date="2030-01-01")
    assert r.status_code == 422 and 'id="elder-birth_date-error"' in text(r) and 'value="2030-01-01"' in text(r)
    r = register(carer, consent="")
    assert r.status_code == 422 and 'id="elder-consent-error"' in text(r)
    assert api.get("manager", "/api/v1/elders").get_json()["total"] == 0  # nothing half-saved
    register(carer)
    r = register(carer)  # the same person again
    assert r.status_code == 409 and "李四" in text(r) and 'class="form-summary"' in text(r)


@pytest.mark.parametrize("user,status", [("carer", 200), ("manager", 200), ("finance", 403), ("tech", 403),
                                         ("auditor", 403), ("resident", 403)])
def test_registration_form_by_role(web, clock, user, status):
    assert web(user).get("/eldercare/elders/new").status_code == status
    if status == 403:
        assert web(user).post("/eldercare/elders", data=FORM).status_code == 403


def test_list_searches_by_name_and_room(api, web, clock):
    api.register()
    register(web("carer"))
    carer = web("carer")
    page = text(carer.get("/eldercare/elders"))
    assert "张三" in page and "李四" in page
    page = text(carer.get("/eldercare/elders?q=李"))
    assert "张三" not in page and "李四" in page
    page = text(carer.get("/eldercare/elders?q=501"))
    assert "张三" in page and "李四" not in page
    assert "张三" not in text(web("other_manager").get("/eldercare/elders"))
    page = text(carer.get("/eldercare/elders?q=%25"))  # a LIKE wildcard is a plain character
    assert "张三" not in page and "李四" not in page


@pytest.mark.parametrize("user,private", [("carer", True), ("manager", True), ("resident", True),
                                          ("finance", False), ("tech", False), ("auditor", False)])
def test_elder_page_private_fields_by_role(api, web, user, private):
    elder = api.register(birth_date="1946-03-02")  # 80 today: the age allowance from this very day
    r = web(user).get(f"/eldercare/elders/{elder['id']}")
    assert r.status_code == 200
    page = text(r)
    assert "张三" in page and "100.00" in page  # 高龄津贴 80–89: 100 yuan a month
    assert ("高血压" in page) is private and ("13911112222" in page or "139****2222" in page) is private
    assert ('id="private"' in page) is private


@pytest.mark.parametrize("user", ["other_resident", "other_manager", "other_auditor", "other_officer"])
def test_someone_elses_elder_is_404(api, web, user):
    elder = api.register()
    assert web(user).get(f"/eldercare/elders/{elder['id']}").status_code == 404


def test_elder_page_shows_visits_and_open_alerts(api, web, clock, db):
    from pms.eldercare.services import alerts

    api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=4000, min_minutes=30)
    elder = api.register()
    api.book(elder["id"], start="10:00", end="11:00")
    api.book(elder["id"], date="2026-03-04")
    clock.advance(hours=3)
    alerts.sweep_missed(db)
    db.commit()
    page = text(web("manager").get(f"/eldercare/elders/{elder['id']}"))
    assert 'id="upcoming"' in page and "2026-03-04" in page and 'id="alerts"' in page
    assert "未按时签到" in page
    # A reprinted card: a new code, shown once on its own page.
    manager = web("manager")
    token = csrf_token(page)
    r = manager.post(f"/eldercare/elders/{elder['id']}/home-code", data={"csrf_token": token})
    assert r.status_code == 201
    new_code = re.search(r'id="home-code">([^<]+)<', text(r)).group(1)
    assert new_code != elder["home_code"]
    assert PIN not in text(r)
