"""Elder-care API: elders and their allowances, the catalogue, visits and their evidence, care
plans, settings and safety alerts (contract: CONTRACT.md "Elder care")."""
from __future__ import annotations

from flask import Blueprint

from pms.core import clock, periods
from pms.core.api import load_args, load_body, load_data
from pms.core.openapi import documented
from pms.core.auth import require_principal
from pms.core.db import get_session
from pms.eldercare import rules
from pms.eldercare import schemas as s
from pms.eldercare.models import CareService
from pms.eldercare.services import alerts, calls, catalogue, elders, kpis, plans, ratings, visits
from pms.estates import services as estates

bp = Blueprint("eldercare_api", __name__)
TAG = "eldercare"


# ---- elders ----------------------------------------------------------------------------------

@bp.post("/elders")
@documented(summary="Register an elder of a room (care workers, managers); the home code is shown once",
            body=s.ElderCreateSchema, response=s.ElderSchema, status=201, tag=TAG)
def register_elder():
    """Register an elder: consent recorded, PIN hashed, a new home code."""
    principal, session = require_principal(), get_session()
    data = load_body(s.ElderCreateSchema())
    elder, code = elders.register_elder(session, principal, **data)
    return s.ElderSchema().dump(elders.elder_view(session, principal, elder, home_code=code)), 201


@bp.get("/elders")
@documented(summary="Elders in scope by room (residents: of their own rooms); no private fields",
            query=s.ElderQuerySchema, response=s.ElderListSchema, tag=TAG)
def list_elders():
    """A page of elders."""
    principal, session = require_principal(), get_session()
    args = load_args(s.ElderQuerySchema())
    estate = estates.get_estate(session, principal, args["estate"]) if args.get("estate") else None
    rows, total = elders.list_elders(session, principal, estate_id=estate.id if estate else None,
                                     lives_alone=args.get("lives_alone"), limit=args["limit"], offset=args["offset"])
    return s.ElderListSchema().dump({"items": rows, "total": total, "limit": args["limit"], "offset": args["offset"]})


@bp.get("/elders/<int:id>")
@documented(summary="An elder (health notes and contacts only for care workers, managers and the room's residents)",
            response=s.ElderSchema, tag=TAG)
def get_elder(id):
    """One elder in the caller's scope."""
    principal, session = require_principal(), get_session()
    elder = elders.get_elder(session, principal, id)
    return s.ElderSchema().dump(elders.elder_view(session, principal, elder))


@bp.post("/elders/<int:id>/home-code")
@documented(summary="Reprint the home card: a new home code (shown once); the old one stops working",
            response=s.HomeCodeSchema, status=201, tag=TAG)
def reissue_home_code(id):
    """A new home code for the elder's card."""
    principal, session = require_principal(), get_session()
    elder = elders.get_elder(session, principal, id, for_update=True)
    code, issued_at = elders.reissue_home_code(session, principal, elder)
    return s.HomeCodeSchema().dump({"home_code": code, "issued_at": issued_at}), 201


@bp.get("/elders/<int:id>/eligibility")
@documented(summary="The Beijing allowances that apply to the elder on a day, and why",
            query=s.EligibilityQuerySchema, response=s.EligibilitySchema, tag=TAG)
def eligibility(id):
    """Allowances on `as_of` (default today), age counted from the exact birthday."""
    principal, session = require_principal(), get_session()
    args = load_args(s.EligibilityQuerySchema())
    elder = elders.get_elder(session, principal, id)
    return s.EligibilitySchema().dump(elders.eligibility(elder, args.get("as_of") or clock.today()))


# ---- catalogue and settings ---------------------------------------------------------------------

def _service_out(service: CareService, programs: dict[int, str]) -> dict:
    _rules, subsidies = rules.shipped_rules()
    return {"code": service.code, "kind": service.kind, "name": service.name, "price_fen": service.price_fen,
            "unit": service.unit, "min_minutes": service.min_minutes, "program": programs.get(service.program_id),
            "subsidy_fen_per_day": rules.service_subsidy_on(subsidies, service.kind, clock.today(),
                                                            rules.ALLOWANCE_CODES)}


@bp.put("/care-services/<code>")
@documented(summary="Create (201) or update (200) a service of the company's catalogue (managers)",
            body=s.ServicePutSchema, response=s.ServiceSchema, status=201, also=(200,), tag=TAG)
def put_service(code):
    """One service of the catalogue: kind, name, price per unit, the shortest visit."""
    principal, session = require_principal(), get_session()
    load_data(s.ServiceCodeSchema(), {"code": code})
    data = load_body(s.ServicePutSchema())
    service, created = catalogue.put_service(session, principal, code, **data)
    return (s.ServiceSchema().dump(_service_out(service, catalogue.program_codes(session, [service]))),
            201 if created else 200)


@bp.get("/care-services")
@documented(summary="The elder-care services of your company (residents: of their estates' company)",
            response=s.ServiceListSchema, tag=TAG)
def list_services():
    """The catalogue."""
    principal, session = require_principal(), get_session()
    services = catalogue.list_services(session, principal)
    programs = catalogue.program_codes(session, services)
    return s.ServiceListSchema().dump({"items": [_service_out(x, programs) for x in services]})


@bp.put("/eldercare/settings")
@documented(summary="The company's missed-check-in grace (minutes) and daily check-in window (managers)",
            body=s.SettingsSchema, response=s.SettingsSchema, tag=TAG)
def put_settings():
    """Set the grace period and the window of generated daily check-ins."""
    principal, session = require_principal(), get_session()
    data = load_body(s.SettingsSchema())
    return s.SettingsSchema().dump(catalogue.put_settings(session, principal, **data))


# ---- visits -------------------------------------------------------------------------------------------

def _visit_out(session, visit, status=200):
    return s.VisitSchema().dump(visits.visit_views(session, [visit])[0]), status


@bp.post("/visits")
@documented(summary="Book a one-off visit (overlapping visits of one worker: 409 naming the other)",
            body=s.VisitCreateSchema, response=s.VisitCreatedSchema, status=201, tag=TAG)
def book_visit():
    """A one-off booking; status planned."""
    principal, session = require_principal(), get_session()
    data = load_body(s.VisitCreateSchema())
    visit = visits.book_visit(session, principal, **data)
    return s.VisitCreatedSchema().dump(visit), 201


@bp.get("/visits")
@documented(summary="Visits in scope on a day, in time order", query=s.VisitQuerySchema,
            response=s.VisitListSchema, tag=TAG)
def list_visits():
    """A day's visits (default today)."""
    principal, session = require_principal(), get_session()
    args = load_args(s.VisitQuerySchema())
    day = args.get("date") or clock.today()
    found = visits.list_visits(session, principal, day, mine=args["mine"])
    return s.VisitListSchema().dump({"date": day, "items": visits.visit_views(session, found)})


@bp.get("/visits/<int:id>")
@documented(summary="A visit: service, elder, date, room, worker, times, evidence and anomalies",
            response=s.VisitSchema, tag=TAG)
def get_visit(id):
    """One visit in the caller's scope."""
    principal, session = require_principal(), get_session()
    return _visit_out(session, visits.get_visit(session, principal, id))


@bp.post("/visits/<int:id>/check-in")
@documented(summary="Check in (the assigned care worker); without the right home code: verified false",
            body=s.CheckInSchema, response=s.VisitSchema, tag=TAG)
def check_in(id):
    """Check in now (server time)."""
    principal, session = require_principal(), get_session()
    data = load_body(s.CheckInSchema())
    visit = visits.get_visit(session, principal, id, for_update=True)
    return _visit_out(session, visits.check_in(session, principal, visit, data["home_code"]))


@bp.post("/visits/<int:id>/check-out")
@documented(summary="Check out with the outcome and a note (before check-in: 409)", body=s.CheckOutSchema,
            response=s.VisitSchema, tag=TAG)
def check_out(id):
    """Check out now (server time)."""
    principal, session = require_principal(), get_session()
    data = load_body(s.CheckOutSchema())
    visit = visits.get_visit(session, principal, id, for_update=True)
    return _visit_out(session, visits.check_out(session, principal, visit, data["outcome"], data["note"]))


@bp.post("/visits/<int:id>/cancellation")
@documented(summary="Cancel a visit not yet checked in (checked in or later: 409)", response=s.VisitSchema,
            tag=TAG)
def cancel(id):
    """Cancel a planned or missed visit."""
    principal, session = require_principal(), get_session()
    visit = visits.get_visit(session, principal, id, for_update=True)
    return _visit_out(session, visits.cancel(session, principal, visit))


@bp.post("/visits/<int:id>/confirmation")
@documented(summary="The elder's confirmation with their PIN (wrong: 422; locked after five wrong tries: 409)",
            body=s.ConfirmationSchema, response=s.VisitSchema, tag=TAG)
def confirm(id):
    """Confirm a checked-out visit."""
    principal, session = require_principal(), get_session()
    data = load_body(s.ConfirmationSchema())
    visit = visits.get_visit(session, principal, id, for_update=True)
    try:
        visits.confirm(session, principal, visit, data["pin"])
    except visits.WrongPin:
        # The refusal would roll the request back: commit the counted try first (nothing else
        # was written), which also releases the visit's lock only once the count is in.
        session.commit()
        raise
    return _visit_out(session, visit)


@bp.post("/visits/<int:id>/rating")
@documented(summary="Rate a delivered visit of your room once: 1-5 stars, a comment (residents; again: 409)",
            body=s.VisitRatingCreateSchema, response=s.VisitRatingSchema, status=201, tag=TAG)
def rate(id):
    """The household's rating of a checked-out or confirmed visit."""
    principal, session = require_principal(), get_session()
    data = load_body(s.VisitRatingCreateSchema())
    visit = visits.get_visit(session, principal, id, for_update=True)
    return s.VisitRatingSchema().dump(ratings.rate(session, principal, visit, **data)), 201


# ---- care plans and alerts ------------------------------------------------------------------------------

def _plans_out(session, found) -> dict:
    return {"items": plans.plan_rows(session, found)}


@bp.post("/care-plans")
@documented(summary="Add a recurring service for an elder (daily, weekdays, weekly on given days)",
            body=s.PlanCreateSchema, response=s.PlanSchema, status=201, tag=TAG)
def create_plan():
    """A care plan; the scheduler creates its visits for the coming 7 days."""
    principal, session = require_principal(), get_session()
    data = load_body(s.PlanCreateSchema())
    elder = elders.elder_for_input(session, principal, data.pop("elder"))
    plan = plans.create_plan(session, principal, elder, **data)
    return s.PlanSchema().dump(_plans_out(session, [plan])["items"][0]), 201


@bp.post("/care-plans/<int:id>/end")
@documented(summary="End a care plan today; its planned visits after today are cancelled (again: 409)",
            response=s.PlanSchema, tag=TAG)
def end_plan(id):
    """End a plan (the plan says otherwise from tomorrow)."""
    principal, session = require_principal(), get_session()
    plan = plans.get_plan(session, principal, id)
    plans.end_plan(session, principal, plan)
    return s.PlanSchema().dump(_plans_out(session, [plan])["items"][0])


@bp.get("/elders/<int:id>/care-plans")
@documented(summary="The elder's care plans", response=s.PlanListSchema, tag=TAG)
def list_plans(id):
    """Care plans of one elder."""
    principal, session = require_principal(), get_session()
    elder = elders.get_elder(session, principal, id)
    return s.PlanListSchema().dump(_plans_out(session, plans.plans_of(session, principal, elder)))


@bp.get("/visit-alerts")
@documented(summary="Safety alerts (missed check-ins) in scope, newest first; open ones by default",
            query=s.AlertQuerySchema, response=s.AlertListSchema, tag=TAG)
def list_alerts():
    """The alerts a manager works through."""
    principal, session = require_principal(), get_session()
    args = load_args(s.AlertQuerySchema())
    return s.AlertListSchema().dump({"items": alerts.list_alerts(session, principal, open_only=args["open"])})


@bp.post("/visit-alerts/<int:id>/acknowledgement")
@documented(summary="Acknowledge a safety alert with what was found (once; again: 409)",
            body=s.AcknowledgeSchema, response=s.AlertSchema, tag=TAG)
def acknowledge(id):
    """Record who acknowledged the alert, when and what they found."""
    principal, session = require_principal(), get_session()
    data = load_body(s.AcknowledgeSchema())
    return s.AlertSchema().dump(alerts.acknowledge(session, principal, id, data["finding"]))


# ---- emergency calls ----------------------------------------------------------------------------

@bp.post("/elders/<int:id>/emergency-calls")
@documented(summary="Log an emergency call of an elder, received now (care workers, managers)",
            body=s.EmergencyCallCreateSchema, response=s.EmergencyCallSchema, status=201, tag=TAG)
def log_call(id):
    """An emergency call (紧急呼叫) received at the server's time by the caller."""
    principal, session = require_principal(), get_session()
    data = load_body(s.EmergencyCallCreateSchema())
    elder = elders.get_elder(session, principal, id)
    call = calls.log_call(session, principal, elder, data["notes"])
    return s.EmergencyCallSchema().dump(calls.call_row(session, principal, call)), 201


@bp.post("/emergency-calls/<int:id>/response")
@documented(summary="Record the response to an emergency call (once; again: 409)", body=s.EmergencyCallResponseSchema,
            response=s.EmergencyCallSchema, tag=TAG)
def respond_to_call(id):
    """Who answered, when (now), the outcome and notes."""
    principal, session = require_principal(), get_session()
    data = load_body(s.EmergencyCallResponseSchema())
    call = calls.respond(session, principal, id, data["outcome"], data["notes"])
    return s.EmergencyCallSchema().dump(calls.call_row(session, principal, call))


@bp.get("/emergency-calls")
@documented(summary="Emergency calls in scope, newest first (`open`: not answered yet)",
            query=s.EmergencyCallQuerySchema, response=s.EmergencyCallListSchema, tag=TAG)
def list_calls():
    """The calls of the estates in scope, with the response time in minutes."""
    principal, session = require_principal(), get_session()
    args = load_args(s.EmergencyCallQuerySchema())
    estate = estates.get_estate(session, principal, args["estate"]) if args.get("estate") else None
    rows = calls.call_rows(session, principal, estate_id=estate.id if estate else None, open_only=args["open"])
    return s.EmergencyCallListSchema().dump({"items": rows})


# ---- monthly figures --------------------------------------------------------------------------------------

@bp.get("/eldercare/kpis")
@documented(summary="An estate's elder-care figures of a month and the 12 months' planned vs delivered visits "
                    "(managers, care workers, auditors)", query=s.CareKpiQuerySchema, response=s.CareKpiSchema, tag=TAG)
def estate_kpis():
    """Elders served, visits planned/delivered/verified/confirmed, missed check-ins, response times."""
    principal, session = require_principal(), get_session()
    args = load_args(s.CareKpiQuerySchema())
    estate = estates.get_estate(session, principal, args["estate"])
    month = args.get("month") or periods.period_of(clock.today())
    return s.CareKpiSchema().dump(kpis.estate_month(session, principal, estate, month))
