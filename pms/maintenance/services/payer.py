"""Who pays for a repair (owner, common, fund, warranty) and how much: checked, defaulted at
resolve, set by the worker before the request is closed."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import gettext as _

from pms.core import audit, clock
from pms.core.auth import Principal
from pms.core.errors import Conflict, Invalid
from pms.maintenance import messages as msg
from pms.maintenance import rules
from pms.maintenance.models import Ticket
from pms.maintenance.services.common import _ensure_worker, lock_ticket
from pms.maintenance.services.costs import cost_total
from pms.maintenance.services.history import _event


def check_payer(ticket: Ticket, payer: str) -> None:
    """422 for an unknown payer, or owner/fund on a request under warranty (Art. 41, 条例 Art. 85)."""
    if payer not in rules.PAYERS:
        raise Invalid(_("Unknown payer."), fields={"payer": [_("Unknown payer.")]})
    if ticket.in_warranty and payer in rules.PAYERS_FORBIDDEN_IN_WARRANTY:
        raise Invalid(_("Under warranty the contractor pays."),
                      fields={"payer": [_("Under warranty neither the owner nor the maintenance fund pays.")]})
    if payer == "owner" and ticket.room_id is None:
        raise Invalid(_("Common places are not paid by one owner."),
                      fields={"payer": [_("Only in-home repairs are paid by the owner.")]})


def _resolve(session, principal: Principal, ticket: Ticket, payer: Optional[str],
             amount_fen: Optional[int]) -> None:
    if payer is None:
        payer = ticket.payer or ("warranty" if ticket.in_warranty else
                                 "owner" if ticket.room_id is not None else "common")
    check_payer(ticket, payer)
    _apply_payer(session, principal, ticket, payer, amount_fen)


def _apply_payer(session, principal: Principal, ticket: Ticket, payer: str, amount_fen: Optional[int]) -> None:
    if amount_fen is None:
        amount_fen = 0 if payer == "warranty" else cost_total(session, ticket)
    if amount_fen < 0:
        raise Invalid(_("The amount cannot be negative."), fields={"amount_fen": [_("Must be ≥ 0.")]})
    if payer == "warranty" and amount_fen:
        raise Invalid(_("Warranty work is not charged."), fields={"amount_fen": [_("Must be 0 under warranty.")]})
    changed = (ticket.payer, ticket.amount_fen) != (payer, amount_fen)
    ticket.payer, ticket.amount_fen = payer, amount_fen
    if changed:
        audit.record(session, actor=principal.username, action="maintenance.payer_set",
                     object_type="ticket", object_id=ticket.id, estate_id=ticket.estate_id,
                     payload={"payer": payer, "amount_fen": amount_fen})


def set_payer(session, principal: Principal, ticket: Ticket, payer: str, amount_fen: Optional[int] = None,
              note: str = "", *, now: Optional[datetime] = None) -> Ticket:
    """Record who pays and how much (integer fen) before the request is closed."""
    lock_ticket(session, ticket)
    _ensure_worker(principal, ticket)
    if ticket.status in ("closed", "cancelled") or ticket.billed_ref:
        raise Conflict(_("The payer of a closed or billed request cannot change."))
    check_payer(ticket, payer)
    now = now or clock.now()
    _apply_payer(session, principal, ticket, payer, amount_fen)
    _event(session, ticket, principal, now, ticket.status, ticket.status, note, kind="payer",
           message=None if (note or "").strip() else msg.PAYER_SET,
           params={"payer": payer, "amount": ticket.amount_fen})
    session.flush()
    return ticket
