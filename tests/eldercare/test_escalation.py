"""Escalation of missed check-in alerts nobody acknowledged within the company's escalation period
(`escalate_minutes`, default 30): once, by a conditional UPDATE, to every manager and every
emergency contact again, with the controlled business clock."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from pms.core.db import unit_of_work
from pms.core.models import Notification, OutboxMessage
from pms.eldercare.models import EldercareSetting, VisitAlert
from pms.eldercare.services import alerts
from tests.factories import make_user

RAISED = datetime(2026, 3, 2, 4, 0, tzinfo=timezone.utc)  # 12:00 in Beijing


@pytest.fixture
def raised(api, app, db, clock, world):
    """One alert raised at 12:00 Beijing (a 10:00–11:00 visit, 30 minutes' grace, swept at 12:00);
    the elder has two emergency contacts; ACME has two managers."""
    world.manager2 = make_user(db, "manager2", "manager", company=world.acme).id
    db.commit()
    api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=4000, min_minutes=30)
    elder = api.register(emergency_contacts=[{"name": "张小红", "phone": "13911112222", "relation": "女儿"},
                                             {"name": "张小明", "phone": "13933334444", "relation": "儿子"}])
    api.book(elder["id"], start="10:00", end="11:00")
    clock.set(RAISED)
    assert run(app) == (1, 0)
    return db.scalar(select(VisitAlert.id))


def run(app) -> tuple[int, int]:
    """One sweep as the job runs it: (new alerts, escalated)."""
    with app.app_context(), unit_of_work() as session:
        return alerts.sweep_missed(session), alerts.escalate_overdue(session)


def escalated_messages(db):
    db.rollback()
    notes = db.execute(select(Notification.recipient_user_id, Notification.title)
                       .where(Notification.kind == alerts.ESCALATED_KIND)).all()
    sms = db.scalars(select(OutboxMessage.to_address).where(OutboxMessage.channel == "sms",
                                                            OutboxMessage.subject.like("ESCALATED%"))).all()
    return notes, sorted(sms)


def test_escalated_once_at_thirty_minutes_to_every_manager_and_contact(api, app, db, clock, world, raised):
    # The first alert: the first contact only.
    assert db.scalars(select(OutboxMessage.to_address).where(OutboxMessage.channel == "sms")).all() == ["13911112222"]
    clock.set(RAISED + timedelta(minutes=29, seconds=59))
    assert run(app) == (0, 0)
    assert db.get(VisitAlert, raised).escalated_at is None
    clock.set(RAISED + timedelta(minutes=30))
    assert run(app) == (0, 1)
    db.rollback()
    assert db.get(VisitAlert, raised).escalated_at == RAISED + timedelta(minutes=30)
    notes, sms = escalated_messages(db)
    assert sorted(u for u, _t in notes) == sorted([world.users["manager"].id, world.manager2])
    assert all(t == "ESCALATED: missed check-in not acknowledged: 张三, YJL-3-2-501" for _u, t in notes)
    assert sms == ["13911112222", "13933334444"]
    emails = db.scalars(select(OutboxMessage.subject).where(OutboxMessage.channel == "email",
                                                            OutboxMessage.subject.like("ESCALATED%"))).all()
    assert len(emails) == 2
    # A rerun (or a second scheduler) escalates nothing and sends nothing more.
    clock.advance(minutes=5)
    assert run(app) == (0, 0)
    assert len(escalated_messages(db)[0]) == 2
    # Listed as escalated.
    listed = api.get("manager", "/api/v1/visit-alerts").get_json()["items"]
    assert [a["escalated_at"] for a in listed] == ["2026-03-02T04:30:00Z"]


def test_an_acknowledged_alert_never_escalates(api, app, db, clock, raised):
    clock.set(RAISED + timedelta(minutes=10))
    r = api.post("carer", f"/api/v1/visit-alerts/{raised}/acknowledgement", {"finding": "老人在女儿家"})
    assert r.status_code == 200 and r.get_json()["escalated_at"] is None
    clock.set(RAISED + timedelta(hours=3))
    assert run(app) == (0, 0)
    db.rollback()
    assert db.get(VisitAlert, raised).escalated_at is None
    assert escalated_messages(db) == ([], [])


@pytest.mark.parametrize("meanwhile", ["acknowledged_at", "escalated_at"])
def test_the_conditional_update_leaves_an_alert_changed_meanwhile(app, db, clock, monkeypatch, raised, meanwhile):
    """The sweep read the alert as open; before its UPDATE someone acknowledges it, or another
    scheduler escalates it: this sweep escalates nothing and sends nothing."""
    clock.set(RAISED + timedelta(minutes=45))
    original = alerts._chunks

    def changed_meanwhile(ids, size=10000):  # called between the read and the UPDATE
        session.execute(VisitAlert.__table__.update().values({meanwhile: RAISED + timedelta(minutes=44)}))
        return original(ids, size)
    monkeypatch.setattr(alerts, "_chunks", changed_meanwhile)
    with app.app_context(), unit_of_work() as session:
        assert alerts.escalate_overdue(session) == 0
    db.rollback()
    alert = db.get(VisitAlert, raised)
    assert getattr(alert, meanwhile) == RAISED + timedelta(minutes=44)
    if meanwhile == "acknowledged_at":
        assert alert.escalated_at is None
    assert escalated_messages(db) == ([], [])


def test_the_escalation_period_is_a_setting(api, app, db, clock, world, raised):
    body = {"grace_minutes": 30, "check_in_start": "09:00", "check_in_end": "11:00"}
    r = api.put("manager", "/api/v1/eldercare/settings", {**body, "escalate_minutes": 60})
    assert r.status_code == 200 and r.get_json()["escalate_minutes"] == 60
    # Left out: unchanged.
    assert api.put("manager", "/api/v1/eldercare/settings", body).get_json()["escalate_minutes"] == 60
    assert api.put("manager", "/api/v1/eldercare/settings", {**body, "escalate_minutes": 0}).status_code == 422
    assert api.put("carer", "/api/v1/eldercare/settings", {**body, "escalate_minutes": 5}).status_code == 403
    clock.set(RAISED + timedelta(minutes=59))
    assert run(app) == (0, 0)
    clock.set(RAISED + timedelta(minutes=60))
    assert run(app) == (0, 1)
    db.rollback()
    assert db.get(EldercareSetting, world.acme.id).escalate_minutes == 60


def test_alerts_page_shows_escalated(api, app, db, clock, raised):
    from tests.web import logged_in, text

    clock.set(RAISED + timedelta(minutes=30))
    run(app)
    page = text(logged_in(app.test_client(), "manager").get("/eldercare/alerts"))
    assert 'class="escalated"' in page and "12:30" in page


def test_a_storm_of_escalations_is_one_digest_per_manager(api, app, db, clock, world):
    """21 alerts of one estate escalated in one sweep: one escalated digest per manager; every
    family still gets its SMS."""
    api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=4000, min_minutes=30)
    elder = api.register()["id"]
    for extra in range(alerts.DIGEST_FROM + 1):
        api.book(elder, start=f"{12 + extra // 6:02d}:{(extra % 6) * 10:02d}",
                 end=f"{12 + extra // 6:02d}:{(extra % 6) * 10 + 5:02d}", worker=None)
    clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc))  # 23:00 in Beijing
    assert run(app) == (21, 0)
    clock.advance(minutes=30)
    assert run(app) == (0, 21)
    notes, sms = escalated_messages(db)
    assert notes == [(world.users["manager"].id, "ESCALATED: 21 missed check-ins not acknowledged in 云景里")]
    assert sms == ["13911112222"] * 21
