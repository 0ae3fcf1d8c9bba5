"""Elevators: plans, idempotent work-order generation, overdue flags, 停用 on a lapsed inspection."""
from datetime import date

import pytest
from sqlalchemy import func, select

from jobs.scheduler import all_jobs
from pms.cli import cli as pms_cli
from pms.maintenance.models import WorkOrder
from pms.maintenance.services import equipment


def _elevator(api, number="T11010512345", accepted_on="2025-03-10", user="manager"):
    return api.post(user, "/api/v1/elevators", {
        "estate": "YJL", "building": "3", "entrance": "2", "registration_number": number,
        "accepted_on": accepted_on, "maintainer": "奥的斯维保", "maintainer_phone": "400-000-0000"})


def _orders(db):
    db.expire_all()
    return [(o.kind, o.due_on.isoformat(), o.status, o.overdue)
            for o in db.scalars(select(WorkOrder).order_by(WorkOrder.kind, WorkOrder.due_on))]


def test_generation_is_idempotent_and_runs_ahead(api, clock, db):
    assert _elevator(api).status_code == 201
    # today 2026-03-02: maintenance every 15 days from 2025-03-10 → 2026-03-05 (day 360), 03-20
    # within 30 days; the year-1 inspection 2026-03-10 within 90 days.
    assert equipment.generate_work_orders(db, today=date(2026, 3, 2)) == 3
    db.commit()
    assert _orders(db) == [("inspection", "2026-03-10", "open", False),
                           ("maintenance", "2026-03-05", "open", False),
                           ("maintenance", "2026-03-20", "open", False)]
    assert equipment.generate_work_orders(db, today=date(2026, 3, 2)) == 0
    db.commit()
    # nineteen days later: 04-04 and 04-19 are new; nothing is created twice
    assert equipment.generate_work_orders(db, today=date(2026, 3, 21)) == 2
    db.commit()
    assert len(_orders(db)) == 5
    assert equipment.flag_overdue(db, today=date(2026, 3, 21)) == 3  # 03-05, 03-10, 03-20
    assert equipment.flag_overdue(db, today=date(2026, 3, 21)) == 0
    db.commit()
    assert [o for o in _orders(db) if o[3]] == [("inspection", "2026-03-10", "open", True),
                                               ("maintenance", "2026-03-05", "open", True),
                                               ("maintenance", "2026-03-20", "open", True)]


def test_lapsed_inspection_stops_the_elevator(api, clock, db):
    _elevator(api)
    equipment.generate_work_orders(db, today=date(2026, 3, 2))
    db.commit()

    def status(day):
        clock.set(clock.value.replace(year=day.year, month=day.month, day=day.day))
        return [(e["status"], e["next_inspection_due"]) for e in
                api.get("manager", "/api/v1/elevators?estate=YJL").get_json()["items"]]

    assert status(date(2026, 3, 10)) == [("in_service", "2026-03-10")]   # due today: not lapsed
    # the lapsed inspection is still owed: it is the next due (overdue), not year 4's
    assert status(date(2026, 3, 11)) == [("stopped", "2026-03-10")]
    inspection = db.scalar(select(WorkOrder).where(WorkOrder.kind == "inspection"))
    r = api.post("tech", f"/api/v1/work-orders/{inspection.id}/complete", {"result": "failed"})
    assert r.status_code == 200
    assert status(date(2026, 3, 11))[0][0] == "stopped"
    r = api.post("tech", f"/api/v1/work-orders/{inspection.id}/complete", {"result": "passed", "note": "cert 2026-77"})
    assert r.status_code == 200 and r.get_json()["result"] == "passed"
    assert status(date(2026, 3, 11)) == [("in_service", "2029-03-10")]
    assert api.post("tech", f"/api/v1/work-orders/{inspection.id}/complete", {"result": "passed"}).status_code == 409
    maintenance = db.scalar(select(WorkOrder).where(WorkOrder.kind == "maintenance").limit(1))
    assert api.post("tech", f"/api/v1/work-orders/{maintenance.id}/complete", {"result": "passed"}).status_code == 422
    assert api.post("resident", f"/api/v1/work-orders/{maintenance.id}/complete", {"result": "done"}).status_code == 403
    assert api.post("other_manager", f"/api/v1/work-orders/{maintenance.id}/complete",
                    {"result": "done"}).status_code == 404
    assert api.post("tech", f"/api/v1/work-orders/{maintenance.id}/complete", {"result": "done"}).status_code == 200


def test_old_elevator_without_inspection_records_is_stopped(api, clock):
    # accepted 2008-05-20: yearly after year 15, the 2025-05-20 inspection has no passed record
    _elevator(api, accepted_on="2008-05-20")
    items = api.get("manager", "/api/v1/elevators").get_json()["items"]
    assert items[0]["status"] == "stopped"
    assert items[0]["last_inspection_due"] == "2025-05-20" and items[0]["next_inspection_due"] == "2025-05-20"
    assert "2025-05-20" in items[0]["reason"]
    # residents of the estate see the state; other companies do not see the elevator
    assert api.get("resident", "/api/v1/elevators").get_json()["items"][0]["status"] == "stopped"
    assert api.get("other_manager", "/api/v1/elevators").get_json()["items"] == []


def test_elevator_registration_rules(api, clock):
    assert _elevator(api, user="tech").status_code == 403
    assert _elevator(api, user="auditor").status_code == 403
    assert _elevator(api, user="other_manager").status_code == 404
    assert _elevator(api).status_code == 201
    assert _elevator(api).status_code == 409
    r = api.post("manager", "/api/v1/elevators", {"estate": "YJL", "building": "3", "entrance": "9",
                 "registration_number": "X", "accepted_on": "2025-01-01"})
    assert r.status_code == 422


def test_jobs_are_registered_and_run(app, api, clock, db):
    ids = {job.id for job in all_jobs()}
    assert {"maintenance.check_sla", "maintenance.generate_work_orders", "maintenance.flag_overdue"} <= ids
    _elevator(api, accepted_on="2008-05-20")
    jobs = {job.id: job for job in all_jobs()}
    jobs["maintenance.generate_work_orders"].func(app)
    first = db.scalar(select(func.count(WorkOrder.id)))
    assert first > 0
    jobs["maintenance.generate_work_orders"].func(app)
    assert db.scalar(select(func.count(WorkOrder.id))) == first
    jobs["maintenance.flag_overdue"].func(app)
    jobs["maintenance.check_sla"].func(app)


def test_cli(runner, api, clock, db):
    _elevator(api)
    result = runner.invoke(pms_cli, args=["maintenance", "generate-plans", "--today", "2026-03-02"])
    assert result.exit_code == 0 and "3 new work order(s)" in result.output
    result = runner.invoke(pms_cli, args=["maintenance", "generate-plans", "--today", "2026-03-02"])
    assert "0 new work order(s)" in result.output
    result = runner.invoke(pms_cli, args=["maintenance", "flag-overdue", "--today", "2026-03-21"])
    assert "3 work order(s) flagged overdue" in result.output
    result = runner.invoke(pms_cli, args=["maintenance", "generate-plans", "--today", "2026-13-01"])
    assert result.exit_code != 0
    assert "0 new SLA alert(s)" in runner.invoke(pms_cli, args=["maintenance", "check-sla"]).output
    result = runner.invoke(pms_cli, args=["maintenance", "kpis", "--estate", "YJL", "--period", "2026-03"])
    assert result.exit_code == 0 and "requests: 0" in result.output
    result = runner.invoke(pms_cli, args=["maintenance", "kpis", "--estate", "YJL", "--period", "March"])
    assert result.exit_code != 0


def test_work_order_list_is_scoped(api, clock, db):
    _elevator(api)
    equipment.generate_work_orders(db, today=date(2026, 3, 2))
    db.commit()
    for query in ("?status=open", "?overdue=true", ""):
        _check_work_orders(api, query)


def _check_work_orders(api, query):
    assert len(api.get("manager", f"/api/v1/work-orders{query}").get_json()["items"]) == (0 if "overdue" in query else 3)
    assert api.get("other_manager", f"/api/v1/work-orders{query}").get_json()["items"] == []
    assert len(api.get("auditor", f"/api/v1/work-orders{query}").get_json()["items"]) == (0 if "overdue" in query else 3)
