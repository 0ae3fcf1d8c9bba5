"""Missed check-ins: a planned visit not checked in by the end of its window plus the company's
grace period becomes `missed` and raises one safety alert (UNIQUE per visit and kind) to the
estate's managers (in-app + e-mail outbox) and an SMS to the elder's first emergency contact.

Escalation: an alert nobody acknowledged within the company's `escalate_minutes` after it was
raised is escalated once (`escalated_at`, set by a conditional UPDATE … WHERE escalated_at IS NULL
AND acknowledged_at IS NULL, so two schedulers or a rerun escalate it once): every manager of the
company is notified again (kind `missed_check_in_escalated`) and every emergency contact gets an SMS."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from pms.accounts.models import User
from pms.core import audit, clock, notifications
from pms.core.auth import Principal, get_in_scope, scoped
from pms.core.db import utcnow
from pms.core.errors import Conflict
from pms.eldercare import permissions
from pms.eldercare.models import Elder, EldercareSetting, EmergencyContact, Visit, VisitAlert
from pms.core.bulk import insert_rows_ignoring_conflicts
from pms.core.sql import InIds
from pms.eldercare.services.catalogue import DEFAULT_ESCALATE_MINUTES, DEFAULT_GRACE_MINUTES
from pms.eldercare.services.visits import local_time
from pms.estates.models import Estate, Room

KIND = "missed_check_in"
ESCALATED_KIND = "missed_check_in_escalated"
# Up to this many missed check-ins of one estate in one sweep, a notification each; more (a worker
# off sick, a failed phone) become one message per manager listing them: an inbox of 5,000 lines
# hides the one that matters. Every alert is still its own row, acknowledged one by one.
DIGEST_FROM = 20


def sweep_missed(session, *, now: Optional[datetime] = None) -> int:
    """Mark overdue planned visits missed and alert about each once; returns how many alerts were new."""
    now = now or clock.now()
    graces = dict(session.execute(select(EldercareSetting.company_id, EldercareSetting.grace_minutes)).all())
    # Core rows (no ORM row processing): a day of 5,000 visits is read here every five minutes.
    overdue = session.connection().execute(
        select(Visit.id, Visit.estate_id, Visit.ends_at, Estate.company_id)
        .join(Estate, Estate.id == Visit.estate_id).where(Visit.status == "planned", Visit.ends_at < now)).all()
    estates = {}
    for visit_id, estate_id, ends_at, company_id in overdue:
        if ends_at + timedelta(minutes=graces.get(company_id, DEFAULT_GRACE_MINUTES)) < now:
            estates[visit_id] = estate_id
    if not estates:
        return 0
    # Only the visits this UPDATE moves are alerted: one checked in meanwhile stays as it is.
    table, missed = Visit.__table__, []
    for ids in _chunks(sorted(estates)):
        missed += session.scalars(update(table).where(InIds(table.c.id, ids), table.c.status == "planned")
                                  .values(status="missed").returning(table.c.id)).all()
    rows = [dict(visit_id=i, estate_id=estates[i], kind=KIND, created_at=now, finding="") for i in sorted(missed)]
    new_ids = insert_rows_ignoring_conflicts(session, VisitAlert.__table__, rows, ("visit_id", "kind", "estate_id"),
                                             returning="visit_id")
    if new_ids:
        _notify(session, sorted(new_ids), now)
    return len(new_ids)


def escalate_overdue(session, *, now: Optional[datetime] = None) -> int:
    """Escalate, once, every open alert raised at least the company's `escalate_minutes` before
    `now` (30 minutes: raised 10:00, escalated by the first sweep at or after 10:30); returns how
    many this call escalated (a rerun or a second scheduler: 0)."""
    now = now or clock.now()
    periods = dict(session.execute(select(EldercareSetting.company_id, EldercareSetting.escalate_minutes)).all())
    table = VisitAlert.__table__
    open_ = session.connection().execute(
        select(table.c.id, table.c.visit_id, table.c.created_at, Estate.company_id)
        .join(Estate, Estate.id == table.c.estate_id)
        .where(table.c.acknowledged_at.is_(None), table.c.escalated_at.is_(None), table.c.created_at <= now)).all()
    due = {alert_id: visit_id for alert_id, visit_id, created_at, company_id in open_
           if created_at + timedelta(minutes=periods.get(company_id, DEFAULT_ESCALATE_MINUTES)) <= now}
    if not due:
        return 0
    # Only the alerts this UPDATE moves are escalated: one acknowledged (or escalated by another
    # scheduler) meanwhile is left alone.
    escalated = []
    for ids in _chunks(sorted(due)):
        escalated += session.scalars(
            update(table).where(InIds(table.c.id, ids), table.c.escalated_at.is_(None),
                                table.c.acknowledged_at.is_(None))
            .values(escalated_at=now).returning(table.c.id)).all()
    if escalated:
        _notify(session, sorted(due[i] for i in escalated), now, escalated=True)
    return len(escalated)


def _chunks(ids: list[int], size: int = 10000):
    # SQLite binds at most 32,766 parameters a statement; PostgreSQL gets one array per chunk.
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _notify(session, visit_ids: list[int], now: datetime, *, escalated: bool = False) -> None:
    """The alerts' messages: managers in-app and by e-mail (a digest above DIGEST_FROM an estate),
    the first emergency contact by SMS; escalated: every manager again and every contact."""
    found = []
    for ids in _chunks(visit_ids):
        found += session.execute(
            select(Visit.id, Visit.starts_at, Visit.ends_at, Elder.id, Elder.name, Elder.lives_alone,
                   Room.code, Estate.id, Estate.company_id, Estate.name)
            .join(Elder, Elder.id == Visit.elder_id).join(Room, Room.id == Visit.room_id)
            .join(Estate, Estate.id == Visit.estate_id).where(InIds(Visit.id, ids))
            .order_by(Visit.id)).all()
    companies = sorted({row[8] for row in found})
    managers: dict[int, list[int]] = {}
    for user_id, company_id in session.execute(
            select(User.id, User.company_id).where(User.role.in_(permissions.ALERTED_ROLES),
                                                   User.is_active.is_(True), User.company_id.in_(companies))):
        managers.setdefault(company_id, []).append(user_id)
    contacts: dict[int, list[str]] = {}
    for ids in _chunks(sorted({row[3] for row in found})):
        for elder_id, phone in session.execute(
                select(EmergencyContact.elder_id, EmergencyContact.phone)
                .where(InIds(EmergencyContact.elder_id, ids))
                .order_by(EmergencyContact.elder_id, EmergencyContact.position, EmergencyContact.id)):
            contacts.setdefault(elder_id, []).append(phone)
    if not escalated:  # the first alert: the first contact (the lowest position); escalated: all
        contacts = {elder_id: phones[:1] for elder_id, phones in contacts.items()}
    # The catalog's templates once, filled in per alert (thousands of gettext calls cost 0.6 s).
    kind = ESCALATED_KIND if escalated else KIND
    if escalated:
        title_text = _("ESCALATED: missed check-in not acknowledged: %(name)s, %(room)s")
        body_text = _("Visit #%(id)d (%(start)s–%(end)s) was not checked in and nobody has acknowledged "
                      "the alert yet.")
        digest_text = _("ESCALATED: %(num)d missed check-ins not acknowledged in %(estate)s")
    else:
        title_text = _("Missed check-in: %(name)s, %(room)s")
        body_text = _("Visit #%(id)d (%(start)s–%(end)s) was not checked in.")
        digest_text = _("%(num)d missed check-ins in %(estate)s")
    alone_text = _("The elder lives alone: call or visit now.")
    line_text, alone_mark = _("%(name)s, %(room)s, %(start)s–%(end)s (visit #%(id)d)"), _("(lives alone)")
    more_text = _("… and %(num)d more: see the open alerts.")
    messages, outbox = [], []
    per_estate: dict[int, list] = {}
    for row in found:
        per_estate.setdefault(row[7], []).append(row)
    for estate_id, rows in per_estate.items():
        lines = []
        for visit_id, starts_at, ends_at, elder_id, name, alone, room, _estate, company_id, _name in rows:
            title = title_text % {"name": name, "room": room}
            body = body_text % {"id": visit_id, "start": local_time(starts_at), "end": local_time(ends_at)}
            if alone:
                body += " " + alone_text
            line = line_text % {"name": name, "room": room, "start": local_time(starts_at),
                                "end": local_time(ends_at), "id": visit_id}
            lines.append(f"{line} {alone_mark}" if alone else line)
            if len(rows) <= DIGEST_FROM:
                for user_id in managers.get(company_id, []):
                    messages.append(notifications.Message(
                        recipient_user_id=user_id, kind=kind, title=title, body=body,
                        link=f"/api/v1/visits/{visit_id}", estate_id=estate_id))
                    outbox.append(notifications.OutboxItem(subject=title, body=body, recipient_user_id=user_id,
                                                           channel="email", estate_id=estate_id))
            for phone in contacts.get(elder_id, []):  # every family hears about their own elder
                outbox.append(notifications.OutboxItem(subject=title, body=body, to_address=phone,
                                                       channel="sms", estate_id=estate_id))
        if len(rows) > DIGEST_FROM:
            title = digest_text % {"num": len(rows), "estate": rows[0][9]}
            body = "\n".join(lines[:DIGEST_FROM] + ([more_text % {"num": len(rows) - DIGEST_FROM}]))
            for user_id in managers.get(rows[0][8], []):
                messages.append(notifications.Message(recipient_user_id=user_id, kind=kind, title=title,
                                                      body=body, link="/api/v1/visit-alerts", estate_id=estate_id))
                outbox.append(notifications.OutboxItem(subject=title, body=body, recipient_user_id=user_id,
                                                       channel="email", estate_id=estate_id))
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


def list_alerts(session, principal: Principal, *, open_only: bool = True, elder_id: Optional[int] = None,
                limit: int = 100) -> list[dict]:
    """Safety alerts in scope, newest first (open ones: not yet acknowledged)."""
    permissions.ensure(principal, "alert.read")
    stmt = scoped(select(VisitAlert, Visit.date, Elder.name, Room.code)
                  .join(Visit, Visit.id == VisitAlert.visit_id).join(Elder, Elder.id == Visit.elder_id)
                  .join(Room, Room.id == Visit.room_id), VisitAlert, principal)
    if open_only:
        stmt = stmt.where(VisitAlert.acknowledged_at.is_(None))
    if elder_id is not None:
        stmt = stmt.where(Visit.elder_id == elder_id)
    stmt = stmt.add_columns(Visit.elder_id, Visit.starts_at, Visit.ends_at, User.username).outerjoin(
        User, User.id == VisitAlert.acknowledged_by_id)
    rows = session.execute(stmt.order_by(VisitAlert.created_at.desc(), VisitAlert.id.desc()).limit(limit)).all()
    return [{"id": a.id, "visit_id": a.visit_id, "kind": a.kind, "created_at": a.created_at,
             "acknowledged_at": a.acknowledged_at, "escalated_at": a.escalated_at, "finding": a.finding,
             "date": day, "elder_name": name,
             "room": room, "elder_id": elder, "start": local_time(starts), "end": local_time(ends),
             "acknowledged_by": by} for a, day, name, room, elder, starts, ends, by in rows]


def count_open(session, principal: Principal) -> int:
    """How many safety alerts in scope nobody has acknowledged yet (a home's count)."""
    permissions.ensure(principal, "alert.read")
    return session.scalar(scoped(select(func.count(VisitAlert.id)).where(VisitAlert.acknowledged_at.is_(None)),
                                 VisitAlert, principal))
