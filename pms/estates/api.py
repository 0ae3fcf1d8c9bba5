"""Estates API: estates, buildings and rooms in the caller's scope."""
from __future__ import annotations

from flask import Blueprint

from pms.core.api import load_args
from pms.core.openapi import documented
from pms.core.auth import require_principal
from pms.core.db import get_session
from pms.estates import services
from pms.estates.schemas import (BuildingListSchema, EstateListSchema, EstateSchema, RoomListSchema,
                                 RoomQuerySchema, RoomSchema)

bp = Blueprint("estates_api", __name__)


@bp.get("/estates")
@documented(summary="Estates in your scope", response=EstateListSchema, tag="estates")
def list_estates():
    """Estates the caller may see."""
    items = services.list_estates(get_session(), require_principal())
    return EstateListSchema().dump({"items": items})


@bp.get("/estates/<estate>")
@documented(summary="One estate", response=EstateSchema, tag="estates")
def get_estate(estate):
    """One estate in scope."""
    principal = require_principal()
    session = get_session()
    services.get_estate(session, principal, estate)
    summary = services.list_estates(session, principal, codes=[estate])[0]
    return EstateSchema().dump(summary)


@bp.get("/estates/<estate>/buildings")
@documented(summary="Buildings and entrances of an estate", response=BuildingListSchema, tag="estates")
def list_buildings(estate):
    """Buildings of an estate in scope."""
    principal, session = require_principal(), get_session()
    found = services.get_estate(session, principal, estate)
    return BuildingListSchema().dump({"items": services.list_buildings(session, principal, found)})


@bp.get("/rooms")
@documented(summary="Rooms in your scope; filter by estate/building/entrance or search q "
                    "(room code, owner name or phone)", query=RoomQuerySchema,
            response=RoomListSchema, tag="estates")
def list_rooms():
    """Rooms in scope, searched and paged."""
    principal, session = require_principal(), get_session()
    args = load_args(RoomQuerySchema())
    estate = services.get_estate(session, principal, args["estate"]) if args.get("estate") else None
    rooms, total = services.list_rooms(session, principal, estate=estate, building=args.get("building"),
                                       entrance=args.get("entrance"), query=args["q"],
                                       limit=args["limit"], offset=args["offset"])
    return RoomListSchema().dump({"items": rooms, "total": total, "limit": args["limit"],
                                  "offset": args["offset"]})


@bp.get("/rooms/<room>")
@documented(summary="One room with its owners and residents (ID numbers masked unless you are "
                    "the company's staff)", response=RoomSchema, tag="estates")
def get_room(room):
    """One room in scope."""
    principal, session = require_principal(), get_session()
    found = services.get_room(session, principal, room)
    return RoomSchema().dump(services.room_view(session, principal, found))
