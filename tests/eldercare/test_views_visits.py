"""Visit pages: a care worker's today with check-in (with and without the home code), check-out and
the elder's PIN confirmation; a manager's day with the worker filter; a resident's visits; alerts."""
import re

import pytest

from pms.eldercare.services import alerts
from tests.eldercare.conftest import PIN
from tests.web import csrf_token, logged_in, text


@pytest.fixture
def elder(api):
    api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=4000, min_minutes=30)
    return api.register()


@pytest.fixture
def web(app, world):
    """A logged-in browser client per username (separate from the API's bearer client)."""
    clients = {}

    def get(username):
        if username not in clients:
            clients[username] = logged_in(app.test_client(), username)
        return clients[username]
    return get


def post(client, url, data, page="/eldercare/today"):
    token = csrf_token(text(client.get(page)))
    return client.post(url, data={"csrf_token": token, **data})


def card(html: str, visit_id: int) -> str:
    """The HTML of one visit's card."""
    match = re.search(rf'<article[^>]*id="visit-{visit_id}".*?</article>', html, re.S)
    assert match, html
    return match.group(0)


def test_care_worker_checks_in_with_the_code_out_and_the_elder_confirms(api, elder, web, clock):
    visit = api.book(elder["id"])["id"]
    carer = web("carer")
    page = text(carer.get("/eldercare/today"))
    mine = card(page, visit)
    assert "14:00–15:00" in mine and "张三" in mine and "YJL-3-2-501" in mine and "助洁" in mine
    assert 'name="home_code"' in mine and "unverified" not in mine
    clock.advance(hours=5)
    r = post(carer, f"/eldercare/visits/{visit}/check-in", {"home_code": elder["home_code"].lower()})
    assert r.status_code == 302 and r.headers["Location"].endswith("/eldercare/today")
    page = text(carer.get("/eldercare/today"))
    assert "已签到" in page or "Checked in" in page
    mine = card(page, visit)
    assert 'class="verified"' in mine and 'name="outcome"' in mine
    clock.advance(minutes=45)
    r = post(carer, f"/eldercare/visits/{visit}/check-out", {"outcome": "completed", "note": "打扫厨房"})
    assert r.status_code == 302
    mine = card(text(carer.get("/eldercare/today")), visit)
    assert "打扫厨房" in mine and 'name="pin"' in mine
    r = post(carer, f"/eldercare/visits/{visit}/confirmation", {"pin": PIN})
    assert r.status_code == 302
    shown = api.get("manager", f"/api/v1/visits/{visit}").get_json()
    assert shown["status"] == "confirmed" and shown["verified"] is True
    assert shown["checked_in_at"] == "2026-03-02T06:00:00Z" and shown["checked_out_at"] == "2026-03-02T06:45:00Z"


def test_check_in_without_the_code_is_recorded_unverified_and_said_so(api, elder, web, clock):
    visit = api.book(elder["id"])["id"]
    clock.advance(hours=5)
    carer = web("carer")
    r = post(carer, f"/eldercare/visits/{visit}/check-in", {"home_code": ""})
    assert r.status_code == 302
    page = text(carer.get("/eldercare/today"))
    assert 'class="flash warning"' in page and "未验证" in page
    assert 'class="unverified"' in card(page, visit)
    assert api.get("manager", f"/api/v1/visits/{visit}").get_json()["anomalies"] == ["unverified_check_in"]


def test_check_out_refusal_keeps_the_note_beside_the_field(api, elder, web, clock):
    visit = api.book(elder["id"])["id"]
    carer = web("carer")
    post(carer, f"/eldercare/visits/{visit}/check-in", {"home_code": elder["home_code"]})
    r = post(carer, f"/eldercare/visits/{visit}/check-out", {"outcome": "", "note": "老人不在家"})
    assert r.status_code == 422
    mine = card(text(r), visit)
    assert f'id="check-out-{visit}-outcome-error"' in mine and "老人不在家</textarea>" in mine
    assert api.get("manager", f"/api/v1/visits/{visit}").get_json()["status"] == "checked_in"


def test_wrong_pin_beside_the_field_then_locked_after_five(api, elder, web, clock):
    visit = api.book(elder["id"])["id"]
    carer = web("carer")
    post(carer, f"/eldercare/visits/{visit}/check-in", {"home_code": elder["home_code"]})
    post(carer, f"/eldercare/visits/{visit}/check-out", {"outcome": "completed", "note": ""})
    r = post(carer, f"/eldercare/visits/{visit}/confirmation", {"pin": "0000"})
    assert r.status_code == 422
    mine = card(text(r), visit)
    error = re.search(rf'<p class="field-error" id="confirm-visit-{visit}-pin-error">(.*?)</p>', mine, re.S)
    assert error and "4" in error.group(1)  # four tries left, counted although the request was refused
    for _ in range(4):
        r = post(carer, f"/eldercare/visits/{visit}/confirmation", {"pin": "0000"})
    assert r.status_code == 422
    mine = card(text(carer.get("/eldercare/today")), visit)
    assert 'class="locked"' in mine and 'name="pin"' not in mine
    r = post(carer, f"/eldercare/visits/{visit}/confirmation", {"pin": PIN})  # even the right one: 409
    assert r.status_code == 409 and api.get("manager", f"/api/v1/visits/{visit}").get_json()["status"] == "checked_out"


def test_manager_sees_the_day_with_a_worker_filter_and_no_check_in_forms(api, elder, web, world, db, monkeypatch):
    from tests.factories import make_user

    make_user(db, "carer2", "care_worker", company=world.acme)
    db.commit()
    first = api.book(elder["id"])["id"]
    second = api.book(elder["id"], start="16:00", end="17:00", worker="carer2")["id"]
    manager = web("manager")
    page = text(manager.get("/eldercare/today"))
    assert f'id="visit-{first}"' in page and f'id="visit-{second}"' in page and 'name="home_code"' not in page
    page = text(manager.get("/eldercare/today?worker=carer2"))
    assert f'id="visit-{first}"' not in page and f'id="visit-{second}"' in page
    # The care worker sees their own visits (and unassigned ones), not a colleague's.
    page = text(web("carer").get("/eldercare/today"))
    assert f'id="visit-{first}"' in page and f'id="visit-{second}"' not in page
    # Past the page's limit the manager is asked to choose a worker.
    monkeypatch.setattr("pms.eldercare.views.visits.PAGE_LIMIT", 1)
    page = text(manager.get("/eldercare/today"))
    assert f'id="visit-{first}"' in page and f'id="visit-{second}"' not in page and 'role="status"' in page
    # A colleague may not check in a visit assigned to someone else (the service's rule): 403.
    assert post(web("carer2"), f"/eldercare/visits/{first}/check-in", {"home_code": ""}).status_code == 403
    # Another company's manager sees none of them and cannot act on them.
    other = web("other_manager")
    assert f'id="visit-{first}"' not in text(other.get("/eldercare/today"))
    assert post(other, f"/eldercare/visits/{first}/confirmation", {"pin": PIN}).status_code == 404


@pytest.mark.parametrize("user,status", [("tech", 403), ("finance", 200), ("auditor", 200)])
def test_today_by_role(web, elder, user, status):
    assert web(user).get("/eldercare/today").status_code == status


def test_resident_sees_their_elders_visits_and_confirms(api, elder, web, clock):
    visit = api.book(elder["id"])["id"]
    later = api.book(elder["id"], date="2026-03-05")["id"]
    carer = web("carer")
    post(carer, f"/eldercare/visits/{visit}/check-in", {"home_code": elder["home_code"]})
    post(carer, f"/eldercare/visits/{visit}/check-out", {"outcome": "completed", "note": ""})
    resident = web("resident")
    assert resident.get("/eldercare/today").headers["Location"].endswith("/eldercare/my")
    page = text(resident.get("/eldercare/my"))
    assert f'id="visit-{visit}"' in page and f'id="visit-{later}"' in page and 'name="home_code"' not in page
    r = post(resident, f"/eldercare/visits/{visit}/confirmation", {"pin": PIN}, page="/eldercare/my")
    assert r.status_code == 302 and r.headers["Location"].endswith("/eldercare/my")
    assert api.get("manager", f"/api/v1/visits/{visit}").get_json()["status"] == "confirmed"
    # Another room's resident sees nothing of them; a care worker has no "my" page.
    other = web("other_resident")
    assert f'id="visit-{visit}"' not in text(other.get("/eldercare/my"))
    assert post(other, f"/eldercare/visits/{later}/confirmation", {"pin": PIN}, page="/eldercare/my").status_code == 404
    assert carer.get("/eldercare/my").status_code == 403


def test_missed_check_in_alert_is_acknowledged_with_a_finding(api, elder, web, clock, db):
    visit = api.book(elder["id"], start="10:00", end="11:00")["id"]
    clock.advance(hours=3)  # 12:00: the window ended an hour ago, past the 30 minutes' grace
    assert alerts.sweep_missed(db) == 1
    db.commit()
    manager = web("manager")
    page = text(manager.get("/eldercare/alerts"))
    alert_id = int(re.search(r'id="alert-(\d+)"', page).group(1))
    assert "张三" in page and f"#{visit}" in page
    r = post(manager, f"/eldercare/alerts/{alert_id}/acknowledgement", {"finding": ""}, page="/eldercare/alerts")
    assert r.status_code == 422 and f'id="acknowledge-alert-{alert_id}-finding-error"' in text(r)
    r = post(manager, f"/eldercare/alerts/{alert_id}/acknowledgement", {"finding": "女儿接去医院了"},
             page="/eldercare/alerts")
    assert r.status_code == 302
    assert f'id="alert-{alert_id}"' not in text(manager.get("/eldercare/alerts"))
    assert "女儿接去医院了" in text(manager.get("/eldercare/alerts?open=false"))
    assert web("finance").get("/eldercare/alerts").status_code == 403
    assert f'id="alert-{alert_id}"' not in text(web("other_manager").get("/eldercare/alerts?open=false"))
