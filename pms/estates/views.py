"""Estate pages: the start page, estates → buildings → rooms, search, a resident's rooms."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from pms.core.auth import RESIDENT, login_required, require_principal
from pms.core.db import get_session
from pms.estates import services

bp = Blueprint("estates", __name__)


@bp.get("/")
@login_required
def home():
    """Residents land on their rooms, everyone else on the estate list."""
    principal = require_principal()
    if principal.role == RESIDENT:
        return redirect(url_for("estates.my_rooms"))
    return redirect(url_for("estates.estate_list"))


@bp.get("/estates")
@login_required
def estate_list():
    """Estates in scope."""
    estates = services.list_estates(get_session(), require_principal())
    return render_template("estates/list.html", estates=estates)


@bp.get("/estates/<code>")
@login_required
def estate_detail(code):
    """One estate: its buildings and entrances."""
    principal, session = require_principal(), get_session()
    estate = services.get_estate(session, principal, code)
    buildings = services.list_buildings(session, principal, estate)
    return render_template("estates/detail.html", estate=estate, buildings=buildings)


@bp.get("/rooms")
@login_required
def room_search():
    """Search rooms by code, owner name or phone; or list an entrance's rooms."""
    principal, session = require_principal(), get_session()
    estate_code = request.args.get("estate", "")
    estate = services.get_estate(session, principal, estate_code) if estate_code else None
    page = max(1, request.args.get("page", 1, type=int))
    rooms, total = services.list_rooms(session, principal, estate=estate,
                                       building=request.args.get("building") or None,
                                       entrance=request.args.get("entrance") or None,
                                       query=request.args.get("q", ""), limit=50, offset=(page - 1) * 50)
    return render_template("estates/rooms.html", rooms=rooms, total=total, page=page, estate=estate,
                           q=request.args.get("q", ""))


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
    """A resident's own rooms."""
    principal, session = require_principal(), get_session()
    rooms, _total = services.list_rooms(session, principal, limit=50)
    views = [services.room_view(session, principal, r) for r in rooms]
    return render_template("estates/my_rooms.html", rooms=views)
