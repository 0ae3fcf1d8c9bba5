"""Where a request can be filed: the caller's rooms and the common places of their estates."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pms.core.auth import Principal, scoped
from pms.core.codes import natural_key
from pms.estates.models import Building, Entrance, Estate, Room
from pms.maintenance import permissions

MAX_PLACES = 500


@dataclass
class Place:
    value: str   # 'YJL', 'YJL-3' or 'YJL-3-2' (the API's location string)
    estate: str
    building: str
    entrance: str


def my_rooms(session, principal: Principal) -> list[str]:
    """A resident's room codes (staff type a room code instead)."""
    if not permissions.has_own_rooms(principal):
        return []
    return sorted(session.scalars(scoped(select(Room.code), Room, principal)), key=natural_key)


def common_places(session, principal: Principal) -> list[Place]:
    """Estates in scope with their buildings and entrances (residents: the estates they live in)."""
    estates = session.execute(scoped(select(Estate.id, Estate.code), Estate, principal).order_by(Estate.code)).all()
    ids = [e_id for e_id, _code in estates]
    if not ids:
        return []
    # The estates are in scope, so their buildings/entrances may be named (residents' Building scope is empty).
    rows = session.execute(select(Building.estate_id, Building.code, Entrance.code)
                           .join(Entrance, Entrance.building_id == Building.id)
                           .where(Building.estate_id.in_(ids)).limit(MAX_PLACES)).all()
    codes = dict(estates)
    out: list[Place] = [Place(code, code, "", "") for _id, code in estates]
    seen_buildings = set()
    for estate_id, b, e in sorted(rows, key=lambda r: (codes[r[0]], natural_key(r[1]), natural_key(r[2]))):
        estate = codes[estate_id]
        if (estate, b) not in seen_buildings:
            seen_buildings.add((estate, b))
            out.append(Place(f"{estate}-{b}", estate, b, ""))
        out.append(Place(f"{estate}-{b}-{e}", estate, b, e))
    return sorted(out, key=lambda p: (p.estate, natural_key(p.building), natural_key(p.entrance)))

