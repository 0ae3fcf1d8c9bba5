"""Maintenance API: tickets and their workflow, photos, warranty, elevators, planned works, KPIs."""
from __future__ import annotations

import io

from flask import Blueprint, request, send_file
from flask_babel import gettext as _

from pms.core import clock
from pms.core.api import load_args, load_body
from pms.core.openapi import documented
from pms.core.auth import require_principal
from pms.core.db import get_session
from pms.core.errors import Invalid
from pms.core.pdf import pdf_response
from pms.estates import services as estates
from pms.maintenance import schemas as s
from pms.maintenance.services import (certificates, costs, equipment, kpis, payer, photos, readmodels, sla, tickets,
                                      warranty,
                                      works)
from pms.maintenance.services.photos import MAX_PHOTO_BYTES, MAX_PHOTOS_PER_TICKET, Upload

bp = Blueprint("maintenance_api", __name__)
TAG = "maintenance"


def _ticket_response(session, principal, ticket, status=200):
    return s.TicketSchema().dump(readmodels.ticket_view(session, principal, ticket)), status


def _act_on_ticket(id, schema, act, *, for_update: bool = True, status: int = 200):
    """One action on a ticket: load the body with `schema`, take the ticket (404 outside the caller's
    view; locked at once when `for_update`), `act(session, principal, ticket, data)`, answer the ticket."""
    principal, session = require_principal(), get_session()
    data = load_body(schema())
    ticket = tickets.get_ticket(session, principal, id, for_update=for_update)
    act(session, principal, ticket, data)
    return _ticket_response(session, principal, ticket, status)


@bp.post("/tickets")
@documented(summary="File a repair request for a room or a common place", body=s.TicketCreateSchema,
            response=s.TicketCreatedSchema, status=201, tag=TAG)
def create_ticket():
    """File a repair request; SLA deadlines are computed from the submit time."""
    principal, session = require_principal(), get_session()
    data = load_body(s.TicketCreateSchema())
    ticket = tickets.create_ticket(session, principal, **data)
    return s.TicketCreatedSchema().dump(ticket), 201


@bp.get("/tickets")
@documented(summary="Repair requests you may see (queue: open=true; my tasks: mine=true)",
            query=s.TicketQuerySchema, response=s.TicketListSchema, tag=TAG)
def list_tickets():
    """Tickets in the caller's view."""
    principal, session = require_principal(), get_session()
    args = load_args(s.TicketQuerySchema())
    estate = estates.get_estate(session, principal, args["estate"]) if args.get("estate") else None
    rows, total = tickets.list_tickets(session, principal, estate_id=estate.id if estate else None,
                                       status=args.get("status"), open_only=args["open"], mine=args["mine"],
                                       urgency=args.get("urgency"), category=args.get("category"),
                                       assignee=args.get("assignee"), search=args.get("q"),
                                       limit=args["limit"], offset=args["offset"])
    return s.TicketListSchema().dump({"items": readmodels.ticket_views(session, principal, rows),
                                      "total": total, "limit": args["limit"], "offset": args["offset"]})


@bp.get("/tickets/<int:id>")
@documented(summary="One repair request with its SLA clocks, warranty, photos, costs and history",
            response=s.TicketSchema, tag=TAG)
def get_ticket(id):
    """One ticket the caller may see."""
    principal, session = require_principal(), get_session()
    return _ticket_response(session, principal, tickets.get_ticket(session, principal, id))


@bp.post("/tickets/<int:id>/transitions")
@documented(summary="Move a request in its workflow (illegal moves: 409; a role that may not: 403)",
            body=s.TransitionSchema, response=s.TicketSchema, tag=TAG)
def transition(id):
    """submitted→accepted→assigned→in_progress→resolved→closed; reopened; cancelled."""
    return _act_on_ticket(id, s.TransitionSchema,
                          lambda db, p, t, d: tickets.transition(db, p, t, d.pop("to"), d.pop("note"), **d))


@bp.post("/tickets/<int:id>/assign")
@documented(summary="Assign or reassign a technician of the estate's company (managers)",
            body=s.AssignSchema, response=s.TicketSchema, tag=TAG)
def assign(id):
    """Assign a technician; a submitted request is accepted first."""
    return _act_on_ticket(id, s.AssignSchema,
                          lambda db, p, t, d: tickets.assign(db, p, t, d["technician"], d["note"]))


@bp.post("/tickets/<int:id>/payer")
@documented(summary="Record who pays (owner/common/fund/warranty) and the amount in fen",
            body=s.PayerSchema, response=s.TicketSchema, tag=TAG)
def set_payer(id):
    """Set the payer; owner/fund are refused under warranty (422)."""
    return _act_on_ticket(id, s.PayerSchema,
                          lambda db, p, t, d: payer.set_payer(db, p, t, d["payer"], d.get("amount_fen"),
                                                              d["note"]))


@bp.post("/tickets/<int:id>/costs")
@documented(summary="Add materials or labour (labour: quantity in minutes, unit price per hour)",
            body=s.CostSchema, response=s.TicketSchema, status=201, tag=TAG)
def add_cost(id):
    """Record materials or labour."""
    return _act_on_ticket(id, s.CostSchema,
                          lambda db, p, t, d: costs.add_cost(db, p, t, **d), for_update=False, status=201)


@bp.post("/tickets/<int:id>/notes")
@documented(summary="Add a note to the request's history", body=s.NoteSchema, response=s.TicketSchema,
            status=201, tag=TAG)
def add_note(id):
    """A technician's or manager's note."""
    return _act_on_ticket(id, s.NoteSchema,
                          lambda db, p, t, d: tickets.add_note(db, p, t, d["note"]),
                          for_update=False, status=201)


@bp.post("/tickets/<int:id>/rating")
@documented(summary="Rate finished work 1–5 with a comment (residents, once)", body=s.RatingSchema,
            response=s.TicketSchema, tag=TAG)
def rate(id):
    """A resident's rating."""
    return _act_on_ticket(id, s.RatingSchema,
                          lambda db, p, t, d: tickets.rate(db, p, t, d["rating"], d["comment"]))


@bp.post("/tickets/<int:id>/complaint")
@documented(summary="Flag or unflag a request as a complaint (managers)", body=s.ComplaintSchema,
            response=s.TicketSchema, tag=TAG)
def complaint(id):
    """Complaints are counted in the KPIs."""
    return _act_on_ticket(id, s.ComplaintSchema,
                          lambda db, p, t, d: tickets.flag_complaint(db, p, t, d["complaint"], d["note"]),
                          for_update=False)


PHOTO_REQUEST_LIMIT = MAX_PHOTOS_PER_TICKET * MAX_PHOTO_BYTES + 1024 * 1024
# Endpoints that take up to six 5 MB photos in one request: above the app-wide upload limit.
PHOTO_ENDPOINTS = {"maintenance_api.add_photos", "maintenance.new_ticket", "maintenance.add_photos"}


def allow_photo_uploads() -> None:
    """Raise the body limit for photo endpoints only; runs before anything parses the form (CSRF)."""
    if request.endpoint in PHOTO_ENDPOINTS:
        request.max_content_length = PHOTO_REQUEST_LIMIT


def read_uploads() -> list[Upload]:
    """The multipart files named 'photos' (or 'photo'); oversized ones are refused unread."""
    files = [f for f in request.files.getlist("photos") + request.files.getlist("photo") if f and f.filename]
    uploads = []
    for i, f in enumerate(files):
        data = f.stream.read(MAX_PHOTO_BYTES + 1)
        if len(data) > MAX_PHOTO_BYTES:
            raise Invalid(_("The photo was refused."), fields={f"photos.{i}": [_("A photo may be at most 5 MB.")]})
        uploads.append(Upload(f.filename, data))
    return uploads


@bp.post("/tickets/<int:id>/photos")
@documented(summary="Attach photos (multipart/form-data, field 'photos', JPEG/PNG/WebP, ≤ 5 MB each, "
                    "≤ 6 per request; metadata such as GPS is removed)",
            files="photos", response=s.PhotoListSchema, status=201, tag=TAG)
def add_photos(id):
    """Upload photos for a ticket the caller may see."""
    principal, session = require_principal(), get_session()
    ticket = tickets.get_ticket(session, principal, id, for_update=True)
    added = photos.add_photos(session, principal, ticket, read_uploads())
    view = readmodels.ticket_view(session, principal, ticket)
    ids = {p.id for p in added}
    return s.PhotoListSchema().dump({"items": [p for p in view.photos if p.id in ids]}), 201


@bp.get("/tickets/<int:id>/photos/<int:photo_id>")
@documented(summary="A photo of a request you may see", content_type="image/*", tag=TAG)
def get_photo(id, photo_id):
    """Serve a photo only to people who may see the ticket (404 otherwise)."""
    principal, session = require_principal(), get_session()
    ticket = tickets.get_ticket(session, principal, id)
    data, content_type = photos.photo_file(session, ticket, photo_id)
    response = send_file(io.BytesIO(data), mimetype=content_type, max_age=0, etag=False)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/estates/<estate>/maintenance/sla")
@documented(summary="An estate's SLA minutes per urgency", response=s.SlaPolicySchema, tag=TAG)
def get_sla(estate):
    """The SLA table in force for an estate."""
    principal, session = require_principal(), get_session()
    found = estates.get_estate(session, principal, estate)
    table = sla.sla_table(session, found.id)
    return s.SlaPolicySchema().dump({u: {"respond_minutes": r, "resolve_minutes": v} for u, (r, v) in table.items()})


@bp.put("/estates/<estate>/maintenance/sla")
@documented(summary="Override an estate's SLA minutes (managers); only the urgencies given change",
            body=s.SlaPolicySchema, response=s.SlaPolicySchema, tag=TAG)
def put_sla(estate):
    """Set SLA overrides."""
    principal, session = require_principal(), get_session()
    data = load_body(s.SlaPolicySchema())
    found = estates.get_estate(session, principal, estate)
    sla.set_sla_policy(session, principal, found, data)
    table = sla.sla_table(session, found.id)
    return s.SlaPolicySchema().dump({u: {"respond_minutes": r, "resolve_minutes": v} for u, (r, v) in table.items()})


@bp.get("/estates/<estate>/maintenance/kpis")
@documented(summary="Maintenance KPIs of an estate for a month (managers and auditors)",
            query=s.KpiQuerySchema, response=s.KpiSchema, tag=TAG)
def get_kpis(estate):
    """KPIs per estate and month."""
    principal, session = require_principal(), get_session()
    args = load_args(s.KpiQuerySchema())
    return s.KpiSchema().dump(kpis.kpis_for(session, principal, estate, args["period"]))


@bp.post("/renovation-projects")
@documented(summary="Register a renovation project with its components (warranty ends per Art. 40)",
            body=s.ProjectInSchema, response=s.ProjectCreatedSchema, status=201, tag=TAG)
def create_project():
    """A renovation project (managers)."""
    principal, session = require_principal(), get_session()
    data = load_body(s.ProjectInSchema())
    estate = estates.get_estate(session, principal, data.pop("estate"))
    components = [warranty.ComponentInput(**c) for c in data.pop("components")]
    project = warranty.create_project(session, principal, estate=estate, components=components, **data)
    return {"id": project.id}, 201


@bp.get("/warranty-components")
@documented(summary="Renovation components in scope with their warranty ends", query=s.EstateQuerySchema,
            response=s.ComponentListSchema, tag=TAG)
def list_components():
    """Components and whether they are still under warranty."""
    principal, session = require_principal(), get_session()
    args = load_args(s.EstateQuerySchema())
    estate = estates.get_estate(session, principal, args["estate"]) if args.get("estate") else None
    items = warranty.list_components(session, principal, estate_id=estate.id if estate else None,
                                     today=clock.today())
    return s.ComponentListSchema().dump({"items": items})


@bp.post("/elevators")
@documented(summary="Register an entrance's elevator (creates its maintenance and inspection plans)",
            body=s.ElevatorInSchema, response=s.ProjectCreatedSchema, status=201, tag=TAG)
def create_elevator():
    """An elevator (managers)."""
    principal, session = require_principal(), get_session()
    data = load_body(s.ElevatorInSchema())
    estate = estates.get_estate(session, principal, data.pop("estate"))
    elevator = equipment.register_elevator(session, principal, estate=estate, **data)
    return {"id": elevator.id}, 201


@bp.get("/elevators")
@documented(summary="Elevators in scope; status 'stopped' when an inspection lapsed or failed",
            query=s.EstateQuerySchema, response=s.ElevatorListSchema, tag=TAG)
def list_elevators():
    """Elevators with their state."""
    principal, session = require_principal(), get_session()
    args = load_args(s.EstateQuerySchema())
    estate = estates.get_estate(session, principal, args["estate"]) if args.get("estate") else None
    return s.ElevatorListSchema().dump({"items": equipment.list_elevators(
        session, principal, estate_id=estate.id if estate else None)})


@bp.post("/elevators/<int:elevator_id>/certificates")
@documented(summary="Record an elevator's special-equipment inspection certificate (managers, technicians); "
                    "immutable; a number already recorded 409", body=s.CertificateInSchema,
            response=s.CertificateSchema, status=201, tag=TAG)
def record_certificate(elevator_id):
    """A certificate; elevator subsidies are claimed on it."""
    principal, session = require_principal(), get_session()
    data = load_body(s.CertificateInSchema())
    found = certificates.record_certificate(session, principal, elevator_id, **data)
    return s.CertificateSchema().dump(certificates.certificate_view(session, found)), 201


# The list is not a GET on the POST's path: with both on one `<int:…>` path, an id beyond the id
# converter's range answered 405 instead of 404 (werkzeug's matcher), so it is a list with a filter
# like the other maintenance lists.
@bp.get("/elevator-certificates")
@documented(summary="Elevators' inspection certificates in scope, newest first (elevator: one elevator's; "
                    "an elevator outside your scope 404)", query=s.CertificateQuerySchema,
            response=s.CertificateListSchema, tag=TAG)
def list_certificates():
    """Certificates by estate or elevator."""
    principal, session = require_principal(), get_session()
    args = load_args(s.CertificateQuerySchema())
    estate = estates.get_estate(session, principal, args["estate"]) if args.get("estate") else None
    return s.CertificateListSchema().dump({"items": certificates.list_certificates(
        session, principal, estate_id=estate.id if estate else None, equipment_id=args.get("elevator"))})


@bp.get("/work-orders")
@documented(summary="Preventive work orders in scope", query=s.WorkOrderQuerySchema,
            response=s.WorkOrderListSchema, tag=TAG)
def list_work_orders():
    """Maintenance visits and inspections, by due date."""
    principal, session = require_principal(), get_session()
    args = load_args(s.WorkOrderQuerySchema())
    estate = estates.get_estate(session, principal, args["estate"]) if args.get("estate") else None
    return s.WorkOrderListSchema().dump({"items": equipment.list_work_orders(
        session, principal, estate_id=estate.id if estate else None, status=args.get("status"),
        overdue_only=args["overdue"])})


@bp.post("/work-orders/<int:order_id>/complete")
@documented(summary="Record a maintenance visit (done) or an inspection result (passed/failed)",
            body=s.WorkOrderDoneSchema, response=s.WorkOrderSchema, tag=TAG)
def complete_work_order(order_id):
    """Complete a work order."""
    principal, session = require_principal(), get_session()
    data = load_body(s.WorkOrderDoneSchema())
    return s.WorkOrderSchema().dump(equipment.complete_work_order(session, principal, order_id, **data))


@bp.post("/planned-works")
@documented(summary="Schedule a water/power/elevator outage of an entrance; conflicts answer 409",
            body=s.PlannedWorkInSchema, response=s.PlannedWorkSchema, status=201, tag=TAG)
def create_planned_work():
    """A planned work; every affected room is notified."""
    principal, session = require_principal(), get_session()
    data = load_body(s.PlannedWorkInSchema())
    estate = estates.get_estate(session, principal, data.pop("estate"))
    work = works.create_planned_work(session, principal, estate=estate, **data)
    return s.PlannedWorkSchema().dump(works.list_planned_works(
        session, principal, estate_id=estate.id, upcoming_only=False, only_id=work.id)[0]), 201


@bp.get("/planned-works")
@documented(summary="Upcoming planned works in scope", query=s.EstateQuerySchema,
            response=s.PlannedWorkListSchema, tag=TAG)
def list_planned_works():
    """Upcoming works."""
    principal, session = require_principal(), get_session()
    args = load_args(s.EstateQuerySchema())
    estate = estates.get_estate(session, principal, args["estate"]) if args.get("estate") else None
    return s.PlannedWorkListSchema().dump({"items": works.list_planned_works(
        session, principal, estate_id=estate.id if estate else None)})


@bp.post("/planned-works/<int:work_id>/cancel")
@documented(summary="Cancel a planned work (managers)", response=s.PlannedWorkSchema, tag=TAG)
def cancel_planned_work(work_id):
    """Cancel a work."""
    principal, session = require_principal(), get_session()
    work = works.cancel_planned_work(session, principal, work_id)
    return s.PlannedWorkSchema().dump(works.list_planned_works(
        session, principal, upcoming_only=False, only_id=work.id)[0])


@bp.get("/planned-works/<int:work_id>/notice.pdf")
@documented(summary="A planned work's stairwell notice (楼道张贴通知) as an A4 PDF; residents: their entrance only; "
                    "a cancelled work has none (409)", content_type="application/pdf", errors=(409,), tag=TAG)
def planned_work_notice(work_id):
    """The notice PDF of one planned work in scope."""
    principal, session = require_principal(), get_session()
    work = works.get_notice_work(session, principal, work_id)
    return pdf_response(works.notice_pdf(session, work), f"planned-work-{work.id}.pdf")
