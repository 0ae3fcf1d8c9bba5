"""Cost lines of a repair added by mistake: removed, with the audit log keeping what they were."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import select

from pms.core import audit, clock
from pms.core.auth import Principal
from pms.core.errors import Conflict, Forbidden, NotFound
from pms.maintenance import messages as msg
from pms.maintenance import permissions
from pms.maintenance.models import Ticket, TicketCost
from pms.maintenance.services.tickets import COST_STATUSES, _ensure_worker, _event, lock_ticket


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
