"""Estate figures for the home pages: the estates in scope with their households, a page at a time."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from pms.core.auth import Principal, scoped
from pms.core.codes import natural_key
from pms.core.pagination import Page
from pms.estates.models import Estate, Room


@dataclass
class EstateHouseholds:
    code: str
    name: str
    households: int  # rooms (户) of the estate


def households_by_estate(session, principal: Principal, *, page: int = 1,
                         per_page: int | None = None) -> tuple[list[EstateHouseholds], Page]:
    """A page of the estates in the caller's scope in code order (natural: 2 before 10) with their
    number of rooms, and where that page sits (all of them on one page without `per_page`; a page
    past the end is the last one).

    Lighter than `services.list_estates` (no area, buildings, district or company): rooms are
    counted for the page's estates only, an index-only scan of uq_room_estate_id_id (the estate
    key) each, not of every room of a district.
    """
    estates = sorted(session.execute(scoped(select(Estate.id, Estate.code, Estate.name), Estate, principal)).all(),
                     key=lambda row: natural_key(row.code))
    total = len(estates)
    per_page = per_page or max(1, total)
    shown = Page.within(page, per_page, total)
    estates = shown.slice(estates)
    counts = dict(session.execute(select(Room.estate_id, func.count())
                                  .where(Room.estate_id.in_([e.id for e in estates])).group_by(Room.estate_id)).all())
    return [EstateHouseholds(e.code, e.name, int(counts.get(e.id, 0))) for e in estates], shown
