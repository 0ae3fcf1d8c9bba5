"""Cost lines of a repair: materials and labour added while the work goes on, their total, and lines
added by mistake removed (the audit log keeping what they were)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import func, select

from pms.core import audit, clock
from pms.core.auth import Principal
from pms.core.errors import Conflict, Forbidden, Invalid, NotFound
from pms.core.money import divide_half_up, format_fen
from pms.maintenance import messages as msg
from pms.maintenance import permissions
from pms.maintenance.models import Ticket, TicketCost
from pms.maintenance.services.common import _ensure_worker, lock_ticket
from pms.maintenance.services.history import _event


def cost_total(session, ticket: Ticket) -> int:
    return session.scalar(select(func.coalesce(func.sum(TicketCost.amount_fen), 0))
                          .where(TicketCost.ticket_id == ticket.id)) or 0


MAX_COST_FEN = 100_000_000  # ¥1,000,000: the most one cost line of one repair may come to
# While costs may be recorded (and removed): the work is going on or just resolved.
COST_STATUSES = ("assigned", "in_progress", "reopened", "resolved")


def add_cost(session, principal: Principal, ticket: Ticket, *, kind: str, description: str,
             quantity: int, unit_price_fen: int, now: Optional[datetime] = None) -> TicketCost:
    """Materials (quantity × unit price) or labour (minutes × hourly rate / 60, half-up) used."""
    lock_ticket(session, ticket)
    _ensure_worker(principal, ticket)
    if ticket.status not in COST_STATUSES:
        raise Conflict(_("Costs are recorded while the work is going on."))
    if kind not in ("material", "labour"):
        raise Invalid(_("Unknown kind."), fields={"kind": [_("material or labour")]})
    if quantity <= 0 or unit_price_fen < 0:
        raise Invalid(_("Quantity must be positive."), fields={"quantity": [_("Must be > 0.")]})
    amount = quantity * unit_price_fen if kind == "material" else divide_half_up(quantity * unit_price_fen, 60)
    if amount > MAX_COST_FEN:
        # Each factor is bounded, their product is not: ¥1,000,000 on one line of one repair is a typo.
        raise Invalid(_("The amount (quantity × unit price) is above ¥1,000,000."),
                      fields={"quantity": [_("Quantity × unit price comes to %(amount)s; one cost line may be "
                                             "at most ¥1,000,000.", amount=format_fen(amount))]})
    now = now or clock.now()
    cost = TicketCost(ticket_id=ticket.id, estate_id=ticket.estate_id, kind=kind,
                      description=description.strip()[:200], quantity=quantity,
                      unit_price_fen=unit_price_fen, amount_fen=amount,
                      created_by_id=principal.user_id or None, created_at=now)
    session.add(cost)
    _event(session, ticket, principal, now, ticket.status, ticket.status, kind="cost", message=msg.COST_ADDED,
           params={"kind": kind, "description": cost.description, "quantity": quantity})
    session.flush()
    return cost


def costs_of(session, ticket: Ticket) -> list[TicketCost]:
    return list(session.scalars(select(TicketCost).where(TicketCost.ticket_id == ticket.id)
                                .order_by(TicketCost.id)))


def may_remove(principal: Principal, ticket: Ticket, cost: TicketCost) -> bool:
    """Whether the detail page offers the remove button for this line."""
    if not permissions.may(principal, "ticket.cost.remove") or ticket.status not in COST_STATUSES:
        return False
    if permissions.only_assigned(principal):
        return ticket.assignee_id == principal.user_id and cost.created_by_id == principal.user_id
    return True


def remove_cost(session, principal: Principal, ticket: Ticket, cost_id: int, *,
                now: Optional[datetime] = None) -> TicketCost:
    """Delete one cost line of the ticket (flush only); an audit entry and a history line remain.

    Managers remove any line; the assigned technician only lines they entered themselves. Lines
    are changed only while costs may be recorded (the same statuses as adding one).
    """
    lock_ticket(session, ticket)
    permissions.ensure(principal, "ticket.cost.remove")
    _ensure_worker(principal, ticket)
    cost = session.scalar(select(TicketCost).where(TicketCost.id == cost_id, TicketCost.ticket_id == ticket.id))
    if cost is None:
        raise NotFound(_("No such cost line."))
    if permissions.only_assigned(principal) and cost.created_by_id != principal.user_id:
        raise Forbidden(_("Only the manager may remove a line someone else entered."))
    if ticket.status not in COST_STATUSES:
        raise Conflict(_("Costs are recorded while the work is going on."))
    now = now or clock.now()
    audit.record(session, actor=principal.username, action="maintenance.cost.remove", object_type="ticket_cost",
                 object_id=cost.id, estate_id=ticket.estate_id,
                 payload={"ticket_id": ticket.id, "kind": cost.kind, "description": cost.description,
                          "quantity": cost.quantity, "unit_price_fen": cost.unit_price_fen,
                          "amount_fen": cost.amount_fen, "created_by_id": cost.created_by_id})
    _event(session, ticket, principal, now, ticket.status, ticket.status, kind="cost", message=msg.COST_REMOVED,
           params={"kind": cost.kind, "description": cost.description, "quantity": cost.quantity})
    session.delete(cost)
    session.flush()
    return cost
