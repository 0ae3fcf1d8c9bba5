"""Billing API: fee plans, billing runs and a room's bills (CONTRACT.md)."""
from __future__ import annotations

from flask import Blueprint

from pms.billing.services import bills, plans, runs
from pms.billing.schemas.bills import (BillingRunListSchema, BillingRunQuerySchema, BillingRunRequestSchema,
                                 BillingRunSchema, BillListSchema, BillSchema, FeePlanDocumentSchema,
                                 FeePlanListSchema, FeePlanSchema)
from pms.core.api import load_args, load_body, load_json
from pms.core.openapi import documented
from pms.core.auth import require_principal
from pms.core.db import get_session
from pms.estates import services as estates

bp = Blueprint("billing_api", __name__)


@bp.put("/estates/<estate>/fee-plan")
@documented(summary="Load a fee plan document (manager); answers the stored plan with warnings",
            body=FeePlanDocumentSchema, response=FeePlanSchema, status=201, tag="billing")
def put_fee_plan(estate):
    """Validate and store a new fee plan for the estate."""
    principal, session = require_principal(), get_session()
    found = estates.get_estate(session, principal, estate)
    plans.ensure_may_load(principal)
    applied = plans.apply_fee_plan(session, found, load_json(), actor=principal.username)
    document = plans.plan_document(plans.plans_of_estate(session, found.id), applied.plan, applied.warnings)
    return FeePlanSchema().dump(document), 201


@bp.get("/estates/<estate>/fee-plans")
@documented(summary="The estate's fee plans, oldest first, with the periods each applies to",
            response=FeePlanListSchema, tag="billing")
def list_fee_plans(estate):
    """Every plan of the estate."""
    principal, session = require_principal(), get_session()
    found = estates.get_estate(session, principal, estate)
    plans.ensure_may_read(principal)
    stored = plans.plans_of_estate(session, found.id)
    return FeePlanListSchema().dump({"items": [plans.plan_document(stored, p) for p in stored]})


@bp.post("/billing-runs")
@documented(summary="Bill an estate for a period (finance, manager); idempotent: 201 when bills "
                    "were issued, 200 with bills_created 0 when the period was already billed",
            body=BillingRunRequestSchema, response=BillingRunSchema, status=201, also=(200,), tag="billing")
def create_billing_run():
    """Run billing for one estate and period."""
    principal, session = require_principal(), get_session()
    body = load_body(BillingRunRequestSchema())
    found = estates.get_estate(session, principal, body["estate"])
    runs.ensure_may_run(principal)
    result = runs.run_billing(session, found, body["period"], triggered_by=principal.username)
    return BillingRunSchema().dump(result), 201 if result.created else 200


@bp.get("/billing-runs")
@documented(summary="Billing runs in your scope with their totals", query=BillingRunQuerySchema,
            response=BillingRunListSchema, tag="billing")
def list_billing_runs():
    """Runs, newest period first, optionally of one estate or period."""
    principal, session = require_principal(), get_session()
    args = load_args(BillingRunQuerySchema())
    found = estates.get_estate(session, principal, args["estate"]) if args.get("estate") else None
    items, total = bills.run_page(session, principal, estate=found, period=args.get("period"),
                                  limit=args["limit"], offset=args["offset"])
    return BillingRunListSchema().dump({"items": items, "total": total, "limit": args["limit"],
                                        "offset": args["offset"]})


@bp.get("/rooms/<room>/bills")
@documented(summary="A room's bills with their lines, newest first", response=BillListSchema, tag="billing")
def room_bills(room):
    """The bills of one room in scope."""
    principal, session = require_principal(), get_session()
    found = estates.get_room(session, principal, room)
    return BillListSchema().dump({"items": bills.bills_of_rooms(session, principal, [found])})


@bp.get("/bills/<number>")
@documented(summary="One bill with its lines and their basis", response=BillSchema, tag="billing")
def get_bill(number):
    """One bill in scope."""
    principal, session = require_principal(), get_session()
    return BillSchema().dump(bills.get_bill(session, principal, number))
