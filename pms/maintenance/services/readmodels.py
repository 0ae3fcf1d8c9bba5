"""Plain read models of tickets for schemas and templates (never a live session in a template)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from sqlalchemy import select

from pms.accounts.models import User
from pms.core import clock
from pms.core import messages as stored
from pms.core.auth import TECHNICIAN, Principal
from pms.estates.models import Estate
from pms.estates.services import shown_phone
from pms.maintenance import rules
from pms.maintenance.models import Ticket
from pms.maintenance.services import costs as cost_service
from pms.maintenance.services import history
from pms.maintenance.services import sla as sla_service
from pms.maintenance.services import photos as photo_service
from pms.maintenance.services import tickets as ticket_service
from pms.maintenance.services.common import user_names
from pms.maintenance.services.warranty import WarrantyView, component_view


@dataclass
class PersonRef:
    username: str
    display_name: str


@dataclass
class EventView:
    at: datetime
    actor: str  # the login (the API shows it)
    kind: str
    from_status: Optional[str]
    to_status: Optional[str]
    note: str
    actor_display: str = ""  # the person's display name (赵师傅) for pages; `actor` is the login (API)


@dataclass
class PhotoView:
    id: int
    url: str
    content_type: str
    size_bytes: int
    width: int
    height: int
    uploaded_at: datetime


@dataclass
class CostView:
    id: int
    kind: str
    description: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    removable: bool = False


@dataclass
class TicketView:
    id: int
    status: str
    status_label: str
    estate: str
    room: Optional[str]
    location: str
    place: str
    category: str
    category_label: str
    description: str
    urgency: str
    urgency_label: str
    channel: str
    reporter_name: str
    reporter_phone: str
    submitted_at: datetime
    respond_by: datetime
    resolve_by: datetime
    responded_at: Optional[datetime]
    resolved_at: Optional[datetime]
    closed_at: Optional[datetime]
    sla: dict
    in_warranty: bool
    warranty: Optional[WarrantyView]
    assignee: Optional[PersonRef]
    payer: Optional[str]
    amount_fen: int
    rating: Optional[int]
    rating_comment: str
    complaint: bool
    reopen_count: int
    allowed_moves: list[str]
    photos: list[PhotoView] = field(default_factory=list)
    costs: list[CostView] = field(default_factory=list)
    events: list[EventView] = field(default_factory=list)


def _photo_url(ticket_id: int, photo_id: int) -> str:
    return f"/api/v1/tickets/{ticket_id}/photos/{photo_id}"


def ticket_view(session, principal: Principal, ticket: Ticket, *, now: Optional[datetime] = None,
                detail: bool = True, users: Optional[dict] = None) -> TicketView:
    """A ticket as the caller may see it (auditors get masked phones)."""
    now = now or clock.now()
    estate = session.get(Estate, ticket.estate_id)
    users = users if users is not None else user_names(session, [ticket.assignee_id])
    assignee = users.get(ticket.assignee_id)
    warranty = None
    if ticket.warranty_component_id:
        from pms.maintenance.models import WarrantyComponent

        warranty = component_view(session, session.get(WarrantyComponent, ticket.warranty_component_id),
                                  clock.today(now))
    view = TicketView(
        id=ticket.id, status=ticket.status, status_label=str(rules.STATUSES[ticket.status]),
        estate=estate.code, room=ticket.location_label if ticket.room_id else None,
        location=ticket.location_label, place=ticket.place, category=ticket.category,
        category_label=str(rules.CATEGORIES[ticket.category]), description=ticket.description,
        urgency=ticket.urgency, urgency_label=str(rules.URGENCIES[ticket.urgency]), channel=ticket.channel,
        reporter_name=ticket.reporter_name,
        reporter_phone=shown_phone(principal, ticket.reporter_phone),
        submitted_at=ticket.submitted_at, respond_by=ticket.respond_by, resolve_by=ticket.resolve_by,
        responded_at=ticket.responded_at, resolved_at=ticket.resolved_at, closed_at=ticket.closed_at,
        sla=sla_service.sla_state(ticket, now), in_warranty=ticket.in_warranty, warranty=warranty,
        assignee=PersonRef(assignee.username, assignee.display_name or assignee.username) if assignee else None,
        payer=ticket.payer, amount_fen=ticket.amount_fen, rating=ticket.rating,
        rating_comment=ticket.rating_comment, complaint=ticket.is_complaint, reopen_count=ticket.reopen_count,
        allowed_moves=ticket_service.allowed_moves(principal, ticket))
    if detail:
        view.photos = [PhotoView(p.id, _photo_url(ticket.id, p.id), p.content_type, p.size_bytes, p.width,
                                 p.height, p.uploaded_at) for p in photo_service.photos_of(session, ticket)]
        view.costs = [CostView(c.id, c.kind, c.description, c.quantity, c.unit_price_fen, c.amount_fen,
                               removable=cost_service.may_remove(principal, ticket, c))
                      for c in cost_service.costs_of(session, ticket)]
        events = history.events_of(session, ticket)
        actors = user_names(session, [e.actor_id for e in events])  # one query for the whole history
        view.events = [EventView(e.at, e.actor_name, e.kind, e.from_status, e.to_status,
                                 stored.render(e.message, e.params, e.note or ""),
                                 _display_name(actors.get(e.actor_id), e.actor_name))
                       for e in events]
    return view


def _display_name(user, fallback: str) -> str:
    return (user.display_name or user.username) if user is not None else fallback


def ticket_views(session, principal: Principal, tickets: list[Ticket], *,
                 now: Optional[datetime] = None) -> list[TicketView]:
    """Summaries of many tickets (no photos/costs/history)."""
    users = user_names(session, [t.assignee_id for t in tickets])
    return [ticket_view(session, principal, t, now=now, detail=False, users=users) for t in tickets]


def technicians_of(session, estate_id: int) -> list[PersonRef]:
    """The active technicians who may be assigned to a ticket of this estate."""
    estate = session.get(Estate, estate_id)
    return [PersonRef(u.username, u.display_name or u.username) for u in session.scalars(
        select(User).where(User.role == TECHNICIAN, User.company_id == estate.company_id,
                           User.is_active.is_(True)).order_by(User.username))]


def technicians_in(session, estate_codes: list[str]) -> list[PersonRef]:
    """The active technicians of the companies running these estates (the queue's assignee filter),
    by display name."""
    if not estate_codes:
        return []
    companies = select(Estate.company_id).where(Estate.code.in_(estate_codes))
    users = session.scalars(select(User).where(User.role == TECHNICIAN, User.company_id.in_(companies),
                                               User.is_active.is_(True)))
    return sorted((PersonRef(u.username, u.display_name or u.username) for u in users),
                  key=lambda p: (p.display_name, p.username))

