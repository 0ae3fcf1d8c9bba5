"""SLAs of repair requests: the minutes per urgency (an estate's override or the default), setting
them, and where a ticket stands against its deadlines."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import select

from pms.core import audit
from pms.core.auth import Principal
from pms.core.db import dialect_insert
from pms.core.errors import Invalid
from pms.estates.models import Estate
from pms.maintenance import permissions, rules
from pms.maintenance.models import SlaPolicy, Ticket


def sla_minutes(session, estate_id: int, urgency: str) -> tuple[int, int]:
    """(respond, resolve) minutes for an urgency: the estate's override, else the default."""
    row = session.scalar(select(SlaPolicy).where(SlaPolicy.estate_id == estate_id,
                                                 SlaPolicy.urgency == urgency))
    return (row.respond_minutes, row.resolve_minutes) if row else rules.SLA_DEFAULTS[urgency]


def sla_table(session, estate_id: int) -> dict[str, tuple[int, int]]:
    """The SLA minutes of every urgency for an estate."""
    return {u: sla_minutes(session, estate_id, u) for u in rules.URGENCIES}


def set_sla_policy(session, principal: Principal, estate: Estate,
                   minutes: dict[str, dict[str, int]]) -> None:
    """Override the SLA minutes of the urgencies given (managers); the role is checked first, so an
    empty table from someone who may not set it is a 403, not a silent success."""
    permissions.ensure(principal, "sla.set")
    for urgency, given in minutes.items():
        set_sla(session, principal, estate, urgency, given["respond_minutes"], given["resolve_minutes"])


def set_sla(session, principal: Principal, estate: Estate, urgency: str, respond_minutes: int,
            resolve_minutes: int) -> SlaPolicy:
    """Override an estate's SLA for one urgency (managers); applies to requests filed afterwards."""
    permissions.ensure(principal, "sla.set")
    if urgency not in rules.URGENCIES:
        raise Invalid(_("Unknown urgency."), fields={"urgency": [_("Unknown urgency.")]})
    if respond_minutes <= 0 or resolve_minutes < respond_minutes:
        raise Invalid(_("The times are not consistent."),
                      fields={"resolve_minutes": [_("Must be at least the response time.")]})
    # One statement creates or overwrites the row (UNIQUE estate, urgency): two managers setting it
    # at once both succeed, the later one's minutes stay (a read-then-insert would fail one of them).
    minutes = {"respond_minutes": respond_minutes, "resolve_minutes": resolve_minutes}
    session.execute(dialect_insert(session, SlaPolicy)
                    .values(estate_id=estate.id, urgency=urgency, **minutes)
                    .on_conflict_do_update(index_elements=["estate_id", "urgency"], set_=minutes))
    row = session.scalar(select(SlaPolicy).where(SlaPolicy.estate_id == estate.id, SlaPolicy.urgency == urgency)
                         .execution_options(populate_existing=True))
    audit.record(session, actor=principal.username, action="maintenance.sla_set",
                 object_type="estate", object_id=estate.id, estate_id=estate.id,
                 payload={"urgency": urgency, "respond_minutes": respond_minutes,
                          "resolve_minutes": resolve_minutes})
    return row


def sla_state(ticket: Ticket, now: datetime) -> dict:
    """Per deadline: 'met', 'breached' or 'pending', and minutes left (negative = late)."""
    def one(deadline: datetime, done_at: Optional[datetime], finished: bool) -> dict:
        if done_at is not None:
            return {"state": "met" if done_at <= deadline else "breached", "minutes_left": None}
        if finished:
            return {"state": "n/a", "minutes_left": None}
        left = int((deadline - now).total_seconds() // 60)
        return {"state": "breached" if now > deadline else "pending", "minutes_left": left}

    cancelled = ticket.status == "cancelled"
    resolved_at = ticket.resolved_at if ticket.status in ("resolved", "closed") else None
    return {"respond": one(ticket.respond_by, ticket.responded_at, cancelled),
            "resolve": one(ticket.resolve_by, resolved_at, cancelled)}
