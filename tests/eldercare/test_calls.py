"""Emergency calls (紧急呼叫): logged at the server's time by care workers and managers, answered
once (again: 409), listed open or all with the response time in minutes; scoped like elders."""
from datetime import timedelta

import pytest


@pytest.fixture
def elder(api):
    return api.register()


def test_log_and_answer_a_call_with_server_times(api, elder, clock):
    r = api.post("carer", f"/api/v1/elders/{elder['id']}/emergency-calls", {"notes": "老人按了呼叫器"})
    assert r.status_code == 201, r.get_json()
    call = r.get_json()
    assert (call["elder"], call["elder_name"], call["room"], call["received_by"]) == (
        elder["id"], "张三", "YJL-3-2-501", "carer")
    assert call["received_at"] == "2026-03-02T01:00:00Z" and call["responded_at"] is None
    assert call["response_minutes"] is None
    clock.advance(minutes=7, seconds=30)
    r = api.post("manager", f"/api/v1/emergency-calls/{call['id']}/response",
                 {"outcome": "上门查看，老人摔倒，已送医", "notes": "通知了女儿"})
    assert r.status_code == 200, r.get_json()
    answered = r.get_json()
    assert answered["responded_at"] == "2026-03-02T01:07:30Z" and answered["responder"] == "manager"
    assert answered["response_minutes"] == 7.5 and answered["notes"] == "老人按了呼叫器\n通知了女儿"
    # A second response is refused; the first stands.
    again = api.post("carer", f"/api/v1/emergency-calls/{call['id']}/response", {"outcome": "x"})
    assert again.status_code == 409
    assert api.get("auditor", "/api/v1/emergency-calls").get_json()["items"][0]["outcome"] == "上门查看，老人摔倒，已送医"


def test_a_body_naming_a_time_or_without_outcome_is_refused(api, elder):
    url = f"/api/v1/elders/{elder['id']}/emergency-calls"
    assert api.post("carer", url, {"received_at": "2026-03-02T00:00:00Z"}).status_code == 422
    call = api.post("carer", url, {}).get_json()
    r = api.post("carer", f"/api/v1/emergency-calls/{call['id']}/response", {"notes": "n"})
    assert r.status_code == 422 and "outcome" in r.get_json()["error"]["fields"]


def test_open_and_all_calls_newest_first_per_estate(api, elder, clock):
    url = f"/api/v1/elders/{elder['id']}/emergency-calls"
    first = api.post("carer", url, {}).get_json()["id"]
    clock.advance(minutes=1)
    second = api.post("carer", url, {}).get_json()["id"]
    api.post("carer", f"/api/v1/emergency-calls/{first}/response", {"outcome": "电话回访，误按"})
    listed = api.get("manager", "/api/v1/emergency-calls").get_json()["items"]
    assert [c["id"] for c in listed] == [second, first]
    assert [c["response_minutes"] for c in listed] == [None, 1.0]
    opened = api.get("manager", "/api/v1/emergency-calls", query_string={"open": "true", "estate": "YJL"})
    assert [c["id"] for c in opened.get_json()["items"]] == [second]
    assert api.get("manager", "/api/v1/emergency-calls", query_string={"estate": "HXY"}).status_code == 404


WHO_MAY = [
    ("carer", 201, 200, 200), ("manager", 201, 200, 200), ("admin", 201, 200, 200),
    ("auditor", 403, 200, 403), ("finance", 403, 403, 403), ("tech", 403, 403, 403),
    ("resident", 403, 403, 403),
    ("other_manager", 404, 200, 404), ("other_resident", 404, 403, 404),
    ("other_auditor", 403, 200, 403),  # auditors never write: 403 before scope
    ("officer", 403, 200, 403), ("other_officer", 403, 200, 403),  # officers change no company data
]


@pytest.mark.parametrize("user, log, read, respond", WHO_MAY)
def test_who_may_log_read_and_answer(api, elder, user, log, read, respond):
    call = api.post("carer", f"/api/v1/elders/{elder['id']}/emergency-calls", {}).get_json()["id"]
    assert api.post(user, f"/api/v1/elders/{elder['id']}/emergency-calls", {}).status_code == log
    listed = api.get(user, "/api/v1/emergency-calls")
    assert listed.status_code == read
    if user.startswith("other_") and read == 200:  # another company's or district's: nothing of ours
        assert listed.get_json()["items"] == []
    assert api.post(user, f"/api/v1/emergency-calls/{call}/response", {"outcome": "ok"}).status_code == respond


def test_a_response_time_is_exact_to_the_decimal(api, elder, clock):
    call = api.post("carer", f"/api/v1/elders/{elder['id']}/emergency-calls", {}).get_json()["id"]
    clock.advance(timedelta(minutes=12, seconds=20))  # 12.333… → 12.3
    assert api.post("carer", f"/api/v1/emergency-calls/{call}/response",
                    {"outcome": "上门"}).get_json()["response_minutes"] == 12.3
