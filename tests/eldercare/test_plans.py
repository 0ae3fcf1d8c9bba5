"""Care plans and the scheduler's jobs with the controlled clock: the coming 7 days' visits
(idempotent, UNIQUE in the database), daily check-ins of elders living alone, and the
missed-check-in sweep (once per visit, to the managers and the emergency contact)."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pms.core.db import unit_of_work
from pms.core.models import Notification, OutboxMessage
from pms.eldercare.models import Visit, VisitAlert
from pms.eldercare.services import alerts, plans
from tests.factories import make_user

MONDAY = date(2026, 3, 2)


@pytest.fixture
def catalogue(api):
    api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=4000, min_minutes=30)
    api.service("VISIT", kind="visit", name="探访", unit="visit", price_fen=0)


def generate(app, **kw) -> int:
    with app.app_context(), unit_of_work() as session:
        return plans.generate_visits(session, **kw)


def sweep(app) -> int:
    with app.app_context(), unit_of_work() as session:
        return alerts.sweep_missed(session)


def visits(db, **where):
    db.rollback()
    stmt = select(Visit).order_by(Visit.date, Visit.starts_at, Visit.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(Visit, key) == value)
    return list(db.scalars(stmt))


def test_plans_make_the_coming_week_once(api, app, db, catalogue):
    alone = api.register()  # lives alone: a daily check-in
    family = api.register(room="YJL-3-2-502", name="李四", lives_alone=False)
    r = api.post("carer", "/api/v1/care-plans",
                 {"elder": family["id"], "service": "CLEAN", "recurrence": "weekly", "weekdays": ["mon", "thu"],
                  "start": "14:00", "end": "15:00", "worker": "carer"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["weekdays"] == ["mon", "thu"] and r.get_json()["start"] == "14:00"
    api.post("carer", "/api/v1/care-plans",
             {"elder": family["id"], "service": "CLEAN", "recurrence": "weekdays", "start": "08:00", "end": "09:00"})
    # 7 check-ins (Mon 2 – Sun 8 March) + Mon and Thu + 5 weekdays.
    assert generate(app) == 14
    assert generate(app) == 0 and generate(app, days=3) == 0
    checkins = visits(db, elder_id=alone["id"])
    assert [v.date for v in checkins] == [date(2026, 3, d) for d in range(2, 9)]
    assert {(v.slot, v.starts_at.hour, v.ends_at.hour) for v in checkins} == {("check-in", 1, 3)}  # 09–11 Beijing
    weekly = [v for v in visits(db, elder_id=family["id"]) if v.worker_id is not None]
    assert [v.date for v in weekly] == [date(2026, 3, 2), date(2026, 3, 5)]
    # The next day adds one more day's visits only.
    # Monday 9 March: its check-in, the weekly visit (Mon) and the weekday one.
    assert generate(app, today=date(2026, 3, 3)) == 3
    listed = api.get("carer", f"/api/v1/elders/{family['id']}/care-plans").get_json()["items"]
    assert [p["recurrence"] for p in listed] == ["weekly", "weekdays"]


def test_the_database_refuses_a_second_generated_visit(app, api, db, catalogue):
    api.register()
    generate(app)
    first = visits(db)[0]
    with app.app_context(), unit_of_work() as session:
        session.add(Visit(estate_id=first.estate_id, room_id=first.room_id, elder_id=first.elder_id,
                          service_id=first.service_id, slot=first.slot, date=first.date,
                          starts_at=first.starts_at, ends_at=first.ends_at))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_a_visiting_plan_or_the_record_replaces_the_daily_check_in(api, app, db, catalogue):
    weekly = api.register()
    api.post("manager", "/api/v1/care-plans",
             {"elder": weekly["id"], "service": "VISIT", "recurrence": "weekly", "weekdays": ["wed"],
              "start": "10:00", "end": "11:00"})
    opted_out = api.register(room="YJL-3-2-502", name="李四", daily_check_in=False)
    assert generate(app) == 1
    assert [v.date for v in visits(db, elder_id=weekly["id"])] == [date(2026, 3, 4)]
    assert visits(db, elder_id=opted_out["id"]) == []


def test_no_visiting_service_no_check_ins(api, app):
    api.register()
    assert generate(app) == 0


def test_plan_input_is_checked(api, catalogue):
    elder = api.register()
    url = "/api/v1/care-plans"
    base = {"elder": elder["id"], "service": "CLEAN", "recurrence": "weekly", "start": "14:00", "end": "15:00"}
    assert "weekdays" in api.post("carer", url, base).get_json()["error"]["fields"]
    assert "service" in api.post("carer", url, {**base, "service": "BATH", "weekdays": ["mon"]}).get_json()[
        "error"]["fields"]
    assert "end" in api.post("carer", url, {**base, "weekdays": ["mon"], "end": "13:00"}).get_json()[
        "error"]["fields"]
    assert api.post("finance", url, {**base, "weekdays": ["mon"]}).status_code == 403
    assert "elder" in api.post("other_manager", url, {**base, "weekdays": ["mon"]}).get_json()["error"]["fields"]


def test_missed_check_ins_alert_once_after_the_grace(api, app, db, clock, world, catalogue):
    manager2 = make_user(db, "manager2", "manager", company=world.acme).id
    db.commit()
    alone = api.register()
    generate(app, days=1)
    (visit,) = visits(db)
    # The window ends at 11:00 Beijing (03:00 UTC); the grace is 30 minutes.
    clock.set(datetime(2026, 3, 2, 3, 30, tzinfo=timezone.utc))
    assert sweep(app) == 0
    clock.set(datetime(2026, 3, 2, 3, 30, 1, tzinfo=timezone.utc))
    assert sweep(app) == 1
    assert sweep(app) == 0
    assert visits(db)[0].status == "missed"
    notes = db.execute(select(Notification.recipient_user_id, Notification.kind, Notification.title)).all()
    assert sorted(u for u, _k, _t in notes) == sorted([world.users["manager"].id, manager2])
    assert {k for _u, k, _t in notes} == {"missed_check_in"} and all("张三" in t for _u, _k, t in notes)
    outbox = db.execute(select(OutboxMessage.channel, OutboxMessage.to_address)).all()
    assert sorted(outbox) == [("email", ""), ("email", ""), ("sms", "13911112222")]
    # The visit shows it; a late check-in is still recorded.
    shown = api.get("manager", f"/api/v1/visits/{visit.id}").get_json()
    assert shown["status"] == "missed" and shown["anomalies"] == ["missed_check_in"]
    late = api.post("carer", f"/api/v1/visits/{visit.id}/check-in", {"home_code": alone["home_code"]})
    assert late.get_json()["status"] == "checked_in"
    assert sweep(app) == 0
    # Listed as open until acknowledged once, by whom, with what was found.
    alert_id = db.scalar(select(VisitAlert.id))
    listed = api.get("manager", "/api/v1/visit-alerts").get_json()["items"]
    assert [(a["id"], a["visit"], a["elder_name"], a["room"], a["date"]) for a in listed] == [
        (alert_id, visit.id, "张三", "YJL-3-2-501", "2026-03-02")]
    assert api.get("other_manager", "/api/v1/visit-alerts").get_json()["items"] == []
    assert api.get("finance", "/api/v1/visit-alerts").status_code == 403
    ack = api.post("manager", f"/api/v1/visit-alerts/{alert_id}/acknowledgement", {"finding": "电话联系，老人安好"})
    assert ack.status_code == 200 and ack.get_json()["finding"] == "电话联系，老人安好"
    assert api.post("manager", f"/api/v1/visit-alerts/{alert_id}/acknowledgement",
                    {"finding": "again"}).status_code == 409
    assert api.post("other_manager", f"/api/v1/visit-alerts/{alert_id}/acknowledgement",
                    {"finding": "x"}).status_code == 404
    assert api.get("manager", "/api/v1/visit-alerts").get_json()["items"] == []
    assert len(api.get("auditor", "/api/v1/visit-alerts", query_string={"open": "false"}).get_json()["items"]) == 1


def test_the_grace_is_per_company_and_checked_in_visits_are_never_missed(api, app, db, clock, catalogue):
    api.put("manager", "/api/v1/eldercare/settings",
            {"grace_minutes": 60, "check_in_start": "09:00", "check_in_end": "11:00"})
    alone = api.register()
    booked = api.book(alone["id"], start="09:30", end="10:30")["id"]
    generate(app, days=1)
    api.post("carer", f"/api/v1/visits/{booked}/check-in", {"home_code": alone["home_code"]})
    clock.set(datetime(2026, 3, 2, 3, 45, tzinfo=timezone.utc))  # 11:45: within the hour's grace
    assert sweep(app) == 0
    clock.set(datetime(2026, 3, 2, 4, 1, tzinfo=timezone.utc))
    assert sweep(app) == 1
    assert {v.status for v in visits(db)} == {"checked_in", "missed"}
    assert db.scalar(select(func.count(VisitAlert.id))) == 1


def test_a_storm_of_missed_check_ins_is_one_message_per_manager_and_estate(api, app, db, clock, world, catalogue):
    """More than DIGEST_FROM missed in one estate in one sweep: one digest per manager (each alert
    still its own row); the families each get their own SMS."""
    first = api.register()
    generate(app, days=1)
    elder_id = first["id"]
    for extra in range(alerts.DIGEST_FROM):  # 21 planned visits of the day in all
        api.book(elder_id, start=f"{12 + extra // 6:02d}:{(extra % 6) * 10:02d}",
                 end=f"{12 + extra // 6:02d}:{(extra % 6) * 10 + 5:02d}", worker=None)
    clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc))  # 23:00 in Beijing
    assert sweep(app) == 21
    notes = db.execute(select(Notification.title, Notification.body)).all()
    assert len(notes) == 1 and notes[0][0] == "21 missed check-ins in 云景里"
    lines = notes[0][1].split("\n")
    assert len(lines) == 21 and lines[-1] == "… and 1 more: see the open alerts."
    assert lines[0] == "张三, YJL-3-2-501, 09:00–11:00 (visit #1) (lives alone)"
    assert db.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.channel == "sms")) == 21
    assert db.scalar(select(func.count(VisitAlert.id))) == 21


def test_ending_a_plan_cancels_its_planned_visits_after_today(api, app, db, catalogue):
    elder = api.register(lives_alone=False)
    plan = api.post("carer", "/api/v1/care-plans", {"elder": elder["id"], "service": "CLEAN", "recurrence": "daily",
                                                    "start": "14:00", "end": "15:00"}).get_json()
    assert generate(app) == 7
    ended = api.post("manager", f"/api/v1/care-plans/{plan['id']}/end")
    assert ended.status_code == 200 and ended.get_json()["ends_on"] == "2026-03-02"
    assert [(v.date, v.status) for v in visits(db)][:2] == [(date(2026, 3, 2), "planned"),
                                                            (date(2026, 3, 3), "cancelled")]
    assert {v.status for v in visits(db)[1:]} == {"cancelled"}
    assert generate(app, today=date(2026, 3, 3)) == 0
    assert api.post("manager", f"/api/v1/care-plans/{plan['id']}/end").status_code == 409
    assert api.post("finance", f"/api/v1/care-plans/{plan['id']}/end").status_code == 403
    assert api.post("other_manager", f"/api/v1/care-plans/{plan['id']}/end").status_code == 404


def test_a_worker_is_never_planned_in_two_homes_at_once(api, catalogue):
    first, second = api.register(), api.register(room="YJL-3-2-502", name="李四")
    body = {"elder": first["id"], "service": "CLEAN", "recurrence": "weekly", "weekdays": ["mon", "thu"],
            "start": "14:00", "end": "15:00", "worker": "carer"}
    plan = api.post("carer", "/api/v1/care-plans", body).get_json()["id"]
    clash = api.post("carer", "/api/v1/care-plans", {**body, "elder": second["id"], "recurrence": "weekdays",
                                                     "weekdays": [], "start": "14:30", "end": "15:30"})
    assert clash.status_code == 409 and f"#{plan}" in clash.get_json()["error"]["message"]
    for fine in ({"weekdays": ["tue", "wed"]}, {"start": "15:00", "end": "16:00"}, {"worker": None}):
        r = api.post("carer", "/api/v1/care-plans", {**body, "elder": second["id"], **fine})
        assert r.status_code == 201, (fine, r.get_json())


def test_a_booking_beyond_the_generated_week_meets_the_plan(api, app, catalogue):
    elder = api.register()
    plan = api.post("carer", "/api/v1/care-plans", {"elder": elder["id"], "service": "CLEAN", "recurrence": "weekly",
                                                    "weekdays": ["mon"], "start": "14:00", "end": "15:00",
                                                    "worker": "carer"}).get_json()["id"]
    generate(app)  # Monday 2 March only; Monday 16 March is not generated yet
    later = api.book(elder["id"], expect=409, date="2026-03-16", start="14:30", end="15:30")
    assert f"#{plan}" in later["error"]["message"]
    api.book(elder["id"], date="2026-03-17", start="14:30", end="15:30")  # a Tuesday
    today = api.book(elder["id"], expect=409, start="14:30", end="15:30")  # the generated visit
    assert "上门服务 #" in today["error"]["message"]  # the API speaks Chinese by default
