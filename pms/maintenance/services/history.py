"""A ticket's history: every move and action is a ticket_event (who, when, from, to, note)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import select

from pms.core import messages as stored
from pms.core.auth import Principal
from pms.maintenance.models import Ticket, TicketEvent


def _event(session, ticket: Ticket, principal: Principal, at: datetime, frm: Optional[str],
           to: Optional[str], note: str = "", kind: str = "transition", *, message: Optional[str] = None,
           params: Optional[dict] = None) -> TicketEvent:
    """Record a history entry: a person's note as typed, or a message key rendered for each reader
    (its text in the writer's language is kept in `note` only as the fallback)."""
    text = (note or "").strip() if message is None else stored.render(message, params)
    event = TicketEvent(ticket_id=ticket.id, estate_id=ticket.estate_id, at=at,
                        actor_id=principal.user_id or None, actor_name=principal.username[:64],
                        kind=kind, from_status=frm, to_status=to, note=text[:2000], message=message,
                        params=(params or None) if message else None)
    session.add(event)
    return event


def events_of(session, ticket: Ticket) -> list[TicketEvent]:
    return list(session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                .order_by(TicketEvent.at, TicketEvent.id)))
