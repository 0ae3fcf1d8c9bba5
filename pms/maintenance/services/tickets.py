"""Repair requests: visibility and the queue, filing, the workflow state machine, assignment, rating,
notes and complaints (SLAs: sla.py; payer: payer.py; costs: costs.py; history: history.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from pms.accounts.models import User
from pms.core import clock
from pms.core.auth import TECHNICIAN, Principal, scope_filter
from pms.core.errors import Conflict, Forbidden, Invalid, NotFound
from pms.core.sql import LIKE_ESCAPE, like_literal
from pms.estates.models import Building, Entrance, Estate, Room
from pms.maintenance import messages as msg
from pms.maintenance import permissions, rules
from pms.maintenance.models import Ticket, TicketEvent
from pms.maintenance.services.common import _ensure_worker, location_label, lock_ticket, resolve_location
from pms.maintenance.services.history import _event
from pms.maintenance.services.payer import _resolve
from pms.maintenance.services.sla import sla_minutes
from pms.maintenance.services.warranty import find_warranty


# ---- visibility ----------------------------------------------------------------------------

def visible(stmt, principal: Principal):
    """Restrict a Ticket query to the caller: staff/auditors by estate, residents by their rooms
    plus the common-place requests they filed themselves."""
    condition = scope_filter(Ticket, principal)
    if permissions.has_own_rooms(principal):
        condition = or_(condition, Ticket.reporter_user_id == principal.user_id)
    return stmt.where(condition)


def get_ticket(session, principal: Principal, ticket_id: int, *, for_update: bool = False) -> Ticket:
    """A ticket the caller may see (404 otherwise); `for_update` locks it at once (`lock_ticket`).

    The services that decide on a ticket's state lock it themselves, so `for_update` only takes
    the lock earlier (at the start of the request rather than at the rule).
    """
    ticket = session.scalar(visible(select(Ticket).where(Ticket.id == ticket_id), principal))
    if ticket is None:
        raise NotFound(_("Request not found."))
    return lock_ticket(session, ticket) if for_update else ticket


# Queue filter `assignee=none`: requests nobody is assigned to.
UNASSIGNED = "none"


def _like(text: str) -> str:
    """`text` as a LIKE pattern matching it anywhere, its own % and _ taken literally."""
    return "%" + like_literal(text) + "%"


def search_condition(text: str):
    """Ticket number ('#123' or '123'), room or place code ('3-2-501') or words of the request."""
    text = text.strip()
    pattern = _like(text)
    words = or_(Ticket.location_label.ilike(pattern, escape=LIKE_ESCAPE),
                Ticket.place.ilike(pattern, escape=LIKE_ESCAPE),
                Ticket.description.ilike(pattern, escape=LIKE_ESCAPE))
    number = text.removeprefix("#")
    if number.isdigit() and len(number) <= 9:
        return or_(Ticket.id == int(number), words)
    return words


def list_tickets(session, principal: Principal, *, estate_id: Optional[int] = None,
                 status: Optional[str] = None, open_only: bool = False, mine: bool = False,
                 estate_code: Optional[str] = None, urgency: Optional[str] = None,
                 category: Optional[str] = None, assignee: Optional[str] = None,
                 search: Optional[str] = None,
                 limit: int = 50, offset: int = 0) -> tuple[list[Ticket], int]:
    """Tickets in the caller's view, most urgent deadline first for open ones.

    Filters combine (AND): an estate by id or code (a code outside the caller's scope matches
    nothing), urgency, category, assignee (a username, or UNASSIGNED) and a search text.
    """
    stmt = visible(select(Ticket), principal)
    if estate_id is not None:
        stmt = stmt.where(Ticket.estate_id == estate_id)
    if estate_code:
        stmt = stmt.where(Ticket.estate_id.in_(select(Estate.id).where(Estate.code == estate_code)))
    if status:
        stmt = stmt.where(Ticket.status == status)
    if open_only:
        stmt = stmt.where(Ticket.status.in_(rules.OPEN_STATUSES))
    if urgency:
        stmt = stmt.where(Ticket.urgency == urgency)
    if category:
        stmt = stmt.where(Ticket.category == category)
    if assignee == UNASSIGNED:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif assignee:
        stmt = stmt.where(Ticket.assignee_id.in_(select(User.id).where(User.username == assignee)))
    if search and search.strip():
        stmt = stmt.where(search_condition(search))
    if mine:
        stmt = stmt.where(Ticket.assignee_id == principal.user_id if not permissions.has_own_rooms(principal)
                          else Ticket.reporter_user_id == principal.user_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    order = (Ticket.resolve_by, Ticket.id) if open_only else (Ticket.submitted_at.desc(), Ticket.id.desc())
    return list(session.scalars(stmt.order_by(*order).limit(limit).offset(offset))), total


# ---- filing --------------------------------------------------------------------------------

def create_ticket(session, principal: Principal, *, category: str, description: str, urgency: str,
                  room: Optional[str] = None, location: Optional[dict] = None, place: str = "",
                  channel: Optional[str] = None, reporter_name: str = "", reporter_phone: str = "",
                  complaint: bool = False, now: Optional[datetime] = None) -> Ticket:
    """File a repair request for a room or a common place; SLA deadlines from the submit time.

    Residents file for their own rooms or common places of their estates (channel 'app');
    staff file on a resident's behalf and record the channel (default 'phone').
    """
    permissions.ensure(principal, "ticket.file")
    if category not in rules.CATEGORIES:
        raise Invalid(_("Unknown category."), fields={"category": [_("Unknown category.")]})
    if urgency not in rules.URGENCIES:
        raise Invalid(_("Unknown urgency."), fields={"urgency": [_("Unknown urgency.")]})
    if (room is None) == (location is None):
        raise Invalid(_("Give either a room or a location."),
                      fields={"room": [_("Give either a room or a location.")]})
    if room is not None:
        found = session.scalar(select(Room).where(Room.code == room, scope_filter(Room, principal)))
        if found is None:
            raise Invalid(_("Unknown room."), fields={"room": [_("Unknown room %(code)s.", code=room)]})
        estate = session.get(Estate, found.estate_id)
        building, entrance = session.get(Building, found.building_id), session.get(Entrance, found.entrance_id)
        label = found.code
    else:
        estate, building, entrance = resolve_location(session, principal, location.get("estate"),
                                                      location.get("building"), location.get("entrance"))
        label = location_label(estate, building, entrance)
    if permissions.has_own_rooms(principal):
        channel = "app"
        reporter_user_id, reporter_name = principal.user_id, reporter_name or principal.display_name
    else:
        channel = channel or "phone"
        reporter_user_id = None
    if channel not in rules.CHANNELS:
        raise Invalid(_("Unknown channel."), fields={"channel": [_("Unknown channel.")]})
    now = (now or clock.now()).replace(microsecond=0)
    respond_minutes, resolve_minutes = sla_minutes(session, estate.id, urgency)
    respond_by, resolve_by = rules.sla_deadlines(now, respond_minutes, resolve_minutes)
    hit = find_warranty(session, estate.id, building.id if building else None,
                        entrance.id if entrance else None, category, clock.today(now))
    ticket = Ticket(estate_id=estate.id, room_id=found.id if room is not None else None,
                    building_id=building.id if building else None,
                    entrance_id=entrance.id if entrance else None, location_label=label,
                    place=(place or "").strip()[:128], category=category,
                    description=description.strip(), urgency=urgency, status="submitted",
                    channel=channel, reporter_user_id=reporter_user_id,
                    reporter_name=(reporter_name or "")[:64], reporter_phone=(reporter_phone or "")[:32],
                    created_by_id=principal.user_id or None, submitted_at=now, respond_by=respond_by,
                    resolve_by=resolve_by, in_warranty=hit is not None,
                    warranty_component_id=hit.id if hit else None,
                    payer="warranty" if hit else None, is_complaint=bool(complaint), updated_at=now)
    session.add(ticket)
    session.flush()
    _event(session, ticket, principal, now, None, "submitted",
           message=msg.FILED_BY_PHONE if channel == "phone" else None)
    return ticket


# ---- the workflow --------------------------------------------------------------------------

def landing(principal: Principal) -> Optional[str]:
    """The maintenance page a role lands on: 'tasks' (technicians), 'queue' (the estates' queue),
    or None for one's own requests (residents)."""
    if permissions.only_assigned(principal):
        return "tasks"
    if permissions.may(principal, "queue.home"):
        return "queue"
    return None


def may_assign(principal: Principal) -> bool:
    """Whether the principal may assign technicians (the detail page offers the form)."""
    return permissions.may(principal, "ticket.assign")


def may_move(principal: Principal, ticket: Ticket, to: str) -> bool:
    """Whether this principal may make the move now (without raising)."""
    try:
        _check_move(principal, ticket, to)
    except (Conflict, Forbidden):
        return False
    return True


def allowed_moves(principal: Principal, ticket: Ticket) -> list[str]:
    return [to for to in rules.next_statuses(ticket.status) if may_move(principal, ticket, to)]


def _check_move(principal: Principal, ticket: Ticket, to: str) -> None:
    if (ticket.status, to) not in rules.TRANSITIONS:
        raise Conflict(_("A request that is %(status)s cannot become %(to)s.",
                         status=ticket.status, to=to))
    permissions.ensure(principal, f"ticket.move.{to}")
    if permissions.only_assigned(principal) and to != "assigned" and ticket.assignee_id != principal.user_id:
        raise Forbidden(_("Only the assigned technician may do this."))


def transition(session, principal: Principal, ticket: Ticket, to: str, note: str = "", *,
               technician: Optional[str] = None, payer: Optional[str] = None,
               amount_fen: Optional[int] = None, rating: Optional[int] = None,
               comment: Optional[str] = None, now: Optional[datetime] = None) -> Ticket:
    """Move a ticket in its workflow: 409 for an illegal move, 403 for a role that may not."""
    if to not in rules.STATUSES:
        raise Invalid(_("Unknown status."), fields={"to": [_("Unknown status.")]})
    lock_ticket(session, ticket)
    _check_move(principal, ticket, to)
    extras = {"technician": technician if to != "assigned" else None,
              "payer": payer if to != "resolved" else None,
              "amount_fen": amount_fen if to != "resolved" else None,
              "rating": rating if to != "closed" else None,
              "comment": comment if to != "closed" else None}
    wrong = {k: [_("Only allowed with this move's target status.")] for k, v in extras.items() if v is not None}
    if wrong:
        raise Invalid(_("Some fields do not belong to this move."), fields=wrong)
    now = now or clock.now()
    if to == "assigned":
        _set_assignee(session, principal, ticket, technician)
    elif to == "accepted":
        ticket.responded_at = ticket.responded_at or now
    elif to == "resolved":
        _resolve(session, principal, ticket, payer, amount_fen)
        ticket.resolved_at = now
    elif to == "closed":
        if rating is not None:
            _check_rating(principal, ticket, rating)
            ticket.rating, ticket.rating_comment = rating, (comment or "").strip()[:500]
        ticket.closed_at = now
    elif to == "reopened":
        ticket.reopen_count += 1
        ticket.resolved_at = None
    elif to == "cancelled":
        ticket.cancelled_at = now
    _event(session, ticket, principal, now, ticket.status, to, note)
    ticket.status = to
    ticket.updated_at = now
    session.flush()
    return ticket


def _set_assignee(session, principal: Principal, ticket: Ticket, technician: Optional[str]) -> None:
    if technician is None:
        if permissions.only_assigned(principal):
            ticket.assignee_id = principal.user_id
            return
        if ticket.assignee_id is not None:  # reopened → assigned keeps the technician
            return
        raise Invalid(_("Choose a technician."), fields={"technician": [_("Choose a technician.")]})
    if permissions.only_assigned(principal) and technician != principal.username:
        raise Forbidden(_("Technicians may only take requests themselves."))
    ticket.assignee_id = technician_for(session, ticket, technician).id


def technician_for(session, ticket: Ticket, username: str) -> User:
    """The technician `username` if they work for the company running the ticket's estate."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(_("Unknown technician %(name)s.", name=username))
    estate = session.get(Estate, ticket.estate_id)
    if user.role != TECHNICIAN or user.company_id != estate.company_id or not user.is_active:
        raise Invalid(_("This person cannot be assigned."),
                      fields={"technician": [_("Not an active technician of the company running this estate.")]})
    return user


def assign(session, principal: Principal, ticket: Ticket, technician: str, note: str = "", *,
           now: Optional[datetime] = None) -> Ticket:
    """Assign (or reassign) a technician; a submitted request is accepted first (both recorded)."""
    permissions.ensure(principal, "ticket.assign")
    lock_ticket(session, ticket)
    now = now or clock.now()
    user = technician_for(session, ticket, technician)
    if ticket.status == "submitted":
        transition(session, principal, ticket, "accepted", "", now=now)
    if ticket.status in ("accepted", "reopened"):
        return transition(session, principal, ticket, "assigned", note, technician=technician, now=now)
    if ticket.status in ("assigned", "in_progress"):
        ticket.assignee_id = user.id
        ticket.updated_at = now
        _event(session, ticket, principal, now, ticket.status, ticket.status, note, kind="assign",
               message=None if (note or "").strip() else msg.REASSIGNED,
               params={"name": user.display_name or user.username})
        session.flush()
        return ticket
    raise Conflict(_("A request that is %(status)s cannot be assigned.", status=ticket.status))


# ---- rating, notes, complaints ----------------------------------------------------------------

def _check_rating(principal: Principal, ticket: Ticket, rating: int) -> None:
    if not permissions.may(principal, "ticket.rate"):
        raise Forbidden(_("Only residents rate the work."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise Invalid(_("The rating must be 1 to 5."), fields={"rating": [_("Must be between 1 and 5.")]})
    if ticket.rating is not None:
        raise Conflict(_("This request has already been rated."))


def rate(session, principal: Principal, ticket: Ticket, rating: int, comment: str = "", *,
         now: Optional[datetime] = None) -> Ticket:
    """A resident rates resolved or closed work once (效果共评)."""
    permissions.ensure(principal, "ticket.rate")
    lock_ticket(session, ticket)
    _check_rating(principal, ticket, rating)
    if ticket.status not in ("resolved", "closed"):
        raise Conflict(_("Only finished work can be rated."))
    now = now or clock.now()
    ticket.rating, ticket.rating_comment = rating, (comment or "").strip()[:500]
    _event(session, ticket, principal, now, ticket.status, ticket.status, kind="rating", message=msg.RATED,
           params={"rating": rating, "comment": ticket.rating_comment})
    session.flush()
    return ticket


def add_note(session, principal: Principal, ticket: Ticket, note: str, *,
             now: Optional[datetime] = None) -> TicketEvent:
    """A note on the ticket's history (technician's findings, manager's remarks)."""
    lock_ticket(session, ticket)
    _ensure_worker(principal, ticket)
    if not (note or "").strip():
        raise Invalid(_("Write a note."), fields={"note": [_("Required.")]})
    event = _event(session, ticket, principal, now or clock.now(), ticket.status, ticket.status, note,
                   kind="note")
    session.flush()
    return event


def flag_complaint(session, principal: Principal, ticket: Ticket, complaint: bool, note: str = "", *,
                   now: Optional[datetime] = None) -> Ticket:
    """Mark (or unmark) a request as a complaint; complaints are counted per estate."""
    permissions.ensure(principal, "ticket.flag_complaint")
    lock_ticket(session, ticket)
    now = now or clock.now()
    ticket.is_complaint = complaint
    _event(session, ticket, principal, now, ticket.status, ticket.status, note, kind="complaint",
           message=None if (note or "").strip() else (msg.MARKED_COMPLAINT if complaint else msg.UNMARKED_COMPLAINT))
    session.flush()
    return ticket
