"""The emergency-call page (log a call for an elder, open and all calls with the response time,
the response once), the elder page's link, and the figures page with its 12 months' chart."""
import re
from datetime import timedelta

import pytest

from tests.web import csrf_token, logged_in, text


@pytest.fixture
def web(app, world):
    clients = {}

    def get(username):
        if username not in clients:
            clients[username] = logged_in(app.test_client(), username)
        return clients[username]
    return get


def post(client, url, data, page="/eldercare/calls"):
    token = csrf_token(text(client.get(page)))
    return client.post(url, data={"csrf_token": token, **data})


def test_log_and_answer_a_call_on_the_page(api, web, clock):
    elder = api.register()["id"]
    carer = web("carer")
    elder_page = text(carer.get(f"/eldercare/elders/{elder}"))
    assert f'href="/eldercare/calls?elder={elder}#log-call"' in elder_page
    page = text(carer.get(f"/eldercare/calls?elder={elder}"))
    assert re.search(rf'<option value="{elder}" selected>YJL-3-2-501 张三</option>', page)
    assert 'href="/eldercare/calls"' in page  # the sub-nav
    r = post(carer, "/eldercare/calls", {"elder": "", "notes": "x"})
    assert r.status_code == 422 and 'id="emergency-call-elder-error"' in text(r)
    r = post(carer, "/eldercare/calls", {"elder": str(elder), "notes": "女儿来电：老人胸闷"})
    assert r.status_code == 302
    page = text(carer.get("/eldercare/calls"))
    call_id = int(re.search(r'id="call-(\d+)"', page).group(1))
    assert "女儿来电：老人胸闷" in page
    clock.advance(timedelta(minutes=4))
    r = post(carer, f"/eldercare/calls/{call_id}/response", {"outcome": ""})
    assert r.status_code == 422 and f'id="call-response-{call_id}-outcome-error"' in text(r)
    r = post(carer, f"/eldercare/calls/{call_id}/response", {"outcome": "上门，已叫120", "notes": ""})
    assert r.status_code == 302
    assert f'id="call-{call_id}"' not in text(carer.get("/eldercare/calls"))  # no longer open
    everything = text(carer.get("/eldercare/calls?open=false"))
    assert "上门，已叫120" in everything and "4.0" in everything
    assert post(carer, f"/eldercare/calls/{call_id}/response", {"outcome": "again"}).status_code == 409
    assert "4.0" in text(carer.get(f"/eldercare/elders/{elder}"))
    # Someone else's call or elder: 404; a role that may not read calls: 403.
    other = web("other_manager")
    assert f'id="call-{call_id}"' not in text(other.get("/eldercare/calls?open=false"))
    assert other.get(f"/eldercare/calls?elder={elder}").status_code == 404
    assert post(other, "/eldercare/calls", {"elder": str(elder)}).status_code == 422
    assert web("finance").get("/eldercare/calls").status_code == 403
    assert web("tech").get("/eldercare/calls").status_code == 403


def test_auditors_read_calls_without_forms(api, web):
    elder = api.register()["id"]
    api.post("carer", f"/api/v1/elders/{elder}/emergency-calls", {})
    page = text(web("auditor").get("/eldercare/calls"))
    assert 'id="call-' in page and 'id="log-call"' not in page and "/response" not in page


def test_figures_page(api, web, clock):
    api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=4000, min_minutes=30)
    elder = api.register()
    visit = api.book(elder["id"], start="09:30", end="10:30")["id"]
    api.post("carer", f"/api/v1/visits/{visit}/check-in", {"home_code": elder["home_code"]})
    clock.advance(minutes=45)
    api.post("carer", f"/api/v1/visits/{visit}/check-out", {"outcome": "completed", "note": ""})
    page = text(web("manager").get("/eldercare/kpis?estate=YJL&month=2026-03"))
    assert 'id="kpis"' in page and 'id="trend"' in page and "<svg" in page
    table = re.search(r'<table[^>]*id="kpis".*?</table>', page, re.S).group(0)
    cells = re.findall(r'<td class="num">([^<]*)</td>', table)
    # served, planned, delivered, verified, confirmed, missed, open alerts, ack median/P90, calls, answered, …
    assert cells[:7] == ["1", "1", "1", "1", "0", "0", "0"] and cells[9:11] == ["0", "0"]
    assert web("manager").get("/eldercare/kpis").status_code == 200  # the first estate, this month
    assert web("other_manager").get("/eldercare/kpis?estate=YJL").status_code == 404
    assert web("finance").get("/eldercare/kpis").status_code == 403
    assert web("manager").get("/eldercare/kpis?month=2026-13").status_code == 422
