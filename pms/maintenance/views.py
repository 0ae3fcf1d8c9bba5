"""Maintenance pages: residents file and follow requests on a phone, managers run the queue,
technicians work their tasks; elevators, planned works and KPIs
(the notifications page is `pms.notifications.views.inbox`)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from pms.core import clock
from pms.core.api import load_data
from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.errors import Conflict, Invalid
from pms.core.pagination import Page
from pms.core.pdf import pdf_response
from pms.estates import services as estates
from pms.maintenance import rules
from pms.maintenance import schemas as s
from pms.maintenance.api import allow_photo_uploads, read_uploads
from pms.maintenance.services import equipment, kpis, photos, places, readmodels, tickets, works

bp = Blueprint("maintenance", __name__, url_prefix="/maintenance")
# First of all before-request hooks: CSRF protection reads the form, which must already be allowed
# to hold six photos.
bp.record_once(lambda state: state.app.before_request_funcs.setdefault(None, []).insert(0, allow_photo_uploads))


def _form(*keys: str) -> dict:
    """The non-empty form fields among `keys` (browsers send empty strings for blank inputs)."""
    return {k: request.form[k].strip() for k in keys if request.form.get(k, "").strip()}


def _common():
    principal, session = require_principal(), get_session()
    return principal, session, works.banners_for(session, principal)


@bp.get("/")
@login_required
def home():
    """Residents: their requests; technicians: their tasks; managers and auditors: the queue."""
    landing = tickets.landing(require_principal())
    if landing is not None:
        return redirect(url_for(f".{landing}"))
    principal, session, banners = _common()
    rows, _total = tickets.list_tickets(session, principal, limit=100)
    return render_template("maintenance/my_requests.html", tickets=readmodels.ticket_views(session, principal, rows),
                           banners=banners, rules=rules)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_ticket():
    """File a repair request (residents for their home or a common place; staff on a resident's behalf)."""
    principal, session, banners = _common()
    errors, values = {}, {}
    if request.method == "POST":
        values = _form("target", "place", "category", "urgency", "description", "channel", "reporter_name",
                       "reporter_phone", "room_code")
        raw = {k: v for k, v in values.items() if k not in ("target", "room_code")}
        target = values.get("room_code") or values.get("target", "")
        kind, _sep, code = target.partition(":")
        if kind == "place":
            raw["location"] = code
        elif code or kind:
            raw["room"] = code or kind
        try:
            data = load_data(s.TicketFormSchema(), raw)
            ticket = tickets.create_ticket(session, principal, **data)
            uploads = read_uploads()
            if uploads:
                photos.add_photos(session, principal, ticket, uploads)
        except Invalid as err:
            errors = err.fields or {"_": [err.message]}
        else:
            flash(_("Your request has been filed."))
            return redirect(url_for(".ticket_detail", ticket_id=ticket.id))
    status = 422 if errors else 200
    return render_template("maintenance/new.html", banners=banners, errors=errors, values=values, rules=rules,
                           rooms=places.my_rooms(session, principal), places=places.common_places(session, principal),
                           staff=principal.is_staff), status


@bp.get("/tickets/<int:ticket_id>")
@login_required
def ticket_detail(ticket_id):
    """One request: status, SLA clocks, warranty, photos, history, and what the caller may do."""
    principal, session, banners = _common()
    ticket = tickets.get_ticket(session, principal, ticket_id)
    view = readmodels.ticket_view(session, principal, ticket)
    techs = readmodels.technicians_of(session, ticket.estate_id) if tickets.may_assign(principal) else []
    return render_template("maintenance/detail.html", t=view, banners=banners, rules=rules, technicians=techs,
                           role=principal.role, is_assignee=ticket.assignee_id == principal.user_id)


@bp.post("/tickets/<int:ticket_id>/move")
@login_required
def move(ticket_id):
    """A workflow move from the detail page."""
    principal, session = require_principal(), get_session()
    data = load_data(s.MoveFormSchema(), _form("to", "note", "technician", "payer", "amount", "rating", "comment"))
    ticket = tickets.get_ticket(session, principal, ticket_id, for_update=True)
    if "amount" in data:
        data["amount_fen"] = data.pop("amount")
    tickets.transition(session, principal, ticket, data.pop("to"), data.pop("note"), **data)
    flash(_("Saved."))
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/assign")
@login_required
def assign(ticket_id):
    """Assign or reassign a technician."""
    principal, session = require_principal(), get_session()
    data = load_data(s.AssignSchema(), _form("technician", "note"))
    ticket = tickets.get_ticket(session, principal, ticket_id, for_update=True)
    tickets.assign(session, principal, ticket, data["technician"], data["note"])
    flash(_("Assigned."))
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/photos")
@login_required
def add_photos(ticket_id):
    """Add photos from the detail page."""
    principal, session = require_principal(), get_session()
    ticket = tickets.get_ticket(session, principal, ticket_id, for_update=True)
    photos.add_photos(session, principal, ticket, read_uploads())
    flash(_("Photos added."))
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/notes")
@login_required
def add_note(ticket_id):
    """A note on the request's history."""
    principal, session = require_principal(), get_session()
    data = load_data(s.NoteSchema(), _form("note"))
    tickets.add_note(session, principal, tickets.get_ticket(session, principal, ticket_id), data["note"])
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/costs")
@login_required
def add_cost(ticket_id):
    """Materials or labour."""
    principal, session = require_principal(), get_session()
    data = load_data(s.CostFormSchema(), _form("kind", "description", "quantity", "unit_price"))
    tickets.add_cost(session, principal, tickets.get_ticket(session, principal, ticket_id), kind=data["kind"],
                     description=data["description"], quantity=data["quantity"], unit_price_fen=data["unit_price"])
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/payer")
@login_required
def set_payer(ticket_id):
    """Who pays, and how much."""
    principal, session = require_principal(), get_session()
    data = load_data(s.MoveFormSchema(partial=("to",)), _form("payer", "amount", "note"))
    if "payer" not in data:
        raise Invalid(_("Choose who pays."), fields={"payer": [_("Required.")]})
    tickets.set_payer(session, principal, tickets.get_ticket(session, principal, ticket_id, for_update=True),
                      data["payer"], data.get("amount"), data["note"])
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id))


QUEUE_PAGE_SIZE = 50


@bp.get("/queue")
@login_required
def queue():
    """Requests with their SLA clocks, filtered (status, urgency, category, estate, assignee, search);
    open ones most urgent deadline first."""
    principal, session, banners = _common()
    args = load_data(s.QueueQuerySchema(), request.args.to_dict())
    status = "all" if args["all"] and args["status"] == "open" else args["status"]
    filters = {k: args.get(k) for k in ("urgency", "category", "assignee")}
    offset = (args["page"] - 1) * QUEUE_PAGE_SIZE
    rows, total = tickets.list_tickets(session, principal, open_only=status == "open",
                                       status=None if status in ("open", "all") else status,
                                       estate_code=args.get("estate"), search=args.get("q"),
                                       limit=QUEUE_PAGE_SIZE, offset=offset, **filters)
    page = Page(number=args["page"], per_page=QUEUE_PAGE_SIZE, total=total)
    in_scope = readmodels.estate_choices(session, principal)
    return render_template("maintenance/queue.html", tickets=readmodels.ticket_views(session, principal, rows),
                           total=total, page=page, banners=banners, rules=rules, status=status,
                           args=args, statuses=s.QUEUE_STATUSES, estates=in_scope,
                           technicians=readmodels.technicians_in(session, [code for code, _name in in_scope]),
                           unassigned=tickets.UNASSIGNED,
                           filtered=any(args.get(k) for k in ("urgency", "category", "assignee", "estate", "q")))


@bp.get("/tasks")
@login_required
def tasks():
    """A technician's assigned, unfinished requests."""
    principal, session, banners = _common()
    rows, _total = tickets.list_tickets(session, principal, open_only=True, mine=True, limit=200)
    return render_template("maintenance/tasks.html", tickets=readmodels.ticket_views(session, principal, rows),
                           banners=banners, rules=rules)


@bp.get("/kpis")
@login_required
def kpi_page():
    """KPIs per estate and month (managers and auditors)."""
    principal, session, banners = _common()
    estate_list = estates.list_estates(session, principal)
    estate = request.args.get("estate") or (estate_list[0].code if estate_list else "")
    period = request.args.get("period") or kpis.previous_period(clock.today())
    result = kpis.kpis_for(session, principal, estate, period) if estate else None
    return render_template("maintenance/kpis.html", k=result, estates=estate_list, estate=estate, period=period,
                           banners=banners)


@bp.get("/elevators")
@login_required
def elevator_list():
    """Elevators with their state (停用 when an inspection lapsed)."""
    principal, session, banners = _common()
    return render_template("maintenance/elevators.html", elevators=equipment.list_elevators(session, principal),
                           orders=equipment.list_work_orders(session, principal, status="open", limit=50),
                           banners=banners)


@bp.route("/planned-works", methods=["GET", "POST"])
@login_required
def planned_works():
    """Upcoming planned works; managers schedule new ones here."""
    principal, session, banners = _common()
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = _form("estate", "building", "entrance", "service", "starts_at", "ends_at", "title", "note")
        try:
            data = load_data(s.PlannedWorkFormSchema(), values)
            estate = estates.get_estate(session, principal, data.pop("estate"))
            works.create_planned_work(session, principal, estate=estate, **data)
        except (Invalid, Conflict) as err:
            errors, status = {"_": [err.message], **(err.fields or {})}, err.status
        else:
            flash(_("The planned work is scheduled and residents are notified."))
            return redirect(url_for(".planned_works"))
    items = works.list_planned_works(session, principal)
    return render_template("maintenance/planned_works.html", works=items, banners=banners, errors=errors,
                           values=values, rules=rules, can_create=works.may_schedule(principal),
                           places=places.common_places(session, principal)), status if errors else 200


@bp.get("/planned-works/<int:work_id>/notice.pdf")
@login_required
def planned_work_notice(work_id):
    """The A4 stairwell notice of a planned work (staff, auditors, residents of the entrance)."""
    principal, session = require_principal(), get_session()
    work = works.get_notice_work(session, principal, work_id)
    return pdf_response(works.notice_pdf(session, work), f"planned-work-{work.id}.pdf")
