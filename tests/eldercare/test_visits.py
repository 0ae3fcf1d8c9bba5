"""Visits: one-off bookings (services offered, overlapping workers), check-in with the home code,
check-out, the elder's confirmation with its lock-out; server timestamps only."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from pms.core.models import AuditEntry
from pms.eldercare.models import Visit
from tests.eldercare.conftest import PIN
from tests.factories import make_user


@pytest.fixture
def elder(api):
    api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=4000, min_minutes=30)
    return api.register()


def test_booking_answers_the_contract_and_captures_the_six_data_points(api, elder):
    booked = api.book(elder["id"], user="resident")
    assert booked == {"id": booked["id"], "status": "planned"}
    visit = api.get("carer", f"/api/v1/visits/{booked['id']}").get_json()
    assert {k: visit[k] for k in ("service", "service_kind", "elder", "elder_name", "date", "room", "worker",
                                  "start", "end", "verified", "anomalies")} == {
        "service": "CLEAN", "service_kind": "cleaning", "elder": elder["id"], "elder_name": "张三",
        "date": "2026-03-02", "room": "YJL-3-2-501", "worker": "carer", "start": "14:00", "end": "15:00",
        "verified": None, "anomalies": []}


def test_booking_refusals(api, elder):
    assert "service" in api.book(elder["id"], expect=422, service="BATH")["error"]["fields"]
    assert "end" in api.book(elder["id"], expect=422, start="15:00", end="15:00")["error"]["fields"]
    assert "date" in api.book(elder["id"], expect=422, date="2026-03-01")["error"]["fields"]
    assert "worker" in api.book(elder["id"], expect=422, worker="tech")["error"]["fields"]
    assert "elder" in api.book(999999, expect=422)["error"]["fields"]
    assert "start" in api.book(elder["id"], expect=422, start="25:00")["error"]["fields"]
    # Another company's elder is unknown (the same answer as a missing one); auditors never write.
    other = api.register("other_manager", room="HXY-1-1-101", name="王五")
    assert "elder" in api.book(other["id"], expect=422)["error"]["fields"]
    api.book(elder["id"], user="auditor", expect=403)
    api.book(elder["id"], user="finance", expect=403)


def test_overlapping_visits_of_one_worker_are_409_naming_the_other(api, elder):
    first = api.book(elder["id"])
    clash = api.book(elder["id"], expect=409, start="14:30", end="16:00")
    assert f"#{first['id']}" in clash["error"]["message"] and "14:00" in clash["error"]["message"]
    assert clash["error"]["fields"]["worker"] == [clash["error"]["message"]]
    api.book(elder["id"], start="15:00", end="16:00")  # back to back is fine
    api.book(elder["id"], start="14:30", end="16:00", worker=None)  # nobody assigned: no clash


def test_check_in_out_and_confirm_with_server_times(api, elder, clock):
    visit = api.book(elder["id"])["id"]
    assert api.post("carer", f"/api/v1/visits/{visit}/check-out", {"outcome": "completed"}).status_code == 409
    assert api.post("carer", f"/api/v1/visits/{visit}/confirmation", {"pin": PIN}).status_code == 409
    clock.advance(hours=5)  # 14:00 in Beijing
    r = api.post("carer", f"/api/v1/visits/{visit}/check-in", {"home_code": elder["home_code"]})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "checked_in" and body["verified"] is True
    assert body["checked_in_at"] == "2026-03-02T06:00:00Z"
    assert api.post("carer", f"/api/v1/visits/{visit}/check-in", {"home_code": elder["home_code"]}).status_code == 409
    clock.advance(minutes=50)
    out = api.post("carer", f"/api/v1/visits/{visit}/check-out", {"outcome": "completed", "note": "打扫厨房"})
    assert out.status_code == 200 and out.get_json()["checked_out_at"] == "2026-03-02T06:50:00Z"
    assert out.get_json()["anomalies"] == []
    confirmed = api.post("resident", f"/api/v1/visits/{visit}/confirmation", {"pin": PIN})
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["status"] == "confirmed"
    assert confirmed.get_json()["confirmed_at"] == "2026-03-02T06:50:00Z"
    assert api.post("resident", f"/api/v1/visits/{visit}/confirmation", {"pin": PIN}).status_code == 409


def test_a_check_in_without_the_code_is_recorded_unverified_and_flagged(api, elder, clock):
    wrong, missing = api.book(elder["id"])["id"], api.book(elder["id"], start="16:00", end="17:00")["id"]
    assert api.post("carer", f"/api/v1/visits/{wrong}/check-in", {"home_code": "WRONGCODE2"}).get_json()[
        "verified"] is False
    body = api.post("carer", f"/api/v1/visits/{missing}/check-in", {}).get_json()
    assert body["verified"] is False and body["status"] == "checked_in"
    assert "unverified_check_in" in body["anomalies"]
    # Too short for the service's 30 minutes.
    clock.advance(minutes=10)
    out = api.post("carer", f"/api/v1/visits/{missing}/check-out", {"outcome": "completed"}).get_json()
    assert out["anomalies"] == ["unverified_check_in", "short_visit"]


def test_only_the_assigned_care_worker_checks_in(api, elder, db, world):
    make_user(db, "carer2", "care_worker", company=world.acme)
    db.commit()
    visit = api.book(elder["id"])["id"]
    code = {"home_code": elder["home_code"]}
    for user, status in [("carer2", 403), ("manager", 403), ("finance", 403), ("resident", 403),
                         ("auditor", 403), ("other_manager", 404)]:
        assert api.post(user, f"/api/v1/visits/{visit}/check-in", code).status_code == status, user
    open_visit = api.book(elder["id"], start="16:00", end="17:00", worker=None)["id"]
    taken = api.post("carer2", f"/api/v1/visits/{open_visit}/check-in", code).get_json()
    assert taken["worker"] == "carer2" and taken["verified"] is True


def test_five_wrong_pins_lock_that_visits_confirmation(api, elder, db):
    visit = api.book(elder["id"])["id"]
    other = api.book(elder["id"], start="16:00", end="17:00")["id"]
    for v in (visit, other):
        api.post("carer", f"/api/v1/visits/{v}/check-in", {"home_code": elder["home_code"]})
        api.post("carer", f"/api/v1/visits/{v}/check-out", {"outcome": "completed"})
    for attempt in range(5):
        r = api.post("carer", f"/api/v1/visits/{visit}/confirmation", {"pin": "0000"})
        assert r.status_code == 422 and "pin" in r.get_json()["error"]["fields"], attempt
    locked = api.post("carer", f"/api/v1/visits/{visit}/confirmation", {"pin": PIN})
    assert locked.status_code == 409
    assert api.get("carer", f"/api/v1/visits/{visit}").get_json()["confirmation_locked"] is True
    assert db.scalar(select(Visit.pin_failures).where(Visit.id == visit)) == 5
    assert db.scalar(select(AuditEntry.id).where(AuditEntry.action == "visit.confirmation_locked")) is not None
    # Another visit of the same elder is not locked.
    assert api.post("carer", f"/api/v1/visits/{other}/confirmation", {"pin": PIN}).status_code == 200


def test_listing_a_day_in_time_order(api, elder):
    late = api.book(elder["id"], start="16:00", end="17:00")["id"]
    early = api.book(elder["id"], start="08:00", end="09:00", date="2026-03-03")["id"]
    early_today = api.book(elder["id"], start="10:00", end="11:00")["id"]
    day = api.get("carer", "/api/v1/visits", query_string={"date": "2026-03-02"}).get_json()
    assert day["date"] == "2026-03-02" and [v["id"] for v in day["items"]] == [early_today, late]
    assert [v["id"] for v in api.get("carer", "/api/v1/visits", query_string={"date": "2026-03-03"})
            .get_json()["items"]] == [early]
    assert [v["id"] for v in api.get("carer", "/api/v1/visits").get_json()["items"]] == [early_today, late]


def test_timestamps_are_the_servers(api, elder, clock):
    visit = api.book(elder["id"])["id"]
    sent = {"home_code": elder["home_code"], "checked_in_at": "2020-01-01T00:00:00Z"}
    r = api.post("carer", f"/api/v1/visits/{visit}/check-in", sent)
    assert r.status_code == 422  # unknown fields are refused, never taken
    clock.advance(timedelta(minutes=3))
    body = api.post("carer", f"/api/v1/visits/{visit}/check-in", {"home_code": elder["home_code"]}).get_json()
    assert body["checked_in_at"] == "2026-03-02T01:03:00Z"


def test_cancelling_frees_the_worker(api, elder):
    visit = api.book(elder["id"])["id"]
    api.book(elder["id"], expect=409, start="14:30", end="15:30")
    assert api.post("finance", f"/api/v1/visits/{visit}/cancellation").status_code == 403
    assert api.post("other_manager", f"/api/v1/visits/{visit}/cancellation").status_code == 404
    r = api.post("resident", f"/api/v1/visits/{visit}/cancellation")
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert api.post("resident", f"/api/v1/visits/{visit}/cancellation").status_code == 409
    again = api.book(elder["id"], start="14:30", end="15:30")["id"]
    api.post("carer", f"/api/v1/visits/{again}/check-in", {"home_code": elder["home_code"]})
    assert api.post("manager", f"/api/v1/visits/{again}/cancellation").status_code == 409
