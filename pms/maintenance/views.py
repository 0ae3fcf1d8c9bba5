"""Maintenance pages: residents file and follow requests on a phone, managers run the queue,
technicians work their tasks; elevators, planned works and KPIs
(the notifications page is `pms.notifications.views.inbox`)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pms.core import clock
from pms.core.api import load_data
from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.errors import Invalid
from pms.core.forms import form_spec, handles, load_query
from pms.core.money import format_fen
from pms.core.pagination import Page
from pms.core.pdf import pdf_response
from pms.estates import services as estates
from pms.maintenance import rules
from pms.maintenance import schemas as s
from pms.maintenance.api import allow_photo_uploads, read_uploads
from pms.maintenance.services import (certificates, costs, equipment, kpis, payer, photos, places, readmodels, tickets,
                                      works)

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


# The forms of these pages (labels as shown; the summary names fields by them).
TICKET_FORM = form_spec("ticket", {
    "target": _l("Where?"), "room_code": _l("Room code"), "place": _l("Exact spot (optional)"),
    "category": _l("What is wrong?"), "urgency": _l("How urgent?"), "description": _l("Describe the problem"),
    "photos": _l("Photos (up to 6, JPEG/PNG/WebP, 5 MB each)"), "channel": _l("Received by"),
    "reporter_name": _l("Caller name"), "reporter_phone": _l("Caller phone")},
    aliases={"room": "target", "location": "target"}, files=("photos",))
MOVE_FORM = form_spec("move", {"technician": _l("Technician"), "note": _l("Note"), "payer": _l("Who pays"),
                               "amount": _l("Amount (yuan, blank = sum of materials and labour)"),
                               "rating": _l("Rating"), "comment": _l("Comment")},
                      aliases={"amount_fen": "amount"})
ASSIGN_FORM = form_spec("reassign", {"technician": _l("Reassign to"), "note": _l("Note")})
PHOTOS_FORM = form_spec("photos", {"photos": _l("Add photos")}, files=("photos",))
COST_FORM = form_spec("cost", {"kind": _l("Kind"), "description": _l("Description"),
                               "quantity": _l("Quantity (labour: minutes)"),
                               "unit_price": _l("Unit price in yuan (labour: per hour)")},
                      aliases={"unit_price_fen": "unit_price"})
REMOVE_COST_FORM = form_spec("remove-cost", {})
NOTE_FORM = form_spec("note", {"note": _l("Note")})
KPI_FORM = form_spec("kpis", {"estate": _l("Estate"), "period": _l("Month")})
ELEVATORS_FORM = form_spec("elevators", {"estate": _l("Estate"), "state": _l("Show"), "elevator": _l("Elevator"),
                                         "page": _l("Page")})
CERTIFICATE_FORM = form_spec("certificate", {
    "number": _l("Certificate number"), "issued_on": _l("Issued on"), "issuer": _l("Inspection body"),
    "valid_until": _l("Valid until (optional)")})
PLANNED_WORK_FORM = form_spec("planned-work", {
    "estate": _l("Estate"), "building": _l("Building"), "entrance": _l("Entrance"), "service": _l("Service off"),
    "starts_at": _l("From"), "ends_at": _l("Until"), "title": _l("Title"), "note": _l("Notice to residents")})


def _new_ticket_page():
    principal, session, banners = _common()
    return render_template("maintenance/new.html", banners=banners, rules=rules,
                           rooms=places.my_rooms(session, principal), places=places.common_places(session, principal),
                           staff=principal.is_staff)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_ticket():
    """File a repair request (residents for their home or a common place; staff on a resident's behalf)."""
    return _file_ticket() if request.method == "POST" else _new_ticket_page()


@handles(TICKET_FORM, _new_ticket_page)
def _file_ticket():
    """The filed request (photos with it); a refusal comes back with everything but the photos kept."""
    principal, session = require_principal(), get_session()
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
    except Invalid as err:
        if "room_code" in values and "room" in err.fields:  # the typed code was wrong, not the choice
            err.fields["room_code"] = err.fields.pop("room")
        raise
    uploads = read_uploads()
    if uploads:
        photos.add_photos(session, principal, ticket, uploads)
    flash(_("Your request has been filed."), "success")
    return redirect(url_for(".ticket_detail", ticket_id=ticket.id))


def _detail_page(ticket_id):
    principal, session, banners = _common()
    ticket = tickets.get_ticket(session, principal, ticket_id)
    view = readmodels.ticket_view(session, principal, ticket)
    techs = readmodels.technicians_of(session, ticket.estate_id) if tickets.may_assign(principal) else []
    payers = [(code, label) for code, label in rules.PAYERS.items()
              if not (view.in_warranty and code in ("owner", "fund")) and not (code == "owner" and not view.room)]
    return render_template("maintenance/detail.html", t=view, banners=banners, rules=rules, technicians=techs,
                           tech_options=[(u.username, u.display_name) for u in techs], payer_options=payers,
                           rating_options=[(str(n), "★" * n) for n in range(1, 6)],
                           is_assignee=ticket.assignee_id == principal.user_id)


@bp.get("/tickets/<int:ticket_id>")
@login_required
def ticket_detail(ticket_id):
    """One request: status, SLA clocks, warranty, photos, history, and what the caller may do."""
    return _detail_page(ticket_id)


@bp.post("/tickets/<int:ticket_id>/move")
@login_required
@handles(MOVE_FORM, _detail_page, instance=lambda ticket_id: request.form.get("to", ""))
def move(ticket_id):
    """A workflow move from the detail page."""
    principal, session = require_principal(), get_session()
    data = load_data(s.MoveFormSchema(), _form("to", "note", "technician", "payer", "amount", "rating", "comment"))
    ticket = tickets.get_ticket(session, principal, ticket_id, for_update=True)
    if "amount" in data:
        data["amount_fen"] = data.pop("amount")
    tickets.transition(session, principal, ticket, data.pop("to"), data.pop("note"), **data)
    flash(_("Saved."), "success")
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/assign")
@login_required
@handles(ASSIGN_FORM, _detail_page)
def assign(ticket_id):
    """Assign or reassign a technician."""
    principal, session = require_principal(), get_session()
    data = load_data(s.AssignSchema(), _form("technician", "note"))
    ticket = tickets.get_ticket(session, principal, ticket_id, for_update=True)
    tickets.assign(session, principal, ticket, data["technician"], data["note"])
    flash(_("Assigned."), "success")
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/photos")
@login_required
@handles(PHOTOS_FORM, _detail_page)
def add_photos(ticket_id):
    """Add photos from the detail page."""
    principal, session = require_principal(), get_session()
    ticket = tickets.get_ticket(session, principal, ticket_id, for_update=True)
    photos.add_photos(session, principal, ticket, read_uploads())
    flash(_("Photos added."), "success")
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/notes")
@login_required
@handles(NOTE_FORM, _detail_page)
def add_note(ticket_id):
    """A note on the request's history."""
    principal, session = require_principal(), get_session()
    data = load_data(s.NoteSchema(), _form("note"))
    tickets.add_note(session, principal, tickets.get_ticket(session, principal, ticket_id), data["note"])
    flash(_("Note added."), "success")
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/costs")
@login_required
@handles(COST_FORM, _detail_page)
def add_cost(ticket_id):
    """Materials or labour."""
    principal, session = require_principal(), get_session()
    data = load_data(s.CostFormSchema(), _form("kind", "description", "quantity", "unit_price"))
    cost = costs.add_cost(session, principal, tickets.get_ticket(session, principal, ticket_id), kind=data["kind"],
                            description=data["description"], quantity=data["quantity"],
                            unit_price_fen=data["unit_price"])
    flash(_("Cost line added: %(amount)s.", amount=format_fen(cost.amount_fen)), "success")
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id) + "#work")


@bp.post("/tickets/<int:ticket_id>/costs/<int:cost_id>/remove")
@login_required
@handles(REMOVE_COST_FORM, _detail_page, instance=lambda ticket_id, cost_id: cost_id,
         page_args=lambda ticket_id, cost_id: {"ticket_id": ticket_id})
def remove_cost(ticket_id, cost_id):
    """Remove a cost line added by mistake (the audit log keeps it)."""
    principal, session = require_principal(), get_session()
    removed = costs.remove_cost(session, principal, tickets.get_ticket(session, principal, ticket_id), cost_id)
    flash(_("Cost line removed: %(description)s, %(amount)s.", description=removed.description,
            amount=format_fen(removed.amount_fen)), "success")
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id) + "#work")


@bp.post("/tickets/<int:ticket_id>/payer")
@login_required
@handles(MOVE_FORM, _detail_page, instance=lambda ticket_id: "resolved")
def set_payer(ticket_id):
    """Who pays, and how much."""
    principal, session = require_principal(), get_session()
    data = load_data(s.MoveFormSchema(partial=("to",)), _form("payer", "amount", "note"))
    if "payer" not in data:
        raise Invalid(_("Choose who pays."), fields={"payer": [_("Required.")]})
    payer.set_payer(session, principal, tickets.get_ticket(session, principal, ticket_id, for_update=True),
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
    in_scope = estates.estate_choices(session, principal)
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
    args, status = load_query(KPI_FORM, s.KpiPageQuerySchema())
    estate_list = estates.estate_choices(session, principal)
    estate = args["estate"] or (estate_list[0][0] if estate_list else "")
    period = args["period"] or kpis.previous_period(clock.today())
    result = kpis.kpis_for(session, principal, estate, period) if estate else None
    return render_template("maintenance/kpis.html", k=result, banners=banners, period=period, estate=estate,
                           estate_options=[(code, f"{name} ({code})") for code, name in estate_list]), status


ELEVATOR_PAGE_SIZE = 20


def _elevators_page(elevator_id=None, **_kwargs):
    principal, session, banners = _common()
    if elevator_id is None:
        args, status = load_query(ELEVATORS_FORM, s.ElevatorPageQuerySchema())
    else:  # a refused certificate form: its elevator alone, the form open with its messages
        args, status = s.ElevatorPageQuerySchema().load({"elevator": elevator_id}), 200
    estate = estates.get_estate(session, principal, args["estate"]) if args.get("estate") else None
    estate_id = estate.id if estate else None
    if args.get("elevator"):  # 404 for someone else's elevator
        equipment.get_elevator(session, principal, args["elevator"])
    elevators, total = equipment.elevator_page(
        session, principal, estate_id=estate_id, state=args["state"], elevator_id=args.get("elevator"),
        limit=ELEVATOR_PAGE_SIZE, offset=(args["page"] - 1) * ELEVATOR_PAGE_SIZE)
    return render_template("maintenance/elevators.html", elevators=elevators, total=total, args=args,
                           page=Page(number=args["page"], per_page=ELEVATOR_PAGE_SIZE, total=total),
                           estates=estates.estate_choices(session, principal),
                           filtered=bool(args.get("estate") or args.get("elevator") or args["state"] != "all"),
                           certificates=certificates.certificates_of(session, principal, [e.id for e in elevators]),
                           may_record=certificates.may_record(principal), today=clock.today(),
                           orders=equipment.open_orders(session, principal, estate_id=estate_id, limit=50),
                           banners=banners), status


@bp.get("/elevators")
@login_required
def elevator_list():
    """Elevators with their state (停用 when an inspection lapsed) and inspection certificates, a
    page at a time: by estate, stopped or with work due, or one elevator."""
    return _elevators_page()


@bp.post("/elevators/<int:elevator_id>/certificates")
@login_required
@handles(CERTIFICATE_FORM, _elevators_page, instance=lambda elevator_id: elevator_id)
def record_certificate(elevator_id):
    """Record an elevator's inspection certificate (managers, technicians)."""
    principal, session = require_principal(), get_session()
    data = load_data(s.CertificateInSchema(), _form("number", "issued_on", "issuer", "valid_until"))
    found = certificates.record_certificate(session, principal, elevator_id, **data)
    flash(_("Certificate %(number)s recorded.", number=found.number), "success")
    return redirect(url_for(".elevator_list", elevator=elevator_id) + f"#elevator-{elevator_id}")


def _planned_works_page():
    principal, session, banners = _common()
    return render_template("maintenance/planned_works.html", works=works.list_planned_works(session, principal),
                           banners=banners, rules=rules, can_create=works.may_schedule(principal),
                           places=places.common_places(session, principal))


@bp.route("/planned-works", methods=["GET", "POST"])
@login_required
def planned_works():
    """Upcoming planned works; managers schedule new ones here."""
    return _schedule_planned_work() if request.method == "POST" else _planned_works_page()


@handles(PLANNED_WORK_FORM, _planned_works_page)
def _schedule_planned_work():
    """Schedule a planned work and notify the entrance's residents."""
    principal, session = require_principal(), get_session()
    data = load_data(s.PlannedWorkFormSchema(), _form("estate", "building", "entrance", "service", "starts_at",
                                                      "ends_at", "title", "note"))
    estate = estates.get_estate(session, principal, data.pop("estate"))
    works.create_planned_work(session, principal, estate=estate, **data)
    flash(_("The planned work is scheduled and residents are notified."), "success")
    return redirect(url_for(".planned_works"))


@bp.get("/planned-works/<int:work_id>/notice.pdf")
@login_required
def planned_work_notice(work_id):
    """The A4 stairwell notice of a planned work (staff, auditors, residents of the entrance)."""
    principal, session = require_principal(), get_session()
    work = works.get_notice_work(session, principal, work_id)
    return pdf_response(works.notice_pdf(session, work), f"planned-work-{work.id}.pdf")
