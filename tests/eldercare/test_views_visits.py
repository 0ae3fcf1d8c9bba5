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
def web(app):
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
