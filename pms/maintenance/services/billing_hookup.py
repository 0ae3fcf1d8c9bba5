"""The hook for billing: paid in-home repairs become a bill line once billing exists.

Billing calls `billable_repairs` when it builds a room's bill and `mark_repair_billed` in the
same transaction as the bill line it creates; the conditional UPDATE makes a second call for
the same ticket a no-op (False), so a repair is never billed twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import select, update

from pms.maintenance import rules
from pms.maintenance.models import Ticket


@dataclass(frozen=True)
class BillableRepair:
    ticket_id: int
    estate_id: int
    room_id: int
    amount_fen: int
    description: str
    closed_at: datetime


def billable_repairs(session, *, estate_id: Optional[int] = None, room_id: Optional[int] = None,
                     closed_before: Optional[datetime] = None) -> list[BillableRepair]:
    """Closed in-home repairs the owner pays (amount > 0) that no bill carries yet."""
    stmt = select(Ticket).where(Ticket.payer == "owner", Ticket.amount_fen > 0, Ticket.status == "closed",
                                Ticket.billed_ref.is_(None), Ticket.room_id.is_not(None))
    if estate_id is not None:
        stmt = stmt.where(Ticket.estate_id == estate_id)
    if room_id is not None:
        stmt = stmt.where(Ticket.room_id == room_id)
    if closed_before is not None:
        stmt = stmt.where(Ticket.closed_at < closed_before)
    return [BillableRepair(ticket_id=t.id, estate_id=t.estate_id, room_id=t.room_id, amount_fen=t.amount_fen,
                           description=f"#{t.id} {rules.CATEGORIES[t.category]}", closed_at=t.closed_at)
            for t in session.scalars(stmt.order_by(Ticket.closed_at, Ticket.id))]


def mark_repair_billed(session, ticket_id: int, bill_ref: str) -> bool:
    """Record that a bill line carries this repair; False if it was already billed."""
    result = session.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.billed_ref.is_(None),
                                                  Ticket.payer == "owner")
                             .values(billed_ref=bill_ref[:64]))
    session.flush()
    return (result.rowcount or 0) == 1
