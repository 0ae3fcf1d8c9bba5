"""Helpers shared by the maintenance services: look-ups, locking a ticket, the worker check (who may
do what: pms/maintenance/permissions.py)."""
from __future__ import annotations

from typing import Iterable, Optional

from flask_babel import gettext as _
from sqlalchemy import select

from pms.accounts.models import User
from pms.core.auth import Principal, get_in_scope
from pms.core.db import lock_and_refresh
from pms.core.errors import Forbidden, Invalid
from pms.estates.models import Building, Entrance, Estate
from pms.maintenance import permissions
from pms.maintenance.models import Ticket


def resolve_location(session, principal: Principal, estate_code: str, building: Optional[str] = None,
                     entrance: Optional[str] = None, *, field: str = "location"
                     ) -> tuple[Estate, Optional[Building], Optional[Entrance]]:
    """An estate in the caller's scope and, optionally, one of its buildings/entrances (422 if unknown)."""
    unknown = Invalid(_("Unknown place."), fields={field: [_("Unknown estate, building or entrance.")]})
    estate = session.scalar(select(Estate).where(Estate.code == estate_code)) if estate_code else None
    if estate is None:
        raise unknown
    try:
        get_in_scope(session, Estate, Estate.id == estate.id, principal=principal)
    except Exception:
        raise unknown from None
    b = e = None
    if building:
        b = session.scalar(select(Building).where(Building.estate_id == estate.id, Building.code == building))
        if b is None:
            raise unknown
    if entrance:
        if b is None:
            raise unknown
        e = session.scalar(select(Entrance).where(Entrance.building_id == b.id, Entrance.code == entrance))
        if e is None:
            raise unknown
    return estate, b, e


def parse_location(text: str) -> dict:
    """'YJL' / 'YJL-3' / 'YJL-3-2' → {'estate', 'building', 'entrance'}."""
    parts = [p.strip() for p in (text or "").split("-")]
    if not 1 <= len(parts) <= 3 or any(not p for p in parts):
        raise ValueError(text)
    return {"estate": parts[0], "building": parts[1] if len(parts) > 1 else None,
            "entrance": parts[2] if len(parts) > 2 else None}


def location_label(estate: Estate, building: Optional[Building], entrance: Optional[Entrance]) -> str:
    return "-".join(x.code for x in (estate, building, entrance) if x is not None)


def user_names(session, ids: Iterable[Optional[int]]) -> dict[int, User]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def lock_ticket(session, ticket: Ticket) -> Ticket:
    """Lock the ticket until the transaction ends and re-read it: every rule that decides on a
    ticket's state (its status, rating, payer, photo count) takes this first, so two requests on
    one ticket go one after the other and the second sees what the first committed."""
    return lock_and_refresh(session, ticket)


def _ensure_worker(principal: Principal, ticket: Ticket) -> None:
    permissions.ensure(principal, "ticket.work")
    if permissions.only_assigned(principal) and ticket.assignee_id != principal.user_id:
        raise Forbidden(_("Only the assigned technician may do this."))
