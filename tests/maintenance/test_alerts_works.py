"""SLA breach alerts (idempotent) and planned works (conflicts, notices, banners)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from pms.core.models import Notification, OutboxMessage
from pms.maintenance.models import PlannedWork, TicketAlert
from pms.maintenance.services import alerts, works

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def test_sla_breach_alerts_once_per_deadline(api, clock, db):
    emergency = api.file(urgency="emergency")["id"]         # respond by 01:30, resolve by +24 h
    on_time = api.file(urgency="emergency")["id"]
    cancelled = api.file(urgency="emergency")["id"]
    api.move("manager", on_time, "accepted")
    api.move("resident", cancelled, "cancelled")
    assert alerts.check_sla(db, now=T0 + timedelta(minutes=30)) == 0  # exactly on the deadline: not late
    assert alerts.check_sla(db, now=T0 + timedelta(minutes=31)) == 1
    db.commit()
    assert alerts.check_sla(db, now=T0 + timedelta(minutes=45)) == 0
    db.commit()
    rows = db.execute(select(TicketAlert.ticket_id, TicketAlert.kind)).all()
    assert rows == [(emergency, "respond_breach")]
    # a day later both open requests are late to resolve; the first one's response alert is not repeated
    assert alerts.check_sla(db, now=T0 + timedelta(hours=24, minutes=1)) == 2
    db.commit()
    assert sorted(db.execute(select(TicketAlert.ticket_id, TicketAlert.kind)).all()) == sorted(
        [(emergency, "respond_breach"), (emergency, "resolve_breach"), (on_time, "resolve_breach")])
    # the estate's managers (only ACME's) get an in-app notice and an email in the outbox per alert
    body = api.get("manager", "/api/v1/notifications").get_json()
    assert body["unread"] == 3 and all(n["kind"] == "sla_breach" for n in body["items"])
    assert f"#{emergency}" in body["items"][-1]["title"]
    assert api.get("other_manager", "/api/v1/notifications").get_json()["items"] == []
    assert db.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.channel == "email")) == 3
    note_id = body["items"][0]["id"]
    assert api.post("other_manager", f"/api/v1/notifications/{note_id}/read").status_code == 404
    assert api.post("manager", f"/api/v1/notifications/{note_id}/read").status_code == 200
    assert api.get("manager", "/api/v1/notifications").get_json()["unread"] == 2


def _work(api, service="water_kitchen", start="2026-03-05T09:00:00+08:00", end="2026-03-05T12:00:00+08:00",
          entrance="2", user="manager"):
    return api.post(user, "/api/v1/planned-works", {
        "estate": "YJL", "building": "3", "entrance": entrance, "service": service,
        "starts_at": start, "ends_at": end, "title": "厨房水管更换", "note": "请提前储水"})


def test_planned_work_notifies_every_affected_room(api, clock, db):
    r = _work(api)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["place"], body["starts_at"], body["ends_at"]) == ("YJL-3-2", "2026-03-05T01:00:00Z",
                                                                 "2026-03-05T04:00:00Z")
    # rooms 501 and 502: one linked resident account, two owners' phones
    notes = db.scalars(select(Notification).where(Notification.kind == "planned_work")).all()
    assert len(notes) == 1
    sms = sorted(db.scalars(select(OutboxMessage.to_address).where(OutboxMessage.channel == "sms")).all())
    assert sms == ["13800000000", "13912345678"]
    assert api.get("resident", "/api/v1/notifications").get_json()["unread"] == 1
    assert api.get("other_resident", "/api/v1/notifications").get_json()["unread"] == 0
    assert [w["id"] for w in api.get("resident", "/api/v1/planned-works").get_json()["items"]] == [body["id"]]
    assert api.get("other_resident", "/api/v1/planned-works").get_json()["items"] == []


CONFLICTS = [
    ("water_kitchen", "2026-03-05T11:00:00+08:00", "2026-03-05T13:00:00+08:00", 409),   # same service overlaps
    ("water_bathroom", "2026-03-05T10:00:00+08:00", "2026-03-05T10:30:00+08:00", 409),  # kitchen+bathroom together
    ("water_bathroom", "2026-03-05T12:00:00+08:00", "2026-03-05T15:00:00+08:00", 201),  # one after the other
    ("water_kitchen", "2026-03-05T06:00:00+08:00", "2026-03-05T09:00:00+08:00", 201),   # ends as the other starts
    ("power", "2026-03-05T09:00:00+08:00", "2026-03-05T12:00:00+08:00", 201),           # another service
    ("water_kitchen", "2026-03-05T12:00:00+08:00", "2026-03-05T11:00:00+08:00", 422),   # end before start
    ("water_kitchen", "2026-03-05T12:00:00+08:00", "2026-03-05T12:00:00+08:00", 422),
    ("water_kitchen", "2026-03-05T12:00:00", "2026-03-05T13:00:00", 422),               # no offset
]


def test_planned_work_conflicts(api, clock, db):
    assert _work(api).status_code == 201
    for service, start, end, expected in CONFLICTS:
        r = _work(api, service, start, end)
        assert r.status_code == expected, (service, start, end, r.get_json())
        if expected == 201:  # take it away again so each case meets only the first work
            assert api.post("manager", f"/api/v1/planned-works/{r.get_json()['id']}/cancel").status_code == 200
        else:
            assert r.get_json()["error"]["message"]
        db.expire_all()
        assert db.scalar(select(func.count(PlannedWork.id)).where(PlannedWork.cancelled_at.is_(None))) == 1


def test_other_entrance_and_cancelled_works_do_not_conflict(api, clock, app, world, db):
    from tests import factories as f

    f.make_room(db, world.yjl, "3", "1", "101", owner=("赵六", "13600000000", None))
    db.commit()
    first = _work(api).get_json()["id"]
    assert _work(api, entrance="1").status_code == 201
    assert _work(api).status_code == 409
    assert api.post("manager", f"/api/v1/planned-works/{first}/cancel").status_code == 200
    assert api.post("manager", f"/api/v1/planned-works/{first}/cancel").status_code == 409
    assert _work(api).status_code == 201


def test_planned_work_roles(api, clock):
    assert _work(api, user="tech").status_code == 403
    assert _work(api, user="resident").status_code == 403
    assert _work(api, user="auditor").status_code == 403
    assert _work(api, user="other_manager").status_code == 404


def test_banner_window(api, clock, db, app):
    _work(api, start="2026-03-05T09:00:00+08:00", end="2026-03-05T12:00:00+08:00")
    with app.test_request_context():
        from pms.accounts.services import build_principal, find_user

        resident = build_principal(db, find_user(db, "resident"))
        manager = build_principal(db, find_user(db, "manager"))
        start = datetime(2026, 3, 5, 1, 0, tzinfo=timezone.utc)
        assert works.banners_for(db, resident, now=start - timedelta(days=3)) == []      # too early
        assert len(works.banners_for(db, resident, now=start - timedelta(days=2))) == 1
        ongoing = works.banners_for(db, resident, now=start + timedelta(hours=1))
        assert len(ongoing) == 1 and ongoing[0].ongoing
        assert works.banners_for(db, resident, now=start + timedelta(hours=3)) == []     # over
        assert works.banners_for(db, manager, now=start) == []
