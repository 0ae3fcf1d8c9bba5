"""Emergency calls (紧急呼叫): an elder (or their family, or a neighbour) calls; the care worker or
manager who takes the call logs it at the server's time, and records the response once — when,
who, the outcome and notes. The response time is `responded_at − received_at` in minutes."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from pms.accounts.models import User
from pms.core import audit, clock
from pms.core.auth import Principal, get_in_scope, scoped
from pms.core.errors import Conflict
from pms.eldercare import permissions
from pms.eldercare.models import Elder, EmergencyCall
from pms.estates.models import Room


def response_minutes(received_at: datetime, responded_at: Optional[datetime]) -> Optional[float]:
    """Minutes from receipt to response, to one decimal (None while unanswered)."""
    if responded_at is None:
        return None
    return round((responded_at - received_at).total_seconds() / 60, 1)


def log_call(session, principal: Principal, elder: Elder, notes: str = "") -> EmergencyCall:
    """A call about `elder` (in the caller's scope), received now by the caller."""
    permissions.ensure(principal, "call.log")
    call = EmergencyCall(estate_id=elder.estate_id, room_id=elder.room_id, elder_id=elder.id,
                         received_at=clock.now(), received_by_id=principal.user_id, notes=notes)
    session.add(call)
    session.flush()
    audit.record(session, actor=principal.username, action="emergency_call.log", object_type="emergency_call",
                 object_id=call.id, estate_id=call.estate_id)
    return call


def get_call(session, principal: Principal, call_id: int, *, for_update: bool = False) -> EmergencyCall:
    """A call in the caller's scope (404 otherwise), if their role may read calls (403)."""
    call = get_in_scope(session, EmergencyCall, EmergencyCall.id == call_id, principal=principal,
                        for_update=for_update)
    permissions.ensure(principal, "call.read")
    return call


def respond(session, principal: Principal, call_id: int, outcome: str, notes: str = "") -> EmergencyCall:
    """Record the response now (once: a second one is 409); notes are added to the call's."""
    call = get_call(session, principal, call_id, for_update=True)
    permissions.ensure(principal, "call.respond")
    if call.responded_at is not None:
        raise Conflict(_("This call has been answered already."))
    call.responded_at, call.responder_id, call.outcome = clock.now(), principal.user_id, outcome
    if notes:
        call.notes = f"{call.notes}\n{notes}" if call.notes else notes
    session.flush()
    audit.record(session, actor=principal.username, action="emergency_call.respond", object_type="emergency_call",
                 object_id=call.id, estate_id=call.estate_id,
                 payload={"minutes": response_minutes(call.received_at, call.responded_at)})
    return call


def call_rows(session, principal: Principal, *, estate_id: Optional[int] = None, open_only: bool = False,
              elder_id: Optional[int] = None, call_ids: Optional[list[int]] = None, limit: int = 200) -> list[dict]:
    """Calls in scope, newest first (open ones: not answered yet), with the elder, room and people."""
    permissions.ensure(principal, "call.read")
    receiver, responder = aliased(User), aliased(User)
    stmt = scoped(select(EmergencyCall, Elder.name, Room.code, receiver.username, responder.username)
                  .join(Elder, Elder.id == EmergencyCall.elder_id).join(Room, Room.id == EmergencyCall.room_id)
                  .join(receiver, receiver.id == EmergencyCall.received_by_id)
                  .outerjoin(responder, responder.id == EmergencyCall.responder_id), EmergencyCall, principal)
    if estate_id is not None:
        stmt = stmt.where(EmergencyCall.estate_id == estate_id)
    if open_only:
        stmt = stmt.where(EmergencyCall.responded_at.is_(None))
    if elder_id is not None:
        stmt = stmt.where(EmergencyCall.elder_id == elder_id)
    if call_ids is not None:
        stmt = stmt.where(EmergencyCall.id.in_(call_ids))
    rows = session.execute(stmt.order_by(EmergencyCall.received_at.desc(), EmergencyCall.id.desc()).limit(limit))
    return [{"id": c.id, "elder_id": c.elder_id, "elder_name": name, "room": room, "received_at": c.received_at,
             "received_by": by, "responded_at": c.responded_at, "responder": answered_by, "outcome": c.outcome,
             "notes": c.notes, "response_minutes": response_minutes(c.received_at, c.responded_at)}
            for c, name, room, by, answered_by in rows]


def call_row(session, principal: Principal, call: EmergencyCall) -> dict:
    """One call as the API answers it."""
    return call_rows(session, principal, call_ids=[call.id], limit=1)[0]
