"""Estate pages: estates → buildings → rooms, search, a resident's rooms."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from pms.core.auth import RESIDENT, login_required, require_principal
from pms.core.db import get_session
from pms.core.forms import form_spec, load_query
from pms.core.pagination import Page
from pms.estates import services
from pms.estates.schemas import EstatePageArgsSchema, RoomPageArgsSchema

bp = Blueprint("estates", __name__)

ROOMS_PER_PAGE = 30
ESTATES_PER_PAGE = 50
ESTATE_LIST_FORM = form_spec("estate-list", {"page": _l("Page")})
ROOM_SEARCH_FORM = form_spec("room-search", {"q": _l("Find a room by code, owner name or phone"),
                                             "page": _l("Page")})


@bp.get("/estates")
@login_required
def estate_list():
    """Estates in scope, a page at a time (their rooms counted for that page only)."""
    args, status = load_query(ESTATE_LIST_FORM, EstatePageArgsSchema())
    estates, total = services.estate_page(get_session(), require_principal(), limit=ESTATES_PER_PAGE,
                                          offset=(args["page"] - 1) * ESTATES_PER_PAGE)
    return render_template("estates/list.html", estates=estates,
                           page=Page(number=args["page"], per_page=ESTATES_PER_PAGE, total=total)), status


@bp.get("/estates/<code>")
@login_required
def estate_detail(code):
    """One estate: its buildings and entrances (a resident sees their own rooms in it instead)."""
    principal, session = require_principal(), get_session()
    estate = services.get_estate(session, principal, code)
    buildings = services.list_buildings(session, principal, estate)
    own = services.list_rooms(session, principal, estate=estate)[0] if principal.role == RESIDENT else []
    return render_template("estates/detail.html", estate=estate, buildings=buildings,
                           own_rooms=services.room_rows(session, principal, own))


@bp.get("/rooms")
@login_required
def room_search():
    """Search rooms by code, owner name or phone; or list an entrance's rooms, a page at a time."""
    principal, session = require_principal(), get_session()
    args, status = load_query(ROOM_SEARCH_FORM, RoomPageArgsSchema())
    place = services.locate(session, principal, args["estate"], args["building"], args["entrance"])
    rooms, total = services.list_rooms(
        session, principal, estate=place.estate, building=args["building"] or None,
        entrance=args["entrance"] or None, query=args["q"], limit=ROOMS_PER_PAGE,
        offset=(args["page"] - 1) * ROOMS_PER_PAGE, by_floor=place.building is not None)
    return render_template("estates/rooms.html", rooms=services.room_rows(session, principal, rooms),
                           page=Page(args["page"], ROOMS_PER_PAGE, total), place=place, q=args["q"]), status


@bp.get("/rooms/<code>")
@login_required
def room_detail(code):
    """One room with owners and residents."""
    principal, session = require_principal(), get_session()
    room = services.get_room(session, principal, code)
    return render_template("estates/room.html", room=services.room_view(session, principal, room))


@bp.get("/my/rooms")
@login_required
def my_rooms():
    """A resident's own rooms ("my home"); staff and auditors have the estate list instead."""
    principal, session = require_principal(), get_session()
    if principal.role != RESIDENT:
        return redirect(url_for("estates.estate_list"))
    rooms, _total = services.list_rooms(session, principal, limit=ROOMS_PER_PAGE)
    views = [services.room_view(session, principal, r) for r in rooms]
    return render_template("estates/my_rooms.html", rooms=views)
