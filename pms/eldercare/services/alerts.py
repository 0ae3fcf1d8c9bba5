"""Missed check-ins: a planned visit not checked in by the end of its window plus the company's
grace period becomes `missed` and raises one safety alert (UNIQUE per visit and kind) to the
estate's managers (in-app + e-mail outbox) and an SMS to the elder's first emergency contact."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import select, update

from pms.accounts.models import User
from pms.core import audit, clock, notifications
from pms.core.auth import Principal, get_in_scope
from pms.core.db import insert_ignoring_conflicts, utcnow
from pms.core.errors import Conflict
from pms.eldercare import permissions
from pms.eldercare.models import Elder, EldercareSetting, EmergencyContact, Visit, VisitAlert
from pms.eldercare.services.catalogue import DEFAULT_GRACE_MINUTES
from pms.eldercare.services.visits import local_time
from pms.estates.models import Estate, Room

KIND = "missed_check_in"


def sweep_missed(session, *, now: Optional[datetime] = None) -> int:
    """Mark overdue planned visits missed and alert about each once; returns how many alerts were new."""
    now = now or clock.now()
    graces = dict(session.execute(select(EldercareSetting.company_id, EldercareSetting.grace_minutes)).all())
    overdue = session.execute(
        select(Visit.id, Visit.estate_id, Visit.ends_at, Estate.company_id)
        .join(Estate, Estate.id == Visit.estate_id).where(Visit.status == "planned", Visit.ends_at < now))
    estates = {}
    for visit_id, estate_id, ends_at, company_id in overdue:
        if ends_at + timedelta(minutes=graces.get(company_id, DEFAULT_GRACE_MINUTES)) < now:
            estates[visit_id] = estate_id
    if not estates:
        return 0
    # Only the visits this UPDATE moves are alerted: one checked in meanwhile stays as it is.
    table, ids, missed = Visit.__table__, sorted(estates), []
    for start in range(0, len(ids), 1000):
        missed += session.scalars(update(table).where(table.c.id.in_(ids[start:start + 1000]),
                                                      table.c.status == "planned")
                                  .values(status="missed").returning(table.c.id)).all()
    rows = [dict(visit_id=i, estate_id=estates[i], kind=KIND, created_at=now, finding="") for i in sorted(missed)]
    new_ids = insert_ignoring_conflicts(session, VisitAlert, rows, ("visit_id", "kind"), returning=VisitAlert.id,
                                        chunk=1000)
    if new_ids:
        _notify(session, new_ids, now)
    return len(new_ids)


def _notify(session, alert_ids: list[int], now: datetime) -> None:
    found = []
    for start in range(0, len(alert_ids), 1000):
        found += session.execute(
            select(VisitAlert.id, Visit.id, Visit.starts_at, Visit.ends_at, Elder.id, Elder.name, Elder.lives_alone,
                   Room.code, Estate.id, Estate.company_id)
            .join(Visit, Visit.id == VisitAlert.visit_id).join(Elder, Elder.id == Visit.elder_id)
            .join(Room, Room.id == Visit.room_id).join(Estate, Estate.id == Visit.estate_id)
            .where(VisitAlert.id.in_(alert_ids[start:start + 1000])).order_by(VisitAlert.id)).all()
    companies = sorted({row[9] for row in found})
    managers: dict[int, list[int]] = {}
    for user_id, company_id in session.execute(
            select(User.id, User.company_id).where(User.role.in_(permissions.ALERTED_ROLES),
                                                   User.is_active.is_(True), User.company_id.in_(companies))):
        managers.setdefault(company_id, []).append(user_id)
    contacts: dict[int, str] = {}
    for elder_id, phone in session.execute(
            select(EmergencyContact.elder_id, EmergencyContact.phone)
            .where(EmergencyContact.elder_id.in_(sorted({row[4] for row in found})))
            .order_by(EmergencyContact.elder_id, EmergencyContact.position.desc())):
        contacts[elder_id] = phone  # the lowest position wins
    messages, outbox = [], []
    for _alert, visit_id, starts_at, ends_at, elder_id, name, alone, room, estate_id, company_id in found:
        title = _("Missed check-in: %(name)s, %(room)s", name=name, room=room)
        body = _("Visit #%(id)d (%(start)s–%(end)s) was not checked in.", id=visit_id,
                 start=local_time(starts_at), end=local_time(ends_at))
        if alone:
            body += " " + _("The elder lives alone: call or visit now.")
        link = f"/api/v1/visits/{visit_id}"
        for user_id in managers.get(company_id, []):
            messages.append(notifications.Message(recipient_user_id=user_id, kind="missed_check_in", title=title,
                                                  body=body, link=link, estate_id=estate_id))
            outbox.append(notifications.OutboxItem(subject=title, body=body, recipient_user_id=user_id,
                                                   channel="email", estate_id=estate_id))
        if contacts.get(elder_id):
            outbox.append(notifications.OutboxItem(subject=title, body=body, to_address=contacts[elder_id],
                                                   channel="sms", estate_id=estate_id))
    notifications.notify(session, messages, now=now)
    notifications.enqueue(session, outbox, now=now)


def acknowledge(session, principal: Principal, alert_id: int, finding: str) -> VisitAlert:
    """Record who acknowledged a safety alert, when, and what they found (once)."""
    alert = get_in_scope(session, VisitAlert, VisitAlert.id == alert_id, principal=principal, for_update=True)
    permissions.ensure(principal, "alert.acknowledge")
    if alert.acknowledged_at is not None:
        raise Conflict(_("This alert has been acknowledged already."))
    alert.acknowledged_at, alert.acknowledged_by_id, alert.finding = utcnow(), principal.user_id, finding
    session.flush()
    audit.record(session, actor=principal.username, action="visit_alert.acknowledge", object_type="visit_alert",
                 object_id=alert.id, estate_id=alert.estate_id)
    return alert
