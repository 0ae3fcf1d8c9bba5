"""Helpers shared by the maintenance services: look-ups (who may do what: pms/maintenance/permissions.py)."""
from __future__ import annotations

from typing import Iterable, Optional

from flask_babel import gettext as _
from sqlalchemy import select

from pms.accounts.models import User
from pms.core.auth import Principal, get_in_scope
from pms.core.errors import Invalid
from pms.estates.models import Building, Entrance, Estate


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
